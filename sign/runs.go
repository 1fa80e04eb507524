package sign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"qualstate"
)

func runSubject(id string) string { return "run/" + id }

func certificateSubject(id string) string { return "run/" + id + "/certificate" }

// loadRun returns the run as stored: decisions rest on the record, not on
// a copy the caller may have changed.
func (s *Service) loadRun(ctx context.Context, run *qualstate.Run) (*qualstate.Run, error) {
	if run == nil || run.ID == "" {
		return nil, invalid("no run given")
	}
	r, err := s.store.Run(ctx, run.ID)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", run.ID, err)
	}
	if r.ID != run.ID {
		// The Store accepts a prefix; a signature names one exact run.
		return nil, notFound("no run has the id %s", run.ID)
	}
	return r, nil
}

// ReviewOf returns the run's review: as stored, or executed for a run that
// finished passed or failed and that no one has reviewed yet. A run with
// another status cannot be reviewed: ErrConflict.
func (s *Service) ReviewOf(ctx context.Context, run *qualstate.Run) (qualstate.Review, error) {
	r, err := s.loadRun(ctx, run)
	if err != nil {
		return qualstate.Review{}, err
	}
	return s.review(ctx, r)
}

func (s *Service) review(ctx context.Context, r *qualstate.Run) (qualstate.Review, error) {
	rv, err := s.store.Review(ctx, r.ID)
	if err == nil {
		return *rv, nil
	}
	if !isCode(err, qualstate.ErrNotFound) {
		return qualstate.Review{}, fmt.Errorf("read review of run %s: %w", r.ID, err)
	}
	if r.Status != qualstate.RunPassed && r.Status != qualstate.RunFailed {
		return qualstate.Review{}, conflict("run %s is %s: only a run that finished passed or failed can be reviewed", r.ID, r.Status)
	}
	return qualstate.Review{RunID: r.ID, State: qualstate.ReviewExecuted}, nil
}

// notExecutor enforces separation of duties: whoever executed a run never
// reviews, approves or rejects it. A run executed outside any qualstate
// account cannot be reviewed at all, since no one could show the
// reviewer is someone else.
func (s *Service) notExecutor(ctx context.Context, r *qualstate.Run, u *qualstate.User, action string) error {
	if _, err := s.store.User(ctx, r.Executor); err != nil {
		if isCode(err, qualstate.ErrNotFound) {
			return denied("run %s was executed by %q, which is not a qualstate user: it cannot be reviewed or approved; run the qualification again while signed in", r.ID, r.Executor)
		}
		return fmt.Errorf("read executor of run %s: %w", r.ID, err)
	}
	if strings.EqualFold(r.Executor, u.ID) {
		return denied("%s executed run %s and so cannot %s it: someone else must", u.ID, r.ID, action)
	}
	return nil
}

// freeze fixes the record every signature on the run signs: the first
// review or rejection stores it; later ones must sign the same bytes.
func freeze(r *qualstate.Run, rv *qualstate.Review, record []byte) ([]qualstate.SignedRecord, error) {
	if rv.State == qualstate.ReviewExecuted {
		if len(record) == 0 {
			return nil, invalid("the qualification record of run %s is empty: there is nothing to sign", r.ID)
		}
		rv.RecordDigest = qualstate.Digest(record)
		return []qualstate.SignedRecord{{Subject: runSubject(r.ID), Data: record}}, nil
	}
	if len(record) > 0 && qualstate.Digest(record) != rv.RecordDigest {
		return nil, conflict("the record given for run %s is not the one under review (sha256:%s): reload the run and review the record as frozen", r.ID, rv.RecordDigest)
	}
	return nil, nil
}

