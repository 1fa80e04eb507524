// Package treat is continuous risk treatment: it decides, within guard
// rails, what may be done about a deviation from an instance's qualified
// state, and does it.
//
// For each deviation Plan works out a remediation — a JSON Patch for Cloud
// Control's UpdateResource — and a mode: off (record only), propose (a
// person applies it) or auto (qualstate applies it). The guard rails are
// all enforced there, so that no caller can forget one:
//
//   - only the instance's own resources are touched, named by the
//     identifier recorded in the baseline, never by what a deviation says;
//   - a patch never writes a read-only or create-only property (changing
//     one would replace the resource) and must apply to the live model;
//   - an automatic change waits for a grace period after the deviation
//     opened (the longer of the home's and the requirement's tolerance),
//     is held during approved change windows, and is limited to a number
//     of changes per hour across the home;
//   - dry-run turns every automatic change into a proposal;
//   - resources added to or removed from a stack, and failed remediations,
//     are never treated automatically;
//   - a deviation accepted under a waiver, already treated or closed is
//     left alone.
//
// Apply performs a plan that may go; Verify lets the caller prove first
// that the patched model passes the requirement's check.
package treat
