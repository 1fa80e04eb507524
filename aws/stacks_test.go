package aws_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/sandbox"
)

// step runs f as a subtest and stops the test if it fails: the steps of a
// scenario build on each other.
func step(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}

// wantEventsInOrder checks that events run from the stack's first status
// to its last, each resource going from in progress to final.
func wantEventsInOrder(t *testing.T, events []qualstate.StackEvent, stack, first, last string, resources ...string) {
	t.Helper()
	if len(events) == 0 {
		t.Fatal("no events delivered")
	}
	if e := events[0]; e.LogicalID != stack || e.Status != first {
		t.Errorf("first event %s %s, want %s %s", e.LogicalID, e.Status, stack, first)
	}
	if e := events[len(events)-1]; e.LogicalID != stack || e.Status != last {
		t.Errorf("last event %s %s, want %s %s", e.LogicalID, e.Status, stack, last)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Time.Before(events[i-1].Time) {
			t.Errorf("event %d (%s %s) is older than the one before it", i, events[i].LogicalID, events[i].Status)
		}
	}
	for _, id := range resources {
		var statuses []string
		for _, e := range events {
			if e.LogicalID == id {
				statuses = append(statuses, e.Status)
			}
		}
		if len(statuses) < 2 || !strings.HasSuffix(statuses[0], "_IN_PROGRESS") || strings.HasSuffix(statuses[len(statuses)-1], "_IN_PROGRESS") {
			t.Errorf("%s: events %v, want in progress first and a final status last", id, statuses)
		}
	}
	seen := map[qualstate.StackEvent]bool{}
	for _, e := range events {
		if seen[e] {
			t.Errorf("event %s %s delivered twice", e.LogicalID, e.Status)
		}
		seen[e] = true
	}
}

func operations(caps []qualstate.Capture) []string {
	var ops []string
	for _, c := range caps {
		ops = append(ops, c.Operation)
	}
	return ops
}

