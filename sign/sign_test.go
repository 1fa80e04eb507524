package sign_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"qualstate"
	"qualstate/sign"
	"qualstate/sqlite"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a Service on a real SQLite store in a temporary directory.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	path  string
	store *sqlite.Store
	svc   *sign.Service
	key   *qualstate.InstanceKey
	clock *clock
	admin *sign.Identity
}

// Passwords used throughout: long, not common, not sequences.
const (
	adminPass = "violet-anchor-83-harbour"
	userPass  = "copper-kettle-19-meadow"
	tempPass  = "Granite-Tulip-62-orbit"
	otherPass = "marble-falcon-45-river"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := newEmptyFixture(t)
	if err := f.svc.AddUser(f.ctx, nil, qualstate.User{ID: "ada", Name: "Ada Lovelace", Roles: []qualstate.Role{qualstate.RoleAdmin}}, adminPass); err != nil {
		t.Fatal(err)
	}
	f.admin = f.login("ada", adminPass)
	return f
}

// login signs in and fails the test when that is refused.
func (f *fixture) login(id, password string) *sign.Identity {
	f.t.Helper()
	_, ident, err := f.svc.Login(f.ctx, id, password)
	if err != nil {
		f.t.Fatalf("login %s: %v", id, err)
	}
	return ident
}

// addUser adds a user as the administrator and has the user replace the
// password the administrator set with userPass, so they can sign.
func (f *fixture) addUser(id, name string, roles ...qualstate.Role) {
	f.t.Helper()
	if err := f.svc.AddUser(f.ctx, f.admin, qualstate.User{ID: id, Name: name, Roles: roles}, tempPass); err != nil {
		f.t.Fatalf("add user %s: %v", id, err)
	}
	if err := f.svc.ChangePassword(f.ctx, id, tempPass, userPass); err != nil {
		f.t.Fatalf("change password of %s: %v", id, err)
	}
}

