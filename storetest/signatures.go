package storetest

import (
	"strings"
	"testing"
	"time"

	"qualstate"
)

func waiverRequest(id string) qualstate.Waiver {
	return qualstate.Waiver{
		ID: id, RequirementID: "S3-ENC-01",
		Scope:         qualstate.WaiverScope{Template: "bucket.yaml", Stack: "qs-*", Resource: "Logs*"},
		Justification: "log bucket holds no records", RiskAssessment: "low: no GxP data",
		Expires: t0.Add(90 * 24 * time.Hour), Status: qualstate.WaiverRequested,
		RequestedBy: "jdoe", Requested: t0, RecordDigest: strings.Repeat("9a", 32),
	}
}

// fullWaiver is a decided waiver with every field set.
func fullWaiver(id string) qualstate.Waiver {
	w := waiverRequest(id)
	w.Status, w.DecidedBy, w.Decided, w.Reason = qualstate.WaiverRevoked, "qa-lead", t0.Add(time.Hour), "bucket now holds records"
	return w
}

func waiverUTC(w qualstate.Waiver) qualstate.Waiver {
	w.Expires, w.Requested, w.Decided = w.Expires.UTC(), w.Requested.UTC(), w.Decided.UTC()
	return w
}

func signaturesUTC(sigs []qualstate.Signature) []qualstate.Signature {
	out := make([]qualstate.Signature, len(sigs))
	for i, s := range sigs {
		s.Time = s.Time.UTC()
		out[i] = s
	}
	return out
}

// signStep is one call of Sign in testSign. A refused call must leave no
// trace: no event, no record, no signature, no change to the waiver or
// review.
type signStep struct {
	name   string
	sig    qualstate.Signature
	change qualstate.SignedChange
	code   qualstate.ErrorCode
}

