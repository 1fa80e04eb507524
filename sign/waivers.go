package sign

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"qualstate"
)

func waiverSubject(id string) string { return "waiver/" + id }

// waiverRecordKind names the format of waiver request records.
const waiverRecordKind = "qualstate.waiver-request/v1"

// waiverRecord is what a waiver's signatures sign: the request as its
// author made it. The waiver as stored must agree with it, so a scope
// widened or an expiry moved after signing is caught.
type waiverRecord struct {
	Kind           string                `json:"kind"`
	ID             string                `json:"id"`
	Requirement    string                `json:"requirement"`
	Scope          qualstate.WaiverScope `json:"scope"`
	Justification  string                `json:"justification"`
	RiskAssessment string                `json:"riskAssessment"`
	Expires        time.Time             `json:"expires"`
	RequestedBy    string                `json:"requestedBy"`
	Requested      time.Time             `json:"requested"`
}

func recordOf(w *qualstate.Waiver) waiverRecord {
	return waiverRecord{
		Kind: waiverRecordKind, ID: w.ID, Requirement: w.RequirementID, Scope: w.Scope,
		Justification: w.Justification, RiskAssessment: w.RiskAssessment,
		Expires: w.Expires.UTC(), RequestedBy: w.RequestedBy, Requested: w.Requested.UTC(),
	}
}

// maxWaiverLife is how far ahead a waiver may expire: an exception is
// reconsidered at least yearly.
const maxWaiverLife = 1 // year

// RequestWaiver records a waiver request signed by its author as
// authored. The author needs the engineer, reviewer or approver role. The
// request names the requirement, a scope (a template or a stack), the
// justification, the risk assessment and an expiry in the future, at most
// a year away. The waiver gets the next free id and is returned as
// recorded.
func (s *Service) RequestWaiver(ctx context.Context, id *Identity, c Components, w qualstate.Waiver) (*qualstate.Waiver, error) {
	w.RequirementID = strings.TrimSpace(w.RequirementID)
	w.Justification = strings.TrimSpace(w.Justification)
	w.RiskAssessment = strings.TrimSpace(w.RiskAssessment)
	switch {
	case w.RequirementID == "":
		return nil, invalid("a waiver names the requirement it exempts")
	case strings.ContainsFunc(w.RequirementID, func(r rune) bool { return r <= ' ' }):
		return nil, invalid("requirement id %q contains spaces or control characters", w.RequirementID)
	case w.Justification == "":
		return nil, invalid("a waiver needs a justification: why the requirement cannot be met now")
	case w.RiskAssessment == "":
		return nil, invalid("a waiver needs a risk assessment: the risk accepted and how it is controlled")
	}
	if err := w.Scope.Validate(); err != nil {
		return nil, invalid("%w", err)
	}
	sg, err := s.signer(ctx, id, c)
	if err != nil {
		return nil, err
	}
	if err := needRole(sg.user, "request waivers", qualstate.RoleEngineer, qualstate.RoleReviewer, qualstate.RoleApprover); err != nil {
		return nil, err
	}
	now := s.now()
	w.Expires = w.Expires.UTC()
	if !w.Expires.After(now) {
		return nil, invalid("the waiver's expiry %s is not in the future", formatTime(w.Expires))
	}
	if limit := now.AddDate(maxWaiverLife, 0, 0); w.Expires.After(limit) {
		return nil, invalid("the waiver's expiry %s is more than a year away (latest %s): a waiver is reconsidered at least yearly", formatTime(w.Expires), formatTime(limit))
	}
	w.Status, w.RequestedBy, w.Requested = qualstate.WaiverRequested, sg.user.ID, now
	w.DecidedBy, w.Decided, w.Reason = "", zeroTime, ""
	// Another request may take the id between NextWaiverID and Sign: the
	// Store refuses the second, and this one takes the next id.
	for range 5 {
		if w.ID, err = s.store.NextWaiverID(ctx); err != nil {
			return nil, fmt.Errorf("number the waiver: %w", err)
		}
		data, err := json.Marshal(recordOf(&w))
		if err != nil {
			return nil, fmt.Errorf("encode waiver %s: %w", w.ID, err)
		}
		w.RecordDigest = qualstate.Digest(data)
		sig := s.signature(sg, waiverSubject(w.ID), w.RecordDigest, qualstate.MeaningAuthored, "")
		change := qualstate.SignedChange{Records: []qualstate.SignedRecord{{Subject: waiverSubject(w.ID), Data: data}}, Waiver: &w}
		err = s.store.Sign(qualstate.WithActor(ctx, sg.user.ID), sig, change)
		if isCode(err, qualstate.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("record waiver %s: %w", w.ID, err)
		}
		return &w, s.signed(ctx, sg, &sig)
	}
	return nil, conflict("could not number the waiver: other requests kept taking the next id; try again")
}

