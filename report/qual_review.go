package report

import (
	"fmt"
	"strings"

	"qualstate"
)

// reviewView is the "Review and approval" section of the HTML and PDF
// reports, every value formatted: where the run is in review, the
// manifestation of each electronic signature (21 CFR 11.50: printed name,
// date and time, meaning), the certificate approval issued, and lines to
// sign by hand while no electronic signature has been applied.
type reviewView struct {
	// State is the review state as the reports word it; Class colours it.
	State, Class string
	// Fields follow the state: the signed record, reason, times.
	Fields     []htmlField
	Signatures []signatureView
	// Certificate is empty when no certificate was issued.
	Certificate []htmlField
	// Unsigned is set when no electronic signature has been applied: the
	// reports say so and keep WetInk, lines to sign on paper.
	Unsigned bool
	WetInk   []wetInkLine
}

// signatureView is one signature's manifestation.
type signatureView struct {
	Name, UserID        string
	Meaning, MeaningSay string
	Time, Reason        string
	ID, Key             string
	// OtherRecord is the digest a signature signs when it is not the
	// review's record, which no signature on a run should do.
	OtherRecord string
}

// wetInkLine is one line of the handwritten signature block.
type wetInkLine struct {
	Role, Name, Meaning, Time string
}

// newReviewView digests the review, signatures and certificate.
func newReviewView(q *Qualification) reviewView {
	r := reviewView{State: reviewStateText(q.Review), Class: reviewClass(q.Review)}
	if rv := q.Review; rv != nil {
		r.Fields = append(r.Fields, htmlField{Label: "Signed record SHA-256", Value: cmpOr(rv.RecordDigest, "—"), Mono: true})
		if rv.Reason != "" {
			r.Fields = append(r.Fields, htmlField{Label: "Reason", Value: rv.Reason})
		}
		r.Fields = append(r.Fields, htmlField{Label: "Last changed", Value: utcText(rv.Updated)})
		if rv.CertificateDigest != "" {
			r.Fields = append(r.Fields, htmlField{Label: "Certificate SHA-256", Value: rv.CertificateDigest, Mono: true})
		}
	}
	executed := cmpOr(q.Run.Executor, "—")
	if !q.Run.Finished.IsZero() {
		executed += ", finished " + utcText(q.Run.Finished)
	}
	r.Fields = append(r.Fields, htmlField{Label: "Executed by", Value: executed})
	for _, s := range q.Signatures {
		sv := signatureView{
			Name: cmpOr(s.SignerName, "—"), UserID: cmpOr(s.SignerID, "—"),
			Meaning: cmpOr(string(s.Meaning), "—"), MeaningSay: meaningText(s.Meaning),
			Time: utcText(s.Time), Reason: s.Reason, ID: cmpOr(s.ID, "—"), Key: cmpOr(s.Key, "—"),
		}
		if q.Review != nil && s.RecordDigest != q.Review.RecordDigest {
			sv.OtherRecord = cmpOr(s.RecordDigest, "none")
		}
		r.Signatures = append(r.Signatures, sv)
	}
	if c := q.Certificate; c != nil {
		r.Certificate = certificateFields(q, c)
	}
	if len(q.Signatures) == 0 {
		r.Unsigned = true
		executed := wetInkLine{Role: "Executed by", Name: q.Run.Executor, Meaning: "Executed this qualification run"}
		if !q.Run.Finished.IsZero() {
			executed.Time = utcText(q.Run.Finished)
		}
		r.WetInk = []wetInkLine{executed, {Role: "Reviewed by"}, {Role: "Approved by"}}
	}
	return r
}

// certificateFields are the certificate's statement, issue time, digests
// and the waivers it names.
func certificateFields(q *Qualification, c *qualstate.Certificate) []htmlField {
	out := []htmlField{
		{Label: "Statement", Value: cmpOr(c.Statement, "—")},
		{Label: "Result", Value: cmpOr(string(c.Result), "—")},
		{Label: "Issued", Value: utcText(c.Issued)},
	}
	if q.Review != nil && q.Review.CertificateDigest != "" {
		out = append(out, htmlField{Label: "Certificate SHA-256", Value: q.Review.CertificateDigest, Mono: true})
	}
	out = append(out,
		htmlField{Label: "Certified record SHA-256", Value: cmpOr(c.RecordDigest, "—"), Mono: true},
		htmlField{Label: "Template SHA-256", Value: cmpOr(c.Template.Digest, "—"), Mono: true},
		htmlField{Label: "Requirement set SHA-256", Value: cmpOr(c.RequirementSet.Digest, "—"), Mono: true},
	)
	if len(c.Waivers) > 0 {
		ws := make([]string, len(c.Waivers))
		for i := range c.Waivers {
			ws[i] = strings.TrimPrefix(waiverCell(&c.Waivers[i]), "waiver ")
		}
		out = append(out, htmlField{Label: "Waivers", Value: strings.Join(ws, "; ")})
	}
	out = append(out,
		htmlField{Label: "Signatures", Value: fmt.Sprint(len(c.Signatures))},
		htmlField{Label: "Issuing key", Value: cmpOr(c.Key, "—"), Mono: true},
	)
	return out
}

// reviewStateText words a review's state.
func reviewStateText(r *qualstate.Review) string {
	if r == nil {
		return "not yet reviewed"
	}
	switch r.State {
	case qualstate.ReviewExecuted:
		return "executed, not yet reviewed"
	case qualstate.ReviewInReview:
		return "in review"
	case qualstate.ReviewApproved:
		return "approved"
	case qualstate.ReviewRejected:
		return "rejected"
	}
	return cmpOr(string(r.State), "unknown")
}

// reviewClass colours a review state as the result it amounts to.
func reviewClass(r *qualstate.Review) string {
	switch {
	case r == nil:
		return "notrun"
	case r.State == qualstate.ReviewApproved:
		return "pass"
	case r.State == qualstate.ReviewRejected:
		return "fail"
	}
	return "notrun"
}

// meaningText says what a signer states by a signature's meaning.
func meaningText(m qualstate.Meaning) string {
	switch m {
	case qualstate.MeaningAuthored:
		return "wrote this record"
	case qualstate.MeaningReviewed:
		return "reviewed this record and found it complete"
	case qualstate.MeaningApproved:
		return "approves this record"
	case qualstate.MeaningRejected:
		return "rejects this record"
	case qualstate.MeaningRevoked:
		return "withdraws an approval given before"
	}
	return ""
}
