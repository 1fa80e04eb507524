package sign_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/sign"
)

// The whole review of a run, one step after another, with separation of
// duties at each.
func TestRunFlow(t *testing.T) {
	f := newFixture(t)
	f.team()
	// Eve may review and approve in general: only having executed the run
	// stops her.
	if err := f.svc.SetRoles(f.ctx, f.admin, "eve", []qualstate.Role{qualstate.RoleEngineer, qualstate.RoleReviewer, qualstate.RoleApprover}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetRoles(f.ctx, f.admin, "rita", []qualstate.Role{qualstate.RoleReviewer, qualstate.RoleApprover}); err != nil {
		t.Fatal(err)
	}
	run := f.run("run-0001", "eve", qualstate.RunPassed)
	record := f.record(run.ID)
	review := func(who string, rec []byte) error {
		_, err := f.svc.ReviewRun(f.ctx, nil, as(who), run, rec, "checked every test case")
		return err
	}
	approve := func(who string) error {
		_, _, err := f.svc.ApproveRun(f.ctx, nil, as(who), run, "fit for use")
		return err
	}
	steps := []struct {
		name  string
		do    func() error
		code  qualstate.ErrorCode
		state qualstate.ReviewState
	}{
		{"approve before review", func() error { return approve("apollo") }, qualstate.ErrConflict, qualstate.ReviewExecuted},
		{"executor reviews", func() error { return review("eve", record) }, qualstate.ErrDenied, qualstate.ReviewExecuted},
		{"auditor reviews", func() error { return review("olga", record) }, qualstate.ErrDenied, qualstate.ReviewExecuted},
		{"first review with no record", func() error { return review("rita", nil) }, qualstate.ErrInvalidInput, qualstate.ReviewExecuted},
		{"first review", func() error { return review("rita", record) }, "", qualstate.ReviewInReview},
		{"same reviewer again", func() error { return review("rita", record) }, qualstate.ErrConflict, qualstate.ReviewInReview},
		{"second review of another record", func() error { return review("ray", []byte(`{"changed":true}`)) }, qualstate.ErrConflict, qualstate.ReviewInReview},
		{"second review", func() error { return review("ray", nil) }, "", qualstate.ReviewInReview},
		{"executor approves", func() error { return approve("eve") }, qualstate.ErrDenied, qualstate.ReviewInReview},
		{"reviewer approves", func() error { return approve("rita") }, qualstate.ErrDenied, qualstate.ReviewInReview},
		{"reviewer without the approver role approves", func() error { return approve("ray") }, qualstate.ErrDenied, qualstate.ReviewInReview},
		{"approver approves", func() error { return approve("apollo") }, "", qualstate.ReviewApproved},
		{"approve again", func() error { return approve("apollo") }, qualstate.ErrConflict, qualstate.ReviewApproved},
		{"reject after approval", func() error {
			_, err := f.svc.RejectRun(f.ctx, nil, as("ray"), run, nil, "too late")
			return err
		}, qualstate.ErrConflict, qualstate.ReviewApproved},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := st.do()
			if st.code == "" && err != nil {
				t.Fatal(err)
			}
			if st.code != "" {
				wantCode(t, err, st.code)
			}
			rv, err := f.svc.ReviewOf(f.ctx, run)
			if err != nil {
				t.Fatal(err)
			}
			if rv.State != st.state {
				t.Fatalf("review state %s, want %s", rv.State, st.state)
			}
		})
	}
	sigs, err := f.svc.VerifyRun(f.ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sigs {
		got = append(got, s.SignerID+" "+string(s.Meaning))
		if s.RecordDigest != qualstate.Digest(record) || !strings.HasPrefix(s.ID, "SIG-") || len(s.ID) != 16 {
			t.Errorf("signature %+v", s)
		}
	}
	if want := "rita reviewed,ray reviewed,apollo approved"; strings.Join(got, ",") != want {
		t.Fatalf("signatures %q, want %q", got, want)
	}
	if sigs[0].SignerName != "Rita Reviewer" || sigs[0].Reason != "checked every test case" {
		t.Errorf("signature states %q with reason %q", sigs[0].SignerName, sigs[0].Reason)
	}
	applied := f.eventsFor("signature.applied")
	if len(applied) != 3 || applied[2].Actor != "apollo" || applied[2].Reason != "approved: fit for use" {
		t.Fatalf("signature events %+v", applied)
	}
}

