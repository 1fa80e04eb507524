// Package storetest is the conformance suite of qualstate.Store: every
// implementation runs it from its own tests, so all of them keep the same
// contract.
//
// Beyond the interface's documentation, the suite holds implementations to
// these rules:
//
//   - Times come back as the same instants, to the nanosecond, in any
//     location; the suite compares them in UTC.
//   - Nil and empty maps and slices are the same record.
//   - Run accepts an exact id of any length, or a prefix of at least six
//     characters matched byte for byte (case and LIKE wildcards included).
//     A shorter prefix, or one no id starts with, is ErrNotFound with the
//     message "run ID not found"; one several ids start with is
//     ErrInvalidInput naming them.
//   - Runs orders by Started, newest first, then by id ascending; a
//     negative Limit is ErrInvalidInput. Ids and logical ids are ordered
//     byte by byte, as Go compares strings, whatever the database's
//     collation.
//   - Writing a step, test cases, evidence or a baseline for a run not
//     recorded is ErrNotFound, and so is reading them for one; a run with
//     none recorded reads as empty.
//   - CreateRun with a recorded id, a step with Seq below 1, a record with
//     an empty id and evidence that does not hash to its digest are
//     ErrInvalidInput and write nothing.
//   - Baseline property values come back as the live model has them:
//     int64 for integers, float64 for other numbers, string, bool, nil,
//     []any, map[string]any. A whole float64 may come back as int64.
//   - Each write appends the events the records contract names, in the
//     order it changes the records (a baseline's removed resources last),
//     and a rewrite that leaves a record's bytes as they were appends
//     none. Each event's Before is the After of the last event on its
//     subject, and RecordDigests gives, for every subject, the After of
//     its last event. A refused write appends nothing.
//   - AppendAudit ignores the Seq and Time it is given; an event without
//     an action or a subject is ErrInvalidInput. ScanAudit from a
//     negative seq is ErrInvalidInput; the bytes it gives are fn's to
//     keep.
//   - SealAudit refuses, as ErrInvalidInput, a seal whose new size is not
//     above its size or beyond the events recorded, whose checkpoint is
//     of another size, or whose hashes do not start at the count of those
//     stored (tlog stores them without gaps). AuditHashes of an index not
//     stored is ErrNotFound.
//   - User ids are compared without regard to case, in lookups too; the
//     id as first recorded is the one kept. A credential naming another
//     user is ErrInvalidInput. Writing a credential or a session of a
//     user not recorded is ErrNotFound; rewriting a session as another
//     user's is ErrConflict.
//   - Sign refuses, writing nothing: a signature without an id, subject,
//     record digest, signer or meaning, or whose record is not stored
//     (ErrInvalidInput); a review of a run not recorded, a decision on a
//     waiver never requested (ErrNotFound). The signature's event has the
//     reason "MEANING" or "MEANING: REASON".
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"qualstate"
)

// opener is Run's argument: it returns a fresh, empty store, and a function
// (nil when the store cannot be opened again) that opens the same database
// again without closing anything. The suite closes every store it is
// given.
type opener = func(t *testing.T) (s qualstate.Store, reopen func(t *testing.T) qualstate.Store)

