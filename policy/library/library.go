// Package library is qualstate's built-in requirement set and the control
// catalogs of the frameworks its requirements cite.
//
// The requirements are YAML files embedded in the binary, one per AWS
// service plus set.yaml naming the set, in the directory layout
// policy.LoadFS reads. Each requirement cites framework controls as
// framework:control; the catalogs under frameworks/ list every control the
// library cites with its official title, so reports can name what a finding
// evidences without reaching outside the binary.
package library

import (
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"qualstate"
	"qualstate/policy"
)

// requirementsDir is where the requirement files sit in requirementFiles.
const requirementsDir = "requirements"

// SetName is the name of the built-in requirement set.
const SetName = "qualstate-builtin"

//go:embed requirements/*.yaml
var requirementFiles embed.FS

// requirementFS is the requirements directory on its own, so the set loads
// from its root and a reader of FS sees set.yaml at the top.
var requirementFS = sync.OnceValue(func() fs.FS {
	sub, err := fs.Sub(requirementFiles, requirementsDir)
	if err != nil {
		// fs.Sub fails only for an invalid directory name, and the
		// constant is a valid one; keep the whole tree rather than none.
		return requirementFiles
	}
	return sub
})

// FS returns the embedded requirement files: set.yaml and one YAML file per
// service, at the root. policy.LoadFS(FS(), ".") loads the same set as Set.
func FS() fs.FS { return requirementFS() }

// loadSet loads the embedded set the first time it is asked for; compiling
// the checks happens in policy.NewEngine, not here.
var loadSet = sync.OnceValues(func() (*qualstate.RequirementSet, error) {
	set, err := policy.LoadFS(FS(), ".")
	if err != nil {
		return nil, fmt.Errorf("load the built-in requirement set: %w", err)
	}
	set.Source = "builtin"
	return set, nil
})

// Set returns the built-in requirement set, loaded from the embedded files
// once per process. Every call returns the same set, shared by all callers:
// treat it as read-only.
func Set() (*qualstate.RequirementSet, error) { return loadSet() }
