package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"qualstate"
)

func TestInclusion(t *testing.T) {
	ctx := context.Background()
	tr := newTrail(t, Options{})
	vkey := VerifierKey(testKey("qualstate-test"))
	for _, seq := range []int64{0, 1, 22, 63, 64, 99} {
		in, err := tr.log.Prove(ctx, seq)
		if err != nil {
			t.Fatalf("Prove(%d): %v", seq, err)
		}
		if err := VerifyInclusion(vkey, in); err != nil {
			t.Errorf("VerifyInclusion of event %d: %v", seq, err)
		}
		// What crosses the wire verifies the same.
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var back Inclusion
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(vkey, &back); err != nil {
			t.Errorf("VerifyInclusion of event %d after JSON: %v", seq, err)
		}
	}
	// Prove sealed the ten events left unsealed.
	if n := tr.store.cps[len(tr.store.cps)-1].Size; n != 100 {
		t.Errorf("newest checkpoint after Prove covers %d events, want 100", n)
	}
	if _, err := tr.log.Prove(ctx, 100); qualstate.CodeOf(err) != qualstate.ErrNotFound {
		t.Errorf("Prove(100) = %v, want not found", err)
	}
}

func TestInclusionFails(t *testing.T) {
	ctx := context.Background()
	tr := newTrail(t, Options{})
	vkey := VerifierKey(testKey("qualstate-test"))
	proveOf := func(seq int64) *Inclusion {
		in, err := tr.log.Prove(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	tests := []struct {
		name  string
		vkey  string
		alter func(*Inclusion)
	}{
		{"another event", vkey, func(in *Inclusion) { in.Event = proveOf(23).Event }},
		{"another event under this seq", vkey, func(in *Inclusion) {
			ev, _ := qualstate.DecodeAuditEvent(in.Event)
			ev.Actor = "mallory"
			in.Event = ev.Encode()
		}},
		{"another seq", vkey, func(in *Inclusion) { in.Seq = 23 }},
		{"proof changed", vkey, func(in *Inclusion) { in.Proof[2][0] ^= 1 }},
		{"proof cut short", vkey, func(in *Inclusion) { in.Proof = in.Proof[:len(in.Proof)-1] }},
		{"checkpoint text changed", vkey, func(in *Inclusion) {
			in.Checkpoint = strings.Replace(in.Checkpoint, "\n100\n", "\n101\n", 1)
		}},
		{"another instance's key", VerifierKey(testKey("qualstate-other")), func(*Inclusion) {}},
		{"not a key", "qualstate-test", func(*Inclusion) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := proveOf(22)
			in.Proof = slices.Clone(in.Proof)
			tt.alter(in)
			if err := VerifyInclusion(tt.vkey, in); !errors.Is(err, ErrProof) {
				t.Errorf("VerifyInclusion = %v, want ErrProof", err)
			}
		})
	}
}

func TestConsistency(t *testing.T) {
	ctx := context.Background()
	tr := newTrail(t, Options{})
	vkey := VerifierKey(testKey("qualstate-test"))
	for _, old := range tr.notes {
		c, err := tr.log.ProveConsistency(ctx, old)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(vkey, c); err != nil {
			t.Errorf("VerifyConsistency: %v", err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Consistency
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(vkey, &back); err != nil {
			t.Errorf("VerifyConsistency after JSON: %v", err)
		}
	}
}

func TestConsistencyFails(t *testing.T) {
	ctx := context.Background()
	tr := newTrail(t, Options{})
	vkey := VerifierKey(testKey("qualstate-test"))

	// A trail of another instance, and one signed with the same key but
	// holding other events, as a rewritten trail would.
	other, rewritten := newMemStore(), newMemStore()
	for _, m := range []*memStore{other, rewritten} {
		if _, err := m.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.noted", Subject: "audit"}); err != nil {
			t.Fatal(err)
		}
	}
	otherNote := mustSeal(t, Open(other, testKey("qualstate-other"), Options{}))
	sameKeyNote := mustSeal(t, Open(rewritten, testKey("qualstate-test"), Options{}))

	for name, old := range map[string]string{"another instance's trail": otherNote, "another trail under the same key": sameKeyNote} {
		t.Run("prove "+name, func(t *testing.T) {
			if _, err := tr.log.ProveConsistency(ctx, old); !errors.Is(err, ErrProof) {
				t.Errorf("ProveConsistency = %v, want ErrProof", err)
			}
		})
	}

	tests := []struct {
		name  string
		vkey  string
		alter func(*Consistency)
	}{
		{"old and new swapped", vkey, func(c *Consistency) { c.Old, c.New = c.New, c.Old }},
		{"old from another trail", vkey, func(c *Consistency) { c.Old = sameKeyNote }},
		{"proof changed", vkey, func(c *Consistency) { c.Proof[0][5] ^= 1 }},
		{"proof empty", vkey, func(c *Consistency) { c.Proof = nil }},
		{"another instance's key", VerifierKey(testKey("qualstate-other")), func(*Consistency) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tr.log.ProveConsistency(ctx, tr.notes[0])
			if err != nil {
				t.Fatal(err)
			}
			c.Proof = slices.Clone(c.Proof)
			tt.alter(c)
			if err := VerifyConsistency(tt.vkey, c); !errors.Is(err, ErrProof) {
				t.Errorf("VerifyConsistency = %v, want ErrProof", err)
			}
		})
	}
}

func TestConsistencyRefusesTruncatedTrail(t *testing.T) {
	tr := newTrail(t, Options{})
	newest := mustSeal(t, tr.log)
	truncate(tr.store, 55)
	l := Open(tr.store, testKey("qualstate-test"), Options{})
	if _, err := l.ProveConsistency(context.Background(), newest); !errors.Is(err, ErrTampered) {
		t.Errorf("ProveConsistency over a truncated trail = %v, want ErrTampered", err)
	}
}

func mustSeal(t *testing.T, l *Log) string {
	t.Helper()
	cp, err := l.Seal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cp.Note
}