// Run runs the suite. open returns a fresh, empty store; reopen (may be nil)
// closes nothing itself and opens the same database again, to prove
// durability across restarts. The suite closes every store it is given.
func Run(t *testing.T, open func(t *testing.T) (s qualstate.Store, reopen func(t *testing.T) qualstate.Store)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"RunRoundTrip", testRunRoundTrip},
		{"CreateRunRejects", testCreateRunRejects},
		{"UpdateRun", testUpdateRun},
		{"RunByPrefix", testRunByPrefix},
		{"Runs", testRuns},
		{"Steps", testSteps},
		{"TestCases", testTestCases},
		{"TestCasesAtomic", testTestCasesAtomic},
		{"Evidence", testEvidence},
		{"EvidenceRejected", testEvidenceRejected},
		{"Baseline", testBaseline},
		{"BaselineValueTypes", testBaselineValueTypes},
		{"NotFound", testNotFound},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Durability", testDurability},
		{"AuditTrail", testAuditTrail},
		{"AppendAudit", testAppendAudit},
		{"SealAudit", testSealAudit},
		{"Users", testUsers},
		{"Settings", testSettings},
		{"Sign", testSign},
		{"Instances", testInstances},
		{"InstanceBaseline", testInstanceBaseline},
		{"InstanceEvidence", testInstanceEvidence},
		{"Deviations", testDeviations},
		{"DeviationIDs", testDeviationIDs},
		{"DeviationFilter", testDeviationFilter},
		{"DeviationRace", testDeviationRace},
		{"Evaluations", testEvaluations},
		{"MonitorAudit", testMonitorAudit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// fresh returns an empty store, closed when the test ends.
func fresh(t *testing.T, open opener) qualstate.Store {
	t.Helper()
	s, _ := open(t)
	closeAtEnd(t, s)
	return s
}

func closeAtEnd(t *testing.T, s qualstate.Store) {
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// t0 is in a zone other than UTC and has nanoseconds, so that a store
// losing either shows.
var t0 = time.Date(2026, 11, 23, 9, 30, 15, 123456789, time.FixedZone("CET", 3600))

// fullRun returns a run with every field set.
func fullRun(id string) *qualstate.Run {
	return &qualstate.Run{
		ID:                     id,
		TemplateFile:           "examples/s3/encrypted-bucket.yaml",
		TemplateDigest:         strings.Repeat("ab", 32),
		TemplateEvidence:       strings.Repeat("cd", 32),
		RequirementSet:         "gxp-baseline",
		RequirementSetVersion:  "1.2.0",
		RequirementSetSource:   "builtin",
		RequirementSetDigest:   strings.Repeat("ef", 32),
		RequirementSetEvidence: strings.Repeat("fe", 32),
		Environment: qualstate.Environment{
			Name: "sandbox", Endpoint: "http://127.0.0.1:4566", Account: "000000000000",
			Region: "eu-central-1", Partition: "aws",
		},
		StackName:  "qs-" + id,
		Parameters: map[string]string{"BucketName": "records-é", "Password": qualstate.Mask},
		Challenge:  qualstate.ChallengeAll,
		Keep:       true,
		Executor:   "jdoe",
		Owner:      "build-host:4242",
		Heartbeat:  t0.Add(90 * time.Second),
		Attempt:    2,
		Status:     qualstate.RunFailed,
		Stage:      qualstate.StageOQ,
		Result:     qualstate.ResultFail,
		Reason:     "2 of 14 test cases failed",
		Started:    t0,
		Finished:   t0.Add(2 * time.Minute),
		Tool:       "qualstate 0.9.0",
	}
}

func fullStep(runID string, seq int) qualstate.Step {
	return qualstate.Step{
		RunID: runID, Seq: seq, Attempt: 1, Stage: qualstate.StageIQ,
		Name: fmt.Sprintf("deploy %d", seq), Status: qualstate.StepDone, Detail: "stack CREATE_COMPLETE",
		Started: t0.Add(time.Duration(seq) * time.Second), Finished: t0.Add(time.Duration(seq)*time.Second + 500*time.Millisecond),
	}
}

func fullCase(runID, id string) qualstate.TestCase {
	return qualstate.TestCase{
		RunID: runID, ID: id, Attempt: 1, Stage: qualstate.StageIQ, Kind: qualstate.CaseCheck,
		RequirementID: "S3-ENC-01", Risk: qualstate.RiskHigh,
		Controls:     []qualstate.Control{"nist-800-53:SC-28", "21-cfr-11:11.10(c)"},
		ResourceType: "AWS::S3::Bucket", LogicalID: "Records", PhysicalID: "records-1a2b",
		Property:    "/BucketEncryption/ServerSideEncryptionConfiguration/0",
		Description: "bucket encrypted at rest with KMS", Expected: `"aws:kms"`, Actual: `"aws:kms"`,
		Result: qualstate.ResultPass, Reason: "SSEAlgorithm is aws:kms",
		Waiver:   &qualstate.WaiverRef{ID: "W-0007", Expires: t0.Add(30 * 24 * time.Hour)},
		Loc:      qualstate.Location{File: "bucket.yaml", Line: 12, Column: 7},
		Evidence: []string{strings.Repeat("01", 32)},
		Duration: 1500 * time.Millisecond, Time: t0.Add(time.Minute),
	}
}

func fullBaseline(logicalID string) qualstate.BaselineResource {
	return qualstate.BaselineResource{
		LogicalID: logicalID, ResourceType: "AWS::S3::Bucket", PhysicalID: "phys-" + logicalID,
		Identifier: "id-" + logicalID,
		Properties: map[string]any{"BucketName": "phys-" + logicalID, "ObjectLockEnabled": true},
		Evidence:   strings.Repeat("02", 32),
	}
}

// sealed returns the digest and blob of a piece of evidence whose body is
// body.
func sealed(t *testing.T, body string) (string, []byte, *qualstate.Evidence) {
	t.Helper()
	e := &qualstate.Evidence{
		Operation: "cloudcontrol:GetResource", Request: `{"Identifier":"records"}`, Time: t0,
		Endpoint: "http://127.0.0.1:4566", Account: "000000000000", Region: "eu-central-1",
		ContentType: "application/x-amz-json-1.0", Redacted: 1, Body: body,
	}
	digest, blob, err := e.Seal()
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return digest, blob, e
}

// requireAllSet fails the test when the fixture leaves a field at its zero
// value: the suite would then not prove that field round-trips.
func requireAllSet(t *testing.T, v any) {
	t.Helper()
	rv := reflect.Indirect(reflect.ValueOf(v))
	var walk func(rv reflect.Value, path string)
	walk = func(rv reflect.Value, path string) {
		for i := range rv.NumField() {
			f, name := rv.Field(i), path+rv.Type().Field(i).Name
			if f.IsZero() {
				t.Errorf("fixture %s leaves %s unset", rv.Type(), name)
				continue
			}
			if f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[time.Time]() {
				walk(f, name+".")
			}
		}
	}
	walk(rv, "")
}

func runUTC(r *qualstate.Run) qualstate.Run {
	c := *r
	c.Heartbeat, c.Started, c.Finished = c.Heartbeat.UTC(), c.Started.UTC(), c.Finished.UTC()
	if len(c.Parameters) == 0 {
		c.Parameters = nil
	}
	return c
}

func stepsUTC(steps []qualstate.Step) []qualstate.Step {
	out := make([]qualstate.Step, len(steps))
	for i, s := range steps {
		s.Started, s.Finished = s.Started.UTC(), s.Finished.UTC()
		out[i] = s
	}
	return out
}

func casesUTC(cases []qualstate.TestCase) []qualstate.TestCase {
	out := make([]qualstate.TestCase, len(cases))
	for i, c := range cases {
		c.Time = c.Time.UTC()
		if c.Waiver != nil {
			w := *c.Waiver
			w.Expires = w.Expires.UTC()
			c.Waiver = &w
		}
		if len(c.Controls) == 0 {
			c.Controls = nil
		}
		if len(c.Evidence) == 0 {
			c.Evidence = nil
		}
		out[i] = c
	}
	return out
}

// same fails the test unless got and want are deeply equal, showing both
// as JSON.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s:\n got: %s\nwant: %s", what, g, w)
	}
}

