package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"qualstate"
	"qualstate/sqlite"
)

func TestClock(t *testing.T) {
	at := time.Date(2027, 3, 4, 5, 6, 7, 8, time.FixedZone("PST", -8*3600))
	s, err := sqlite.Open(dbPath(t), sqlite.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if err := s.CreateRun(ctx, &qualstate.Run{ID: "run-clock-01"}); err != nil {
		t.Fatal(err)
	}
	ev, err := s.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.verified", Subject: "audit", Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var times []time.Time
	err = s.ScanAudit(ctx, 0, func(_ int64, data []byte) error {
		e, err := qualstate.DecodeAuditEvent(data)
		times = append(times, e.Time)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	times = append(times, ev.Time)
	for i, got := range times {
		if !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("event %d at %v, want the clock's %v in UTC", i, got, at.UTC())
		}
	}
}

// TestTamperedRecords alters records behind the store's back, as someone
// with the file could, and checks that what the store reports no longer
// matches the trail.
func TestTamperedRecords(t *testing.T) {
	path := dbPath(t)
	s := open(t, path)
	defer s.Close()
	ctx := t.Context()
	if err := s.CreateRun(ctx, &qualstate.Run{ID: "run-tamper-02", Status: qualstate.RunFailed}); err != nil {
		t.Fatal(err)
	}
	record := []byte(`{"run":"run-tamper-02","result":"fail"}`)
	d := qualstate.Digest(record)
	sig := qualstate.Signature{ID: "S-1", Subject: "run/run-tamper-02", RecordDigest: d, SignerID: "qa", Meaning: qualstate.MeaningRejected}
	if err := s.Sign(ctx, sig, qualstate.SignedChange{Records: []qualstate.SignedRecord{{Subject: "run/run-tamper-02", Data: record}}}); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, q := range []string{
		`UPDATE runs SET doc = replace(doc, '"failed"', '"passed"')`,
		`UPDATE records SET blob = CAST(replace(CAST(blob AS TEXT), 'fail', 'pass') AS BLOB)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Record(ctx, d); !errors.Is(err, qualstate.ErrDigestMismatch) || qualstate.CodeOf(err) != qualstate.ErrEnvironment {
		t.Errorf("Record of an altered record: %v, want ErrEnvironment wrapping ErrDigestMismatch", err)
	}
	last := map[string]string{}
	if err := s.ScanAudit(ctx, 0, func(_ int64, data []byte) error {
		ev, err := qualstate.DecodeAuditEvent(data)
		last[ev.Subject] = ev.After
		return err
	}); err != nil {
		t.Fatal(err)
	}
	altered := map[string]bool{}
	if err := s.RecordDigests(ctx, func(subject, digest string) error {
		if last[subject] != digest {
			altered[subject] = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, subject := range []string{"run/run-tamper-02", "record/" + d} {
		if !altered[subject] {
			t.Errorf("%s was altered, but its digest is still the one its last event names", subject)
		}
	}
	if altered["signature/S-1"] {
		t.Error("the signature, not altered, no longer matches its event")
	}
}

// TestUpgradeFromFirstSchema opens a file written before the audit trail
// existed: its records are kept, each adopted into the trail by an event
// with its digest, and the new tables work.
func TestUpgradeFromFirstSchema(t *testing.T) {
	path := dbPath(t)
	first, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL) STRICT`,
		string(first),
		`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', '2026-01-01T00:00:00Z')`,
		`INSERT INTO runs (id, status, started, doc) VALUES ('run-old-01', 'passed', '2026-01-01T00:00:00.000000000Z', '{"id":"run-old-01","status":"passed"}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, path)
	defer s.Close()
	ctx := t.Context()
	if r, err := s.Run(ctx, "run-old-01"); err != nil || r.Status != qualstate.RunPassed {
		t.Fatalf("a run recorded before the upgrade: %+v, %v", r, err)
	}
	if err := s.CreateUser(ctx, qualstate.User{ID: "jdoe"}, qualstate.Credential{Hash: "h"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.AuditSize(ctx); err != nil || n != 3 {
		t.Errorf("AuditSize after the upgrade and one new user = %d, %v; want 3", n, err)
	}
	var adopted qualstate.AuditEvent
	_ = s.ScanAudit(ctx, 0, func(_ int64, data []byte) error {
		adopted, err = qualstate.DecodeAuditEvent(data)
		return errStop
	})
	want := qualstate.Digest([]byte(`{"id":"run-old-01","status":"passed"}`))
	if err != nil || adopted.Action != "record.adopted" || adopted.Subject != "run/run-old-01" || adopted.After != want || adopted.Actor != qualstate.ActorSystem {
		t.Errorf("the run recorded before the upgrade was adopted as %+v (%v), want record.adopted of run/run-old-01 with its digest", adopted, err)
	}
}

var errStop = errors.New("stop")
