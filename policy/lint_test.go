package policy

import (
	"strings"
	"testing"

	"qualstate"
)

func TestLint(t *testing.T) {
	set, err := LoadFile("testdata/sets/lint.yaml")
	if err != nil {
		t.Fatal(err)
	}
	known := func(typ string) bool {
		return strings.HasPrefix(typ, "AWS::S3::") || strings.HasPrefix(typ, "AWS::CloudTrail::")
	}
	cases := []struct {
		name   string
		set    *qualstate.RequirementSet
		known  func(string) bool
		golden string
	}{
		{name: "with a schema lookup", set: set, known: known, golden: "testdata/lint.golden"},
		{name: "without one", set: set, golden: "testdata/lint-no-types.golden"},
		{name: "a check that does not compile", set: &qualstate.RequirementSet{Requirements: []*qualstate.Requirement{{
			ID: "HAND.MADE", Risk: qualstate.RiskLow, Controls: []qualstate.Control{"pci-dss:10.2.1"}, ResourceTypes: []string{"AWS::S3::Bucket"},
			Check: "properties.X ==", Examples: []qualstate.Example{{Want: qualstate.ResultPass}, {Want: qualstate.ResultFail}},
		}}}, golden: "testdata/lint-invalid.golden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			for _, d := range Lint(c.set, c.known) {
				b.WriteString(d.String() + " [" + d.Code + "]\n")
			}
			checkGolden(t, c.golden, b.String())
		})
	}
}