// wantCode fails the test unless err carries the code.
func wantCode(t *testing.T, what string, err error, code qualstate.ErrorCode) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s", what, code)
		return
	}
	if got := qualstate.CodeOf(err); got != code {
		t.Errorf("%s: error %q has code %s, want %s", what, err, got, code)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func createRuns(t *testing.T, s qualstate.Store, runs ...*qualstate.Run) {
	t.Helper()
	for _, r := range runs {
		must(t, "CreateRun "+r.ID, s.CreateRun(t.Context(), r))
	}
}

func runIDs(runs []*qualstate.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

func testRunRoundTrip(t *testing.T, open opener) {
	requireAllSet(t, fullRun("x"))
	s := fresh(t, open)
	tests := []struct {
		name string
		run  *qualstate.Run
	}{
		{"every field set", fullRun("run-full-0001")},
		{"only an id", &qualstate.Run{ID: "run-bare-0001"}},
		{"running, times in UTC", &qualstate.Run{ID: "run-utc-0001", Status: qualstate.RunRunning,
			Started: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Parameters: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := *tt.run
			must(t, "CreateRun", s.CreateRun(t.Context(), tt.run))
			same(t, "CreateRun changed its argument", *tt.run, in)
			got, err := s.Run(t.Context(), tt.run.ID)
			must(t, "Run", err)
			same(t, "Run", runUTC(got), runUTC(tt.run))
		})
	}
}

func testCreateRunRejects(t *testing.T, open opener) {
	s := fresh(t, open)
	first := fullRun("run-dup-0001")
	createRuns(t, s, first)
	second := fullRun("run-dup-0001")
	second.Executor, second.Status = "mallory", qualstate.RunPassed
	tests := []struct {
		name string
		run  *qualstate.Run
	}{
		{"recorded id", second},
		{"empty id", &qualstate.Run{Status: qualstate.RunRunning}},
		{"nil run", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "CreateRun", s.CreateRun(t.Context(), tt.run), qualstate.ErrInvalidInput)
		})
	}
	got, err := s.Run(t.Context(), first.ID)
	must(t, "Run", err)
	same(t, "the first run after a rejected duplicate", runUTC(got), runUTC(first))
	all, err := s.Runs(t.Context(), qualstate.RunFilter{})
	must(t, "Runs", err)
	same(t, "runs after rejected creates", runIDs(all), []string{first.ID})
}

func testUpdateRun(t *testing.T, open opener) {
	s := fresh(t, open)
	run := &qualstate.Run{ID: "run-upd-0001", Status: qualstate.RunRunning, Started: t0, Attempt: 1}
	createRuns(t, s, run)

	updated := fullRun(run.ID)
	updated.Status = qualstate.RunPassed
	updated.Started = t0.Add(-time.Hour)
	must(t, "UpdateRun", s.UpdateRun(t.Context(), updated))
	got, err := s.Run(t.Context(), run.ID)
	must(t, "Run", err)
	same(t, "run after update", runUTC(got), runUTC(updated))

	// What Runs filters and orders on must follow the update too.
	for _, tt := range []struct {
		status qualstate.RunStatus
		want   []string
	}{
		{qualstate.RunPassed, []string{run.ID}},
		{qualstate.RunRunning, []string{}},
	} {
		t.Run("status "+string(tt.status), func(t *testing.T) {
			list, err := s.Runs(t.Context(), qualstate.RunFilter{Status: tt.status})
			must(t, "Runs", err)
			same(t, "Runs", runIDs(list), tt.want)
		})
	}

	t.Run("unknown run", func(t *testing.T) {
		wantCode(t, "UpdateRun", s.UpdateRun(t.Context(), fullRun("run-none-0001")), qualstate.ErrNotFound)
		_, err := s.Run(t.Context(), "run-none-0001")
		wantCode(t, "Run after a failed update", err, qualstate.ErrNotFound)
	})
}