// TestDeployLifecycle: create, update through a change set, an update
// without changes, resources, exports, deletion.
func TestDeployLifecycle(t *testing.T) {
	c, _ := setup(t)
	const name = "app"

	step(t, "create", func(t *testing.T) {
		st, caps, events := deploy(t, c, name, map[string]string{"Prefix": "app"})
		if st.Name != name || st.Status != "CREATE_COMPLETE" || !strings.Contains(st.ID, ":stack/app/") || st.Created.IsZero() {
			t.Errorf("stack = %+v", st)
		}
		if !strings.Contains(st.Outputs["LogGroupArn"], ":log-group:app-logs") || !strings.HasSuffix(st.Outputs["QueueUrl"], "/app-queue") {
			t.Errorf("outputs = %v", st.Outputs)
		}
		wantEventsInOrder(t, events, name, "CREATE_IN_PROGRESS", "CREATE_COMPLETE", "Logs", "Queue")
		ops := operations(caps)
		if ops[0] != "cloudformation:CreateStack" || ops[len(ops)-1] != "cloudformation:DescribeStacks" || !slices.Contains(ops, "cloudformation:DescribeStackEvents") {
			t.Errorf("capture operations %v, want CreateStack first, DescribeStackEvents, DescribeStacks last", ops)
		}
		last := caps[len(caps)-1]
		if !strings.Contains(string(last.Body), "<StackStatus>CREATE_COMPLETE</StackStatus>") {
			t.Errorf("final DescribeStacks capture does not show CREATE_COMPLETE: %s", last.Body)
		}
		for _, cp := range caps {
			if strings.Contains(cp.Request, "Resources") || strings.Contains(cp.Request, "app-logs") || strings.Contains(cp.Request, "Prefix") {
				t.Errorf("%s request summary %q carries the template or parameters", cp.Operation, cp.Request)
			}
			if !strings.HasPrefix(cp.Request, "StackName=") {
				t.Errorf("%s request summary %q does not name the stack", cp.Operation, cp.Request)
			}
		}
	})

	step(t, "StackResources", func(t *testing.T) {
		res, caps, err := c.StackResources(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]qualstate.StackResource{}
		for _, r := range res {
			got[r.LogicalID] = r
		}
		if r := got["Logs"]; r.Type != "AWS::Logs::LogGroup" || r.PhysicalID != "app-logs" || r.Status != "CREATE_COMPLETE" {
			t.Errorf("Logs = %+v", r)
		}
		if r := got["Queue"]; r.Type != "AWS::SQS::Queue" || !strings.HasSuffix(r.PhysicalID, "/app-queue") {
			t.Errorf("Queue = %+v", r)
		}
		if len(res) != 2 || len(caps) != 1 || caps[0].Operation != "cloudformation:ListStackResources" || caps[0].Request != "StackName=app" {
			t.Errorf("%d resources, captures %+v", len(res), caps)
		}
	})

	step(t, "Exports", func(t *testing.T) {
		ex, err := c.Exports(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(ex["app-queue-url"], "/app-queue") {
			t.Errorf("exports = %v, want app-queue-url", ex)
		}
	})

	step(t, "update through a change set", func(t *testing.T) {
		st, caps, events := deploy(t, c, name, map[string]string{"Prefix": "app", "RetentionInDays": "14"})
		if st.Status != "UPDATE_COMPLETE" {
			t.Errorf("status %s, want UPDATE_COMPLETE", st.Status)
		}
		wantEventsInOrder(t, events, name, "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "Logs")
		for _, e := range events {
			if strings.HasPrefix(e.Status, "CREATE_") {
				t.Errorf("event %s %s of the earlier creation delivered again", e.LogicalID, e.Status)
			}
		}
		ops := operations(caps)
		for _, want := range []string{"cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet", "cloudformation:ExecuteChangeSet"} {
			if !slices.Contains(ops, want) {
				t.Errorf("capture operations %v lack %s", ops, want)
			}
		}
		live, _, err := c.GetResource(t.Context(), "AWS::Logs::LogGroup", "app-logs")
		if err != nil {
			t.Fatal(err)
		}
		if live.Properties["RetentionInDays"] != int64(14) {
			t.Errorf("RetentionInDays = %#v after the update, want 14", live.Properties["RetentionInDays"])
		}
	})

	step(t, "update without changes", func(t *testing.T) {
		st, caps, events := deploy(t, c, name, map[string]string{"Prefix": "app", "RetentionInDays": "14"})
		if st.Status != "UPDATE_COMPLETE" {
			t.Errorf("status %s, want the stack unchanged in UPDATE_COMPLETE", st.Status)
		}
		if len(events) != 0 {
			t.Errorf("events %v for an update without changes", events)
		}
		if ops := operations(caps); slices.Contains(ops, "cloudformation:ExecuteChangeSet") || ops[len(ops)-1] != "cloudformation:DescribeStacks" {
			t.Errorf("capture operations %v: want no execution and DescribeStacks last", ops)
		}
	})

	step(t, "DeleteStack", func(t *testing.T) {
		var events []qualstate.StackEvent
		if err := c.DeleteStack(t.Context(), name, func(e qualstate.StackEvent) { events = append(events, e) }); err != nil {
			t.Fatal(err)
		}
		wantEventsInOrder(t, events, name, "DELETE_IN_PROGRESS", "DELETE_COMPLETE", "Logs", "Queue")
		st, capt, err := c.DescribeStack(t.Context(), name)
		if err != nil || st != nil || capt.Body != nil {
			t.Errorf("DescribeStack after deletion = %v, %v, want nil, nil", st, err)
		}
		_, _, err = c.GetResource(t.Context(), "AWS::Logs::LogGroup", "app-logs")
		wantCode(t, err, qualstate.ErrNotFound, "app-logs")
	})

	step(t, "deleting a missing stack", func(t *testing.T) {
		called := false
		if err := c.DeleteStack(t.Context(), "never-created", func(qualstate.StackEvent) { called = true }); err != nil {
			t.Errorf("DeleteStack of a missing stack: %v", err)
		}
		if called {
			t.Error("progress called for a stack that does not exist")
		}
	})
}

// TestDeployFailures: a stack that rolls back is an error naming the
// stack, the status and the resource that failed, with the stack.
func TestDeployFailures(t *testing.T) {
	c, _ := setup(t)
	body := fixture(t, "rollback.yaml")
	deployRollback := func(t *testing.T, name, bucket string) (*qualstate.Stack, []qualstate.StackEvent, error) {
		var events []qualstate.StackEvent
		st, _, err := c.Deploy(t.Context(), qualstate.DeployRequest{
			StackName: name, TemplateBody: body, Parameters: map[string]string{"Prefix": name, "BucketName": bucket},
			Progress: func(e qualstate.StackEvent) { events = append(events, e) },
		})
		return st, events, err
	}

	t.Run("creation rolls back", func(t *testing.T) {
		st, events, err := deployRollback(t, "rb", "Invalid_Name")
		wantCode(t, err, qualstate.ErrEnvironment, "stack rb", "ROLLBACK_COMPLETE", "Second (AWS::S3::Bucket) CREATE_FAILED", "Invalid_Name")
		if st == nil || st.Status != "ROLLBACK_COMPLETE" {
			t.Errorf("stack = %+v, want it returned in ROLLBACK_COMPLETE", st)
		}
		wantEventsInOrder(t, events, "rb", "CREATE_IN_PROGRESS", "ROLLBACK_COMPLETE", "First", "Second")
	})

	t.Run("a rolled back stack is replaced by the next deployment", func(t *testing.T) {
		var events []qualstate.StackEvent
		st, _, err := c.Deploy(t.Context(), qualstate.DeployRequest{
			StackName: "rb", TemplateBody: body, Parameters: map[string]string{"Prefix": "rb", "BucketName": "rb-bucket-ok"},
			Progress: func(e qualstate.StackEvent) { events = append(events, e) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != "CREATE_COMPLETE" {
			t.Errorf("status %s, want CREATE_COMPLETE", st.Status)
		}
		if events[0].Status != "DELETE_IN_PROGRESS" || events[len(events)-1].Status != "CREATE_COMPLETE" {
			t.Errorf("events from %s to %s, want the old stack's deletion then the creation", events[0].Status, events[len(events)-1].Status)
		}
	})

	t.Run("failed update rolls back", func(t *testing.T) {
		st, events, err := deployRollback(t, "rb", "Invalid_Name")
		wantCode(t, err, qualstate.ErrEnvironment, "stack rb", "UPDATE_ROLLBACK_COMPLETE", "Second (AWS::S3::Bucket) UPDATE_FAILED", "Invalid_Name")
		if st == nil || st.Status != "UPDATE_ROLLBACK_COMPLETE" {
			t.Errorf("stack = %+v", st)
		}
		for _, e := range events {
			if e.Status == "CREATE_COMPLETE" || e.Status == "DELETE_COMPLETE" && e.LogicalID == "rb" {
				t.Errorf("event %s %s of an earlier operation delivered", e.LogicalID, e.Status)
			}
		}
	})

	t.Run("invalid template", func(t *testing.T) {
		_, _, err := c.Deploy(t.Context(), qualstate.DeployRequest{StackName: "bad", TemplateBody: []byte("Resources: [")})
		wantCode(t, err, qualstate.ErrInvalidInput, "cloudformation:CreateStack on stack bad", "ValidationError")
		st, _, err := c.DescribeStack(t.Context(), "bad")
		if st != nil || err != nil {
			t.Errorf("DescribeStack after a refused template = %+v, %v", st, err)
		}
	})

	t.Run("request without a name or a body", func(t *testing.T) {
		_, _, err := c.Deploy(t.Context(), qualstate.DeployRequest{TemplateBody: body})
		wantCode(t, err, qualstate.ErrInvalidInput, "no stack name")
		_, _, err = c.Deploy(t.Context(), qualstate.DeployRequest{StackName: "x"})
		wantCode(t, err, qualstate.ErrInvalidInput, "empty template")
	})
}

// TestDeployCancelled: cancelling the context stops the wait and the
// error says so.
func TestDeployCancelled(t *testing.T) {
	isolate(t)
	// Slow resources and describe calls that answer at once keep the
	// stack in progress while the events arrive.
	_, srv := startSandbox(t, sandbox.Options{ResourceDelay: 300 * time.Millisecond, Settle: -1}, nil)
	c := newClient(t, srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, _, err := c.Deploy(ctx, qualstate.DeployRequest{
		StackName: "cancelled", TemplateBody: fixture(t, "stack.yaml"), Parameters: map[string]string{"Prefix": "cancelled"},
		Progress: func(qualstate.StackEvent) { cancel() },
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	wantCode(t, err, qualstate.ErrEnvironment)

	for name, call := range map[string]func(ctx context.Context) error{
		"Environment":   func(ctx context.Context) error { _, err := c.Environment(ctx); return err },
		"DescribeStack": func(ctx context.Context) error { _, _, err := c.DescribeStack(ctx, "cancelled"); return err },
		"GetResource": func(ctx context.Context) error {
			_, _, err := c.GetResource(ctx, "AWS::Logs::LogGroup", "cancelled-logs")
			return err
		},
		"DeleteStack": func(ctx context.Context) error { return c.DeleteStack(ctx, "cancelled", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			if err := call(ctxCanceled(t)); !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
		})
	}
}
