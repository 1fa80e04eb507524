package monitor

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"qualstate"
	"qualstate/aws"
	"qualstate/policy"
	"qualstate/qualify"
	"qualstate/report"
	"qualstate/sqlite"
)

// inert is a cloud whose service accepts every change and applies none:
// what a remediation meets when something else keeps putting a resource
// back the way it was. Everything else goes to the real sandbox.
type inert struct{ qualstate.Cloud }

func (c inert) UpdateResource(ctx context.Context, typeName, identifier string, _ []qualstate.PatchOp) (qualstate.Capture, error) {
	_, capture, err := c.GetResource(ctx, typeName, identifier)
	return capture, err
}

// registered qualifies the monitoring test stack in a sandbox, deploys it
// again as a production stack and registers that stack, with the monitor's
// cloud given by wrap.
func registered(t *testing.T, wrap func(qualstate.Cloud) qualstate.Cloud) (*Monitor, qualstate.Store, *aws.Client, *qualstate.Instance) {
	t.Helper()
	_, cloud := sandboxCloud(t)
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "qualstate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	set, err := policy.LoadFile("../cmd/qualstate/testdata/monitoring/requirements.yaml")
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policy.NewEngine(set)
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("../cmd/qualstate/testdata/monitoring/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	run, err := qualify.Start(t.Context(), qualify.Options{
		Store: store, Cloud: cloud, Engine: engine, TemplateFile: "stack.yaml", TemplateBody: body,
		Challenge: qualstate.ChallengeNone, Executor: "os:tester",
	})
	if err != nil || run.Status != qualstate.RunPassed {
		t.Fatalf("qualification: %v, %+v", err, run)
	}
	if _, _, err := cloud.Deploy(t.Context(), qualstate.DeployRequest{StackName: "records-prod", TemplateBody: body}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"treat.drift": "auto", "treat.grace": "0s"} {
		if err := store.PutSetting(t.Context(), k, v); err != nil {
			t.Fatal(err)
		}
	}
	m := New(Options{
		Store: store,
		Cloud: func(context.Context, *qualstate.Instance) (qualstate.Cloud, error) { return wrap(cloud), nil },
		Engine: func(ctx context.Context, run *qualstate.Run) (*policy.Engine, error) {
			set, err := report.RecordedSet(ctx, store, run)
			if err != nil {
				return nil, err
			}
			return policy.NewEngine(set)
		},
	})
	inst, _, err := m.Register(t.Context(), RegisterRequest{StackName: "records-prod", RunID: run.ID, Cloud: cloud, Actor: "os:tester"})
	if err != nil {
		t.Fatal(err)
	}
	if inst.Status != qualstate.QSQualified {
		t.Fatalf("registered as %s: %s", inst.Status, inst.StatusReason)
	}
	return m, store, cloud, inst
}

func TestRemediationThatDoesNotRestore(t *testing.T) {
	m, store, cloud, inst := registered(t, func(c qualstate.Cloud) qualstate.Cloud { return inert{c} })
	ctx := t.Context()
	baseline, err := store.InstanceBaseline(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(baseline, func(b qualstate.BaselineResource) bool { return b.LogicalID == "Records" })
	if _, err := cloud.UpdateResource(ctx, "AWS::S3::Bucket", baseline[i].Identifier,
		[]qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Suspended"}}}); err != nil {
		t.Fatal(err)
	}
	res, err := m.Evaluate(ctx, inst.ID, nil, false, "manual")
	if err != nil {
		t.Fatal(err)
	}
	var check *qualstate.Deviation
	for _, c := range res.Changes {
		if c.Action == "opened" && c.Deviation.Kind == qualstate.DeviationCheck {
			d := c.Deviation
			check = &d
		}
	}
	if check == nil || res.Instance.Status != qualstate.QSNonCompliant {
		t.Fatalf("evaluation after the change: status %s, changes %+v", res.Instance.Status, res.Changes)
	}

	tr, err := m.Treat(ctx, check.ID, TreatOptions{Actor: "system"})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Applied || tr.Restored || tr.Opened == nil {
		t.Fatalf("treatment: applied %v, restored %v, opened %v; want applied, not restored, a deviation opened", tr.Applied, tr.Restored, tr.Opened)
	}
	if tr.Opened.Kind != qualstate.DeviationRemediation || tr.Opened.State != qualstate.DeviationOpen {
		t.Errorf("the remediation's deviation: %s %s, want an open remediation deviation", tr.Opened.Kind, tr.Opened.State)
	}
	after, err := store.Deviation(ctx, check.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, h := range after.History {
		actions = append(actions, h.Action)
	}
	if after.State != qualstate.DeviationOpen || !slices.Equal(actions, []string{"opened", "treated", "reopened"}) {
		t.Errorf("deviation %s is %s with history %v; want open, history opened, treated, reopened", after.ID, after.State, actions)
	}
	got, err := store.Instance(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != qualstate.QSNonCompliant {
		t.Errorf("instance status %s, want non-compliant", got.Status)
	}

	// The same remediation is not applied again by itself: a person decides.
	again, err := m.Treat(ctx, check.ID, TreatOptions{Actor: "system"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Applied || again.Plan.Mode != qualstate.RemediationPropose {
		t.Errorf("second treatment: applied %v, mode %s; want a proposal only", again.Applied, again.Plan.Mode)
	}
}

func TestRegisterRefusesWhatIsNotQualified(t *testing.T) {
	m, store, cloud, inst := registered(t, func(c qualstate.Cloud) qualstate.Cloud { return c })
	ctx := t.Context()
	tests := []struct {
		name string
		req  RegisterRequest
		code qualstate.ErrorCode
	}{
		{"registered twice", RegisterRequest{StackName: "records-prod", RunID: inst.RunID, Cloud: cloud}, qualstate.ErrConflict},
		{"no such stack", RegisterRequest{StackName: "absent", RunID: inst.RunID, Cloud: cloud, ID: "absent"}, qualstate.ErrNotFound},
		{"no such run", RegisterRequest{StackName: "records-prod", RunID: "ffffffffffff", Cloud: cloud, ID: "other"}, qualstate.ErrNotFound},
		{"a bad id", RegisterRequest{StackName: "records-prod", RunID: inst.RunID, Cloud: cloud, ID: "a b"}, qualstate.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := m.Register(ctx, tt.req)
			if qualstate.CodeOf(err) != tt.code {
				t.Errorf("Register: %v (code %s), want code %s", err, qualstate.CodeOf(err), tt.code)
			}
		})
	}
	insts, err := store.Instances(ctx)
	if err != nil || len(insts) != 1 {
		t.Errorf("instances after refusals: %d, %v; want the one registered", len(insts), err)
	}
}