func testRunByPrefix(t *testing.T, open opener) {
	s := fresh(t, open)
	ids := []string{"a1b2c3d4e5f6", "a1b2c3d4ffff", "a1b2c3e5aaaa", "9f8e7d6c5b4a", "short", "q_1234567", "qx1234567", "q%12345678"}
	for _, id := range ids {
		createRuns(t, s, &qualstate.Run{ID: id, Status: qualstate.RunRunning, Started: t0})
	}
	tests := []struct {
		name    string
		id      string
		want    string              // the run found
		code    qualstate.ErrorCode // else the error
		mention []string            // what the error message names
		omit    []string            // what it must not
	}{
		{name: "exact id", id: "a1b2c3d4e5f6", want: "a1b2c3d4e5f6"},
		{name: "exact id shorter than a prefix may be", id: "short", want: "short"},
		{name: "unique six-character prefix", id: "9f8e7d", want: "9f8e7d6c5b4a"},
		{name: "unique longer prefix", id: "a1b2c3d4e", want: "a1b2c3d4e5f6"},
		{name: "underscore is not a wildcard", id: "q_1234", want: "q_1234567"},
		{name: "percent is not a wildcard", id: "q%1234", want: "q%12345678"},
		{name: "ambiguous prefix", id: "a1b2c3", code: qualstate.ErrInvalidInput,
			mention: []string{"a1b2c3d4e5f6", "a1b2c3d4ffff", "a1b2c3e5aaaa"}},
		{name: "ambiguous longer prefix", id: "a1b2c3d4", code: qualstate.ErrInvalidInput,
			mention: []string{"a1b2c3d4e5f6", "a1b2c3d4ffff"}, omit: []string{"a1b2c3e5aaaa"}},
		{name: "prefix too short", id: "9f8e7", code: qualstate.ErrNotFound, mention: []string{"run 9f8e7 not found"}},
		{name: "no such run", id: "ffffff", code: qualstate.ErrNotFound, mention: []string{"run ffffff not found"}},
		{name: "infix is no prefix", id: "b2c3d4", code: qualstate.ErrNotFound},
		{name: "ids are case-sensitive", id: "A1B2C3D4E5F6", code: qualstate.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Run(t.Context(), tt.id)
			if tt.code == "" {
				must(t, "Run", err)
				if got.ID != tt.want {
					t.Errorf("Run(%q) = %s, want %s", tt.id, got.ID, tt.want)
				}
				return
			}
			wantCode(t, fmt.Sprintf("Run(%q)", tt.id), err, tt.code)
			if err == nil {
				return
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Run(%q): error %q does not mention %s", tt.id, err, m)
				}
			}
			for _, m := range tt.omit {
				if strings.Contains(err.Error(), m) {
					t.Errorf("Run(%q): error %q names %s, which does not match", tt.id, err, m)
				}
			}
		})
	}
}

func testRuns(t *testing.T, open opener) {
	s := fresh(t, open)
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	mk := func(id string, started time.Time, status qualstate.RunStatus) *qualstate.Run {
		return &qualstate.Run{ID: id, Started: started, Status: status}
	}
	// Created out of order. r-east was started at 08:00 UTC though its
	// local clock read 10:00, and r-half half a second after r-b and
	// r-c, so a store ordering by text or by whole seconds fails.
	createRuns(t, s,
		mk("r-c", base, qualstate.RunPassed),
		mk("r-east", base.Add(-2*time.Hour).In(time.FixedZone("EET", 2*3600)), qualstate.RunFailed),
		mk("r-half", base.Add(500*time.Millisecond), qualstate.RunRunning),
		mk("r-old", base.Add(-24*time.Hour), qualstate.RunPassed),
		mk("r-b", base, qualstate.RunFailed),
		mk("r-new", base.Add(time.Hour), qualstate.RunPassed),
	)
	tests := []struct {
		name   string
		filter qualstate.RunFilter
		want   []string
	}{
		{"all, newest first, ties by id", qualstate.RunFilter{}, []string{"r-new", "r-half", "r-b", "r-c", "r-east", "r-old"}},
		{"by status", qualstate.RunFilter{Status: qualstate.RunPassed}, []string{"r-new", "r-c", "r-old"}},
		{"limit", qualstate.RunFilter{Limit: 2}, []string{"r-new", "r-half"}},
		{"limit above count", qualstate.RunFilter{Limit: 100}, []string{"r-new", "r-half", "r-b", "r-c", "r-east", "r-old"}},
		{"status and limit", qualstate.RunFilter{Status: qualstate.RunFailed, Limit: 1}, []string{"r-b"}},
		{"status with no runs", qualstate.RunFilter{Status: qualstate.RunAborted}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Runs(t.Context(), tt.filter)
			must(t, "Runs", err)
			same(t, fmt.Sprintf("Runs(%+v)", tt.filter), runIDs(got), tt.want)
		})
	}
	t.Run("negative limit", func(t *testing.T) {
		_, err := s.Runs(t.Context(), qualstate.RunFilter{Limit: -1})
		wantCode(t, "Runs", err, qualstate.ErrInvalidInput)
	})
	t.Run("records are whole", func(t *testing.T) {
		full := fullRun("r-full")
		full.Started = base.Add(48 * time.Hour)
		createRuns(t, s, full)
		got, err := s.Runs(t.Context(), qualstate.RunFilter{Limit: 1})
		must(t, "Runs", err)
		if len(got) != 1 {
			t.Fatalf("Runs(limit 1) returned %d runs", len(got))
		}
		same(t, "listed run", runUTC(got[0]), runUTC(full))
	})
}

func testSteps(t *testing.T, open opener) {
	requireAllSet(t, fullStep("x", 1))
	s := fresh(t, open)
	createRuns(t, s, &qualstate.Run{ID: "run-steps-01"}, &qualstate.Run{ID: "run-steps-02"}, &qualstate.Run{ID: "run-steps-03"})
	const id = "run-steps-01"
	running := func(seq int) qualstate.Step {
		st := fullStep(id, seq)
		st.Status, st.Finished, st.Detail = qualstate.StepRunning, time.Time{}, ""
		return st
	}
	for _, st := range []qualstate.Step{running(3), running(1), fullStep("run-steps-02", 1), running(2), fullStep(id, 2)} {
		must(t, fmt.Sprintf("PutStep %s/%d", st.RunID, st.Seq), s.PutStep(t.Context(), st))
	}
	tests := []struct {
		name  string
		runID string
		want  []qualstate.Step
	}{
		{"in seq order, rewritten step ended", id, []qualstate.Step{running(1), fullStep(id, 2), running(3)}},
		{"another run's steps apart", "run-steps-02", []qualstate.Step{fullStep("run-steps-02", 1)}},
		{"a run with none", "run-steps-03", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Steps(t.Context(), tt.runID)
			must(t, "Steps", err)
			same(t, "Steps", stepsUTC(got), stepsUTC(tt.want))
		})
	}
	for _, tt := range []struct {
		name string
		step qualstate.Step
		code qualstate.ErrorCode
	}{
		{"seq zero", running(0), qualstate.ErrInvalidInput},
		{"no run id", fullStep("", 4), qualstate.ErrInvalidInput},
		{"unknown run", fullStep("run-none-0001", 1), qualstate.ErrNotFound},
	} {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			wantCode(t, "PutStep", s.PutStep(t.Context(), tt.step), tt.code)
			got, err := s.Steps(t.Context(), id)
			must(t, "Steps", err)
			if len(got) != 3 {
				t.Errorf("a rejected step changed the run's steps: %d steps", len(got))
			}
		})
	}
}

