// Package examples holds the example templates and requirement sets that the
// README, `qualstate demo` and the tests use, embedded so the demo runs from
// any directory.
package examples

import "embed"

// FS holds every example file, at the same paths as in the repository's
// examples/ directory.
//
//go:embed *.yaml *.json requirements/*.yaml
var FS embed.FS