// ReviewRun signs the run's qualification record as reviewed. The first
// review freezes the record (it is stored, and every later signature on
// the run signs its SHA-256) and moves the run from executed to
// in-review; another reviewer may add their signature after. The signer
// needs the reviewer role and must not be the run's executor.
func (s *Service) ReviewRun(ctx context.Context, id *Identity, c Components, run *qualstate.Run, record []byte, comment string) (*qualstate.Signature, error) {
	r, err := s.loadRun(ctx, run)
	if err != nil {
		return nil, err
	}
	sg, err := s.signer(ctx, id, c)
	if err != nil {
		return nil, err
	}
	if err := needRole(sg.user, "review runs", qualstate.RoleReviewer); err != nil {
		return nil, err
	}
	if err := s.notExecutor(ctx, r, sg.user, "review"); err != nil {
		return nil, err
	}
	rv, err := s.review(ctx, r)
	if err != nil {
		return nil, err
	}
	if rv.State != qualstate.ReviewExecuted && rv.State != qualstate.ReviewInReview {
		return nil, conflict("run %s is already %s: its review is closed", r.ID, rv.State)
	}
	records, err := freeze(r, &rv, record)
	if err != nil {
		return nil, err
	}
	sigs, err := s.store.Signatures(ctx, runSubject(r.ID))
	if err != nil {
		return nil, fmt.Errorf("read signatures of run %s: %w", r.ID, err)
	}
	if slices.ContainsFunc(sigs, func(x qualstate.Signature) bool {
		return x.SignerID == sg.user.ID && x.Meaning == qualstate.MeaningReviewed
	}) {
		return nil, conflict("%s has already reviewed run %s", sg.user.ID, r.ID)
	}
	rv.State, rv.Updated = qualstate.ReviewInReview, s.now()
	sig := s.signature(sg, runSubject(r.ID), rv.RecordDigest, qualstate.MeaningReviewed, strings.TrimSpace(comment))
	if err := s.store.Sign(withWho(ctx, sg.user.ID, sig.Reason), sig, qualstate.SignedChange{Records: records, Review: &rv}); err != nil {
		return nil, fmt.Errorf("record review of run %s: %w", r.ID, err)
	}
	return &sig, s.signed(ctx, sg, &sig)
}

// RejectRun signs the run as rejected, with the reason (required). It
// closes the review from executed (freezing the record as ReviewRun does)
// or from in-review. The signer needs the reviewer or approver role and
// must not be the run's executor.
func (s *Service) RejectRun(ctx context.Context, id *Identity, c Components, run *qualstate.Run, record []byte, reason string) (*qualstate.Signature, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, invalid("give the reason for rejecting the run")
	}
	r, err := s.loadRun(ctx, run)
	if err != nil {
		return nil, err
	}
	sg, err := s.signer(ctx, id, c)
	if err != nil {
		return nil, err
	}
	if err := needRole(sg.user, "reject runs", qualstate.RoleReviewer, qualstate.RoleApprover); err != nil {
		return nil, err
	}
	if err := s.notExecutor(ctx, r, sg.user, "reject"); err != nil {
		return nil, err
	}
	rv, err := s.review(ctx, r)
	if err != nil {
		return nil, err
	}
	if rv.State != qualstate.ReviewExecuted && rv.State != qualstate.ReviewInReview {
		return nil, conflict("run %s is already %s: its review is closed", r.ID, rv.State)
	}
	records, err := freeze(r, &rv, record)
	if err != nil {
		return nil, err
	}
	rv.State, rv.Reason, rv.Updated = qualstate.ReviewRejected, reason, s.now()
	sig := s.signature(sg, runSubject(r.ID), rv.RecordDigest, qualstate.MeaningRejected, reason)
	if err := s.store.Sign(withWho(ctx, sg.user.ID, reason), sig, qualstate.SignedChange{Records: records, Review: &rv}); err != nil {
		return nil, fmt.Errorf("record rejection of run %s: %w", r.ID, err)
	}
	return &sig, s.signed(ctx, sg, &sig)
}

