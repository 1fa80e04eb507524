package qualstate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAuditEventCanonical(t *testing.T) {
	ev := AuditEvent{Seq: 7, Time: time.Date(2026, 11, 23, 10, 0, 0, 5, time.FixedZone("CET", 3600)),
		Actor: "erin", Action: "run.created", Subject: "run/abc", After: Digest([]byte("x"))}
	data := ev.Encode()
	if !strings.Contains(string(data), `"time":"2026-11-23T09:00:00.000000005Z"`) {
		t.Errorf("time not in UTC: %s", data)
	}
	back, err := DecodeAuditEvent(data)
	if err != nil || back.Seq != 7 || !back.Time.Equal(ev.Time) || back.Actor != "erin" {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	tests := []struct{ name, data string }{
		{"spaces", strings.Replace(string(data), `"seq":7`, `"seq": 7`, 1)},
		{"unknown field", strings.Replace(string(data), `{`, `{"x":1,`, 1)},
		{"not JSON", "seq 7"},
		{"time not UTC", strings.Replace(string(data), "09:00:00.000000005Z", "10:00:00.000000005+01:00", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeAuditEvent([]byte(tt.data)); err == nil {
				t.Errorf("accepted %s", tt.data)
			}
		})
	}
}

func TestActorAndReasonTravelWithTheContext(t *testing.T) {
	ctx := context.Background()
	if ActorOf(ctx) != ActorSystem || ReasonOf(ctx) != "" {
		t.Error("a bare context has an actor or a reason")
	}
	ctx = WithReason(WithActor(ctx, "rita"), "ticket 12")
	if ActorOf(ctx) != "rita" || ReasonOf(ctx) != "ticket 12" {
		t.Errorf("got %q %q", ActorOf(ctx), ReasonOf(ctx))
	}
}

func TestInstanceKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k", "instance.key")
	if _, err := LoadKey(path); !errors.Is(err, ErrNoKey) {
		t.Fatalf("missing key: %v, want ErrNoKey", err)
	}
	k, err := GenerateKey("qualstate-test")
	if err != nil {
		t.Fatal(err)
	}
	if err := k.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if err := k.WriteFile(path); err == nil {
		t.Error("an existing key file was overwritten")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	back, err := LoadKey(path)
	if err != nil || back.ID() != k.ID() || back.Name != "qualstate-test" {
		t.Fatalf("reloaded key: %v, %v", back, err)
	}
	for _, bad := range []string{"", "not a key", "qualstate-instance-key-v1 name AAAA"} {
		os.WriteFile(path+".bad", []byte(bad), 0o600)
		if _, err := LoadKey(path + ".bad"); err == nil || errors.Is(err, ErrNoKey) {
			t.Errorf("LoadKey(%q): %v", bad, err)
		}
	}
	if _, err := GenerateKey("has space"); err == nil {
		t.Error("a key name with a space was accepted")
	}
}

func TestSignatureBoundToItsRecord(t *testing.T) {
	k, _ := GenerateKey("qualstate-test")
	other, _ := GenerateKey("qualstate-other")
	record := []byte(`{"run":"a"}`)
	s := Signature{ID: "SIG-1", Subject: "run/a", RecordDigest: Digest(record), SignerID: "rita", SignerName: "Rita Reviewer",
		Meaning: MeaningReviewed, Time: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), Key: k.ID()}
	s.Value = k.SignBase64(s.Message())
	if err := s.Verify(record, k.Public()); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	tests := []struct {
		name   string
		edit   func(s *Signature)
		record []byte
		key    *InstanceKey
	}{
		{"another record", func(*Signature) {}, []byte(`{"run":"b"}`), k},
		{"repointed at another record", func(s *Signature) { s.RecordDigest = Digest([]byte(`{"run":"b"}`)) }, []byte(`{"run":"b"}`), k},
		{"another subject", func(s *Signature) { s.Subject = "run/b" }, record, k},
		{"another meaning", func(s *Signature) { s.Meaning = MeaningApproved }, record, k},
		{"another name", func(s *Signature) { s.SignerName = "Alan Approver" }, record, k},
		{"another time", func(s *Signature) { s.Time = s.Time.Add(time.Second) }, record, k},
		{"another key", func(*Signature) {}, record, other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := s
			tt.edit(&c)
			if err := c.Verify(tt.record, tt.key.Public()); !errors.Is(err, ErrBadSignature) {
				t.Errorf("verified: %v", err)
			}
		})
	}
}

func TestWaiverApplies(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	w := Waiver{ID: "W-0001", RequirementID: "S3.LOGGING", Status: WaiverApproved, Expires: now.Add(time.Hour),
		Scope: WaiverScope{Template: "gxp-*.yaml", Resource: "Access*"}}
	target := WaiverTarget{TemplateFile: "examples/gxp-data-platform.yaml", TemplateDigest: "abc", Stack: "prod"}
	tests := []struct {
		name  string
		edit  func(w *Waiver)
		at    time.Time
		req   string
		id    string
		waive bool
	}{
		{"in scope and in force", func(*Waiver) {}, now, "S3.LOGGING", "AccessLogs", true},
		{"another requirement", func(*Waiver) {}, now, "S3.VERSIONING", "AccessLogs", false},
		{"another resource", func(*Waiver) {}, now, "S3.LOGGING", "DataBucket", false},
		{"expired", func(*Waiver) {}, now.Add(time.Hour), "S3.LOGGING", "AccessLogs", false},
		{"requested only", func(w *Waiver) { w.Status = WaiverRequested }, now, "S3.LOGGING", "AccessLogs", false},
		{"revoked", func(w *Waiver) { w.Status = WaiverRevoked }, now, "S3.LOGGING", "AccessLogs", false},
		{"by digest", func(w *Waiver) { w.Scope.Template = "sha256:abc" }, now, "S3.LOGGING", "AccessLogs", true},
		{"another digest", func(w *Waiver) { w.Scope.Template = "sha256:abd" }, now, "S3.LOGGING", "AccessLogs", false},
		{"by stack", func(w *Waiver) { w.Scope = WaiverScope{Stack: "pro?"} }, now, "S3.LOGGING", "AccessLogs", true},
		{"no template or stack applies nowhere", func(w *Waiver) { w.Scope = WaiverScope{Resource: "*"} }, now, "S3.LOGGING", "AccessLogs", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := w
			tt.edit(&c)
			fs := []Finding{{RequirementID: tt.req, LogicalID: tt.id, Result: ResultFail, Reason: "no logging"}}
			n := ApplyWaivers(fs, []Waiver{c}, tt.at, target)
			if got := n == 1 && fs[0].Result == ResultWaived && fs[0].Waiver != nil && fs[0].Waiver.ID == "W-0001"; got != tt.waive {
				t.Errorf("waived = %v (%+v), want %v", got, fs[0], tt.waive)
			}
		})
	}
	t.Run("only failures", func(t *testing.T) {
		fs := []Finding{{RequirementID: "S3.LOGGING", LogicalID: "AccessLogs", Result: ResultIndeterminate}}
		if ApplyWaivers(fs, []Waiver{w}, now, target) != 0 {
			t.Error("an indeterminate result was waived")
		}
	})
	if err := (WaiverScope{Resource: "*"}).Validate(); err == nil {
		t.Error("a scope without template or stack validated")
	}
	if err := (WaiverScope{Template: "[x"}).Validate(); err == nil {
		t.Error("a bad pattern validated")
	}
}
