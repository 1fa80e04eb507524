package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"qualstate"
)

// scanEvents returns the events from seq from on, decoded, failing the
// test unless every one is in canonical form and their seqs run on from
// from without gaps.
func scanEvents(t *testing.T, s qualstate.Store, from int64) []qualstate.AuditEvent {
	t.Helper()
	var evs []qualstate.AuditEvent
	err := s.ScanAudit(t.Context(), from, func(seq int64, data []byte) error {
		ev, err := qualstate.DecodeAuditEvent(data)
		if err != nil {
			return fmt.Errorf("event %d: %w", seq, err)
		}
		if want := from + int64(len(evs)); seq != want || ev.Seq != seq {
			return fmt.Errorf("event at seq %d says seq %d, where %d was due", seq, ev.Seq, want)
		}
		evs = append(evs, ev)
		return nil
	})
	must(t, "ScanAudit", err)
	return evs
}

func auditSize(t *testing.T, s qualstate.Store) int64 {
	t.Helper()
	n, err := s.AuditSize(t.Context())
	must(t, "AuditSize", err)
	return n
}

// unchangedTrail fails the test if the trail grew from size.
func unchangedTrail(t *testing.T, s qualstate.Store, size int64, what string) {
	t.Helper()
	if n := auditSize(t, s); n != size {
		t.Errorf("%s appended %d audit events", what, n-size)
	}
}

func recordDigests(t *testing.T, s qualstate.Store) map[string]string {
	t.Helper()
	got := map[string]string{}
	must(t, "RecordDigests", s.RecordDigests(t.Context(), func(subject, digest string) error {
		if _, dup := got[subject]; dup {
			return fmt.Errorf("subject %s given twice", subject)
		}
		got[subject] = digest
		return nil
	}))
	return got
}

// auditStep is one write of testAuditTrail and the events it must append,
// each written "action subject".
type auditStep struct {
	name   string
	actor  string // "" for a context without one
	reason string
	do     func(ctx context.Context, s qualstate.Store) error
	want   []string
}