// ApproveWaiver puts a requested waiver in force, signed approved. The
// approver needs the approver role and is never its requester.
func (s *Service) ApproveWaiver(ctx context.Context, id *Identity, c Components, waiverID, reason string) (*qualstate.Waiver, error) {
	return s.decide(ctx, id, c, waiverID, reason, qualstate.MeaningApproved)
}

// RejectWaiver refuses a requested waiver, with the reason (required).
// The signer needs the approver role and is never its requester.
func (s *Service) RejectWaiver(ctx context.Context, id *Identity, c Components, waiverID, reason string) (*qualstate.Waiver, error) {
	return s.decide(ctx, id, c, waiverID, reason, qualstate.MeaningRejected)
}

// RevokeWaiver withdraws an approved waiver before it expires, with the
// reason (required). The signer needs the approver or admin role.
func (s *Service) RevokeWaiver(ctx context.Context, id *Identity, c Components, waiverID, reason string) (*qualstate.Waiver, error) {
	return s.decide(ctx, id, c, waiverID, reason, qualstate.MeaningRevoked)
}

// decisions are what each meaning does to a waiver: from which status,
// to which, who may sign it, and whether the requester may.
var decisions = map[qualstate.Meaning]struct {
	verb, noun   string
	from, to     qualstate.WaiverStatus
	roles        []qualstate.Role
	requesterMay bool
	reasonNeeded bool
}{
	qualstate.MeaningApproved: {"approve", "approval", qualstate.WaiverRequested, qualstate.WaiverApproved, []qualstate.Role{qualstate.RoleApprover}, false, false},
	qualstate.MeaningRejected: {"reject", "rejection", qualstate.WaiverRequested, qualstate.WaiverRejected, []qualstate.Role{qualstate.RoleApprover}, false, true},
	// Withdrawing an exception only ever makes the checks stricter, so
	// the requester may, and so may an administrator.
	qualstate.MeaningRevoked: {"revoke", "revocation", qualstate.WaiverApproved, qualstate.WaiverRevoked, []qualstate.Role{qualstate.RoleApprover, qualstate.RoleAdmin}, true, true},
}

// decide signs a decision on a waiver and moves it on.
func (s *Service) decide(ctx context.Context, id *Identity, c Components, waiverID, reason string, m qualstate.Meaning) (*qualstate.Waiver, error) {
	d := decisions[m]
	reason = strings.TrimSpace(reason)
	if reason == "" && d.reasonNeeded {
		return nil, invalid("give the reason for the %s of waiver %s", d.noun, waiverID)
	}
	w, err := s.VerifyWaiver(ctx, waiverID)
	if err != nil {
		return nil, err
	}
	sg, err := s.signer(ctx, id, c)
	if err != nil {
		return nil, err
	}
	if err := needRole(sg.user, d.verb+" waivers", d.roles...); err != nil {
		return nil, err
	}
	if !d.requesterMay && sg.user.ID == w.RequestedBy {
		return nil, denied("%s requested waiver %s and so cannot %s it: another approver must", sg.user.ID, w.ID, d.verb)
	}
	now := s.now()
	switch {
	case w.Status != d.from:
		return nil, conflict("waiver %s is %s: only a %s waiver can be %s", w.ID, w.Status, d.from, d.to)
	case m != qualstate.MeaningRejected && !now.Before(w.Expires):
		return nil, conflict("waiver %s expired on %s", w.ID, formatTime(w.Expires))
	}
	sig := s.signature(sg, waiverSubject(w.ID), w.RecordDigest, m, reason)
	w.Status, w.DecidedBy, w.Decided = d.to, sg.user.ID, now
	if m != qualstate.MeaningApproved {
		w.Reason = reason
	}
	if err := s.store.Sign(withWho(ctx, sg.user.ID, reason), sig, qualstate.SignedChange{Waiver: w}); err != nil {
		return nil, fmt.Errorf("record the %s of waiver %s: %w", d.noun, w.ID, err)
	}
	return w, s.signed(ctx, sg, &sig)
}