func TestDistinctApprover(t *testing.T) {
	tests := []struct {
		setting string
		code    qualstate.ErrorCode
	}{
		{"true", qualstate.ErrDenied},
		{"false", ""},
	}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			f := newFixture(t)
			f.team()
			if err := f.svc.SetRoles(f.ctx, f.admin, "rita", []qualstate.Role{qualstate.RoleReviewer, qualstate.RoleApprover}); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.SetSetting(f.ctx, f.admin, sign.KeyDistinctApprover, tt.setting); err != nil {
				t.Fatal(err)
			}
			run := f.run("run-0001", "eve", qualstate.RunPassed)
			if _, err := f.svc.ReviewRun(f.ctx, nil, as("rita"), run, f.record(run.ID), ""); err != nil {
				t.Fatal(err)
			}
			_, cert, err := f.svc.ApproveRun(f.ctx, nil, as("rita"), run, "")
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cert.Signatures) != 2 || cert.Signatures[0].SignerID != "rita" || cert.Signatures[1].SignerID != "rita" {
				t.Fatalf("certificate signatures %+v", cert.Signatures)
			}
		})
	}
}

func TestReviewRefused(t *testing.T) {
	tests := []struct {
		name     string
		executor string
		status   qualstate.RunStatus
		do       func(f *fixture, run *qualstate.Run) error
		code     qualstate.ErrorCode
		says     string
	}{
		{"executed outside qualstate", "os:bob", qualstate.RunPassed, func(f *fixture, run *qualstate.Run) error {
			_, err := f.svc.ReviewRun(f.ctx, nil, as("rita"), run, f.record(run.ID), "")
			return err
		}, qualstate.ErrDenied, `executed by "os:bob", which is not a qualstate user`},
		{"still running", "eve", qualstate.RunRunning, func(f *fixture, run *qualstate.Run) error {
			_, err := f.svc.ReviewRun(f.ctx, nil, as("rita"), run, f.record(run.ID), "")
			return err
		}, qualstate.ErrConflict, "only a run that finished passed or failed"},
		{"aborted", "eve", qualstate.RunAborted, func(f *fixture, run *qualstate.Run) error {
			_, err := f.svc.RejectRun(f.ctx, nil, as("rita"), run, f.record(run.ID), "incomplete")
			return err
		}, qualstate.ErrConflict, "only a run that finished passed or failed"},
		{"failed run approved", "eve", qualstate.RunFailed, func(f *fixture, run *qualstate.Run) error {
			if _, err := f.svc.ReviewRun(f.ctx, nil, as("rita"), run, f.record(run.ID), ""); err != nil {
				return err
			}
			_, _, err := f.svc.ApproveRun(f.ctx, nil, as("apollo"), run, "")
			return err
		}, qualstate.ErrConflict, "only a run that passed can be approved"},
		{"rejected without a reason", "eve", qualstate.RunFailed, func(f *fixture, run *qualstate.Run) error {
			_, err := f.svc.RejectRun(f.ctx, nil, as("rita"), run, f.record(run.ID), "  ")
			return err
		}, qualstate.ErrInvalidInput, "reason"},
		{"rejected by the executor", "eve", qualstate.RunFailed, func(f *fixture, run *qualstate.Run) error {
			if err := f.svc.SetRoles(f.ctx, f.admin, "eve", []qualstate.Role{qualstate.RoleEngineer, qualstate.RoleApprover}); err != nil {
				return err
			}
			_, err := f.svc.RejectRun(f.ctx, nil, as("eve"), run, f.record(run.ID), "I would rather")
			return err
		}, qualstate.ErrDenied, "executed run run-0001"},
		{"run id is a prefix", "eve", qualstate.RunPassed, func(f *fixture, run *qualstate.Run) error {
			_, err := f.svc.ReviewRun(f.ctx, nil, as("rita"), &qualstate.Run{ID: "run-00"}, f.record(run.ID), "")
			return err
		}, qualstate.ErrNotFound, "run-00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.team()
			run := f.run("run-0001", tt.executor, tt.status)
			err := tt.do(f, run)
			wantCode(t, err, tt.code)
			if !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("error %q, want it to say %q", err, tt.says)
			}
		})
	}
}

