package report

import (
	"strings"
	"time"

	"qualstate"
)

// waiverText names the waiver of a waived result and when it expires, the
// expiry in RFC 3339 UTC: "waived W-0001 until 2027-01-31T00:00:00Z".
func waiverText(w *qualstate.WaiverRef) string {
	if w == nil || w.ID == "" {
		return "waived"
	}
	if w.Expires.IsZero() {
		return "waived " + w.ID
	}
	return "waived " + w.ID + " until " + w.Expires.UTC().Format(time.RFC3339)
}

// waivedReason is a reason with the waiver named after it. A reason that
// already names the waiver, as qualstate.ApplyWaivers writes it, is kept
// as it is: saying it twice would only make the line longer.
func waivedReason(reason string, w *qualstate.WaiverRef) string {
	if w == nil {
		return reason
	}
	if w.ID != "" && strings.Contains(reason, w.ID) {
		return reason
	}
	if reason == "" {
		return waiverText(w)
	}
	return reason + " (" + waiverText(w) + ")"
}

// waiverJustification is a waived SARIF result's justification.
func waiverJustification(w *qualstate.WaiverRef) string {
	if w == nil || w.ID == "" {
		return "waived"
	}
	if w.Expires.IsZero() {
		return "waiver " + w.ID
	}
	return "waiver " + w.ID + ", expires " + w.Expires.UTC().Format(time.RFC3339)
}

// waiverCell is how the qualification reports name a test case's waiver.
func waiverCell(w *qualstate.WaiverRef) string {
	if w == nil || w.ID == "" {
		return "waiver not named"
	}
	if w.Expires.IsZero() {
		return "waiver " + w.ID
	}
	return "waiver " + w.ID + ", expires " + utcText(w.Expires)
}
