package monitor

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/aws"
	"qualstate/sandbox"
)

// sandboxCloud starts an in-memory sandbox behind a loopback server and
// returns its URL and a client of it.
func sandboxCloud(t *testing.T) (string, *aws.Client) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_REGION": "", "AWS_ENDPOINT_URL": "",
		"AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE":           filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	} {
		t.Setenv(k, v)
	}
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("closing the sandbox: %v", err)
		}
	})
	c, err := aws.New(t.Context(), aws.Options{Region: "us-east-1", EndpointURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, c
}

// TestSandboxEvents deploys a stack to a real sandbox, indexes it, changes
// a resource out of band through Cloud Control and follows the change from
// the sandbox's event log to the resource it touched and the drift it
// caused.
func TestSandboxEvents(t *testing.T) {
	url, cloud := sandboxCloud(t)
	ctx := t.Context()
	body, err := os.ReadFile("testdata/stacks/records.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stack, _, err := cloud.Deploy(ctx, qualstate.DeployRequest{StackName: "records", TemplateBody: body})
	if err != nil {
		t.Fatal(err)
	}
	srs, _, err := cloud.StackResources(ctx, "records")
	if err != nil {
		t.Fatal(err)
	}
	var baseline []qualstate.BaselineResource
	for _, sr := range srs {
		lr, _, err := cloud.GetResource(ctx, sr.Type, sr.PhysicalID)
		if err != nil {
			t.Fatal(err)
		}
		baseline = append(baseline, qualstate.BaselineResource{LogicalID: sr.LogicalID, ResourceType: sr.Type,
			PhysicalID: sr.PhysicalID, Identifier: lr.Identifier, Properties: lr.Properties})
	}
	index := NewIndex()
	index.Add("records", stack.Name, stack.ID, baseline)

	events := &SandboxEvents{URL: url}
	// The deployment's events are history: a monitor starting now skips them.
	if err := events.Latest(ctx); err != nil {
		t.Fatal(err)
	}
	if events.After == 0 {
		t.Fatal("Latest left After at 0 after a deployment")
	}
	if evs, err := events.Next(ctx, 0); err != nil || len(evs) != 0 {
		t.Fatalf("after Latest, Next = %d events, %v; want none", len(evs), err)
	}

	logs := baseline[slices.IndexFunc(baseline, func(b qualstate.BaselineResource) bool { return b.LogicalID == "Logs" })]
	patch := []qualstate.PatchOp{{Op: "replace", Path: "/RetentionInDays", Value: 7}}
	if _, err := cloud.UpdateResource(ctx, logs.ResourceType, logs.Identifier, patch); err != nil {
		t.Fatal(err)
	}

	var got []qualstate.ChangeEvent
	deadline := time.Now().Add(10 * time.Second)
	for len(got) == 0 && time.Now().Before(deadline) {
		evs, err := events.Next(ctx, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, evs...)
	}
	if len(got) == 0 {
		t.Fatal("no event for the update")
	}
	touched := map[string]bool{}
	var names []string
	for _, ev := range got {
		names = append(names, ev.Source+" "+ev.Name)
		for _, tg := range index.Match(ev) {
			if tg.Instance != "records" {
				t.Errorf("event %s matched instance %s", ev.Name, tg.Instance)
			}
			for _, l := range tg.LogicalIDs {
				touched[l] = true
			}
		}
	}
	if !touched["Logs"] || touched["Queue"] {
		t.Errorf("events %q touched %v, want Logs only", names, touched)
	}
	if !slices.Contains(names, "cloudcontrolapi.amazonaws.com UpdateResource") {
		t.Errorf("events %q lack Cloud Control's UpdateResource", names)
	}

	lr, _, err := cloud.GetResource(ctx, logs.ResourceType, logs.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	out := Evaluate(Input{
		Instance: &qualstate.Instance{ID: "records", StackName: "records"}, Baseline: baseline,
		Live: map[string]map[string]any{"Logs": lr.Properties}, Only: map[string]bool{"Logs": true}, Now: time.Now(),
	})
	var keys []string
	for _, o := range out.Observations {
		keys = append(keys, o.Key)
	}
	if want := []string{"drift|Logs|/RetentionInDays"}; !slices.Equal(keys, want) {
		t.Errorf("observations %q, want %q", keys, want)
	}
}

func TestSandboxEventsErrors(t *testing.T) {
	url, _ := sandboxCloud(t)
	tests := []struct {
		name   string
		events SandboxEvents
		want   string
	}{
		{"no URL", SandboxEvents{}, "no sandbox URL"},
		{"not a sandbox", SandboxEvents{URL: url + "/nothing-here"}, "sandbox events:"},
		{"refused after", SandboxEvents{URL: url, After: -1}, "after: not a sequence number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.events.Next(t.Context(), 0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
