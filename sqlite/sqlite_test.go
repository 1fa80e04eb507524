package sqlite_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"qualstate"
	"qualstate/sqlite"
	"qualstate/storetest"
)

// The test binary doubles as a second process writing to a test's
// database: the parent starts it with these variables set.
const (
	envChild = "QUALSTATE_SQLITE_TEST_CHILD"
	envDB    = "QUALSTATE_SQLITE_TEST_DB"
	envRun   = "QUALSTATE_SQLITE_TEST_RUN"
	envCount = "QUALSTATE_SQLITE_TEST_COUNT"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(childWriter())
	}
	os.Exit(m.Run())
}

// childWriter records test cases CHILD-0000, CHILD-0001 … one per call and
// prints each id once its call has returned.
func childWriter() int {
	s, err := sqlite.Open(os.Getenv(envDB))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	n, err := strconv.Atoi(os.Getenv(envCount))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	runID := os.Getenv(envRun)
	for i := range n {
		id := fmt.Sprintf("CHILD-%04d", i)
		tc := qualstate.TestCase{RunID: runID, ID: id, Stage: qualstate.StageIQ, Result: qualstate.ResultPass, Time: time.Now()}
		if err := s.AddTestCases(context.Background(), []qualstate.TestCase{tc}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(id)
	}
	return 0
}

// startChild starts a process writing count test cases to the run.
func startChild(t *testing.T, path, runID string, count int) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envChild+"=1", envDB+"="+path, envRun+"="+runID, envCount+"="+strconv.Itoa(count))
	cmd.Stderr = &strings.Builder{}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start writer process: %v", err)
	}
	return cmd, out
}

func digest(blob []byte) string {
	sum := sha256.Sum256(blob)
	return hex.EncodeToString(sum[:])
}