// ApproveRun signs the run as approved and issues its certificate, in one
// transaction. The run must be in review and have passed; the signer
// needs the approver role, must not be the executor and, with
// review.distinct-approver, not one of its reviewers; every waiver its
// waived test cases rest on must still be in force. The signatures made
// so far are verified first, so a record changed since review is never
// certified.
func (s *Service) ApproveRun(ctx context.Context, id *Identity, c Components, run *qualstate.Run, comment string) (*qualstate.Signature, *qualstate.Certificate, error) {
	r, err := s.loadRun(ctx, run)
	if err != nil {
		return nil, nil, err
	}
	sg, err := s.signer(ctx, id, c)
	if err != nil {
		return nil, nil, err
	}
	if err := needRole(sg.user, "approve runs", qualstate.RoleApprover); err != nil {
		return nil, nil, err
	}
	if err := s.notExecutor(ctx, r, sg.user, "approve"); err != nil {
		return nil, nil, err
	}
	rv, err := s.review(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	switch rv.State {
	case qualstate.ReviewInReview:
	case qualstate.ReviewExecuted:
		return nil, nil, conflict("run %s has not been reviewed: a reviewer signs it before it can be approved", r.ID)
	default:
		return nil, nil, conflict("run %s is already %s: its review is closed", r.ID, rv.State)
	}
	if r.Status != qualstate.RunPassed {
		return nil, nil, conflict("run %s %s: only a run that passed can be approved; reject it instead", r.ID, r.Status)
	}
	sigs, err := s.verifySignatures(ctx, r.ID, &rv)
	if err != nil {
		return nil, nil, err
	}
	if sg.policy.DistinctApprover && slices.ContainsFunc(sigs, func(x qualstate.Signature) bool {
		return x.SignerID == sg.user.ID && x.Meaning == qualstate.MeaningReviewed
	}) {
		return nil, nil, denied("%s reviewed run %s, so someone else must approve it (setting %s is on)", sg.user.ID, r.ID, KeyDistinctApprover)
	}
	waivers, err := s.runWaivers(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	sig := s.signature(sg, runSubject(r.ID), rv.RecordDigest, qualstate.MeaningApproved, strings.TrimSpace(comment))
	now := sig.Time // the certificate is issued the instant it is signed
	cert := s.certificate(r, &rv, sg.user, waivers, append(sigs, sig), now)
	data, err := json.Marshal(cert)
	if err != nil {
		return nil, nil, fmt.Errorf("encode certificate of run %s: %w", r.ID, err)
	}
	rv.State, rv.Updated, rv.CertificateDigest = qualstate.ReviewApproved, now, qualstate.Digest(data)
	change := qualstate.SignedChange{
		Records: []qualstate.SignedRecord{{Subject: certificateSubject(r.ID), Data: data}},
		Review:  &rv,
	}
	if err := s.store.Sign(withWho(ctx, sg.user.ID, sig.Reason), sig, change); err != nil {
		return nil, nil, fmt.Errorf("record approval of run %s: %w", r.ID, err)
	}
	return &sig, cert, s.signed(ctx, sg, &sig)
}

// runWaivers returns the waivers the run's waived test cases rest on,
// refusing when one is no longer in force.
func (s *Service) runWaivers(ctx context.Context, runID string) ([]qualstate.WaiverRef, error) {
	cases, err := s.store.TestCases(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("read test cases of run %s: %w", runID, err)
	}
	var refs []qualstate.WaiverRef
	now := s.now()
	for _, tc := range cases {
		if tc.Result != qualstate.ResultWaived {
			continue
		}
		if tc.Waiver == nil {
			return nil, conflict("test case %s of run %s is waived but names no waiver: it cannot be approved", tc.ID, runID)
		}
		if slices.ContainsFunc(refs, func(x qualstate.WaiverRef) bool { return x.ID == tc.Waiver.ID }) {
			continue
		}
		w, err := s.VerifyWaiver(ctx, tc.Waiver.ID)
		switch {
		case err != nil:
			return nil, conflict("test case %s is waived by %s, which cannot be relied on: %w", tc.ID, tc.Waiver.ID, err)
		case !w.Active(now):
			return nil, conflict("test case %s is waived by %s, which is %s: renew the waiver or qualify again before approving", tc.ID, w.ID, w.State(now))
		}
		refs = append(refs, qualstate.WaiverRef{ID: w.ID, Expires: w.Expires.UTC()})
	}
	return refs, nil
}

// certificate builds and signs the run's certificate.
func (s *Service) certificate(r *qualstate.Run, rv *qualstate.Review, approver *qualstate.User, waivers []qualstate.WaiverRef, sigs []qualstate.Signature, now time.Time) *qualstate.Certificate {
	c := &qualstate.Certificate{
		Kind:         qualstate.CertificateKind,
		RunID:        r.ID,
		Environment:  r.Environment,
		Result:       r.Result,
		RecordDigest: rv.RecordDigest,
		Waivers:      waivers,
		Signatures:   sigs,
		Issued:       now,
		Key:          s.key.ID(),
	}
	c.Template.File, c.Template.Digest = r.TemplateFile, r.TemplateDigest
	c.RequirementSet.Name, c.RequirementSet.Version, c.RequirementSet.Digest = r.RequirementSet, r.RequirementSetVersion, r.RequirementSetDigest
	set := r.RequirementSet
	if r.RequirementSetVersion != "" {
		set += " " + r.RequirementSetVersion
	}
	c.Statement = fmt.Sprintf("Template %s (sha256:%s) met requirement set %s (sha256:%s) in qualification run %s on %s, approved by %s (%s) at %s",
		r.TemplateFile, r.TemplateDigest, set, r.RequirementSetDigest, r.ID, describeEnv(r.Environment), approver.Name, approver.ID, formatTime(now))
	if len(waivers) > 0 {
		ids := make([]string, len(waivers))
		for i, w := range waivers {
			ids[i] = w.ID
		}
		c.Statement += fmt.Sprintf(", with failed checks accepted under waiver %s", strings.Join(ids, ", "))
	}
	c.Statement += "."
	c.Value = s.key.SignBase64(c.Message())
	return c
}

// describeEnv names an environment for a person: "sandbox (account
// 123456789012, us-east-1)".
func describeEnv(e qualstate.Environment) string {
	var where []string
	if e.Account != "" {
		where = append(where, "account "+e.Account)
	}
	if e.Region != "" {
		where = append(where, e.Region)
	}
	if len(where) == 0 {
		return e.Name
	}
	return fmt.Sprintf("%s (%s)", e.Name, strings.Join(where, ", "))
}

// badSignature returns a verification failure that wraps
// qualstate.ErrBadSignature.
func badSignature(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{}, format+": %w", append(args, qualstate.ErrBadSignature)...)
}

// asBad makes a verification error an ErrConflict that wraps
// qualstate.ErrBadSignature.
func asBad(err error) error {
	if !errors.Is(err, qualstate.ErrBadSignature) {
		return badSignature("%v", err)
	}
	return qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{}, "%w", err)
}