// A rejection from executed freezes the record and closes the review.
func TestRejectRun(t *testing.T) {
	f := newFixture(t)
	f.team()
	run := f.run("run-0001", "eve", qualstate.RunFailed)
	sig, err := f.svc.RejectRun(f.ctx, nil, as("apollo"), run, f.record(run.ID), "encryption check failed on two buckets")
	if err != nil {
		t.Fatal(err)
	}
	rv, err := f.svc.ReviewOf(f.ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if rv.State != qualstate.ReviewRejected || rv.Reason != "encryption check failed on two buckets" || rv.RecordDigest != sig.RecordDigest {
		t.Fatalf("review %+v", rv)
	}
	if _, err := f.svc.VerifyRun(f.ctx, run); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.ReviewRun(f.ctx, nil, as("rita"), run, nil, "")
	wantCode(t, err, qualstate.ErrConflict)
	_, err = f.svc.Certificate(f.ctx, run.ID)
	wantCode(t, err, qualstate.ErrNotFound)
}

// A signature copied onto another run, or altered, or whose record was
// altered, fails verification: signatures are bound to their records
// (11.70).
func TestSignatureMoved(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(f *fixture, a, b *qualstate.Signature)
		verify string // the run to verify
		names  string // what the error names
	}{
		{"copied to another run", func(f *fixture, a, b *qualstate.Signature) {
			c := *a
			c.ID, c.Subject, c.RecordDigest = "SIG-000000000001", b.Subject, b.RecordDigest
			if err := f.store.Sign(f.ctx, c, qualstate.SignedChange{}); err != nil {
				f.t.Fatal(err)
			}
		}, "run-b", "SIG-000000000001"},
		{"copied with its record digest", func(f *fixture, a, b *qualstate.Signature) {
			c := *a
			c.ID, c.Subject = "SIG-000000000002", b.Subject
			if err := f.store.Sign(f.ctx, c, qualstate.SignedChange{}); err != nil {
				f.t.Fatal(err)
			}
		}, "run-b", "SIG-000000000002"},
		{"record digest changed in place", func(f *fixture, a, b *qualstate.Signature) {
			c := *a
			c.ID, c.RecordDigest = "SIG-000000000003", b.RecordDigest
			if err := f.store.Sign(f.ctx, c, qualstate.SignedChange{}); err != nil {
				f.t.Fatal(err)
			}
		}, "run-a", "SIG-000000000003"},
		{"printed name altered", func(f *fixture, a, b *qualstate.Signature) {
			c := *a
			c.SignerName = "Someone Else"
			doc, _ := json.Marshal(c)
			f.exec(`UPDATE signatures SET doc = ? WHERE id = ?`, string(doc), a.ID)
		}, "run-a", a0},
		{"record altered", func(f *fixture, a, b *qualstate.Signature) {
			f.exec(`UPDATE records SET blob = ? WHERE digest = ?`, []byte(`{"result":"pass"}`), a.RecordDigest)
		}, "run-a", "altered"},
		{"review points at another record", func(f *fixture, a, b *qualstate.Signature) {
			rv, err := f.store.Review(f.ctx, "run-a")
			if err != nil {
				f.t.Fatal(err)
			}
			rv.RecordDigest = b.RecordDigest
			doc, _ := json.Marshal(rv)
			f.exec(`UPDATE reviews SET doc = ? WHERE run_id = ?`, string(doc), "run-a")
		}, "run-a", a0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.team()
			runA, runB := f.run("run-a", "eve", qualstate.RunPassed), f.run("run-b", "eve", qualstate.RunPassed)
			a, err := f.svc.ReviewRun(f.ctx, nil, as("rita"), runA, f.record(runA.ID), "")
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.svc.ReviewRun(f.ctx, nil, as("ray"), runB, f.record(runB.ID), "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*qualstate.Run{runA, runB} {
				if _, err := f.svc.VerifyRun(f.ctx, r); err != nil {
					t.Fatalf("before tampering: %v", err)
				}
			}
			tt.tamper(f, a, b)
			_, err = f.svc.VerifyRun(f.ctx, &qualstate.Run{ID: tt.verify})
			if !errors.Is(err, qualstate.ErrBadSignature) {
				t.Fatalf("verify: %v, want a bad signature", err)
			}
			names := tt.names
			if names == a0 {
				names = a.ID
			}
			if !strings.Contains(err.Error(), names) {
				t.Fatalf("error %q does not name %s", err, names)
			}
			// Approval never certifies a run whose signatures fail.
			if tt.verify == "run-a" {
				_, _, err = f.svc.ApproveRun(f.ctx, nil, as("apollo"), runA, "")
				if !errors.Is(err, qualstate.ErrBadSignature) {
					t.Fatalf("approve: %v, want a bad signature", err)
				}
			}
		})
	}
}