func dbPath(t testing.TB) string { return filepath.Join(t.TempDir(), "qualstate.db") }

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// rawDB opens the file without the store, as another tool would.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (qualstate.Store, func(t *testing.T) qualstate.Store) {
		path := dbPath(t)
		return open(t, path), func(t *testing.T) qualstate.Store { return open(t, path) }
	})
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		code qualstate.ErrorCode // empty when Open must succeed
	}{
		{"missing parent directories", filepath.Join(dir, "a", "b", "c", "qualstate.db"), ""},
		{"characters URIs give a meaning to", filepath.Join(dir, "odd ?#%&=+ name", "q?s#1%20.db"), ""},
		{"a file that is not a database", notDB, qualstate.ErrEnvironment},
		{"a directory", dir, qualstate.ErrEnvironment},
		{"no path", "", qualstate.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlite.Open(tt.path)
			if tt.code != "" {
				if err == nil {
					s.Close()
					t.Fatalf("Open(%q) succeeded", tt.path)
				}
				if got := qualstate.CodeOf(err); got != tt.code {
					t.Errorf("Open(%q): code %s, want %s (%v)", tt.path, got, tt.code, err)
				}
				if !strings.Contains(err.Error(), tt.path) {
					t.Errorf("Open(%q): error %q does not name the file", tt.path, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if err := s.CreateRun(t.Context(), &qualstate.Run{ID: "run-open-01"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// The data is in the file at the path given, not elsewhere.
			if _, err := os.Stat(tt.path); err != nil {
				t.Fatalf("no database at %s: %v", tt.path, err)
			}
			s = open(t, tt.path)
			defer s.Close()
			if _, err := s.Run(t.Context(), "run-open-01"); err != nil {
				t.Errorf("run lost on reopening: %v", err)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	var want []string
	for _, f := range files {
		want = append(want, filepath.Base(f))
	}
	path := dbPath(t)
	recorded := func() (names, applied []string) {
		rows, err := rawDB(t, path).Query(`SELECT version, name, applied FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			var name, at string
			if err := rows.Scan(&v, &name, &at); err != nil {
				t.Fatal(err)
			}
			if v != len(names)+1 {
				t.Errorf("migration %s recorded as version %d, want %d", name, v, len(names)+1)
			}
			names, applied = append(names, name), append(applied, at)
		}
		return names, applied
	}
	open(t, path).Close()
	names, applied := recorded()
	if !slices.Equal(names, want) {
		t.Errorf("recorded migrations %v, want %v", names, want)
	}
	open(t, path).Close()
	names2, applied2 := recorded()
	if !slices.Equal(names2, names) || !slices.Equal(applied2, applied) {
		t.Errorf("reopening changed the migrations recorded: %v %v, then %v %v", names, applied, names2, applied2)
	}
}

func TestMigrationsRaceAcrossStores(t *testing.T) {
	path := dbPath(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := sqlite.Open(path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d of a new file opened at once by four: %v", i, err)
		}
	}
}

func TestFutureSchemaRefused(t *testing.T) {
	path := dbPath(t)
	s := open(t, path)
	if err := s.CreateRun(t.Context(), &qualstate.Run{ID: "run-kept-01"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (999, '0999_from_the_future.sql', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(path)
	if err == nil {
		t.Fatal("Open of a database from a newer qualstate succeeded")
	}
	if !errors.Is(err, sqlite.ErrSchemaTooNew) {
		t.Errorf("error %v does not wrap ErrSchemaTooNew", err)
	}
	if code := qualstate.CodeOf(err); code != qualstate.ErrEnvironment {
		t.Errorf("code %s, want %s", code, qualstate.ErrEnvironment)
	}
	for _, m := range []string{path, "999", "0999_from_the_future.sql", "newer qualstate"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM runs`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the refused database changed: %d runs, %v", n, err)
	}
}

func TestWALMode(t *testing.T) {
	path := dbPath(t)
	s := open(t, path)
	defer s.Close()
	var mode string
	if err := rawDB(t, path).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %s, want wal", mode)
	}
}

func TestTwoStoresOneFile(t *testing.T) {
	path := dbPath(t)
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
	ctx := t.Context()
	if err := a.CreateRun(ctx, &qualstate.Run{ID: "run-two-01", Status: qualstate.RunRunning}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Run(ctx, "run-two-01"); err != nil {
		t.Fatalf("a run one store wrote is not seen by the other: %v", err)
	}
	// Both write at once, each to the run and to a test case list.
	const n = 30
	var wg sync.WaitGroup
	for name, s := range map[string]*sqlite.Store{"A": a, "B": b} {
		wg.Go(func() {
			for i := range n {
				tc := qualstate.TestCase{RunID: "run-two-01", ID: fmt.Sprintf("%s-%03d", name, i)}
				if err := s.AddTestCases(ctx, []qualstate.TestCase{tc}); err != nil {
					t.Errorf("store %s: %v", name, err)
				}
			}
		})
	}
	wg.Wait()
	for name, s := range map[string]*sqlite.Store{"A": a, "B": b} {
		cases, err := s.TestCases(ctx, "run-two-01")
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != 2*n {
			t.Errorf("store %s sees %d test cases, want %d", name, len(cases), 2*n)
		}
	}
	if err := b.UpdateRun(ctx, &qualstate.Run{ID: "run-two-01", Status: qualstate.RunPassed}); err != nil {
		t.Fatal(err)
	}
	if r, err := a.Run(ctx, "run-two-01"); err != nil || r.Status != qualstate.RunPassed {
		t.Errorf("an update by one store is not seen by the other: %+v, %v", r, err)
	}
}

func TestTwoProcesses(t *testing.T) {
	path := dbPath(t)
	s := open(t, path)
	defer s.Close()
	ctx := t.Context()
	const runID, n = "run-procs-01", 40
	if err := s.CreateRun(ctx, &qualstate.Run{ID: runID, Status: qualstate.RunRunning}); err != nil {
		t.Fatal(err)
	}
	cmd, out := startChild(t, path, runID, n)
	// This process writes evidence and steps while the other writes test
	// cases, and reads what the other wrote.
	for i := range n {
		blob := fmt.Appendf(nil, "parent evidence %d", i)
		if err := s.PutEvidence(ctx, runID, digest(blob), blob); err != nil {
			t.Errorf("PutEvidence: %v", err)
		}
		if err := s.PutStep(ctx, qualstate.Step{RunID: runID, Seq: i + 1, Status: qualstate.StepDone}); err != nil {
			t.Errorf("PutStep: %v", err)
		}
		if _, err := s.TestCases(ctx, runID); err != nil {
			t.Errorf("TestCases: %v", err)
		}
	}
	printed, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("writer process: %v: %s", err, cmd.Stderr)
	}
	if got := strings.Count(string(printed), "\n"); got != n {
		t.Errorf("writer process recorded %d test cases, want %d", got, n)
	}
	cases, err := s.TestCases(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != n {
		t.Fatalf("this process sees %d of the other's test cases, want %d", len(cases), n)
	}
	for i, c := range cases {
		if want := fmt.Sprintf("CHILD-%04d", i); c.ID != want {
			t.Fatalf("test case %d is %s, want %s", i, c.ID, want)
		}
	}
	ev, err := s.RunEvidence(ctx, runID)
	if err != nil || len(ev) != n {
		t.Errorf("RunEvidence: %d digests, %v; want %d", len(ev), err, n)
	}
	// Both processes appended to one trail: each event took the next seq,
	// none was lost or given twice.
	var events int64
	err = s.ScanAudit(ctx, 0, func(seq int64, data []byte) error {
		e, err := qualstate.DecodeAuditEvent(data)
		if err != nil {
			return err
		}
		if seq != events || e.Seq != seq {
			return fmt.Errorf("event %d says seq %d where %d was due", seq, e.Seq, events)
		}
		events++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The run, and per round a test case, a step, a blob and its link.
	if want := int64(1 + 4*n); events != want {
		t.Errorf("%d audit events, want %d", events, want)
	}
}

// TestKilledWriterLosesNothing kills a writing process with SIGKILL and
// checks that every write it had been told was recorded is in the file.
func TestKilledWriterLosesNothing(t *testing.T) {
	path := dbPath(t)
	const runID, before = "run-killed-01", 25
	s := open(t, path)
	if err := s.CreateRun(t.Context(), &qualstate.Run{ID: runID, Status: qualstate.RunRunning}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	cmd, out := startChild(t, path, runID, 1_000_000)
	r := bufio.NewReader(out)
	var confirmed []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break // a line cut short was never confirmed
		}
		confirmed = append(confirmed, strings.TrimSuffix(line, "\n"))
		if len(confirmed) == before {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the writer process was not killed: %s", cmd.Stderr)
	}
	if len(confirmed) < before {
		t.Fatalf("the writer process confirmed only %d writes before it ended: %s", len(confirmed), cmd.Stderr)
	}
	s = open(t, path)
	defer s.Close()
	cases, err := s.TestCases(t.Context(), runID)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range cases {
		have[c.ID] = true
	}
	for _, id := range confirmed {
		if !have[id] {
			t.Errorf("test case %s was confirmed, then lost when its writer was killed", id)
		}
	}
}

func TestTamperedEvidence(t *testing.T) {
	path := dbPath(t)
	s := open(t, path)
	defer s.Close()
	ctx := t.Context()
	if err := s.CreateRun(ctx, &qualstate.Run{ID: "run-tamper-01"}); err != nil {
		t.Fatal(err)
	}
	d, blob, err := (&qualstate.Evidence{Operation: "input:Template", Body: "Resources: {}"}).Seal()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutEvidence(ctx, "run-tamper-01", d, blob); err != nil {
		t.Fatal(err)
	}
	altered := strings.Replace(string(blob), "Resources", "Resourcez", 1)
	if _, err := rawDB(t, path).Exec(`UPDATE evidence SET blob = ? WHERE digest = ?`, []byte(altered), d); err != nil {
		t.Fatal(err)
	}
	_, err = s.Evidence(ctx, d)
	if !errors.Is(err, qualstate.ErrDigestMismatch) || qualstate.CodeOf(err) != qualstate.ErrEnvironment {
		t.Errorf("Evidence of an altered blob: %v, want ErrEnvironment wrapping ErrDigestMismatch", err)
	}
}

func TestStorageErrors(t *testing.T) {
	path := dbPath(t)
	s := open(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	d, blob, _ := (&qualstate.Evidence{Operation: "input:Template"}).Seal()
	tests := []struct {
		name string
		op   string // what the message must name
		call func() error
	}{
		{"CreateRun", "create run r1", func() error { return s.CreateRun(ctx, &qualstate.Run{ID: "r1"}) }},
		{"UpdateRun", "update run r1", func() error { return s.UpdateRun(ctx, &qualstate.Run{ID: "r1"}) }},
		{"Run", "read run r1", func() error { _, err := s.Run(ctx, "r1"); return err }},
		{"Runs", "list runs", func() error { _, err := s.Runs(ctx, qualstate.RunFilter{}); return err }},
		{"PutStep", "record step 1 of run r1", func() error { return s.PutStep(ctx, qualstate.Step{RunID: "r1", Seq: 1}) }},
		{"Steps", "read steps of run r1", func() error { _, err := s.Steps(ctx, "r1"); return err }},
		{"AddTestCases", "record test cases of run r1", func() error {
			return s.AddTestCases(ctx, []qualstate.TestCase{{RunID: "r1", ID: "IQ-0001"}})
		}},
		{"TestCases", "read test cases of run r1", func() error { _, err := s.TestCases(ctx, "r1"); return err }},
		{"PutEvidence", "store evidence " + d, func() error { return s.PutEvidence(ctx, "r1", d, blob) }},
		{"Evidence", "read evidence " + d, func() error { _, err := s.Evidence(ctx, d); return err }},
		{"RunEvidence", "read evidence of run r1", func() error { _, err := s.RunEvidence(ctx, "r1"); return err }},
		{"PutBaseline", "record baseline of run r1", func() error { return s.PutBaseline(ctx, "r1", nil) }},
		{"Baseline", "read baseline of run r1", func() error { _, err := s.Baseline(ctx, "r1"); return err }},
		{"AppendAudit", "append audit event audit.verified", func() error {
			_, err := s.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.verified", Subject: "audit"})
			return err
		}},
		{"AuditSize", "count audit events", func() error { _, err := s.AuditSize(ctx); return err }},
		{"ScanAudit", "scan audit events from 0", func() error {
			return s.ScanAudit(ctx, 0, func(int64, []byte) error { return nil })
		}},
		{"AuditHashes", "read audit hashes", func() error { _, err := s.AuditHashes(ctx, []int64{0}); return err }},
		{"SealAudit", "seal audit events 0 to 1", func() error {
			return s.SealAudit(ctx, qualstate.AuditSeal{NewSize: 1, Checkpoint: qualstate.AuditCheckpoint{Size: 1}})
		}},
		{"AuditCheckpoints", "read audit checkpoints", func() error { _, err := s.AuditCheckpoints(ctx); return err }},
		{"RecordDigests", "read record digests", func() error {
			return s.RecordDigests(ctx, func(string, string) error { return nil })
		}},
		{"CreateUser", "create user jdoe", func() error {
			return s.CreateUser(ctx, qualstate.User{ID: "jdoe"}, qualstate.Credential{})
		}},
		{"UpdateUser", "update user jdoe", func() error { return s.UpdateUser(ctx, qualstate.User{ID: "jdoe"}) }},
		{"User", "read user jdoe", func() error { _, err := s.User(ctx, "jdoe"); return err }},
		{"Users", "list users", func() error { _, err := s.Users(ctx); return err }},
		{"Credential", "read credential of jdoe", func() error { _, err := s.Credential(ctx, "jdoe"); return err }},
		{"PutCredential", "record credential of jdoe", func() error {
			return s.PutCredential(ctx, qualstate.Credential{UserID: "jdoe"})
		}},
		{"PutSession", "record session session/5e5e", func() error {
			return s.PutSession(ctx, qualstate.Session{ID: "5e5e", UserID: "jdoe"})
		}},
		{"Session", "read session/5e5e", func() error { _, err := s.Session(ctx, "5e5e"); return err }},
		{"Setting", "read setting k", func() error { _, _, err := s.Setting(ctx, "k"); return err }},
		{"PutSetting", "change setting k", func() error { return s.PutSetting(ctx, "k", "v") }},
		{"Settings", "read settings", func() error { _, err := s.Settings(ctx); return err }},
		{"Sign", "record signature S-1 on run/r1", func() error {
			return s.Sign(ctx, qualstate.Signature{ID: "S-1", Subject: "run/r1", RecordDigest: d, SignerID: "jdoe", Meaning: qualstate.MeaningReviewed},
				qualstate.SignedChange{})
		}},
		{"Record", "read record " + d, func() error { _, err := s.Record(ctx, d); return err }},
		{"Signatures", "read signatures on run/r1", func() error { _, err := s.Signatures(ctx, "run/r1"); return err }},
		{"Review", "read review of run r1", func() error { _, err := s.Review(ctx, "r1"); return err }},
		{"Waiver", "read waiver W-0001", func() error { _, err := s.Waiver(ctx, "W-0001"); return err }},
		{"Waivers", "list waivers", func() error { _, err := s.Waivers(ctx); return err }},
		{"NextWaiverID", "number the next waiver", func() error { _, err := s.NextWaiverID(ctx); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if qualstate.CodeOf(err) != qualstate.ErrEnvironment {
				t.Fatalf("%s on a closed store: %v, want ErrEnvironment", tt.name, err)
			}
			var qe *qualstate.Error
			if !errors.As(err, &qe) || errors.Unwrap(qe) == nil {
				t.Errorf("%s: the cause is not kept: %#v", tt.name, err)
			}
			for _, m := range []string{tt.op, path} {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("%s: error %q does not name %q", tt.name, err, m)
				}
			}
		})
	}
}

func TestCanceledContext(t *testing.T) {
	s := open(t, dbPath(t))
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.CreateRun(ctx, &qualstate.Run{ID: "run-cancel-01"})
	if !errors.Is(err, context.Canceled) || qualstate.CodeOf(err) != qualstate.ErrEnvironment {
		t.Errorf("CreateRun with a canceled context: %v, want ErrEnvironment wrapping context.Canceled", err)
	}
	if _, err := s.Run(t.Context(), "run-cancel-01"); qualstate.CodeOf(err) != qualstate.ErrNotFound {
		t.Errorf("a canceled CreateRun recorded the run: %v", err)
	}
}