// record returns the signed record stored under the digest. A record
// missing or altered is a verification failure, not a storage error.
func (s *Service) record(ctx context.Context, digest, what string) ([]byte, error) {
	data, err := s.store.Record(ctx, digest)
	switch {
	case isCode(err, qualstate.ErrNotFound):
		return nil, badSignature("%s (sha256:%s) is missing", what, digest)
	case errors.Is(err, qualstate.ErrDigestMismatch) || err == nil && qualstate.Digest(data) != digest:
		return nil, badSignature("%s was altered: it no longer hashes to sha256:%s", what, digest)
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return data, nil
}

// verifySignatures checks every signature on the run against the review's
// record and returns them.
func (s *Service) verifySignatures(ctx context.Context, runID string, rv *qualstate.Review) ([]qualstate.Signature, error) {
	sigs, err := s.store.Signatures(ctx, runSubject(runID))
	if err != nil {
		return nil, fmt.Errorf("read signatures of run %s: %w", runID, err)
	}
	record, err := s.record(ctx, rv.RecordDigest, "run "+runID+": the record its review froze")
	if err != nil {
		return nil, err
	}
	pub := s.key.Public()
	for i := range sigs {
		sig := &sigs[i]
		if sig.Subject != runSubject(runID) {
			return nil, badSignature("run %s: signature %s is for %s", runID, sig.ID, sig.Subject)
		}
		if err := sig.Verify(record, pub); err != nil {
			return nil, asBad(fmt.Errorf("run %s: %w", runID, err))
		}
	}
	return sigs, nil
}

// VerifyRun verifies every signature on the run: each names the run and
// signs the record its review froze, that record is stored and hashes to
// its digest, the instance key's signature holds, and the certificate, if
// approval issued one, verifies and holds the same signatures. It
// returns the signatures (none for a run never signed). A failure is a
// *qualstate.Error with ErrConflict that names the first bad signature or
// record and wraps qualstate.ErrBadSignature.
func (s *Service) VerifyRun(ctx context.Context, run *qualstate.Run) ([]qualstate.Signature, error) {
	if run == nil || run.ID == "" {
		return nil, invalid("no run given")
	}
	rv, err := s.store.Review(ctx, run.ID)
	if isCode(err, qualstate.ErrNotFound) {
		sigs, err := s.store.Signatures(ctx, runSubject(run.ID))
		if err != nil {
			return nil, fmt.Errorf("read signatures of run %s: %w", run.ID, err)
		}
		if len(sigs) > 0 {
			return nil, badSignature("run %s: signature %s has no review to belong to", run.ID, sigs[0].ID)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read review of run %s: %w", run.ID, err)
	}
	sigs, err := s.verifySignatures(ctx, run.ID, rv)
	if err != nil {
		return nil, err
	}
	has := func(m qualstate.Meaning) bool {
		return slices.ContainsFunc(sigs, func(x qualstate.Signature) bool { return x.Meaning == m })
	}
	switch rv.State {
	case qualstate.ReviewInReview:
		if !has(qualstate.MeaningReviewed) {
			return nil, badSignature("run %s is in review, but no one signed it reviewed", run.ID)
		}
	case qualstate.ReviewApproved:
		if !has(qualstate.MeaningApproved) || rv.CertificateDigest == "" {
			return nil, badSignature("run %s is approved, but without an approval signature and a certificate", run.ID)
		}
	case qualstate.ReviewRejected:
		if !has(qualstate.MeaningRejected) {
			return nil, badSignature("run %s is rejected, but no one signed the rejection", run.ID)
		}
	default:
		return nil, badSignature("run %s: review state %q is not one qualstate records", run.ID, rv.State)
	}
	if rv.CertificateDigest == "" {
		return sigs, nil
	}
	cert, err := s.storedCertificate(ctx, rv)
	if err != nil {
		return nil, err
	}
	if cert.RunID != run.ID || cert.RecordDigest != rv.RecordDigest {
		return nil, badSignature("run %s: its certificate is for another record", run.ID)
	}
	for i := range cert.Signatures {
		c := &cert.Signatures[i]
		j := slices.IndexFunc(sigs, func(x qualstate.Signature) bool { return x.ID == c.ID })
		if j < 0 || sigs[j].Value != c.Value || !bytes.Equal(sigs[j].Message(), c.Message()) {
			return nil, badSignature("run %s: signature %s in the certificate is not the one recorded", run.ID, c.ID)
		}
	}
	return sigs, nil
}

// Certificate returns the run's certificate, verified: the stored bytes
// hash to the digest the review names, and the instance key's signature
// over it and over each signature it holds verifies.
func (s *Service) Certificate(ctx context.Context, runID string) (*qualstate.Certificate, error) {
	rv, err := s.store.Review(ctx, runID)
	if isCode(err, qualstate.ErrNotFound) {
		return nil, notFound("run %s has no certificate: it has not been reviewed", runID)
	}
	if err != nil {
		return nil, fmt.Errorf("read review of run %s: %w", runID, err)
	}
	if rv.CertificateDigest == "" {
		return nil, notFound("run %s has no certificate: it is %s, not approved", runID, rv.State)
	}
	return s.storedCertificate(ctx, rv)
}

func (s *Service) storedCertificate(ctx context.Context, rv *qualstate.Review) (*qualstate.Certificate, error) {
	data, err := s.record(ctx, rv.CertificateDigest, "run "+rv.RunID+": its certificate")
	if err != nil {
		return nil, err
	}
	var cert qualstate.Certificate
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cert); err != nil {
		return nil, badSignature("run %s: the certificate does not decode (%v)", rv.RunID, err)
	}
	if err := cert.Verify(s.key.Public()); err != nil {
		return nil, asBad(err)
	}
	return &cert, nil
}
