package qualstate

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// WaiverStatus is where a waiver is in its life. Whether an approved
// waiver applies also depends on the time: see Waiver.Active.
type WaiverStatus string

// Waiver statuses.
const (
	WaiverRequested WaiverStatus = "requested" // signed by its author, not yet in force
	WaiverApproved  WaiverStatus = "approved"  // signed by an approver: in force until it expires
	WaiverRejected  WaiverStatus = "rejected"  // refused by an approver
	WaiverRevoked   WaiverStatus = "revoked"   // withdrawn before its expiry
)

// WaiverScope is where a waiver applies. Each field is a path.Match
// pattern; an empty field matches anything, but Template or Stack must be
// given. Template matches the template's file name, its path as given, or
// "sha256:DIGEST" of its body.
type WaiverScope struct {
	Template string `json:"template,omitempty"`
	Stack    string `json:"stack,omitempty"`
	// Resource matches logical ids; empty means every resource.
	Resource string `json:"resource,omitempty"`
}

// Validate checks the scope's patterns.
func (s WaiverScope) Validate() error {
	if s.Template == "" && s.Stack == "" {
		return fmt.Errorf("waiver scope: give a template or a stack (a waiver never applies everywhere)")
	}
	for _, p := range []string{s.Template, s.Stack, s.Resource} {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("waiver scope: bad pattern %q: %w", p, err)
		}
	}
	return nil
}

func (s WaiverScope) String() string {
	var parts []string
	if s.Template != "" {
		parts = append(parts, "template "+s.Template)
	}
	if s.Stack != "" {
		parts = append(parts, "stack "+s.Stack)
	}
	parts = append(parts, "resources "+orAny(s.Resource))
	return strings.Join(parts, ", ")
}

func orAny(p string) string {
	if p == "" {
		return "*"
	}
	return p
}

// Waiver exempts one requirement within a scope until it expires: an
// approved, expiring exception. It applies only once an approver has
// signed it, and stops applying on its own when it expires or is revoked.
type Waiver struct {
	ID            string      `json:"id"` // "W-0001"
	RequirementID string      `json:"requirement"`
	Scope         WaiverScope `json:"scope"`
	Justification string      `json:"justification"`
	// RiskAssessment states the risk accepted and how it is controlled.
	RiskAssessment string       `json:"riskAssessment"`
	Expires        time.Time    `json:"expires"`
	Status         WaiverStatus `json:"status"`
	RequestedBy    string       `json:"requestedBy"`
	Requested      time.Time    `json:"requested"`
	// RecordDigest is the SHA-256 of the waiver's request record, which its
	// signatures sign.
	RecordDigest string    `json:"recordDigest"`
	DecidedBy    string    `json:"decidedBy,omitempty"`
	Decided      time.Time `json:"decided"`
	Reason       string    `json:"reason,omitempty"` // a rejection's or revocation's
}

// Active reports whether the waiver is in force at now.
func (w *Waiver) Active(now time.Time) bool {
	return w.Status == WaiverApproved && now.Before(w.Expires)
}

// State is the status to show: "expired" for an approved waiver past its
// expiry.
func (w *Waiver) State(now time.Time) string {
	if w.Status == WaiverApproved && !now.Before(w.Expires) {
		return "expired"
	}
	return string(w.Status)
}

// WaiverTarget is what a finding is about, for matching waivers.
type WaiverTarget struct {
	TemplateFile   string
	TemplateDigest string
	Stack          string
}

// Covers reports whether the waiver's scope covers the requirement on the
// resource of the target. It does not look at status or time.
func (w *Waiver) Covers(t WaiverTarget, requirementID, logicalID string) bool {
	if w.RequirementID != requirementID {
		return false
	}
	s := w.Scope
	if s.Template == "" && s.Stack == "" {
		return false
	}
	if s.Template != "" && !matchTemplate(s.Template, t) {
		return false
	}
	if s.Stack != "" && !match(s.Stack, t.Stack) {
		return false
	}
	return s.Resource == "" || match(s.Resource, logicalID)
}

func matchTemplate(p string, t WaiverTarget) bool {
	if d, ok := strings.CutPrefix(p, "sha256:"); ok {
		return t.TemplateDigest != "" && d == t.TemplateDigest
	}
	return t.TemplateFile != "" && (match(p, t.TemplateFile) || match(p, path.Base(strings.ReplaceAll(t.TemplateFile, `\`, "/"))))
}

func match(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// WaiverRef is how a waived finding names its waiver.
type WaiverRef struct {
	ID      string    `json:"id"`
	Expires time.Time `json:"expires"`
}

// Ref returns how a finding the waiver exempts names it.
func (w *Waiver) Ref() *WaiverRef { return &WaiverRef{ID: w.ID, Expires: w.Expires.UTC()} }

// Explain adds the waiver to the reason a check failed.
func (w *Waiver) Explain(reason string) string {
	return fmt.Sprintf("%s (waived by %s until %s)", reason, w.ID, w.Expires.UTC().Format(time.RFC3339))
}

// FindWaiver returns the first waiver active at now that covers the
// requirement on the resource, or nil.
func FindWaiver(ws []Waiver, now time.Time, t WaiverTarget, requirementID, logicalID string) *Waiver {
	for i := range ws {
		if ws[i].Active(now) && ws[i].Covers(t, requirementID, logicalID) {
			return &ws[i]
		}
	}
	return nil
}

// ApplyWaivers marks failed findings covered by a waiver active at now as
// waived, naming the waiver, and returns how many it marked. Other
// results are never waived: an indeterminate or an error is not a known
// violation to accept.
func ApplyWaivers(fs []Finding, ws []Waiver, now time.Time, t WaiverTarget) int {
	n := 0
	for i := range fs {
		f := &fs[i]
		if f.Result != ResultFail {
			continue
		}
		if w := FindWaiver(ws, now, t, f.RequirementID, f.LogicalID); w != nil {
			f.Result, f.Waiver, f.Reason = ResultWaived, w.Ref(), w.Explain(f.Reason)
			n++
		}
	}
	return n
}