// a0 stands for the id of the first run's signature, known only once made.
const a0 = "(signature of run-a)"

func TestCertificate(t *testing.T) {
	f := newFixture(t)
	f.team()
	w := f.waiver(30 * 24 * time.Hour)
	run := f.run("run-0001", "eve", qualstate.RunPassed, waivedCase("IQ-0002", w))
	if _, err := f.svc.ReviewRun(f.ctx, nil, as("rita"), run, f.record(run.ID), ""); err != nil {
		t.Fatal(err)
	}
	sig, cert, err := f.svc.ApproveRun(f.ctx, nil, as("apollo"), run, "fit for production")
	if err != nil {
		t.Fatal(err)
	}
	pub := f.key.Public()
	if err := cert.Verify(pub); err != nil {
		t.Fatal(err)
	}
	stored, err := f.svc.Certificate(f.ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(stored.Message()) != string(cert.Message()) || stored.Value != cert.Value {
		t.Fatal("the stored certificate is not the one issued")
	}
	wantStatement := "Template examples/gxp-data-platform.yaml (sha256:" + run.TemplateDigest + ") met requirement set gxp-baseline 1.2.0 (sha256:" +
		run.RequirementSetDigest + ") in qualification run run-0001 on sandbox (account 000000000000, us-east-1), approved by Apollo Approver (apollo) at 2026-03-02T09:00:00Z" +
		", with failed checks accepted under waiver " + w.ID + "."
	if cert.Statement != wantStatement {
		t.Errorf("statement\n%s\nwant\n%s", cert.Statement, wantStatement)
	}
	if len(cert.Waivers) != 1 || cert.Waivers[0].ID != w.ID || len(cert.Signatures) != 2 || cert.Signatures[1].ID != sig.ID {
		t.Errorf("certificate waivers %+v, signatures %+v", cert.Waivers, cert.Signatures)
	}
	rv, err := f.svc.ReviewOf(f.ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.store.Record(f.ctx, rv.CertificateDigest)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := json.Marshal(cert); string(data) != string(want) {
		t.Fatal("the stored certificate is not its canonical JSON")
	}
	changes := []struct {
		field  string
		change func(c *qualstate.Certificate)
	}{
		{"statement", func(c *qualstate.Certificate) { c.Statement = strings.Replace(c.Statement, "sandbox", "aws", 1) }},
		{"run", func(c *qualstate.Certificate) { c.RunID = "run-0002" }},
		{"template file", func(c *qualstate.Certificate) { c.Template.File = "other.yaml" }},
		{"template digest", func(c *qualstate.Certificate) { c.Template.Digest = strings.Repeat("0", 64) }},
		{"requirement set version", func(c *qualstate.Certificate) { c.RequirementSet.Version = "1.3.0" }},
		{"requirement set digest", func(c *qualstate.Certificate) { c.RequirementSet.Digest = strings.Repeat("1", 64) }},
		{"environment", func(c *qualstate.Certificate) { c.Environment.Account = "123456789012" }},
		{"result", func(c *qualstate.Certificate) { c.Result = qualstate.ResultFail }},
		{"record digest", func(c *qualstate.Certificate) { c.RecordDigest = strings.Repeat("2", 64) }},
		{"waiver expiry", func(c *qualstate.Certificate) { c.Waivers[0].Expires = c.Waivers[0].Expires.AddDate(1, 0, 0) }},
		{"waiver dropped", func(c *qualstate.Certificate) { c.Waivers = nil }},
		{"signature dropped", func(c *qualstate.Certificate) { c.Signatures = c.Signatures[1:] }},
		{"signer name", func(c *qualstate.Certificate) { c.Signatures[0].SignerName = "Someone Else" }},
		{"issued", func(c *qualstate.Certificate) { c.Issued = c.Issued.Add(-time.Hour) }},
		{"kind", func(c *qualstate.Certificate) { c.Kind = "qualstate.certificate/v2" }},
		{"key", func(c *qualstate.Certificate) { c.Key = "ed25519:0000000000000000" }},
	}
	for _, ch := range changes {
		t.Run(ch.field, func(t *testing.T) {
			var c qualstate.Certificate
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatal(err)
			}
			ch.change(&c)
			if err := c.Verify(pub); err == nil {
				t.Fatal("a changed certificate verifies")
			}
		})
	}
	t.Run("stored certificate altered", func(t *testing.T) {
		f.exec(`UPDATE records SET blob = ? WHERE digest = ?`, []byte(strings.Replace(string(data), "sandbox", "aws", 1)), rv.CertificateDigest)
		if _, err := f.svc.Certificate(f.ctx, run.ID); !errors.Is(err, qualstate.ErrBadSignature) {
			t.Fatalf("certificate: %v, want a bad signature", err)
		}
		if _, err := f.svc.VerifyRun(f.ctx, run); !errors.Is(err, qualstate.ErrBadSignature) {
			t.Fatalf("verify run: %v, want a bad signature", err)
		}
	})
}

func TestApprovalNeedsActiveWaivers(t *testing.T) {
	tests := []struct {
		name   string
		after  func(f *fixture, w *qualstate.Waiver)
		code   qualstate.ErrorCode
		reason string
	}{
		{"waiver in force", func(*fixture, *qualstate.Waiver) {}, "", ""},
		{"waiver expired", func(f *fixture, _ *qualstate.Waiver) { f.clock.Advance(31 * 24 * time.Hour) }, qualstate.ErrConflict, "which is expired"},
		{"waiver revoked", func(f *fixture, w *qualstate.Waiver) {
			if _, err := f.svc.RevokeWaiver(f.ctx, nil, sign.Components{UserID: "ada", Password: adminPass}, w.ID, "migration cancelled"); err != nil {
				f.t.Fatal(err)
			}
		}, qualstate.ErrConflict, "which is revoked"},
		{"waiver widened behind its signatures", func(f *fixture, w *qualstate.Waiver) {
			c := *w
			c.Scope.Resource = "*"
			doc, _ := json.Marshal(c)
			f.exec(`UPDATE waivers SET doc = ? WHERE id = ?`, string(doc), w.ID)
		}, qualstate.ErrConflict, "cannot be relied on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.team()
			w := f.waiver(30 * 24 * time.Hour)
			run := f.run("run-0001", "eve", qualstate.RunPassed, waivedCase("IQ-0002", w), waivedCase("IQ-0003", w))
			if _, err := f.svc.ReviewRun(f.ctx, nil, as("rita"), run, f.record(run.ID), ""); err != nil {
				t.Fatal(err)
			}
			tt.after(f, w)
			_, _, err := f.svc.ApproveRun(f.ctx, nil, as("apollo"), run, "")
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code)
			if !strings.Contains(err.Error(), "IQ-0002 is waived by "+w.ID) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("error %q does not name the case, the waiver and %q", err, tt.reason)
			}
		})
	}
}