// VerifyWaiver returns the waiver after checking it against its
// signatures: the request record is stored and hashes to its digest, the
// waiver as stored says what the record says, every signature on it
// verifies against the record, the author signed it, and its status is
// the one its signatures give it. A failure is a *qualstate.Error with
// ErrConflict that wraps qualstate.ErrBadSignature.
func (s *Service) VerifyWaiver(ctx context.Context, waiverID string) (*qualstate.Waiver, error) {
	w, err := s.store.Waiver(ctx, waiverID)
	if isCode(err, qualstate.ErrNotFound) {
		return nil, notFound("there is no waiver %s", waiverID)
	}
	if err != nil {
		return nil, fmt.Errorf("read waiver %s: %w", waiverID, err)
	}
	if err := s.verifyWaiver(ctx, w); err != nil {
		return nil, err
	}
	return w, nil
}

func (s *Service) verifyWaiver(ctx context.Context, w *qualstate.Waiver) error {
	data, err := s.record(ctx, w.RecordDigest, "waiver "+w.ID+": its request record")
	if err != nil {
		return err
	}
	want, err := json.Marshal(recordOf(w))
	if err != nil {
		return fmt.Errorf("encode waiver %s: %w", w.ID, err)
	}
	if !bytes.Equal(want, data) {
		return badSignature("waiver %s: it no longer says what its author signed", w.ID)
	}
	sigs, err := s.store.Signatures(ctx, waiverSubject(w.ID))
	if err != nil {
		return fmt.Errorf("read signatures of waiver %s: %w", w.ID, err)
	}
	pub := s.key.Public()
	by := map[qualstate.Meaning][]string{}
	for i := range sigs {
		sig := &sigs[i]
		if sig.Subject != waiverSubject(w.ID) {
			return badSignature("waiver %s: signature %s is for %s", w.ID, sig.ID, sig.Subject)
		}
		if err := sig.Verify(data, pub); err != nil {
			return asBad(fmt.Errorf("waiver %s: %w", w.ID, err))
		}
		by[sig.Meaning] = append(by[sig.Meaning], sig.SignerID)
	}
	if !slices.Contains(by[qualstate.MeaningAuthored], w.RequestedBy) {
		return badSignature("waiver %s: its author %s never signed it", w.ID, w.RequestedBy)
	}
	decided := map[qualstate.WaiverStatus]qualstate.Meaning{
		qualstate.WaiverApproved: qualstate.MeaningApproved,
		qualstate.WaiverRejected: qualstate.MeaningRejected,
		qualstate.WaiverRevoked:  qualstate.MeaningRevoked,
	}
	switch w.Status {
	case qualstate.WaiverRequested:
		if len(by[qualstate.MeaningApproved])+len(by[qualstate.MeaningRejected])+len(by[qualstate.MeaningRevoked]) > 0 {
			return badSignature("waiver %s is shown as requested, but was decided", w.ID)
		}
	case qualstate.WaiverApproved, qualstate.WaiverRejected:
		signers := by[decided[w.Status]]
		if !slices.ContainsFunc(signers, func(id string) bool { return id != w.RequestedBy }) {
			return badSignature("waiver %s is shown as %s, but no one other than its author signed that", w.ID, w.Status)
		}
		if w.Status == qualstate.WaiverApproved && len(by[qualstate.MeaningRevoked])+len(by[qualstate.MeaningRejected]) > 0 {
			return badSignature("waiver %s is shown as approved, but was rejected or revoked", w.ID)
		}
	case qualstate.WaiverRevoked:
		if len(by[qualstate.MeaningRevoked]) == 0 {
			return badSignature("waiver %s is shown as revoked, but no one signed the revocation", w.ID)
		}
	default:
		return badSignature("waiver %s: status %q is not one qualstate records", w.ID, w.Status)
	}
	return nil
}

// ActiveWaivers returns the waivers in force now: approved, unexpired,
// and verified against their signatures. A waiver that fails
// verification never applies; VerifyWaiver says why.
func (s *Service) ActiveWaivers(ctx context.Context) ([]qualstate.Waiver, error) {
	all, err := s.store.Waivers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list waivers: %w", err)
	}
	now := s.now()
	var out []qualstate.Waiver
	for i := range all {
		w := &all[i]
		if !w.Active(now) {
			continue
		}
		if err := s.verifyWaiver(ctx, w); err != nil {
			if isCode(err, qualstate.ErrConflict) {
				continue
			}
			return nil, err
		}
		out = append(out, *w)
	}
	return out, nil
}
