package monitor

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"qualstate"
)

// Change is one deviation an evaluation opened or moved, as it is to be
// recorded.
type Change struct {
	Deviation qualstate.Deviation
	// Action is "opened", "closed", "accepted" or "reopened".
	Action string
}

// systemActor is the actor of the changes monitoring makes by itself.
const systemActor = "system"

// Reconcile works out how an evaluation changes an instance's active
// deviations (those not closed): a departure seen for the first time opens
// a deviation (accepted at once when a waiver covers it); one no longer
// seen on a resource that was evaluated closes; an accepted one whose
// waiver no longer covers it reopens, and an open or acknowledged one a
// waiver now covers is accepted. Treated deviations still seen stay
// treated, and deviations of resources not evaluated are left as they
// are. The changes come in the order of active, then of the observations.
func Reconcile(active []qualstate.Deviation, out Outcome, inst *qualstate.Instance, now time.Time, trigger string) []Change {
	now = now.UTC()
	observed := make(map[string]*Observation, len(out.Observations))
	for i := range out.Observations {
		observed[out.Observations[i].Key] = &out.Observations[i]
	}
	var changes []Change
	held := make(map[string]bool, len(active))
	for _, d := range active {
		if !d.State.Active() {
			continue
		}
		held[d.Key] = true
		if o, ok := observed[d.Key]; ok {
			if c, ok := rewaive(d, o, now); ok {
				changes = append(changes, c)
			}
			continue
		}
		if !closable(&d, out, observed) {
			continue
		}
		d.Move(now, systemActor, qualstate.DeviationClosed, "closed", "back in the qualified state ("+trigger+")")
		if digest := out.Evidence[d.LogicalID]; digest != "" && !slices.Contains(d.Evidence, digest) {
			d.Evidence = append(d.Evidence, digest)
		}
		changes = append(changes, Change{Deviation: d, Action: "closed"})
	}
	instanceID := ""
	if inst != nil {
		instanceID = inst.ID
	}
	for i := range out.Observations {
		o := &out.Observations[i]
		if held[o.Key] {
			continue
		}
		held[o.Key] = true
		d := qualstate.Deviation{
			InstanceID: instanceID, Key: o.Key, Kind: o.Kind, LogicalID: o.LogicalID, ResourceType: o.ResourceType,
			PhysicalID: o.PhysicalID, RequirementID: o.RequirementID, Risk: o.Risk, Controls: slices.Clone(o.Controls),
			Path: o.Path, Expected: o.Expected, Actual: o.Actual, Reason: o.Reason,
			Trigger: trigger, Opened: now, Evidence: slices.Clone(o.Evidence),
		}
		if o.Waiver != nil {
			w := *o.Waiver
			d.Waiver = &w
			d.Move(now, systemActor, qualstate.DeviationAccepted, "opened", "accepted: "+waiverText(&w))
		} else {
			d.Move(now, systemActor, qualstate.DeviationOpen, "opened", o.Reason)
		}
		changes = append(changes, Change{Deviation: d, Action: "opened"})
	}
	return changes
}

// rewaive moves a deviation still observed whose waiver came or went.
func rewaive(d qualstate.Deviation, o *Observation, now time.Time) (Change, bool) {
	switch {
	case o.Waiver != nil && (d.State == qualstate.DeviationOpen || d.State == qualstate.DeviationAcknowledged):
		w := *o.Waiver
		d.Waiver = &w
		d.Move(now, systemActor, qualstate.DeviationAccepted, "accepted", waiverText(&w))
		return Change{Deviation: d, Action: "accepted"}, true
	case o.Waiver == nil && d.State == qualstate.DeviationAccepted:
		note := "no waiver in force covers it"
		if d.Waiver != nil {
			note = "waiver " + d.Waiver.ID + " no longer covers it: expired, revoked or narrowed"
		}
		d.Waiver = nil
		d.Move(now, systemActor, qualstate.DeviationOpen, "reopened", note)
		return Change{Deviation: d, Action: "reopened"}, true
	}
	return Change{}, false
}

