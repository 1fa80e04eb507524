package sign_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"qualstate"
	"qualstate/sign"
)

func validWaiver(f *fixture) qualstate.Waiver {
	return qualstate.Waiver{
		RequirementID:  "URS-ENC-01",
		Scope:          qualstate.WaiverScope{Stack: "qs-legacy-*"},
		Justification:  "The legacy stack is decommissioned in Q2.",
		RiskAssessment: "Medium: the bucket holds no GxP data; access is restricted to two operators.",
		Expires:        f.clock.Now().Add(90 * 24 * time.Hour),
	}
}

func TestRequestWaiverRefused(t *testing.T) {
	f := newFixture(t)
	f.team()
	tests := []struct {
		name   string
		who    string
		change func(w *qualstate.Waiver)
		code   qualstate.ErrorCode
	}{
		{"no requirement", "eve", func(w *qualstate.Waiver) { w.RequirementID = " " }, qualstate.ErrInvalidInput},
		{"requirement with a space", "eve", func(w *qualstate.Waiver) { w.RequirementID = "URS ENC" }, qualstate.ErrInvalidInput},
		{"scope everywhere", "eve", func(w *qualstate.Waiver) { w.Scope = qualstate.WaiverScope{Resource: "Bucket"} }, qualstate.ErrInvalidInput},
		{"bad pattern", "eve", func(w *qualstate.Waiver) { w.Scope.Resource = "[" }, qualstate.ErrInvalidInput},
		{"no justification", "eve", func(w *qualstate.Waiver) { w.Justification = "" }, qualstate.ErrInvalidInput},
		{"no risk assessment", "eve", func(w *qualstate.Waiver) { w.RiskAssessment = "\n" }, qualstate.ErrInvalidInput},
		{"expired already", "eve", func(w *qualstate.Waiver) { w.Expires = f.clock.Now() }, qualstate.ErrInvalidInput},
		{"more than a year", "eve", func(w *qualstate.Waiver) { w.Expires = f.clock.Now().AddDate(1, 0, 1) }, qualstate.ErrInvalidInput},
		{"auditor", "olga", func(*qualstate.Waiver) {}, qualstate.ErrDenied},
		{"a year exactly", "eve", func(w *qualstate.Waiver) { w.Expires = f.clock.Now().AddDate(1, 0, 0) }, ""},
		{"reviewer", "rita", func(*qualstate.Waiver) {}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := validWaiver(f)
			tt.change(&w)
			got, err := f.svc.RequestWaiver(f.ctx, nil, as(tt.who), w)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != qualstate.WaiverRequested || got.RequestedBy != tt.who {
				t.Fatalf("waiver %+v", got)
			}
		})
	}
}