// testAuditTrail makes one write of every kind, checks the events each
// appends, then checks the trail as a whole: every record's last event
// names the digest RecordDigests gives for it, and every record
// RecordDigests gives has events.
func testAuditTrail(t *testing.T, open opener) {
	s, reopen := open(t)
	const r1, r2 = "run-audit-01", "run-audit-02"
	run := &qualstate.Run{ID: r1, Status: qualstate.RunRunning, Started: t0, Heartbeat: t0}
	ev1, ev1blob, _ := sealed(t, "audited")
	base := []qualstate.BaselineResource{fullBaseline("Alpha"), fullBaseline("Beta")}
	base2 := []qualstate.BaselineResource{fullBaseline("Beta"), fullBaseline("Gamma")}
	base2[0].PhysicalID = "replaced"
	user, cred := fullUser("jdoe"), fullCredential("jdoe")
	user.Disabled = false
	sess := fullSession("jdoe")
	subjectOfSession := "session/" + sess.ID[:12]
	req := waiverRequest("W-0001")
	reqRecord := []byte(`{"waiver":"W-0001","requirement":"S3-ENC-01"}`)
	runRecord := []byte(`{"run":"run-audit-01","result":"pass"}`)
	certRecord := []byte(`{"kind":"qualstate.certificate/v1","runId":"run-audit-01"}`)
	dReq, dRun, dCert := qualstate.Digest(reqRecord), qualstate.Digest(runRecord), qualstate.Digest(certRecord)
	sig := func(id, subject, digest string, m qualstate.Meaning, reason string) qualstate.Signature {
		return qualstate.Signature{ID: id, Subject: subject, RecordDigest: digest, SignerID: "qa-lead", SignerName: "Q. Lead",
			Meaning: m, Time: t0, Reason: reason, Key: "ed25519:0011223344556677", Value: "c2ln"}
	}
	review := func(state qualstate.ReviewState) *qualstate.Review {
		return &qualstate.Review{RunID: r1, State: state, RecordDigest: dRun, Updated: t0}
	}

	steps := []auditStep{
		{"create runs", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			if err := s.CreateRun(ctx, run); err != nil {
				return err
			}
			return s.CreateRun(ctx, &qualstate.Run{ID: r2})
		}, []string{"run.created run/" + r1, "run.created run/" + r2}},
		{"update a run unchanged", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			return s.UpdateRun(ctx, run)
		}, nil},
		{"update a run's heartbeat", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			run.Heartbeat = t0.Add(time.Minute)
			return s.UpdateRun(ctx, run)
		}, []string{"run.updated run/" + r1}},
		{"update a run's status", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			run.Status = qualstate.RunPassed
			return s.UpdateRun(ctx, run)
		}, []string{"run.passed run/" + r1}},
		{"record a step, end it, rewrite it unchanged", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			st := fullStep(r1, 1)
			st.Status, st.Finished = qualstate.StepRunning, time.Time{}
			if err := s.PutStep(ctx, st); err != nil {
				return err
			}
			if err := s.PutStep(ctx, fullStep(r1, 1)); err != nil {
				return err
			}
			return s.PutStep(ctx, fullStep(r1, 1))
		}, []string{"step.recorded run/" + r1 + "/step/1", "step.recorded run/" + r1 + "/step/1"}},
		{"add test cases", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			return s.AddTestCases(ctx, []qualstate.TestCase{fullCase(r1, "IQ-0002"), fullCase(r1, "IQ-0001")})
		}, []string{"case.recorded run/" + r1 + "/case/IQ-0002", "case.recorded run/" + r1 + "/case/IQ-0001"}},
		{"store evidence", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			return s.PutEvidence(ctx, r1, ev1, ev1blob)
		}, []string{"evidence.stored evidence/" + ev1, "evidence.linked run/" + r1 + "/evidence/" + ev1}},
		{"store the same evidence again", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			return s.PutEvidence(ctx, r1, ev1, ev1blob)
		}, nil},
		{"link stored evidence to another run", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			return s.PutEvidence(ctx, r2, ev1, ev1blob)
		}, []string{"evidence.linked run/" + r2 + "/evidence/" + ev1}},
		{"record a baseline", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			return s.PutBaseline(ctx, r1, base)
		}, []string{"baseline.recorded run/" + r1 + "/baseline/Alpha", "baseline.recorded run/" + r1 + "/baseline/Beta"}},
		{"replace the baseline", "jdoe", "resumed", func(ctx context.Context, s qualstate.Store) error {
			return s.PutBaseline(ctx, r1, base2)
		}, []string{"baseline.recorded run/" + r1 + "/baseline/Beta", "baseline.recorded run/" + r1 + "/baseline/Gamma",
			"baseline.removed run/" + r1 + "/baseline/Alpha"}},
		{"replace the baseline by itself", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			return s.PutBaseline(ctx, r1, base2)
		}, nil},
		{"create a user", "admin", "new hire", func(ctx context.Context, s qualstate.Store) error {
			return s.CreateUser(ctx, user, cred)
		}, []string{"user.created user/jdoe", "credential.set user/jdoe/credential"}},
		{"disable, enable, change roles and name, then nothing", "admin", "", func(ctx context.Context, s qualstate.Store) error {
			u := user
			for _, change := range []func(){
				func() { u.Disabled = true },
				func() { u.Disabled = false },
				func() { u.Roles = []qualstate.Role{qualstate.RoleReviewer} },
				func() { u.Name = "Jane Q. Doe" },
				func() {},
			} {
				change()
				if err := s.UpdateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		}, []string{"user.disabled user/jdoe", "user.enabled user/jdoe", "user.roles-changed user/jdoe", "user.updated user/jdoe"}},
		{"change a password", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			c := cred
			c.Hash, c.History = "$argon2id$v=19$m=65536,t=3,p=4$bmV3$bmV3", []string{cred.Hash}
			return s.PutCredential(ctx, c)
		}, []string{"credential.updated user/jdoe/credential"}},
		{"a session starts, is used, ends, is rewritten", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			ss := sess
			ss.Ended = time.Time{}
			if err := s.PutSession(ctx, ss); err != nil {
				return err
			}
			ss.LastUsed, ss.Signings = ss.LastUsed.Add(time.Minute), 1
			if err := s.PutSession(ctx, ss); err != nil {
				return err
			}
			ss.Ended = ss.LastUsed
			if err := s.PutSession(ctx, ss); err != nil {
				return err
			}
			ss.LastUsed = ss.LastUsed.Add(time.Second)
			return s.PutSession(ctx, ss)
		}, []string{"session.started " + subjectOfSession, "session.ended " + subjectOfSession}},
		{"settings set, kept, changed, emptied", "admin", "policy", func(ctx context.Context, s qualstate.Store) error {
			for _, v := range []string{"15m", "15m", "30m", ""} {
				if err := s.PutSetting(ctx, "session.idle", v); err != nil {
					return err
				}
			}
			return nil
		}, []string{"setting.changed setting/session.idle", "setting.changed setting/session.idle", "setting.changed setting/session.idle"}},
		{"request a waiver", "jdoe", "", func(ctx context.Context, s qualstate.Store) error {
			return s.Sign(ctx, sig("S-0001", "waiver/W-0001", dReq, qualstate.MeaningAuthored, ""),
				qualstate.SignedChange{Records: []qualstate.SignedRecord{{Subject: "waiver/W-0001", Data: reqRecord}}, Waiver: &req})
		}, []string{"record.stored record/" + dReq, "signature.applied signature/S-0001", "waiver.requested waiver/W-0001"}},
		{"approve the waiver", "qa-lead", "", func(ctx context.Context, s qualstate.Store) error {
			w := req
			w.Status, w.DecidedBy, w.Decided = qualstate.WaiverApproved, "qa-lead", t0.Add(time.Hour)
			return s.Sign(ctx, sig("S-0002", "waiver/W-0001", dReq, qualstate.MeaningApproved, "risk accepted"),
				qualstate.SignedChange{Waiver: &w})
		}, []string{"signature.applied signature/S-0002", "waiver.approved waiver/W-0001"}},
		{"review a run", "qa-lead", "", func(ctx context.Context, s qualstate.Store) error {
			return s.Sign(ctx, sig("S-0003", "run/"+r1, dRun, qualstate.MeaningReviewed, ""),
				qualstate.SignedChange{Records: []qualstate.SignedRecord{{Subject: "run/" + r1, Data: runRecord}}, Review: review(qualstate.ReviewInReview)})
		}, []string{"record.stored record/" + dRun, "signature.applied signature/S-0003", "review.in-review review/" + r1}},
		{"approve the run, issuing a certificate", "qa-lead", "", func(ctx context.Context, s qualstate.Store) error {
			rv := review(qualstate.ReviewApproved)
			rv.CertificateDigest = dCert
			return s.Sign(ctx, sig("S-0004", "run/"+r1, dRun, qualstate.MeaningApproved, ""),
				qualstate.SignedChange{Records: []qualstate.SignedRecord{{Subject: "run/" + r1, Data: runRecord}, {Subject: "certificate/" + r1, Data: certRecord}}, Review: rv})
		}, []string{"record.stored record/" + dCert, "signature.applied signature/S-0004", "review.approved review/" + r1}},
		{"an event of its own", "", "", func(ctx context.Context, s qualstate.Store) error {
			_, err := s.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.verified", Subject: "audit"})
			return err
		}, []string{"audit.verified audit"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ctx := t.Context()
			if st.actor != "" {
				ctx = qualstate.WithActor(ctx, st.actor)
			}
			if st.reason != "" {
				ctx = qualstate.WithReason(ctx, st.reason)
			}
			from := auditSize(t, s)
			must(t, st.name, st.do(ctx, s))
			evs := scanEvents(t, s, from)
			var got []string
			for _, ev := range evs {
				got = append(got, ev.Action+" "+ev.Subject)
			}
			same(t, "events", got, st.want)
			wantActor := cmp.Or(st.actor, qualstate.ActorSystem)
			for _, ev := range evs {
				if ev.Actor != wantActor {
					t.Errorf("%s %s: actor %q, want %q", ev.Action, ev.Subject, ev.Actor, wantActor)
				}
				// A signature's reason is its meaning's: checked below.
				if ev.Action != "signature.applied" && ev.Reason != st.reason {
					t.Errorf("%s %s: reason %q, want %q", ev.Action, ev.Subject, ev.Reason, st.reason)
				}
				if ev.Time.IsZero() || ev.Time.Location() != time.UTC {
					t.Errorf("%s %s: time %v, want a UTC time", ev.Action, ev.Subject, ev.Time)
				}
			}
		})
	}

	evs := scanEvents(t, s, 0)
	t.Run("signature reasons state the meaning", func(t *testing.T) {
		want := map[string]string{
			"signature/S-0001": "authored", "signature/S-0002": "approved: risk accepted",
			"signature/S-0003": "reviewed", "signature/S-0004": "approved",
		}
		for _, ev := range evs {
			if w, ok := want[ev.Subject]; ok && ev.Reason != w {
				t.Errorf("%s: reason %q, want %q", ev.Subject, ev.Reason, w)
			}
		}
	})
	t.Run("the size is the number of events", func(t *testing.T) {
		if n := auditSize(t, s); n != int64(len(evs)) {
			t.Errorf("AuditSize = %d, %d events scanned", n, len(evs))
		}
	})
	last := map[string]string{}
	t.Run("each event starts where the last on its subject ended", func(t *testing.T) {
		for _, ev := range evs {
			if strings.HasPrefix(ev.Subject, "session/") || ev.Subject == "audit" {
				if ev.Before != "" || ev.After != "" {
					t.Errorf("%s %s names digests %q, %q", ev.Action, ev.Subject, ev.Before, ev.After)
				}
				continue
			}
			if ev.Before != last[ev.Subject] {
				t.Errorf("%s %s: before %q, but the last event on it left %q", ev.Action, ev.Subject, ev.Before, last[ev.Subject])
			}
			if ev.After == "" && !strings.HasSuffix(ev.Action, ".removed") {
				t.Errorf("%s %s names no digest after", ev.Action, ev.Subject)
			}
			last[ev.Subject] = ev.After
		}
	})
	t.Run("record digests are what the last events left", func(t *testing.T) {
		want := map[string]string{}
		for subject, d := range last {
			if d != "" {
				want[subject] = d
			}
		}
		same(t, "RecordDigests", recordDigests(t, s), want)
	})
	t.Run("a stop from fn ends RecordDigests", func(t *testing.T) {
		stop := errors.New("enough")
		calls := 0
		err := s.RecordDigests(t.Context(), func(string, string) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("RecordDigests returned %v after %d calls, want the error fn returned after 1", err, calls)
		}
	})
	if reopen == nil {
		must(t, "Close", s.Close())
		return
	}
	must(t, "Close", s.Close())
	s = reopen(t)
	closeAtEnd(t, s)
	t.Run("the trail is kept across a restart", func(t *testing.T) {
		same(t, "events after reopening", scanEvents(t, s, 0), evs)
	})
}