func testTestCases(t *testing.T, open opener) {
	requireAllSet(t, fullCase("x", "y"))
	s := fresh(t, open)
	createRuns(t, s, &qualstate.Run{ID: "run-cases-01"}, &qualstate.Run{ID: "run-cases-02"}, &qualstate.Run{ID: "run-cases-03"})
	const a, b = "run-cases-01", "run-cases-02"
	bare := qualstate.TestCase{RunID: a, ID: "STATIC-0001", Result: qualstate.ResultPass, Controls: []qualstate.Control{}}
	// Ids deliberately not in sorted order: the order of adding counts.
	batches := [][]qualstate.TestCase{
		{fullCase(a, "IQ-0002"), fullCase(a, "IQ-0001")},
		{fullCase(b, "IQ-0001")}, // the same id in another run is another case
		{fullCase(a, "OQ-0001"), bare, fullCase(b, "IQ-0002")},
		{},
	}
	for i, batch := range batches {
		must(t, fmt.Sprintf("AddTestCases batch %d", i), s.AddTestCases(t.Context(), batch))
	}
	tests := []struct {
		name  string
		runID string
		want  []qualstate.TestCase
	}{
		{"in the order added", a, []qualstate.TestCase{fullCase(a, "IQ-0002"), fullCase(a, "IQ-0001"), fullCase(a, "OQ-0001"), bare}},
		{"another run's apart", b, []qualstate.TestCase{fullCase(b, "IQ-0001"), fullCase(b, "IQ-0002")}},
		{"a run with none", "run-cases-03", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.TestCases(t.Context(), tt.runID)
			must(t, "TestCases", err)
			same(t, "TestCases", casesUTC(got), casesUTC(tt.want))
		})
	}
}

func testTestCasesAtomic(t *testing.T, open opener) {
	s := fresh(t, open)
	const a = "run-atomic-01"
	createRuns(t, s, &qualstate.Run{ID: a})
	recorded := []qualstate.TestCase{fullCase(a, "IQ-0001"), fullCase(a, "IQ-0002")}
	must(t, "AddTestCases", s.AddTestCases(t.Context(), recorded))
	tests := []struct {
		name  string
		batch []qualstate.TestCase
		code  qualstate.ErrorCode
	}{
		{"an id already recorded, last", []qualstate.TestCase{fullCase(a, "NEW-0001"), fullCase(a, "IQ-0002")}, qualstate.ErrInvalidInput},
		{"an id already recorded, first", []qualstate.TestCase{fullCase(a, "IQ-0001"), fullCase(a, "NEW-0001")}, qualstate.ErrInvalidInput},
		{"an id twice in the call", []qualstate.TestCase{fullCase(a, "NEW-0002"), fullCase(a, "NEW-0003"), fullCase(a, "NEW-0002")}, qualstate.ErrInvalidInput},
		{"an empty id", []qualstate.TestCase{fullCase(a, "NEW-0004"), fullCase(a, "")}, qualstate.ErrInvalidInput},
		{"a run not recorded", []qualstate.TestCase{fullCase(a, "NEW-0005"), fullCase("run-none-0001", "IQ-0001")}, qualstate.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "AddTestCases", s.AddTestCases(t.Context(), tt.batch), tt.code)
			got, err := s.TestCases(t.Context(), a)
			must(t, "TestCases", err)
			same(t, "test cases after a failed call", casesUTC(got), casesUTC(recorded))
		})
	}
	_, err := s.TestCases(t.Context(), "run-none-0001")
	wantCode(t, "TestCases of the run a failed call named", err, qualstate.ErrNotFound)
}

