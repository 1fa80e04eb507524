// Package monitor keeps deployed instances in their qualified state: it
// compares each resource's live model with the baseline recorded when the
// instance was registered (normalised, so that what the service does by
// itself is not mistaken for a change), runs the requirements' checks on
// the live state, turns what it sees into deviations with a history, and
// finds the instances a CloudTrail change event touches.
package monitor
