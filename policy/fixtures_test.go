package policy

import (
	"strings"
	"testing"

	"qualstate"
)

// engineFor loads a requirement set from testdata/sets and compiles it.
func engineFor(t testing.TB, name string) *Engine {
	t.Helper()
	set, err := LoadFile("testdata/sets/" + name)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(set)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// pick returns the finding of a requirement on a resource.
func pick(t testing.TB, fs []qualstate.Finding, requirement, logicalID string) qualstate.Finding {
	t.Helper()
	for _, f := range fs {
		if f.RequirementID == requirement && f.LogicalID == logicalID {
			return f
		}
	}
	t.Fatalf("no finding of %s on %s among %d", requirement, logicalID, len(fs))
	return qualstate.Finding{}
}

// unknown is a value known after deployment; each ref is "Logical" or
// "Logical.Attribute".
func unknown(reason string, line int, refs ...string) *qualstate.Unknown {
	u := &qualstate.Unknown{Reason: reason}
	if line > 0 {
		u.Loc = qualstate.Location{File: "template.yaml", Line: line, Column: 9}
	}
	for _, r := range refs {
		id, attr, _ := strings.Cut(r, ".")
		u.Refs = append(u.Refs, qualstate.Ref{LogicalID: id, Attribute: attr})
	}
	return u
}

// getAtt is !GetAtt id.attr written at a line of template.yaml.
func getAtt(id, attr string, line int) *qualstate.Unknown {
	return unknown("!GetAtt "+id+"."+attr, line, id+"."+attr)
}