func testEvidence(t *testing.T, open opener) {
	s := fresh(t, open)
	const a, b = "run-ev-01", "run-ev-02"
	createRuns(t, s, &qualstate.Run{ID: a}, &qualstate.Run{ID: b}, &qualstate.Run{ID: "run-ev-03"})
	d1, b1, e1 := sealed(t, `{"TypeName":"AWS::S3::Bucket","Identifier":"records"}`)
	d2, b2, _ := sealed(t, `{"Properties":"{}"}`)
	d3, b3, _ := sealed(t, strings.Repeat("x", 256<<10))
	puts := []struct {
		run, digest string
		blob        []byte
	}{{a, d2, b2}, {a, d1, b1}, {a, d2, b2}, {b, d1, b1}, {a, d3, b3}, {a, d1, b1}}
	for _, p := range puts {
		must(t, "PutEvidence", s.PutEvidence(t.Context(), p.run, p.digest, p.blob))
	}
	links := []struct {
		name, run string
		want      []string
	}{
		{"linked once each, in order first linked", a, []string{d2, d1, d3}},
		{"one blob linked to two runs", b, []string{d1}},
		{"a run with none", "run-ev-03", nil},
	}
	for _, tt := range links {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RunEvidence(t.Context(), tt.run)
			must(t, "RunEvidence", err)
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			same(t, "RunEvidence", got, tt.want)
		})
	}
	blobs := []struct {
		name, digest string
		want         []byte
	}{{"small", d1, b1}, {"256 KiB", d3, b3}}
	for _, tt := range blobs {
		t.Run("blob "+tt.name, func(t *testing.T) {
			got, err := s.Evidence(t.Context(), tt.digest)
			must(t, "Evidence", err)
			if string(got) != string(tt.want) {
				t.Fatalf("Evidence returned %d bytes that differ from the %d stored", len(got), len(tt.want))
			}
		})
	}
	t.Run("opens as the evidence sealed", func(t *testing.T) {
		blob, err := s.Evidence(t.Context(), d1)
		must(t, "Evidence", err)
		got, err := qualstate.OpenEvidence(d1, blob)
		must(t, "OpenEvidence", err)
		want := *e1
		want.Time = want.Time.UTC()
		same(t, "opened evidence", *got, want)
	})
}

func testEvidenceRejected(t *testing.T, open opener) {
	s := fresh(t, open)
	const a = "run-evbad-01"
	createRuns(t, s, &qualstate.Run{ID: a})
	d1, b1, _ := sealed(t, "one")
	d2, b2, _ := sealed(t, "two")
	tests := []struct {
		name, run, digest string
		blob              []byte
		code              qualstate.ErrorCode
	}{
		{"another blob's digest", a, d1, b2, qualstate.ErrInvalidInput},
		{"digest in upper case", a, strings.ToUpper(d1), b1, qualstate.ErrInvalidInput},
		{"blob altered by a byte", a, d1, append([]byte{}, b1[:len(b1)-1]...), qualstate.ErrInvalidInput},
		{"empty digest", a, "", b1, qualstate.ErrInvalidInput},
		{"unknown run", "run-none-0001", d1, b1, qualstate.ErrNotFound},
		{"no run id", "", d1, b1, qualstate.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "PutEvidence", s.PutEvidence(t.Context(), tt.run, tt.digest, tt.blob), tt.code)
			for _, d := range []string{d1, d2, tt.digest} {
				if d == "" {
					continue
				}
				_, err := s.Evidence(t.Context(), d)
				wantCode(t, "Evidence after a rejected PutEvidence", err, qualstate.ErrNotFound)
			}
			got, err := s.RunEvidence(t.Context(), a)
			must(t, "RunEvidence", err)
			if len(got) != 0 {
				t.Errorf("a rejected PutEvidence linked %v", got)
			}
		})
	}
	t.Run("the digest mismatch is named", func(t *testing.T) {
		err := s.PutEvidence(t.Context(), a, d1, b2)
		if !errors.Is(err, qualstate.ErrDigestMismatch) {
			t.Errorf("PutEvidence with another blob's digest: %v, want one wrapping qualstate.ErrDigestMismatch", err)
		}
	})
}

func testBaseline(t *testing.T, open opener) {
	requireAllSet(t, fullBaseline("x"))
	s := fresh(t, open)
	const a, b = "run-base-01", "run-base-02"
	createRuns(t, s, &qualstate.Run{ID: a}, &qualstate.Run{ID: b})
	first := []qualstate.BaselineResource{fullBaseline("Zeta"), fullBaseline("Alpha"), fullBaseline("Mid"), fullBaseline("alpha")}
	second := []qualstate.BaselineResource{fullBaseline("Beta")}
	steps := []struct {
		name string
		put  []qualstate.BaselineResource
		code qualstate.ErrorCode
		want []qualstate.BaselineResource
	}{
		{"none recorded", nil, "", nil},
		{"in logical-id order", first, "", []qualstate.BaselineResource{
			fullBaseline("Alpha"), fullBaseline("Mid"), fullBaseline("Zeta"), fullBaseline("alpha")}},
		{"a later attempt replaces it", second, "", second},
		{"a logical id twice keeps the earlier baseline",
			[]qualstate.BaselineResource{fullBaseline("Gamma"), fullBaseline("Gamma")}, qualstate.ErrInvalidInput, second},
		{"an empty logical id keeps the earlier baseline",
			[]qualstate.BaselineResource{fullBaseline("")}, qualstate.ErrInvalidInput, second},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if i > 0 {
				err := s.PutBaseline(t.Context(), a, st.put)
				if st.code == "" {
					must(t, "PutBaseline", err)
				} else {
					wantCode(t, "PutBaseline", err, st.code)
				}
			}
			got, err := s.Baseline(t.Context(), a)
			must(t, "Baseline", err)
			if len(got) == 0 && len(st.want) == 0 {
				return
			}
			same(t, "Baseline", got, st.want)
		})
	}
	t.Run("another run's apart", func(t *testing.T) {
		got, err := s.Baseline(t.Context(), b)
		must(t, "Baseline", err)
		if len(got) != 0 {
			t.Errorf("Baseline of a run with none = %d resources", len(got))
		}
	})
}

