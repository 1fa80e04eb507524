// Package policy loads requirement sets and evaluates their checks.
//
// A requirement set is a YAML file (or a directory of them) listing user
// requirements, each with a CEL check over a resource's properties. The
// same check runs on a template before deployment and on the live resource
// after it: values not known before deployment are CEL unknowns, so a check
// that depends on one is indeterminate rather than guessed. docs/requirements.md
// describes the format and the environment a check runs in.
package policy