func testAppendAudit(t *testing.T, open opener) {
	s := fresh(t, open)
	ctx := qualstate.WithReason(qualstate.WithActor(t.Context(), "jdoe"), "sign-in")
	before := time.Now().Add(-time.Hour)
	tests := []struct {
		name string
		in   qualstate.AuditEvent
		want qualstate.AuditEvent // Seq and Time aside
		code qualstate.ErrorCode
	}{
		{name: "actor and reason from the context",
			in:   qualstate.AuditEvent{Action: "user.signin-failed", Subject: "user/jdoe", Seq: 99, Time: t0},
			want: qualstate.AuditEvent{Action: "user.signin-failed", Subject: "user/jdoe", Actor: "jdoe", Reason: "sign-in"}},
		{name: "actor and reason given",
			in:   qualstate.AuditEvent{Action: "audit.verified", Subject: "audit", Actor: "os:alice", Reason: "weekly", After: strings.Repeat("ab", 32)},
			want: qualstate.AuditEvent{Action: "audit.verified", Subject: "audit", Actor: "os:alice", Reason: "weekly", After: strings.Repeat("ab", 32)}},
		{name: "no action", in: qualstate.AuditEvent{Subject: "audit"}, code: qualstate.ErrInvalidInput},
		{name: "no subject", in: qualstate.AuditEvent{Action: "audit.verified"}, code: qualstate.ErrInvalidInput},
	}
	var appended [][]byte
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := auditSize(t, s)
			got, err := s.AppendAudit(ctx, tt.in)
			if tt.code != "" {
				wantCode(t, "AppendAudit", err, tt.code)
				unchangedTrail(t, s, size, "a refused AppendAudit")
				return
			}
			must(t, "AppendAudit", err)
			if got.Seq != size {
				t.Errorf("Seq = %d, want %d, the trail's size", got.Seq, size)
			}
			if got.Time.Before(before) || got.Time.Location() != time.UTC {
				t.Errorf("Time = %v, want the store's clock in UTC", got.Time)
			}
			w := tt.want
			w.Seq, w.Time = got.Seq, got.Time
			same(t, "the event as recorded", got, w)
			evs := scanEvents(t, s, size)
			if len(evs) != 1 {
				t.Fatalf("%d events appended, want 1", len(evs))
			}
			same(t, "the event as scanned", evs[0], got)
			appended = append(appended, got.Encode())
		})
	}

	for i := range 3 {
		_, err := s.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.verified", Subject: fmt.Sprintf("audit/%d", i)})
		must(t, "AppendAudit", err)
	}
	size := auditSize(t, s)
	scans := []struct {
		name string
		from int64
		want int
	}{
		{"from the start", 0, int(size)},
		{"from the middle", 2, int(size) - 2},
		{"from the end", size, 0},
		{"from beyond the end", size + 10, 0},
	}
	for _, tt := range scans {
		t.Run("scan "+tt.name, func(t *testing.T) {
			if n := len(scanEvents(t, s, tt.from)); n != tt.want {
				t.Errorf("ScanAudit from %d gave %d events, want %d", tt.from, n, tt.want)
			}
		})
	}
	t.Run("scan from a negative seq", func(t *testing.T) {
		wantCode(t, "ScanAudit", s.ScanAudit(t.Context(), -1, func(int64, []byte) error { return nil }), qualstate.ErrInvalidInput)
	})
	t.Run("a stop from fn ends the scan", func(t *testing.T) {
		stop := errors.New("enough")
		calls := 0
		err := s.ScanAudit(t.Context(), 0, func(int64, []byte) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("ScanAudit returned %v after %d calls, want the error fn returned after 1", err, calls)
		}
	})
	t.Run("the bytes are fn's to keep", func(t *testing.T) {
		var kept [][]byte
		must(t, "ScanAudit", s.ScanAudit(t.Context(), 0, func(_ int64, data []byte) error {
			kept = append(kept, data)
			return nil
		}))
		if len(kept) < len(appended) {
			t.Fatalf("scanned %d events, want at least %d", len(kept), len(appended))
		}
		for i, want := range appended {
			if string(kept[i]) != string(want) {
				t.Errorf("event %d kept from the scan changed: %s, want %s", i, kept[i], want)
			}
		}
	})
}