func testBaselineValueTypes(t *testing.T, open opener) {
	s := fresh(t, open)
	const a = "run-types-01"
	createRuns(t, s, &qualstate.Run{ID: a})
	tests := []struct {
		name  string
		value any
	}{
		{"int64", int64(443)},
		{"negative int64", int64(-7)},
		{"zero", int64(0)},
		{"largest int64", int64(math.MaxInt64)},
		{"smallest int64", int64(math.MinInt64)},
		{"float64", 0.25},
		{"negative float64", -1.5},
		{"huge float64", 1e300},
		{"tiny float64", 5e-324},
		{"string", "aws:kms"},
		{"string holding a number", "30"},
		{"empty string", ""},
		{"true", true},
		{"false", false},
		{"null", nil},
		{"list", []any{int64(1), "two", 3.5, false, nil}},
		{"empty list", []any{}},
		{"map", map[string]any{"Days": int64(30), "Ratio": 0.5, "Tags": []any{map[string]any{"Key": "env", "Value": "test"}}}},
		{"empty map", map[string]any{}},
		{"deep", map[string]any{"a": []any{[]any{map[string]any{"b": []any{int64(9), 9.5}}}}}},
	}
	var resources []qualstate.BaselineResource
	for _, tt := range tests {
		r := fullBaseline(tt.name)
		r.Properties = map[string]any{"Value": tt.value}
		resources = append(resources, r)
	}
	must(t, "PutBaseline", s.PutBaseline(t.Context(), a, resources))
	got, err := s.Baseline(t.Context(), a)
	must(t, "Baseline", err)
	byID := map[string]qualstate.BaselineResource{}
	for _, r := range got {
		byID[r.LogicalID] = r
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := byID[tt.name]
			if !ok {
				t.Fatalf("resource %q missing from the baseline", tt.name)
			}
			v := r.Properties["Value"]
			if !reflect.DeepEqual(v, tt.value) {
				t.Errorf("value came back as %#v (%T), want %#v (%T)", v, v, tt.value, tt.value)
			}
		})
	}
}

func testNotFound(t *testing.T, open opener) {
	s := fresh(t, open)
	const id = "run-none-0001"
	digest, blob, _ := sealed(t, "nobody's")
	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Run", func(ctx context.Context) error { _, err := s.Run(ctx, id); return err }},
		{"UpdateRun", func(ctx context.Context) error { return s.UpdateRun(ctx, fullRun(id)) }},
		{"PutStep", func(ctx context.Context) error { return s.PutStep(ctx, fullStep(id, 1)) }},
		{"Steps", func(ctx context.Context) error { _, err := s.Steps(ctx, id); return err }},
		{"AddTestCases", func(ctx context.Context) error {
			return s.AddTestCases(ctx, []qualstate.TestCase{fullCase(id, "IQ-0001")})
		}},
		{"TestCases", func(ctx context.Context) error { _, err := s.TestCases(ctx, id); return err }},
		{"PutEvidence", func(ctx context.Context) error { return s.PutEvidence(ctx, id, digest, blob) }},
		{"Evidence", func(ctx context.Context) error { _, err := s.Evidence(ctx, digest); return err }},
		{"RunEvidence", func(ctx context.Context) error { _, err := s.RunEvidence(ctx, id); return err }},
		{"PutBaseline", func(ctx context.Context) error {
			return s.PutBaseline(ctx, id, []qualstate.BaselineResource{fullBaseline("Records")})
		}},
		{"Baseline", func(ctx context.Context) error { _, err := s.Baseline(ctx, id); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context())
			wantCode(t, tt.name, err, qualstate.ErrNotFound)
			var qe *qualstate.Error
			if err != nil && !errors.As(err, &qe) {
				t.Errorf("%s: %T is not a *qualstate.Error", tt.name, err)
			}
		})
	}
	all, err := s.Runs(t.Context(), qualstate.RunFilter{})
	must(t, "Runs", err)
	if len(all) != 0 {
		t.Errorf("calls on a missing run created runs: %v", runIDs(all))
	}
}