// events returns the audit trail.
func (f *fixture) events() []qualstate.AuditEvent {
	f.t.Helper()
	var out []qualstate.AuditEvent
	err := f.store.ScanAudit(f.ctx, 0, func(_ int64, data []byte) error {
		ev, err := qualstate.DecodeAuditEvent(data)
		out = append(out, ev)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// eventsFor returns the audit events with the action.
func (f *fixture) eventsFor(action string) []qualstate.AuditEvent {
	var out []qualstate.AuditEvent
	for _, ev := range f.events() {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

// raw opens the database file directly, as someone altering records
// outside qualstate would.
func (f *fixture) raw() *sql.DB {
	f.t.Helper()
	db, err := sql.Open("sqlite", f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	return db
}

func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	res, err := f.raw().ExecContext(f.ctx, query, args...)
	if err != nil {
		f.t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		f.t.Fatalf("%s: %d rows changed, want 1", query, n)
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantCode fails the test unless err is a qualstate.Error with the code.
func wantCode(t *testing.T, err error, code qualstate.ErrorCode) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	var qe *qualstate.Error
	if !errors.As(err, &qe) || qe.Code != code {
		t.Fatalf("error %q has code %s, want %s", err, qualstate.CodeOf(err), code)
	}
}

// newEmptyFixture is a Service on a store with no user yet.
func newEmptyFixture(t *testing.T) *fixture {
	t.Helper()
	clk := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "q.db")
	store, err := sqlite.Open(path, sqlite.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	key, err := qualstate.GenerateKey("qualstate-test")
	if err != nil {
		t.Fatal(err)
	}
	svc := sign.New(store, key, clk.Now)
	sign.SetCheapHashing(svc)
	return &fixture{t: t, ctx: qualstate.WithActor(context.Background(), "os:tester"), path: path, store: store, svc: svc, key: key, clock: clk}
}

// team adds the people of a qualification: eve executes runs and
// requests waivers, rita and ray review, apollo approves, olga audits.
func (f *fixture) team() {
	f.t.Helper()
	f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
	f.addUser("rita", "Rita Reviewer", qualstate.RoleReviewer)
	f.addUser("ray", "Raymond Quality", qualstate.RoleReviewer)
	f.addUser("apollo", "Apollo Approver", qualstate.RoleApprover)
	f.addUser("olga", "Olga Auditor", qualstate.RoleAuditor)
}

// as returns the components of a signature by the user, made outside a
// session.
func as(id string) sign.Components { return sign.Components{UserID: id, Password: userPass} }

// run records a finished run executed by executor, with its test cases.
func (f *fixture) run(id, executor string, status qualstate.RunStatus, cases ...qualstate.TestCase) *qualstate.Run {
	f.t.Helper()
	result := qualstate.ResultPass
	if status != qualstate.RunPassed {
		result = qualstate.ResultFail
	}
	now := f.clock.Now()
	r := &qualstate.Run{
		ID:                    id,
		TemplateFile:          "examples/gxp-data-platform.yaml",
		TemplateDigest:        "6f1ed002ab5595859014ebf0951522d9f1c8a0ee3c6f8e2c7e1a3a5c4f1e0b7a",
		RequirementSet:        "gxp-baseline",
		RequirementSetVersion: "1.2.0",
		RequirementSetSource:  "builtin",
		RequirementSetDigest:  "0c3d9f1e2b4a59687a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071",
		Environment:           qualstate.Environment{Name: "sandbox", Endpoint: "http://127.0.0.1:4566", Account: "000000000000", Region: "us-east-1"},
		StackName:             "qs-" + id,
		Challenge:             qualstate.ChallengeHigh,
		Executor:              executor,
		Attempt:               1,
		Status:                status,
		Result:                result,
		Started:               now.Add(-time.Hour),
		Finished:              now,
	}
	if status == qualstate.RunRunning {
		r.Result, r.Finished = "", time.Time{}
	}
	if err := f.store.CreateRun(f.ctx, r); err != nil {
		f.t.Fatal(err)
	}
	for i := range cases {
		cases[i].RunID = id
	}
	if err := f.store.AddTestCases(f.ctx, cases); err != nil {
		f.t.Fatal(err)
	}
	return r
}

// record returns a qualification record of the run, as the report
// package would freeze it.
func (f *fixture) record(runID string) []byte {
	f.t.Helper()
	return bytes.Replace(readFixture(f.t, "record.json"), []byte("run-fixture"), []byte(runID), 1)
}

// waiver requests a waiver of URS-LOG-02 on the fixture template by eve,
// expiring after d, and has apollo approve it.
func (f *fixture) waiver(d time.Duration) *qualstate.Waiver {
	f.t.Helper()
	w, err := f.svc.RequestWaiver(f.ctx, nil, as("eve"), qualstate.Waiver{
		RequirementID:  "URS-LOG-02",
		Scope:          qualstate.WaiverScope{Template: "gxp-data-platform.yaml", Resource: "AuditLogBucket"},
		Justification:  "The log archive account is being migrated; access logging resumes after cut-over.",
		RiskAssessment: "Low: CloudTrail data events cover the bucket meanwhile; reviewed weekly.",
		Expires:        f.clock.Now().Add(d),
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if w, err = f.svc.ApproveWaiver(f.ctx, nil, as("apollo"), w.ID, "accepted for the migration"); err != nil {
		f.t.Fatal(err)
	}
	return w
}

// waivedCase is a test case a waiver made pass.
func waivedCase(id string, w *qualstate.Waiver) qualstate.TestCase {
	return qualstate.TestCase{
		ID: id, Attempt: 1, Stage: qualstate.StageIQ, Kind: qualstate.CaseCheck,
		RequirementID: "URS-LOG-02", LogicalID: "AuditLogBucket", ResourceType: "AWS::S3::Bucket",
		Description: "access logging on", Expected: "true", Actual: "false",
		Result: qualstate.ResultWaived, Waiver: &qualstate.WaiverRef{ID: w.ID, Expires: w.Expires},
	}
}
