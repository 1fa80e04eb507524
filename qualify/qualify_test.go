package qualify_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/aws"
	"qualstate/policy"
	"qualstate/policy/library"
	"qualstate/qualify"
	"qualstate/sandbox"
	"qualstate/sqlite"
)

// env is a TEST environment for one test: the sandbox behind loopback
// HTTP, reached through aws-sdk-go-v2, and a record store on disk.
type env struct {
	sb     *sandbox.Sandbox
	cloud  *aws.Client
	store  *sqlite.Store
	dbPath string
}

func newEnv(t *testing.T, opts sandbox.Options) *env { return newEnvTB(t, opts) }

func newEnvTB(t testing.TB, opts sandbox.Options) *env {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAQUALSTATETEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_ENDPOINT_URL", "")
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		sb.Close()
	})
	cloud, err := aws.New(t.Context(), aws.Options{Region: "us-east-1", EndpointURL: srv.URL, EnvName: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "qualstate.db")
	store, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &env{sb: sb, cloud: cloud, store: store, dbPath: dbPath}
}

func testEngine(t *testing.T) *policy.Engine {
	t.Helper()
	set, err := policy.LoadFile("testdata/requirements.yaml")
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policy.NewEngine(set)
	if err != nil {
		t.Fatal(err)
	}
	return engine
}

func (e *env) options(t *testing.T, engine *policy.Engine, file string, params map[string]string) qualify.Options {
	t.Helper()
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return qualify.Options{
		Store: e.store, Cloud: e.cloud, Engine: engine, TemplateFile: file, TemplateBody: body,
		Parameters: params, Challenge: qualstate.ChallengeAll, Executor: "tester", Tool: "test",
		DetectTimeout: 10 * time.Second,
	}
}

// cases returns the run's test cases of a stage and kind.
func (e *env) cases(t *testing.T, runID string, stage qualstate.Stage, kind string) []qualstate.TestCase {
	t.Helper()
	all, err := e.store.TestCases(t.Context(), runID)
	if err != nil {
		t.Fatal(err)
	}
	var out []qualstate.TestCase
	for _, c := range all {
		if c.Stage == stage && (kind == "" || c.Kind == kind) {
			out = append(out, c)
		}
	}
	return out
}

