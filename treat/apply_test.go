package treat_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/aws"
	"qualstate/cfn/schema"
	"qualstate/drift"
	"qualstate/sandbox"
	"qualstate/treat"
)

// cloud starts a sandbox behind loopback HTTP and returns a client of it
// through aws-sdk-go-v2, with the host's AWS configuration out of the way.
func cloud(t *testing.T) *aws.Client {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAQUALSTATETEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
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
	c, err := aws.New(t.Context(), aws.Options{Region: "us-east-1", EndpointURL: srv.URL, EnvName: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// deployBucket deploys testdata/stack.yaml and returns the bucket's
// baseline as registration records it: its live model after deployment.
func deployBucket(t *testing.T, c *aws.Client, stack string) *qualstate.BaselineResource {
	t.Helper()
	body, err := os.ReadFile("testdata/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Deploy(t.Context(), qualstate.DeployRequest{StackName: stack, TemplateBody: body}); err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	resources, _, err := c.StackResources(t.Context(), stack)
	if err != nil || len(resources) != 1 {
		t.Fatalf("StackResources = %+v, %v", resources, err)
	}
	r := resources[0]
	live, _, err := c.GetResource(t.Context(), r.Type, r.PhysicalID)
	if err != nil {
		t.Fatalf("GetResource: %v", err)
	}
	return &qualstate.BaselineResource{
		LogicalID: r.LogicalID, ResourceType: r.Type, PhysicalID: r.PhysicalID, Identifier: live.Identifier, Properties: live.Properties,
	}
}

// read returns the bucket's live model.
func read(t *testing.T, c *aws.Client, b *qualstate.BaselineResource) map[string]any {
	t.Helper()
	live, _, err := c.GetResource(t.Context(), b.ResourceType, b.Identifier)
	if err != nil {
		t.Fatalf("GetResource: %v", err)
	}
	return live.Properties
}

// versioned is the requirement's check: the bucket keeps object versions.
func versioned(model map[string]any) qualstate.Result {
	if v, _ := model["VersioningConfiguration"].(map[string]any); v["Status"] == "Enabled" {
		return qualstate.ResultPass
	}
	return qualstate.ResultFail
}

// TestApplyRestoresDrift changes a deployed bucket out of band, plans the
// treatment of the drift, proves the patched model passes the check, applies
// it through Cloud Control and reads the baseline back.
func TestApplyRestoresDrift(t *testing.T) {
	c := cloud(t)
	s, ok := schema.Lookup("AWS::S3::Bucket")
	if !ok {
		t.Fatal("no schema for AWS::S3::Bucket")
	}
	cfg := treat.DefaultConfig()
	cfg.DriftMode = qualstate.RemediationAuto
	tests := []struct {
		name      string
		path      string
		change    []qualstate.PatchOp
		patch     string // the plan's patch op
		passesNow bool   // whether the drifted model still passes the check
	}{
		{
			name: "a changed property is put back", path: "/VersioningConfiguration", patch: "add",
			change: []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Suspended"}}},
		},
		{
			name: "an added property is removed", path: "/AccelerateConfiguration", patch: "remove", passesNow: true,
			change: []qualstate.PatchOp{{Op: "add", Path: "/AccelerateConfiguration", Value: map[string]any{"AccelerationStatus": "Enabled"}}},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := deployBucket(t, c, fmt.Sprintf("treat-%d", i))
			if _, err := c.UpdateResource(t.Context(), b.ResourceType, b.Identifier, tt.change); err != nil {
				t.Fatalf("changing the bucket out of band: %v", err)
			}
			live := read(t, c, b)
			if got := versioned(live) == qualstate.ResultPass; got != tt.passesNow {
				t.Fatalf("the drifted bucket passes the check: %v, want %v", got, tt.passesNow)
			}
			now := time.Now()
			d := qualstate.Deviation{
				ID: "D-000001", Kind: qualstate.DeviationDrift, LogicalID: b.LogicalID, ResourceType: b.ResourceType,
				PhysicalID: b.PhysicalID, Path: tt.path, Opened: now.Add(-time.Hour), State: qualstate.DeviationOpen,
			}
			p := cfg.Plan(treat.Facts{Deviation: d, Baseline: b, Live: live, Now: now})
			if !p.Ready(now) || len(p.Patch) != 1 || p.Patch[0].Op != tt.patch {
				t.Fatalf("plan = %+v, want a ready %s", p, tt.patch)
			}
			patched, err := treat.Verify(versioned, live, p)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diffs := drift.Compare(s, b.Properties, patched).Differences; len(diffs) > 0 {
				t.Errorf("the verified model differs from the baseline: %+v", diffs)
			}
			capture, err := treat.Apply(t.Context(), c, p)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			// The capture is the request's final status, which the update
			// waits for.
			if !strings.HasPrefix(capture.Operation, "cloudcontrol:") || !strings.Contains(string(capture.Body), `"OperationStatus":"SUCCESS"`) {
				t.Errorf("capture = %s %q, want the update's successful outcome", capture.Operation, capture.Body)
			}
			after := read(t, c, b)
			if diffs := drift.Compare(s, b.Properties, after).Differences; len(diffs) > 0 {
				t.Errorf("after Apply the bucket differs from its baseline: %+v", diffs)
			}
			for k := range after {
				if _, ok := b.Properties[k]; !ok {
					t.Errorf("after Apply the bucket has %s, which its baseline does not", k)
				}
			}
			if versioned(after) != qualstate.ResultPass {
				t.Errorf("after Apply the bucket fails the check: %v", after["VersioningConfiguration"])
			}
		})
	}
}

// TestApplyRefuses proves a plan that may not go is never sent: the
// drifted bucket is left as it is.
func TestApplyRefuses(t *testing.T) {
	c := cloud(t)
	b := deployBucket(t, c, "treat-refused")
	suspended := []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Suspended"}}}
	if _, err := c.UpdateResource(t.Context(), b.ResourceType, b.Identifier, suspended); err != nil {
		t.Fatal(err)
	}
	restore := []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Enabled"}}}
	ready := treat.Plan{
		Deviation: "D-000002", Mode: qualstate.RemediationAuto, Patch: restore,
		TypeName: b.ResourceType, Identifier: b.Identifier, LogicalID: b.LogicalID,
	}
	tests := []struct {
		name   string
		change func(*treat.Plan)
		want   string
	}{
		{name: "proposed", change: func(p *treat.Plan) { p.Mode = qualstate.RemediationPropose }, want: "mode is propose, not auto"},
		{name: "off", change: func(p *treat.Plan) { p.Mode = qualstate.RemediationOff }, want: "mode is off"},
		{name: "refused", change: func(p *treat.Plan) { p.Refused = "a create-only property" }, want: "refused: a create-only property"},
		{name: "held", change: func(p *treat.Plan) { p.Hold = "change window sat 22:00/4h" }, want: "held: change window"},
		{name: "dry-run", change: func(p *treat.Plan) { p.Mode, p.Hold = qualstate.RemediationPropose, "dry-run" }, want: "not auto"},
		{name: "no patch", change: func(p *treat.Plan) { p.Patch = nil }, want: "no patch"},
		{name: "no resource", change: func(p *treat.Plan) { p.Identifier = "" }, want: "names no resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ready
			tt.change(&p)
			_, err := treat.Apply(t.Context(), c, p)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "D-000002") {
				t.Fatalf("Apply = %v, want an error saying %q", err, tt.want)
			}
			if code := qualstate.CodeOf(err); code != qualstate.ErrDenied {
				t.Errorf("code = %s, want %s", code, qualstate.ErrDenied)
			}
			if versioned(read(t, c, b)) == qualstate.ResultPass {
				t.Error("a refused plan changed the bucket")
			}
		})
	}
	t.Run("a resource that is gone", func(t *testing.T) {
		p := ready
		p.Identifier = "no-such-bucket"
		_, err := treat.Apply(t.Context(), c, p)
		if code := qualstate.CodeOf(err); code != qualstate.ErrNotFound {
			t.Errorf("Apply = %v (code %s), want %s", err, code, qualstate.ErrNotFound)
		}
	})
}

func TestVerify(t *testing.T) {
	live := map[string]any{"BucketName": "b", "VersioningConfiguration": map[string]any{"Status": "Suspended"}}
	restore := treat.Plan{Deviation: "D-1", Patch: []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Enabled"}}}}
	wrong := treat.Plan{Deviation: "D-1", Patch: []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Off"}}}}
	tests := []struct {
		name    string
		check   func(map[string]any) qualstate.Result
		live    map[string]any
		plan    treat.Plan
		status  any // VersioningConfiguration.Status of the model returned; nil when none
		wantErr string
	}{
		{name: "passes", check: versioned, live: live, plan: restore, status: "Enabled"},
		{name: "no check", live: live, plan: wrong, status: "Off"},
		{name: "fails the check", check: versioned, live: live, plan: wrong, status: "Off", wantErr: "does not pass the check (fail)"},
		{name: "no live model", check: versioned, plan: restore, wantErr: "could not be read"},
		{name: "no patch", check: versioned, live: live, plan: treat.Plan{Deviation: "D-1"}, wantErr: "no patch"},
		{
			name: "does not apply", check: versioned, live: live, wantErr: "does not apply",
			plan: treat.Plan{Deviation: "D-1", Patch: []qualstate.PatchOp{{Op: "remove", Path: "/Tags"}}},
		},
		{
			name: "not a model", check: versioned, live: live, wantErr: "turns the model into",
			plan: treat.Plan{Deviation: "D-1", Patch: []qualstate.PatchOp{{Op: "replace", Path: "", Value: "x"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := treat.Verify(tt.check, tt.live, tt.plan)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Verify = %v, want an error with %q", err, tt.wantErr)
			}
			var status any
			if v, ok := got["VersioningConfiguration"].(map[string]any); ok {
				status = v["Status"]
			}
			if status != tt.status {
				t.Errorf("patched status = %v, want %v", status, tt.status)
			}
			if live["VersioningConfiguration"].(map[string]any)["Status"] != "Suspended" {
				t.Fatal("Verify changed the live model")
			}
		})
	}
}
