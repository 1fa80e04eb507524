package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// copyHome copies a home's database and keys so that each tamper starts
// from the same untouched records.
func copyHome(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	for _, f := range []string{storeFile, keyFile, witnessFile} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// TestAuditVerifyDetectsTampering edits the database directly — the way
// someone with access to the file and not to qualstate would — and proves
// audit verify reports each kind of change.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	home := setUpPeople(t)
	id := qualifyAs(t, home, "erin")
	as(t, home, "rita", exitOK, "review", id)
	// The WAL is folded into the database file, so copies carry everything.
	db := openDB(t, home)
	dbExec(t, db, `PRAGMA wal_checkpoint(TRUNCATE)`)
	var events int
	db.QueryRow(`SELECT count(*) FROM audit_events`).Scan(&events)
	if events < 50 {
		t.Fatalf("only %d audit events after a qualification and a review", events)
	}
	if code, stdout, stderr := cli(t, "audit", "verify", "--home", home); code != exitOK {
		t.Fatalf("untouched records do not verify: exit %d\n%s%s", code, stdout, stderr)
	}
	mid := events / 2
	tests := []struct {
		name   string
		tamper func(t *testing.T, home string)
		want   string
	}{
		{"an event changed", func(t *testing.T, home string) {
			dbExec(t, openDB(t, home), `UPDATE audit_events SET doc = CAST(replace(CAST(doc AS TEXT), '"actor":"erin"', '"actor":"rita"') AS BLOB) WHERE seq = (SELECT min(seq) FROM audit_events WHERE CAST(doc AS TEXT) LIKE '%"actor":"erin"%' AND seq > ?)`, mid/2)
		}, "event-changed"},
		{"an event removed", func(t *testing.T, home string) {
			dbExec(t, openDB(t, home), `DELETE FROM audit_events WHERE seq = ?`, mid)
		}, "event-missing"},
		{"two events swapped", func(t *testing.T, home string) {
			db := openDB(t, home)
			dbExec(t, db, `UPDATE audit_events SET seq = -1 WHERE seq = ?`, mid)
			dbExec(t, db, `UPDATE audit_events SET seq = ? WHERE seq = ?`, mid, mid+1)
			dbExec(t, db, `UPDATE audit_events SET seq = ? WHERE seq = -1`, mid+1)
		}, "event-reordered"},
		{"the tail truncated", func(t *testing.T, home string) {
			dbExec(t, openDB(t, home), `DELETE FROM audit_events WHERE seq >= ?`, events-5)
		}, "truncated"},
		{"the tail truncated with its checkpoints and hashes", func(t *testing.T, home string) {
			db := openDB(t, home)
			dbExec(t, db, `DELETE FROM audit_events WHERE seq >= ?`, events-5)
			dbExec(t, db, `DELETE FROM audit_checkpoints WHERE size > ?`, events-5)
			dbExec(t, db, `DELETE FROM audit_hashes WHERE idx >= ?`, tlog.StoredHashCount(int64(events-5)))
		}, "truncated"},
		{"a test case result changed", func(t *testing.T, home string) {
			dbExec(t, openDB(t, home), `UPDATE test_cases SET doc = replace(doc, '"result":"pass"', '"result":"fail"') WHERE seq = (SELECT min(seq) FROM test_cases WHERE doc LIKE '%"result":"pass"%')`)
		}, "record-changed"},
		{"a user's roles changed", func(t *testing.T, home string) {
			dbExec(t, openDB(t, home), `UPDATE users SET doc = replace(doc, '"engineer"', '"engineer","approver"') WHERE id = 'erin'`)
		}, "record-changed"},
		{"a test case removed", func(t *testing.T, home string) {
			dbExec(t, openDB(t, home), `DELETE FROM test_cases WHERE seq = (SELECT max(seq) FROM test_cases)`)
		}, "record-removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := copyHome(t, home)
			tt.tamper(t, h)
			code, stdout, stderr := cli(t, "audit", "verify", "--home", h)
			if code != exitFindings || !strings.Contains(stdout, "PROBLEM "+tt.want) {
				t.Errorf("exit %d, want %d and a %s problem:\n%s%s", code, exitFindings, tt.want, stdout, stderr)
			}
		})
	}
	t.Run("a kept checkpoint proves the trail extends it", func(t *testing.T) {
		h := copyHome(t, home)
		code, note, _ := cli(t, "audit", "checkpoint", "--home", h)
		if code != exitOK || !strings.Contains(note, "—") {
			t.Fatalf("audit checkpoint: exit %d\n%s", code, note)
		}
		kept := filepath.Join(t.TempDir(), "kept.checkpoint")
		os.WriteFile(kept, []byte(note), 0o600)
		as(t, h, "rob", exitOK, "review", id)
		if code, stdout, stderr := cli(t, "audit", "consistency", kept, "--home", h); code != exitOK {
			t.Errorf("consistency with a kept checkpoint: exit %d\n%s%s", code, stdout, stderr)
		}
		if code, stdout, stderr := cli(t, "audit", "prove", "3", "--home", h); code != exitOK || !strings.Contains(stdout, "proof") {
			t.Errorf("audit prove: exit %d\n%s%s", code, stdout, stderr)
		}
		// A checkpoint kept elsewhere catches any later rewrite of what
		// it covers.
		db := openDB(t, h)
		dbExec(t, db, `DELETE FROM audit_events WHERE seq = 1`)
		if code, _, _ := cli(t, "audit", "verify", "--home", h, "--checkpoint", kept); code != exitFindings {
			t.Errorf("an event removed before a kept checkpoint: exit %d", code)
		}
	})
}
