package treat

import "qualstate"

// ModeFor returns what is to be done with a deviation, before the guard
// rails: drift follows the home's drift mode; a resource added to or
// removed from the stack is proposed at most, since only a person may
// decide to delete or re-create one; a failed check follows the home's
// override for the requirement, else the requirement's own mode, else
// propose, and is off when the requirement has no remediation; a failed
// remediation is never remediated again automatically, nor is anything
// of a kind this package does not know.
func ModeFor(c Config, d qualstate.Deviation, req *qualstate.Requirement) qualstate.RemediationMode {
	drift := c.DriftMode
	if drift == "" {
		drift = qualstate.RemediationPropose
	}
	switch d.Kind {
	case qualstate.DeviationDrift:
		return drift
	case qualstate.DeviationAdded, qualstate.DeviationRemoved:
		if drift == qualstate.RemediationAuto {
			return qualstate.RemediationPropose
		}
		return drift
	case qualstate.DeviationCheck:
		if req == nil || len(req.Remediation) == 0 {
			return qualstate.RemediationOff
		}
		if m, ok := c.Modes[req.ID]; ok {
			return m
		}
		if req.RemediationMode != "" {
			return req.RemediationMode
		}
		return qualstate.RemediationPropose
	}
	return qualstate.RemediationOff
}