// closable reports whether an active deviation no longer observed is known
// to be over.
func closable(d *qualstate.Deviation, out Outcome, observed map[string]*Observation) bool {
	switch d.Kind {
	case qualstate.DeviationAdded:
		// The listing, not a read, decides whether a resource outside the
		// baseline is still there.
		return out.Listed
	case qualstate.DeviationRemediation:
		// A failed remediation is over when the departure it was to cure
		// is: a failed check, a drifted property, or a resource added or
		// removed.
		under := []string{qualstate.DeviationKey(qualstate.DeviationCheck, d.LogicalID, d.RequirementID)}
		known := out.Evaluated[d.LogicalID]
		switch {
		case d.RequirementID != "":
		case d.Path != "":
			under = []string{qualstate.DeviationKey(qualstate.DeviationDrift, d.LogicalID, d.Path)}
		default:
			under = []string{
				qualstate.DeviationKey(qualstate.DeviationAdded, d.LogicalID, ""),
				qualstate.DeviationKey(qualstate.DeviationRemoved, d.LogicalID, ""),
			}
			known = known || out.Listed
		}
		for _, k := range under {
			if _, seen := observed[k]; seen || out.Undecided[k] {
				return false
			}
		}
		return known
	}
	return out.Evaluated[d.LogicalID] && !out.Undecided[d.Key]
}

func waiverText(w *qualstate.WaiverRef) string {
	return fmt.Sprintf("waived by %s until %s", w.ID, w.Expires.UTC().Format(time.RFC3339))
}

// maxListed bounds the deviations a status reason names.
const maxListed = 3

// Status works out an instance's qualified-state status from its active
// deviations, and says why: non-compliant when a check or remediation
// deviation counts against it (open, acknowledged or treated), drifted
// when only drift, added or removed ones do, qualified otherwise.
func Status(active []qualstate.Deviation) (qualstate.QSStatus, string) {
	var counting []qualstate.Deviation
	accepted := 0
	for _, d := range active {
		switch {
		case d.State.Counts():
			counting = append(counting, d)
		case d.State == qualstate.DeviationAccepted:
			accepted++
		}
	}
	if len(counting) == 0 {
		switch accepted {
		case 0:
			return qualstate.QSQualified, "no open deviations"
		case 1:
			return qualstate.QSQualified, "no open deviations; 1 accepted under a waiver"
		}
		return qualstate.QSQualified, fmt.Sprintf("no open deviations; %d accepted under waivers", accepted)
	}
	status := qualstate.QSDrifted
	for _, d := range counting {
		if failing(d.Kind) {
			status = qualstate.QSNonCompliant
		}
	}
	// What decides the status is named first.
	slices.SortStableFunc(counting, func(a, b qualstate.Deviation) int {
		return cmp.Or(boolOrder(failing(a.Kind), failing(b.Kind)), strings.Compare(a.ID, b.ID), strings.Compare(a.Key, b.Key))
	})
	parts := make([]string, 0, maxListed+1)
	for i, d := range counting {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(counting)-maxListed))
			break
		}
		parts = append(parts, deviationText(&d))
	}
	noun := "deviations"
	if len(counting) == 1 {
		noun = "deviation"
	}
	return status, fmt.Sprintf("%d open %s: %s", len(counting), noun, strings.Join(parts, "; "))
}

// failing reports whether a deviation kind is a requirement not met.
func failing(k qualstate.DeviationKind) bool {
	return k == qualstate.DeviationCheck || k == qualstate.DeviationRemediation
}

// deviationText says in a few words what a deviation is.
func deviationText(d *qualstate.Deviation) string {
	var s string
	switch d.Kind {
	case qualstate.DeviationCheck:
		s = d.RequirementID + " fails on " + d.LogicalID
	case qualstate.DeviationRemediation:
		s = "remediation of " + cmp.Or(d.RequirementID, d.Path) + " on " + d.LogicalID + " failed"
	case qualstate.DeviationDrift:
		s = d.LogicalID + d.Path + " drifted"
	case qualstate.DeviationAdded:
		s = d.LogicalID + " added"
	case qualstate.DeviationRemoved:
		s = d.LogicalID + " removed"
	default:
		s = string(d.Kind) + " on " + d.LogicalID
	}
	if d.ID != "" {
		s = d.ID + " " + s
	}
	if d.State != qualstate.DeviationOpen {
		s += " (" + string(d.State) + ")"
	}
	return s
}