// treeOf computes, as the ledger does, the hashes the first n events add
// to the Merkle tree, and the tree's root.
func treeOf(t *testing.T, s qualstate.Store, n int64) ([]tlog.Hash, tlog.Hash) {
	t.Helper()
	var hashes []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	must(t, "ScanAudit", s.ScanAudit(t.Context(), 0, func(seq int64, data []byte) error {
		if seq >= n {
			return nil
		}
		hs, err := tlog.StoredHashes(seq, data, r)
		hashes = append(hashes, hs...)
		return err
	}))
	root, err := tlog.TreeHash(n, r)
	must(t, "TreeHash", err)
	return hashes, root
}

// storeReader reads tree hashes back from the store.
func storeReader(t *testing.T, s qualstate.Store) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		hs, err := s.AuditHashes(t.Context(), idx)
		out := make([]tlog.Hash, len(hs))
		for i, h := range hs {
			out[i] = h
		}
		return out, err
	})
}

func toSeal(hashes []tlog.Hash) [][32]byte {
	out := make([][32]byte, len(hashes))
	for i, h := range hashes {
		out[i] = h
	}
	return out
}

func testSealAudit(t *testing.T, open opener) {
	s := fresh(t, open)
	for i := range 5 {
		_, err := s.AppendAudit(t.Context(), qualstate.AuditEvent{Action: "audit.verified", Subject: fmt.Sprintf("audit/%d", i)})
		must(t, "AppendAudit", err)
	}
	hashes3, root3 := treeOf(t, s, 3)
	hashes5, root5 := treeOf(t, s, 5)
	cp3 := qualstate.AuditCheckpoint{Size: 3, Root: root3, Note: "qualstate-test\n3\nroot3\n", Time: t0}
	cp5 := qualstate.AuditCheckpoint{Size: 5, Root: root5, Note: "qualstate-test\n5\nroot5\n", Time: t0.Add(time.Hour)}
	first := qualstate.AuditSeal{Size: 0, NewSize: 3, HashIndex: 0, Hashes: toSeal(hashes3), Checkpoint: cp3}
	n3 := tlog.StoredHashCount(3)
	second := qualstate.AuditSeal{Size: 3, NewSize: 5, HashIndex: n3, Hashes: toSeal(hashes5[n3:]), Checkpoint: cp5}
	with := func(f func(*qualstate.AuditSeal)) qualstate.AuditSeal {
		c := first
		f(&c)
		return c
	}
	refused := []struct {
		name string
		seal qualstate.AuditSeal
		code qualstate.ErrorCode
	}{
		{"a tree sealed at another size", with(func(c *qualstate.AuditSeal) { c.Size = 1 }), qualstate.ErrConflict},
		{"more events than recorded", with(func(c *qualstate.AuditSeal) { c.NewSize, c.Checkpoint.Size = 6, 6 }), qualstate.ErrInvalidInput},
		{"no new event", with(func(c *qualstate.AuditSeal) { c.NewSize, c.Checkpoint.Size = 0, 0 }), qualstate.ErrInvalidInput},
		{"hashes not where the stored ones end", with(func(c *qualstate.AuditSeal) { c.HashIndex = 1 }), qualstate.ErrInvalidInput},
		{"a checkpoint of another size", with(func(c *qualstate.AuditSeal) { c.Checkpoint.Size = 2 }), qualstate.ErrInvalidInput},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			wantCode(t, "SealAudit", s.SealAudit(t.Context(), tt.seal), tt.code)
			cps, err := s.AuditCheckpoints(t.Context())
			must(t, "AuditCheckpoints", err)
			if len(cps) != 0 {
				t.Errorf("a refused seal stored checkpoints %v", cps)
			}
			_, err = s.AuditHashes(t.Context(), []int64{0})
			wantCode(t, "AuditHashes after a refused seal", err, qualstate.ErrNotFound)
		})
	}
	t.Run("two seals of one size race: one wins", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() { errs[i] = s.SealAudit(t.Context(), first) })
		}
		wg.Wait()
		codes := []qualstate.ErrorCode{"", ""}
		for i, err := range errs {
			if err != nil {
				codes[i] = qualstate.CodeOf(err)
			}
		}
		slices.Sort(codes)
		same(t, "error codes of the racing seals", codes, []qualstate.ErrorCode{"", qualstate.ErrConflict})
	})
	t.Run("the stored hashes give the signed root", func(t *testing.T) {
		root, err := tlog.TreeHash(3, storeReader(t, s))
		must(t, "TreeHash over the stored hashes", err)
		if root != root3 {
			t.Errorf("root over the stored hashes %v, want %v", root, tlog.Hash(root3))
		}
	})
	t.Run("a seal from an old size loses", func(t *testing.T) {
		wantCode(t, "SealAudit", s.SealAudit(t.Context(), first), qualstate.ErrConflict)
	})
	t.Run("the next seal extends the tree", func(t *testing.T) {
		must(t, "SealAudit", s.SealAudit(t.Context(), second))
		root, err := tlog.TreeHash(5, storeReader(t, s))
		must(t, "TreeHash over the stored hashes", err)
		if root != root5 {
			t.Errorf("root over the stored hashes %v, want %v", root, tlog.Hash(root5))
		}
	})
	t.Run("checkpoints in size order", func(t *testing.T) {
		cps, err := s.AuditCheckpoints(t.Context())
		must(t, "AuditCheckpoints", err)
		want := []qualstate.AuditCheckpoint{cp3, cp5}
		for i := range want {
			want[i].Time = want[i].Time.UTC()
		}
		for i := range cps {
			cps[i].Time = cps[i].Time.UTC()
		}
		same(t, "AuditCheckpoints", cps, want)
	})
	t.Run("hashes read in any order, many at once", func(t *testing.T) {
		var idx []int64
		var want [][32]byte
		for i := range 1200 {
			x := int64(len(hashes5) - 1 - i%len(hashes5)) // backwards, and each many times
			idx, want = append(idx, x), append(want, hashes5[x])
		}
		got, err := s.AuditHashes(t.Context(), idx)
		must(t, "AuditHashes", err)
		same(t, "AuditHashes", got, want)
	})
	t.Run("a hash not stored", func(t *testing.T) {
		_, err := s.AuditHashes(t.Context(), []int64{0, int64(len(hashes5))})
		wantCode(t, "AuditHashes", err, qualstate.ErrNotFound)
	})
}
