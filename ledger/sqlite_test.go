package ledger_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"qualstate"
	"qualstate/ledger"
	"qualstate/sqlite"
)

// sqliteTrail writes a few of every kind of record to a real SQLite
// store, seals it, and writes a little more unsealed.
func sqliteTrail(t *testing.T) (path string, st *sqlite.Store, key *qualstate.InstanceKey) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "qualstate.db")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	st, err := sqlite.Open(path, sqlite.WithClock(func() time.Time { now = now.Add(time.Second); return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	seed := sha256.Sum256([]byte("sqlite"))
	key = &qualstate.InstanceKey{Name: "qualstate-test", Private: ed25519.NewKeyFromSeed(seed[:])}

	ctx := qualstate.WithActor(context.Background(), "alice")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	run := &qualstate.Run{ID: "run-ledger-01", Status: qualstate.RunRunning, Executor: "alice"}
	must(st.CreateRun(ctx, run))
	must(st.PutStep(ctx, qualstate.Step{RunID: run.ID, Seq: 1, Attempt: 1, Stage: qualstate.StageStatic, Name: "static", Status: qualstate.StepRunning, Started: now}))
	must(st.PutStep(ctx, qualstate.Step{RunID: run.ID, Seq: 1, Attempt: 1, Stage: qualstate.StageStatic, Name: "static", Status: qualstate.StepDone, Started: now, Finished: now}))
	must(st.AddTestCases(ctx, []qualstate.TestCase{{RunID: run.ID, ID: "ST-0001", Attempt: 1, Stage: qualstate.StageStatic, Kind: "check"}}))
	blob := []byte(`{"evidence":1}`)
	must(st.PutEvidence(ctx, run.ID, qualstate.Digest(blob), blob))
	must(st.CreateUser(ctx, qualstate.User{ID: "bob", Name: "Bob", Roles: []qualstate.Role{qualstate.RoleReviewer}, Created: now, CreatedBy: "alice"},
		qualstate.Credential{UserID: "bob", Hash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", Changed: now}))
	must(st.PutSession(ctx, qualstate.Session{ID: "0123456789abcdef0123456789abcdef", UserID: "bob", Started: now, LastUsed: now, Expires: now.Add(time.Hour)}))
	must(st.PutSetting(ctx, "audit.seal", "60s"))
	run.Status = qualstate.RunPassed
	must(st.UpdateRun(ctx, run))

	l := ledger.Open(st, key, ledger.Options{})
	if _, err := l.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	must(st.PutSetting(ctx, "audit.seal", "30s"))
	_, err = st.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.verified", Subject: "audit"})
	must(err)
	return path, st, key
}

func TestSQLiteStore(t *testing.T) {
	tests := []struct {
		name    string
		witness bool
		sql     string
		want    []ledger.Kind
	}{
		{name: "untouched"},
		{name: "run changed", sql: `UPDATE runs SET doc = replace(doc, '"passed"', '"failed"')`, want: []ledger.Kind{ledger.RecordChanged}},
		{name: "case removed", sql: `DELETE FROM test_cases`, want: []ledger.Kind{ledger.RecordRemoved}},
		{name: "sealed event changed", sql: `UPDATE audit_events SET doc = CAST(replace(CAST(doc AS TEXT), '"alice"', '"mallory"') AS BLOB) WHERE seq = 1`, want: []ledger.Kind{ledger.EventChanged}},
		{name: "sealed event removed", sql: `DELETE FROM audit_events WHERE seq = 0`, want: []ledger.Kind{ledger.EventMissing}},
		// An unsealed event vouching for no record leaves no trace: the
		// reason to seal often.
		{name: "unsealed tail removed", sql: `DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)`},
		{name: "sealed tail removed", sql: `DELETE FROM audit_events WHERE seq >= 5`, want: []ledger.Kind{ledger.Truncated, ledger.RecordChanged, ledger.RecordUnaudited}},
		{name: "stored hash changed", sql: `UPDATE audit_hashes SET hash = zeroblob(32) WHERE idx = 3`, want: []ledger.Kind{ledger.HashChanged}},
		{name: "checkpoints removed", sql: `DELETE FROM audit_checkpoints`},
		{name: "checkpoints removed, witnessed", witness: true, sql: `DELETE FROM audit_checkpoints`, want: []ledger.Kind{ledger.CheckpointMissing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, st, key := sqliteTrail(t)
			ctx := context.Background()
			var opts ledger.Options
			if tt.witness {
				opts.Witness = filepath.Join(t.TempDir(), "witness")
			}
			l := ledger.Open(st, key, opts)
			if tt.witness {
				if _, err := l.Seal(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if tt.sql != "" {
				db, err := sql.Open("sqlite", path)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(tt.sql); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			rep, err := l.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []ledger.Kind
			for _, p := range rep.Problems {
				got = append(got, p.Kind)
			}
			slices.Sort(got)
			got = slices.Compact(got)
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems %v, want kinds %v", rep.Problems, tt.want)
			}
		})
	}
}

func TestSQLiteProofs(t *testing.T) {
	_, st, key := sqliteTrail(t)
	ctx := context.Background()
	l := ledger.Open(st, key, ledger.Options{Witness: filepath.Join(t.TempDir(), "witness")})
	old, err := l.Seal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.verified", Subject: "audit"}); err != nil {
		t.Fatal(err)
	}
	vkey := ledger.VerifierKey(key)
	for seq := range old.Size + 1 {
		in, err := l.Prove(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(vkey, in); err != nil {
			t.Error(fmt.Errorf("event %d: %w", seq, err))
		}
	}
	c, err := l.ProveConsistency(ctx, old.Note)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.VerifyConsistency(vkey, c); err != nil {
		t.Error(err)
	}
	rep, err := l.Verify(ctx, old.Note)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Unsealed != 0 {
		t.Errorf("after proofs: %+v", rep)
	}
}

// BenchmarkVerifySQLite1M verifies a sealed trail of a million events in
// a real SQLite file: the scan and the reads of the stored tree through
// the Store, which BenchmarkVerify1M leaves out.
func BenchmarkVerifySQLite1M(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "qualstate.db")
	st, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// A million writes through the Store would each wait for the disk;
	// the rows are the same written in one transaction.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for seq := range int64(n) {
		ev := qualstate.AuditEvent{Seq: seq, Time: at.Add(time.Duration(seq) * time.Millisecond), Actor: "alice", Action: "session.started",
			Subject: fmt.Sprintf("session/%012x", seq)}
		if _, err := tx.Exec(`INSERT INTO audit_events (seq, doc) VALUES (?, ?)`, seq, ev.Encode()); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	db.Close()
	seed := sha256.Sum256([]byte("sqlite"))
	l := ledger.Open(st, &qualstate.InstanceKey{Name: "qualstate-test", Private: ed25519.NewKeyFromSeed(seed[:])}, ledger.Options{})
	ctx := context.Background()
	if _, err := l.Seal(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := l.Verify(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatal(rep.Problems[0].Detail)
		}
	}
}