func testSign(t *testing.T, open opener) {
	s := fresh(t, open)
	ctx := qualstate.WithActor(t.Context(), "qa-lead")
	const runID = "run-sign-01"
	createRuns(t, s, &qualstate.Run{ID: runID, Status: qualstate.RunPassed})

	t.Run("nothing signed yet", func(t *testing.T) {
		id, err := s.NextWaiverID(ctx)
		must(t, "NextWaiverID", err)
		if id != "W-0001" {
			t.Errorf("NextWaiverID of a store with none = %s, want W-0001", id)
		}
		ws, err := s.Waivers(ctx)
		must(t, "Waivers", err)
		if len(ws) != 0 {
			t.Errorf("Waivers = %v", ws)
		}
		_, err = s.Review(ctx, runID)
		wantCode(t, "Review", err, qualstate.ErrNotFound)
	})

	reqRecord := []byte(`{"waiver":"W-0001"}`)
	req2Record := []byte(`{"waiver":"W-0001","again":true}`)
	runRecord := []byte(`{"run":"run-sign-01"}`)
	certRecord := []byte(`{"certificate":"run-sign-01"}`)
	strayRecord := []byte(`{"stray":true}`)
	dReq, dRun, dCert := qualstate.Digest(reqRecord), qualstate.Digest(runRecord), qualstate.Digest(certRecord)
	sig := func(id, subject, digest string, m qualstate.Meaning, at time.Duration) qualstate.Signature {
		return qualstate.Signature{ID: id, Subject: subject, RecordDigest: digest, SignerID: "qa-lead", SignerName: "Q. Lead",
			Meaning: m, Time: t0.Add(at), Reason: "as documented", Key: "ed25519:0011223344556677", Value: "c2lnbmF0dXJl"}
	}
	requireAllSet(t, sig("S", "x", "y", qualstate.MeaningApproved, time.Second))
	requireAllSet(t, fullWaiver("W"))
	records := func(data ...[]byte) []qualstate.SignedRecord {
		var rs []qualstate.SignedRecord
		for _, d := range data {
			rs = append(rs, qualstate.SignedRecord{Subject: "test", Data: d})
		}
		return rs
	}
	request := waiverRequest("W-0001")
	approved := request
	approved.Status, approved.DecidedBy, approved.Decided = qualstate.WaiverApproved, "qa-lead", t0.Add(time.Hour)
	elsewhere := waiverRequest("W-0099")
	elsewhere.Status = qualstate.WaiverApproved
	inReview := &qualstate.Review{RunID: runID, State: qualstate.ReviewInReview, RecordDigest: dRun, Updated: t0}
	certified := &qualstate.Review{RunID: runID, State: qualstate.ReviewApproved, RecordDigest: dRun, Updated: t0.Add(time.Hour), CertificateDigest: dCert}
	otherRun := &qualstate.Review{RunID: "run-none-0001", State: qualstate.ReviewInReview, RecordDigest: dRun, Updated: t0}

	steps := []signStep{
		{name: "request a waiver", sig: sig("S-0001", "waiver/W-0001", dReq, qualstate.MeaningAuthored, 0),
			change: qualstate.SignedChange{Records: records(reqRecord), Waiver: &request}},
		{name: "a signature id used before", sig: sig("S-0001", "run/"+runID, dReq, qualstate.MeaningReviewed, 0),
			change: qualstate.SignedChange{Records: records(strayRecord)}, code: qualstate.ErrConflict},
		{name: "a new waiver whose id is taken", sig: sig("S-0002", "waiver/W-0001", qualstate.Digest(req2Record), qualstate.MeaningAuthored, 0),
			change: qualstate.SignedChange{Records: records(req2Record), Waiver: &request}, code: qualstate.ErrConflict},
		{name: "a record not stored", sig: sig("S-0003", "run/"+runID, qualstate.Digest(strayRecord), qualstate.MeaningReviewed, 0),
			change: qualstate.SignedChange{Records: records(runRecord)}, code: qualstate.ErrInvalidInput},
		{name: "a decision on a waiver never requested", sig: sig("S-0004", "waiver/W-0099", dReq, qualstate.MeaningApproved, 0),
			change: qualstate.SignedChange{Records: records(strayRecord), Waiver: &elsewhere}, code: qualstate.ErrNotFound},
		{name: "a review of a run not recorded", sig: sig("S-0005", "run/run-none-0001", qualstate.Digest(strayRecord), qualstate.MeaningReviewed, 0),
			change: qualstate.SignedChange{Records: records(strayRecord), Review: otherRun}, code: qualstate.ErrNotFound},
		{name: "no signature id", sig: sig("", "run/"+runID, dReq, qualstate.MeaningReviewed, 0),
			change: qualstate.SignedChange{Records: records(strayRecord)}, code: qualstate.ErrInvalidInput},
		{name: "approve the waiver, signing its stored request", sig: sig("S-0006", "waiver/W-0001", dReq, qualstate.MeaningApproved, time.Hour),
			change: qualstate.SignedChange{Waiver: &approved}},
		{name: "review the run", sig: sig("S-0007", "run/"+runID, dRun, qualstate.MeaningReviewed, 3*time.Hour),
			change: qualstate.SignedChange{Records: records(runRecord), Review: inReview}},
		// Signed earlier than the review, so that time order is not the
		// order of recording.
		{name: "approve the run, issuing its certificate", sig: sig("S-0008", "run/"+runID, dRun, qualstate.MeaningApproved, 2*time.Hour),
			change: qualstate.SignedChange{Records: records(runRecord, certRecord), Review: certified}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			size := auditSize(t, s)
			sigsBefore, err := s.Signatures(ctx, st.sig.Subject)
			must(t, "Signatures", err)
			wBefore, _ := s.Waiver(ctx, "W-0001")
			rBefore, _ := s.Review(ctx, runID)
			var unstored []string
			for _, r := range st.change.Records {
				if _, err := s.Record(ctx, qualstate.Digest(r.Data)); qualstate.CodeOf(err) == qualstate.ErrNotFound {
					unstored = append(unstored, qualstate.Digest(r.Data))
				}
			}
			err = s.Sign(ctx, st.sig, st.change)
			if st.code == "" {
				must(t, "Sign", err)
				return
			}
			wantCode(t, "Sign", err, st.code)
			unchangedTrail(t, s, size, "a refused Sign")
			sigsAfter, err := s.Signatures(ctx, st.sig.Subject)
			must(t, "Signatures", err)
			same(t, "signatures after a refused Sign", sigsAfter, sigsBefore)
			for _, d := range unstored {
				_, err := s.Record(ctx, d)
				wantCode(t, "Record of a refused Sign", err, qualstate.ErrNotFound)
			}
			wAfter, _ := s.Waiver(ctx, "W-0001")
			same(t, "waiver after a refused Sign", wAfter, wBefore)
			rAfter, _ := s.Review(ctx, runID)
			same(t, "review after a refused Sign", rAfter, rBefore)
		})
	}

	t.Run("records", func(t *testing.T) {
		for _, data := range [][]byte{reqRecord, runRecord, certRecord} {
			got, err := s.Record(ctx, qualstate.Digest(data))
			must(t, "Record", err)
			if string(got) != string(data) {
				t.Errorf("Record = %s, want %s", got, data)
			}
		}
		_, err := s.Record(ctx, qualstate.Digest(strayRecord))
		wantCode(t, "Record never stored", err, qualstate.ErrNotFound)
	})
	t.Run("signatures in time order", func(t *testing.T) {
		got, err := s.Signatures(ctx, "run/"+runID)
		must(t, "Signatures", err)
		want := []qualstate.Signature{steps[9].sig, steps[8].sig}
		same(t, "Signatures", signaturesUTC(got), signaturesUTC(want))
		none, err := s.Signatures(ctx, "run/run-none-0001")
		must(t, "Signatures", err)
		if len(none) != 0 {
			t.Errorf("Signatures on a subject never signed = %v", none)
		}
	})
	t.Run("review", func(t *testing.T) {
		got, err := s.Review(ctx, runID)
		must(t, "Review", err)
		want := *certified
		want.Updated = want.Updated.UTC()
		got.Updated = got.Updated.UTC()
		same(t, "Review", *got, want)
	})
	t.Run("waivers", func(t *testing.T) {
		got, err := s.Waiver(ctx, "W-0001")
		must(t, "Waiver", err)
		same(t, "Waiver", waiverUTC(*got), waiverUTC(approved))
		_, err = s.Waiver(ctx, "W-0099")
		wantCode(t, "Waiver never requested", err, qualstate.ErrNotFound)
		id, err := s.NextWaiverID(ctx)
		must(t, "NextWaiverID", err)
		if id != "W-0002" {
			t.Errorf("NextWaiverID after one waiver = %s, want W-0002", id)
		}
	})
	t.Run("a waiver's whole life", func(t *testing.T) {
		full := fullWaiver("W-0002")
		req := waiverRequest("W-0002")
		d := qualstate.Digest([]byte("W-0002"))
		must(t, "Sign request", s.Sign(ctx, sig("S-0101", "waiver/W-0002", d, qualstate.MeaningAuthored, 0),
			qualstate.SignedChange{Records: records([]byte("W-0002")), Waiver: &req}))
		must(t, "Sign revocation", s.Sign(ctx, sig("S-0102", "waiver/W-0002", d, qualstate.MeaningRevoked, time.Hour),
			qualstate.SignedChange{Waiver: &full}))
		ws, err := s.Waivers(ctx)
		must(t, "Waivers", err)
		for i := range ws {
			ws[i] = waiverUTC(ws[i])
		}
		same(t, "Waivers", ws, []qualstate.Waiver{waiverUTC(approved), waiverUTC(full)})
		id, err := s.NextWaiverID(ctx)
		must(t, "NextWaiverID", err)
		if id != "W-0003" {
			t.Errorf("NextWaiverID after two waivers = %s, want W-0003", id)
		}
	})
}