func TestWaiverLifecycle(t *testing.T) {
	f := newFixture(t)
	f.team()
	// Eve may approve waivers, only not her own.
	if err := f.svc.SetRoles(f.ctx, f.admin, "eve", []qualstate.Role{qualstate.RoleEngineer, qualstate.RoleApprover}); err != nil {
		t.Fatal(err)
	}
	ada := sign.Components{UserID: "ada", Password: adminPass}
	ids := map[string]string{}
	request := func(name string, d time.Duration) func() (*qualstate.Waiver, error) {
		return func() (*qualstate.Waiver, error) {
			w := validWaiver(f)
			w.Expires = f.clock.Now().Add(d)
			got, err := f.svc.RequestWaiver(f.ctx, nil, as("eve"), w)
			if err == nil {
				ids[name] = got.ID
			}
			return got, err
		}
	}
	decide := func(do func(c sign.Components, id, reason string) (*qualstate.Waiver, error), c sign.Components, name, reason string) func() (*qualstate.Waiver, error) {
		return func() (*qualstate.Waiver, error) { return do(c, ids[name], reason) }
	}
	approve := func(c sign.Components, id, reason string) (*qualstate.Waiver, error) {
		return f.svc.ApproveWaiver(f.ctx, nil, c, id, reason)
	}
	reject := func(c sign.Components, id, reason string) (*qualstate.Waiver, error) {
		return f.svc.RejectWaiver(f.ctx, nil, c, id, reason)
	}
	revoke := func(c sign.Components, id, reason string) (*qualstate.Waiver, error) {
		return f.svc.RevokeWaiver(f.ctx, nil, c, id, reason)
	}
	steps := []struct {
		name    string
		advance time.Duration
		do      func() (*qualstate.Waiver, error)
		code    qualstate.ErrorCode
		status  qualstate.WaiverStatus
		active  []string // the waivers in force after the step
	}{
		{"request A", 0, request("A", 60*24*time.Hour), "", qualstate.WaiverRequested, nil},
		{"requester approves A", 0, decide(approve, as("eve"), "A", ""), qualstate.ErrDenied, "", nil},
		{"reviewer approves A", 0, decide(approve, as("rita"), "A", ""), qualstate.ErrDenied, "", nil},
		{"approver approves A", 0, decide(approve, as("apollo"), "A", "risk accepted"), "", qualstate.WaiverApproved, []string{"A"}},
		{"approve A again", 0, decide(approve, as("apollo"), "A", ""), qualstate.ErrConflict, "", []string{"A"}},
		{"request B", 0, request("B", 10*24*time.Hour), "", qualstate.WaiverRequested, []string{"A"}},
		{"reject B without a reason", 0, decide(reject, as("apollo"), "B", ""), qualstate.ErrInvalidInput, "", []string{"A"}},
		{"requester rejects B", 0, decide(reject, as("eve"), "B", "withdrawn"), qualstate.ErrDenied, "", []string{"A"}},
		{"reject B", 0, decide(reject, as("apollo"), "B", "fix the bucket instead"), "", qualstate.WaiverRejected, []string{"A"}},
		{"approve rejected B", 0, decide(approve, as("apollo"), "B", ""), qualstate.ErrConflict, "", []string{"A"}},
		{"request C", 0, request("C", 10*24*time.Hour), "", qualstate.WaiverRequested, []string{"A"}},
		{"approve C", 0, decide(approve, as("apollo"), "C", ""), "", qualstate.WaiverApproved, []string{"A", "C"}},
		{"request D", 0, request("D", 5*24*time.Hour), "", qualstate.WaiverRequested, []string{"A", "C"}},
		{"C expires", 11 * 24 * time.Hour, func() (*qualstate.Waiver, error) { return f.svc.VerifyWaiver(f.ctx, ids["C"]) }, "", qualstate.WaiverApproved, []string{"A"}},
		{"revoke expired C", 0, decide(revoke, as("apollo"), "C", "no longer needed"), qualstate.ErrConflict, "", []string{"A"}},
		{"approve expired D", 0, decide(approve, as("apollo"), "D", ""), qualstate.ErrConflict, "", []string{"A"}},
		{"revoke A without a reason", 0, decide(revoke, ada, "A", ""), qualstate.ErrInvalidInput, "", []string{"A"}},
		{"approver who requested A revokes it", 0, decide(revoke, as("eve"), "A", "done"), "", qualstate.WaiverRevoked, nil},
		{"revoke A again", 0, decide(revoke, ada, "A", "done"), qualstate.ErrConflict, "", nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			f.clock.Advance(st.advance)
			w, err := st.do()
			if st.code != "" {
				wantCode(t, err, st.code)
			} else if err != nil {
				t.Fatal(err)
			} else if w.Status != st.status {
				t.Fatalf("status %s, want %s", w.Status, st.status)
			}
			active, err := f.svc.ActiveWaivers(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, w := range active {
				got = append(got, w.ID)
			}
			for _, name := range st.active {
				want = append(want, ids[name])
			}
			if !slices.Equal(got, want) {
				t.Fatalf("active waivers %v, want %v", got, want)
			}
		})
	}
	// Eve could revoke A only as an approver: an engineer alone cannot.
	t.Run("revoke needs approver or admin", func(t *testing.T) {
		w, err := request("E", 30*24*time.Hour)()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ApproveWaiver(f.ctx, nil, as("apollo"), w.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RevokeWaiver(f.ctx, nil, as("rita"), w.ID, "not mine to keep")
		wantCode(t, err, qualstate.ErrDenied)
		if _, err := f.svc.RevokeWaiver(f.ctx, nil, ada, w.ID, "superseded by a fix"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("signatures", func(t *testing.T) {
		sigs, err := f.store.Signatures(f.ctx, "waiver/"+ids["A"])
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range sigs {
			got = append(got, s.SignerID+" "+string(s.Meaning)+" "+s.Reason)
		}
		if want := "eve authored ,apollo approved risk accepted,eve revoked done"; strings.Join(got, ",") != want {
			t.Fatalf("signatures %q, want %q", got, want)
		}
		for _, name := range []string{"A", "B", "C", "D", "E"} {
			if _, err := f.svc.VerifyWaiver(f.ctx, ids[name]); err != nil {
				t.Errorf("waiver %s: %v", name, err)
			}
		}
	})
}

// A waiver changed behind its signatures never applies, and verification
// says why.
func TestWaiverTampered(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(f *fixture, w *qualstate.Waiver)
		says   string
	}{
		{"scope widened", func(f *fixture, w *qualstate.Waiver) {
			w.Scope.Stack = "*"
			f.putWaiverDoc(w)
		}, "no longer says what its author signed"},
		{"expiry moved", func(f *fixture, w *qualstate.Waiver) {
			w.Expires = w.Expires.AddDate(1, 0, 0)
			f.putWaiverDoc(w)
		}, "no longer says what its author signed"},
		{"revocation turned into approval", func(f *fixture, w *qualstate.Waiver) {
			if _, err := f.svc.RevokeWaiver(f.ctx, nil, as("apollo"), w.ID, "fixed"); err != nil {
				f.t.Fatal(err)
			}
			w.Status = qualstate.WaiverApproved
			f.putWaiverDoc(w)
		}, "was rejected or revoked"},
		{"request record altered", func(f *fixture, w *qualstate.Waiver) {
			f.exec(`UPDATE records SET blob = ? WHERE digest = ?`, []byte(`{}`), w.RecordDigest)
		}, "altered"},
		{"approval signature forged", func(f *fixture, w *qualstate.Waiver) {
			sigs, err := f.store.Signatures(f.ctx, "waiver/"+w.ID)
			if err != nil {
				f.t.Fatal(err)
			}
			s := sigs[1]
			s.SignerID, s.SignerName = "olga", "Olga Auditor"
			doc, _ := json.Marshal(s)
			f.exec(`UPDATE signatures SET doc = ? WHERE id = ?`, string(doc), s.ID)
		}, "signature does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.team()
			w := f.waiver(30 * 24 * time.Hour)
			if active, err := f.svc.ActiveWaivers(f.ctx); err != nil || len(active) != 1 {
				t.Fatalf("before tampering: %v, %v", active, err)
			}
			tt.tamper(f, w)
			active, err := f.svc.ActiveWaivers(f.ctx)
			if err != nil || len(active) != 0 {
				t.Fatalf("after tampering: %v, %v; want none active", active, err)
			}
			_, err = f.svc.VerifyWaiver(f.ctx, w.ID)
			if !errors.Is(err, qualstate.ErrBadSignature) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("verify: %v; want a bad signature saying %q", err, tt.says)
			}
		})
	}
}

func (f *fixture) putWaiverDoc(w *qualstate.Waiver) {
	f.t.Helper()
	doc, err := json.Marshal(w)
	if err != nil {
		f.t.Fatal(err)
	}
	f.exec(`UPDATE waivers SET doc = ? WHERE id = ?`, string(doc), w.ID)
}

// Requests made at the same time each get their own id: the Store
// refuses a taken one and the request takes the next.
func TestWaiverIDsUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	f.team()
	const n = 4
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			w := validWaiver(f)
			w.RequirementID = fmt.Sprintf("URS-%02d", i)
			r, err := f.svc.RequestWaiver(f.ctx, nil, as("eve"), w)
			if err == nil {
				got[i] = r.ID
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(got)
	if want := []string{"W-0001", "W-0002", "W-0003", "W-0004"}; !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v", got, want)
	}
	all, err := f.store.Waivers(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range all {
		if _, err := f.svc.VerifyWaiver(f.ctx, w.ID); err != nil {
			t.Errorf("%s: %v", w.ID, err)
		}
	}
}