func (e *env) stackGone(t *testing.T, name string) bool {
	t.Helper()
	s, _, err := e.cloud.DescribeStack(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return s == nil
}

func TestQualificationPasses(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	run, err := qualify.Start(t.Context(), e.options(t, testEngine(t), "testdata/stack.yaml", nil))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if run.Status != qualstate.RunPassed || run.Result != qualstate.ResultPass {
		for _, c := range append(e.cases(t, run.ID, qualstate.StageIQ, ""), e.cases(t, run.ID, qualstate.StageOQ, "")...) {
			if c.Result != qualstate.ResultPass {
				t.Logf("%s %s %s %s: %s / %s", c.ID, c.Kind, c.LogicalID, c.Result, c.Actual, c.Reason)
			}
		}
		t.Fatalf("run %s: %s %s (%s), want passed", run.ID, run.Status, run.Result, run.Reason)
	}
	stored, err := e.store.Run(t.Context(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != qualstate.RunPassed || stored.Finished.IsZero() || stored.TemplateEvidence == "" || stored.RequirementSetEvidence == "" {
		t.Errorf("stored run = %+v", stored)
	}
	t.Run("static", func(t *testing.T) {
		if got := len(e.cases(t, run.ID, qualstate.StageStatic, qualstate.CaseCheck)); got != 3 {
			t.Errorf("%d static checks, want 3 (one per requirement and resource)", got)
		}
	})
	t.Run("installation", func(t *testing.T) {
		exists := e.cases(t, run.ID, qualstate.StageIQ, qualstate.CaseExists)
		if len(exists) != 3 {
			t.Errorf("%d exists cases, want 3", len(exists))
		}
		props := map[string]qualstate.TestCase{}
		for _, c := range e.cases(t, run.ID, qualstate.StageIQ, qualstate.CaseProperty) {
			props[c.LogicalID+c.Property] = c
		}
		// The queue's retention is a Number parameter, the key id a Ref
		// and the bucket's key a GetAtt: all resolved to live values.
		for _, want := range []string{"Events/MessageRetentionPeriod", "Events/KmsMasterKeyId", "Records/BucketEncryption", "Records/Tags", "Key/EnableKeyRotation"} {
			c, ok := props[want]
			if !ok {
				t.Errorf("no property case for %s", want)
				continue
			}
			if c.Result != qualstate.ResultPass || len(c.Evidence) == 0 {
				t.Errorf("%s: %s (%s), evidence %v", want, c.Result, c.Reason, c.Evidence)
			}
		}
		if c := props["Records/BucketEncryption"]; !strings.Contains(c.Expected, "arn:aws:kms:us-east-1:123456789012:key/") {
			t.Errorf("expected encryption %s, want the key's live ARN", c.Expected)
		}
	})
	t.Run("operational", func(t *testing.T) {
		challenges := e.cases(t, run.ID, qualstate.StageOQ, qualstate.CaseChallenge)
		reverts := e.cases(t, run.ID, qualstate.StageOQ, qualstate.CaseRevert)
		if len(challenges) != 3 || len(reverts) != 3 {
			t.Fatalf("%d challenges and %d reverts, want 3 each", len(challenges), len(reverts))
		}
		for _, c := range challenges {
			if c.Result != qualstate.ResultPass || c.Duration <= 0 || !strings.HasPrefix(c.Reason, "detected in") || len(c.Evidence) < 2 {
				t.Errorf("%s %s: %s %q duration %s evidence %d", c.ID, c.RequirementID, c.Result, c.Reason, c.Duration, len(c.Evidence))
			}
		}
	})
	t.Run("baseline", func(t *testing.T) {
		base, err := e.store.Baseline(t.Context(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(base) != 3 {
			t.Fatalf("baseline has %d resources, want 3", len(base))
		}
		for _, b := range base {
			if b.Identifier == "" || b.Evidence == "" || len(b.Properties) == 0 {
				t.Errorf("baseline %+v", b)
			}
		}
	})
	t.Run("evidence", func(t *testing.T) {
		digests, err := e.store.RunEvidence(t.Context(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		ops := map[string]bool{}
		for _, d := range digests {
			blob, err := e.store.Evidence(t.Context(), d)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := qualstate.OpenEvidence(d, blob)
			if err != nil {
				t.Fatal(err)
			}
			ops[ev.Operation] = true
			if strings.HasPrefix(ev.Operation, "input:") {
				continue
			}
			if ev.Account != "123456789012" || ev.Region != "us-east-1" || ev.Time.IsZero() || ev.Endpoint == "" {
				t.Errorf("evidence %s of %s: account %q region %q endpoint %q time %v", d[:12], ev.Operation, ev.Account, ev.Region, ev.Endpoint, ev.Time)
			}
		}
		for _, op := range []string{"input:Template", "input:RequirementSet", "cloudcontrol:GetResource", "cloudcontrol:GetResourceRequestStatus", "cloudformation:ListStackResources", "cloudformation:DescribeStacks"} {
			if !ops[op] {
				t.Errorf("no evidence of %s among %v", op, ops)
			}
		}
	})
	t.Run("torn down", func(t *testing.T) {
		if !e.stackGone(t, run.StackName) {
			t.Errorf("stack %s still exists", run.StackName)
		}
	})
}

func TestBuiltinLibraryOnTheExample(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	set, err := library.Set()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policy.NewEngine(set)
	if err != nil {
		t.Fatal(err)
	}
	opts := e.options(t, engine, "../examples/gxp-data-platform.yaml", map[string]string{"Environment": "prod", "DataClassification": "gxp-restricted"})
	run, err := qualify.Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if run.Status != qualstate.RunPassed && run.Status != qualstate.RunFailed {
		t.Fatalf("run %s %s: %s", run.ID, run.Status, run.Reason)
	}
	detected, reverted := 0, 0
	for _, c := range e.cases(t, run.ID, qualstate.StageOQ, "") {
		switch {
		case c.Kind == qualstate.CaseChallenge && c.Result == qualstate.ResultPass:
			detected++
		case c.Kind == qualstate.CaseRevert && c.Result == qualstate.ResultPass:
			reverted++
		case c.Result == qualstate.ResultFail || c.Result == qualstate.ResultError:
			t.Errorf("%s %s %s on %s: %s — %s", c.ID, c.Kind, c.RequirementID, c.LogicalID, c.Actual, c.Reason)
		}
	}
	if detected == 0 || reverted != detected {
		t.Errorf("%d challenges detected, %d reverted", detected, reverted)
	}
	for _, c := range e.cases(t, run.ID, qualstate.StageIQ, "") {
		if c.Kind != qualstate.CaseCheck && c.Result != qualstate.ResultPass {
			t.Errorf("%s %s %s%s: %s — expected %s, actual %s", c.ID, c.Kind, c.LogicalID, c.Property, c.Result, c.Expected, c.Actual)
		}
	}
}

func TestNoEchoValuesNeverReachTheRecord(t *testing.T) {
	const token = "tok-9f8e7d6c5b4a-secret"
	e := newEnv(t, sandbox.Options{})
	run, err := qualify.Start(t.Context(), e.options(t, testEngine(t), "testdata/noecho.yaml", map[string]string{"ApiToken": token}))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if run.Parameters["ApiToken"] != qualstate.Mask {
		t.Errorf("recorded parameters %v", run.Parameters)
	}
	// The token is live in the bucket's tags, so Cloud Control returns it:
	// the evidence must show the mask instead.
	masked := false
	digests, err := e.store.RunEvidence(t.Context(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range digests {
		blob, err := e.store.Evidence(t.Context(), d)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := qualstate.OpenEvidence(d, blob)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Operation == "cloudcontrol:GetResource" && ev.Redacted > 0 && strings.Contains(ev.Body, qualstate.Mask) {
			masked = true
		}
	}
	if !masked {
		t.Error("no GetResource evidence shows the token masked")
	}
	e.store.Close()
	for _, f := range []string{e.dbPath, e.dbPath + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(token)) {
			t.Errorf("%s holds the NoEcho value", filepath.Base(f))
		}
		// A literal write-only value is a secret too; only the template
		// evidence, kept byte for byte so it matches its digest, has it.
		if n := bytes.Count(b, []byte("literal-secret-in-template-4711")); n > 1 {
			t.Errorf("%s holds the literal secret %d times, want only in the template", filepath.Base(f), n)
		}
	}
}

func TestTemplateWithErrorsIsNotDeployed(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	run, err := qualify.Start(t.Context(), e.options(t, testEngine(t), "testdata/invalid.yaml", nil))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if run.Status != qualstate.RunFailed || !strings.Contains(run.Reason, "not deployed") {
		t.Errorf("run %s %s: %s", run.ID, run.Status, run.Reason)
	}
	tc := e.cases(t, run.ID, qualstate.StageStatic, qualify.CaseTemplate)
	if len(tc) != 1 || tc[0].Loc.File != "testdata/invalid.yaml" || tc[0].Loc.Line == 0 || !strings.Contains(tc[0].Actual, "VersioningConfiguraton") {
		t.Errorf("template cases %+v, want one naming the misspelt property and its line", tc)
	}
	if n := len(e.cases(t, run.ID, qualstate.StageIQ, "")); n != 0 {
		t.Errorf("%d IQ cases for a template never deployed", n)
	}
}

func TestStackThatRollsBack(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	run, err := qualify.Start(t.Context(), e.options(t, testEngine(t), "testdata/rollback.yaml", nil))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if run.Status != qualstate.RunFailed || !strings.Contains(run.Reason, "did not deploy") {
		t.Errorf("run %s %s: %s", run.ID, run.Status, run.Reason)
	}
	exists := e.cases(t, run.ID, qualstate.StageIQ, qualstate.CaseExists)
	if len(exists) != 1 || exists[0].Result != qualstate.ResultFail || !strings.Contains(exists[0].Reason, "AWS::Athena::WorkGroup") {
		t.Errorf("exists cases %+v", exists)
	}
	if !e.stackGone(t, run.StackName) {
		t.Errorf("the failed stack %s was not deleted", run.StackName)
	}
}

func TestCancelTearsDownAndResumeFinishes(t *testing.T) {
	e := newEnv(t, sandbox.Options{ResourceDelay: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	opts := e.options(t, testEngine(t), "testdata/stack.yaml", nil)
	opts.Progress = &cancelOnEvent{cancel: cancel}
	run, err := qualify.Start(ctx, opts)
	if err == nil || run == nil {
		t.Fatalf("Start after cancel: run %v, err %v", run, err)
	}
	if run.Status != qualstate.RunAborted {
		t.Fatalf("status %s, want aborted", run.Status)
	}
	if !e.stackGone(t, run.StackName) {
		t.Fatalf("stack %s left after Ctrl-C", run.StackName)
	}
	opts = e.options(t, testEngine(t), "testdata/stack.yaml", nil)
	resumed, err := qualify.Resume(t.Context(), run.ID[:8], opts)
	if err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if resumed.Status != qualstate.RunPassed || resumed.Attempt != 2 {
		t.Fatalf("resumed: %s attempt %d (%s)", resumed.Status, resumed.Attempt, resumed.Reason)
	}
	steps, err := e.store.Steps(t.Context(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	staticRuns := 0
	for _, s := range steps {
		if s.Name == "static" {
			staticRuns++
		}
	}
	if staticRuns != 1 {
		t.Errorf("static ran %d times, want once: the first attempt completed it", staticRuns)
	}
	if _, err := qualify.Resume(t.Context(), run.ID, opts); err == nil || qualstate.CodeOf(err) != qualstate.ErrInvalidInput {
		t.Errorf("resuming a passed run: %v", err)
	}
}

// cancelOnEvent cancels the run at the first stack event: mid-deployment.
type cancelOnEvent struct{ cancel context.CancelFunc }

func (c *cancelOnEvent) Stage(qualstate.Stage, string)   {}
func (c *cancelOnEvent) StackEvent(qualstate.StackEvent) { c.cancel() }
func (c *cancelOnEvent) Count(int, int)                  {}

func TestTypeCloudControlCannotRead(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	run, err := qualify.Start(t.Context(), e.options(t, testEngine(t), "testdata/unreadable.yaml", nil))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if run.Status != qualstate.RunFailed {
		t.Errorf("run %s: %s (%s), want failed", run.ID, run.Status, run.Reason)
	}
	var checks, props int
	for _, c := range e.cases(t, run.ID, qualstate.StageIQ, "") {
		if c.LogicalID != "Entry" {
			continue
		}
		switch c.Kind {
		case qualstate.CaseExists:
			if c.Result != qualstate.ResultPass {
				t.Errorf("exists: %s (%s)", c.Result, c.Reason)
			}
		case qualstate.CaseCheck:
			checks++
			if c.Result != qualstate.ResultError || !strings.Contains(c.Reason, "Cloud Control cannot read AWS::EC2::NetworkAclEntry") {
				t.Errorf("check: %s (%s)", c.Result, c.Reason)
			}
		case qualstate.CaseProperty:
			props++
			if c.Result != qualstate.ResultError {
				t.Errorf("property %s: %s (%s)", c.Property, c.Result, c.Reason)
			}
		}
	}
	if checks != 1 || props == 0 {
		t.Errorf("%d checks and %d property cases for the entry", checks, props)
	}
	if !e.stackGone(t, run.StackName) {
		t.Errorf("stack %s left behind", run.StackName)
	}
}
