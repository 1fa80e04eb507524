package main

import (
	"os"

	"qualstate"
	"qualstate/policy"
	"qualstate/policy/library"
)

// builtinRequirements names the library shipped in the binary.
const builtinRequirements = "builtin"

// loadRequirements reads a requirement set: "builtin", a YAML file, or a
// directory of YAML files (with a set.yaml naming the set).
func loadRequirements(spec string) (*qualstate.RequirementSet, error) {
	if spec == "" || spec == builtinRequirements {
		return library.Set()
	}
	info, err := os.Stat(spec)
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "requirements: %w", err)
	}
	if info.IsDir() {
		return policy.LoadFS(os.DirFS(spec), ".")
	}
	return policy.LoadFile(spec)
}