// testConcurrentWriters has many goroutines record into different runs
// and into one shared run while others read; run it with -race.
func testConcurrentWriters(t *testing.T, open opener) {
	s := fresh(t, open)
	const writers, batches, perBatch, blobs = 8, 5, 5, 6
	const shared = "run-shared-01"
	createRuns(t, s, &qualstate.Run{ID: shared, Started: t0})
	runID := func(w int) string { return fmt.Sprintf("run-conc-%02d", w) }
	digestOf := func(w, i int) (string, []byte) {
		blob := fmt.Appendf(nil, "evidence %d of writer %d", i, w)
		sum := sha256.Sum256(blob)
		return hex.EncodeToString(sum[:]), blob
	}
	commonDigest, commonBlob, _ := sealed(t, "shared by every writer")

	ctx := t.Context()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			id := runID(w)
			if err := s.CreateRun(ctx, &qualstate.Run{ID: id, Status: qualstate.RunRunning, Started: t0.Add(time.Duration(w) * time.Second)}); err != nil {
				t.Errorf("CreateRun %s: %v", id, err)
				return
			}
			for b := range batches {
				var batch []qualstate.TestCase
				for c := range perBatch {
					batch = append(batch, fullCase(id, fmt.Sprintf("IQ-%04d", b*perBatch+c)))
				}
				if err := s.AddTestCases(ctx, batch); err != nil {
					t.Errorf("AddTestCases %s: %v", id, err)
				}
				if err := s.PutStep(ctx, fullStep(id, b+1)); err != nil {
					t.Errorf("PutStep %s: %v", id, err)
				}
			}
			for i := range blobs {
				d, blob := digestOf(w, i)
				if err := s.PutEvidence(ctx, id, d, blob); err != nil {
					t.Errorf("PutEvidence %s: %v", id, err)
				}
			}
			// Every writer stores the same blob and links it to the
			// shared run: one blob, one link, whoever wins.
			if err := s.PutEvidence(ctx, shared, commonDigest, commonBlob); err != nil {
				t.Errorf("PutEvidence shared: %v", err)
			}
			if err := s.AddTestCases(ctx, []qualstate.TestCase{fullCase(shared, fmt.Sprintf("W-%02d", w))}); err != nil {
				t.Errorf("AddTestCases shared: %v", err)
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range batches {
				if _, err := s.Runs(ctx, qualstate.RunFilter{}); err != nil {
					t.Errorf("Runs during writes: %v", err)
				}
				if _, err := s.TestCases(ctx, shared); err != nil {
					t.Errorf("TestCases during writes: %v", err)
				}
			}
		})
	}
	wg.Wait()

	for w := range writers {
		id := runID(w)
		cases, err := s.TestCases(ctx, id)
		must(t, "TestCases", err)
		if len(cases) != batches*perBatch {
			t.Errorf("%s: %d test cases, want %d", id, len(cases), batches*perBatch)
		}
		for i, c := range cases {
			if want := fmt.Sprintf("IQ-%04d", i); c.ID != want {
				t.Errorf("%s: test case %d is %s, want %s", id, i, c.ID, want)
				break
			}
		}
		steps, err := s.Steps(ctx, id)
		must(t, "Steps", err)
		if len(steps) != batches {
			t.Errorf("%s: %d steps, want %d", id, len(steps), batches)
		}
		var want []string
		for i := range blobs {
			d, _ := digestOf(w, i)
			want = append(want, d)
		}
		got, err := s.RunEvidence(ctx, id)
		must(t, "RunEvidence", err)
		same(t, id+" evidence", got, want)
	}
	got, err := s.RunEvidence(ctx, shared)
	must(t, "RunEvidence", err)
	same(t, "shared run's evidence", got, []string{commonDigest})
	cases, err := s.TestCases(ctx, shared)
	must(t, "TestCases", err)
	if len(cases) != writers {
		t.Errorf("shared run: %d test cases, want %d", len(cases), writers)
	}
	all, err := s.Runs(ctx, qualstate.RunFilter{})
	must(t, "Runs", err)
	if len(all) != writers+1 {
		t.Errorf("%d runs, want %d", len(all), writers+1)
	}
}

// testDurability records one of everything, closes the store and opens the
// database again.
func testDurability(t *testing.T, open opener) {
	s, reopen := open(t)
	if reopen == nil {
		must(t, "Close", s.Close())
		t.Skip("this store cannot be opened again")
	}
	ctx := t.Context()
	const id = "run-durable-01"
	run := fullRun(id)
	createRuns(t, s, run, fullRun("run-durable-02"))
	run.Status, run.Heartbeat = qualstate.RunPassed, t0.Add(time.Hour)
	must(t, "UpdateRun", s.UpdateRun(ctx, run))
	steps := []qualstate.Step{fullStep(id, 1), fullStep(id, 2)}
	for _, st := range steps {
		must(t, "PutStep", s.PutStep(ctx, st))
	}
	cases := []qualstate.TestCase{fullCase(id, "IQ-0002"), fullCase(id, "IQ-0001")}
	must(t, "AddTestCases", s.AddTestCases(ctx, cases))
	d1, b1, _ := sealed(t, "first")
	d2, b2, _ := sealed(t, "second")
	must(t, "PutEvidence", s.PutEvidence(ctx, id, d2, b2))
	must(t, "PutEvidence", s.PutEvidence(ctx, id, d1, b1))
	base := []qualstate.BaselineResource{fullBaseline("Bucket"), fullBaseline("Key")}
	base[1].Properties["KeyRotation"] = int64(365)
	must(t, "PutBaseline", s.PutBaseline(ctx, id, base))
	must(t, "Close", s.Close())

	s = reopen(t)
	closeAtEnd(t, s)
	checks := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"run", func(t *testing.T) {
			got, err := s.Run(ctx, id)
			must(t, "Run", err)
			same(t, "Run", runUTC(got), runUTC(run))
		}},
		{"runs", func(t *testing.T) {
			got, err := s.Runs(ctx, qualstate.RunFilter{})
			must(t, "Runs", err)
			same(t, "Runs", runIDs(got), []string{id, "run-durable-02"})
		}},
		{"steps", func(t *testing.T) {
			got, err := s.Steps(ctx, id)
			must(t, "Steps", err)
			same(t, "Steps", stepsUTC(got), stepsUTC(steps))
		}},
		{"test cases", func(t *testing.T) {
			got, err := s.TestCases(ctx, id)
			must(t, "TestCases", err)
			same(t, "TestCases", casesUTC(got), casesUTC(cases))
		}},
		{"evidence", func(t *testing.T) {
			got, err := s.RunEvidence(ctx, id)
			must(t, "RunEvidence", err)
			same(t, "RunEvidence", got, []string{d2, d1})
			blob, err := s.Evidence(ctx, d1)
			must(t, "Evidence", err)
			if _, err := qualstate.OpenEvidence(d1, blob); err != nil {
				t.Errorf("OpenEvidence after reopening: %v", err)
			}
		}},
		{"baseline", func(t *testing.T) {
			got, err := s.Baseline(ctx, id)
			must(t, "Baseline", err)
			same(t, "Baseline", got, base)
		}},
	}
	for _, c := range checks {
		t.Run(c.name, c.check)
	}
}
