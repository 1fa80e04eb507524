package library

import (
	"bufio"
	"bytes"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"qualstate"
	"qualstate/cfn/schema"
	"qualstate/jsonpatch"
)

var (
	requirementLine = regexp.MustCompile(`^  - id: (\S+)\s*$`)
	// noRemediation is the comment above a requirement that has no
	// remediation, saying why no safe patch exists.
	noRemediation = regexp.MustCompile(`^\s*# no remediation: (.*)$`)
)

// noRemediationReasons reads the library's YAML text and returns, for each
// requirement with a "# no remediation: why" comment among the comment
// lines directly above its id, the why.
func noRemediationReasons(t *testing.T) map[string]string {
	t.Helper()
	files, err := fs.Glob(FS(), "*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no requirement files: %v", err)
	}
	reasons := map[string]string{}
	for _, file := range files {
		body, err := fs.ReadFile(FS(), file)
		if err != nil {
			t.Fatal(err)
		}
		var comments []string
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				comments = append(comments, line)
				continue
			}
			if m := requirementLine.FindStringSubmatch(line); m != nil {
				for _, c := range comments {
					if r := noRemediation.FindStringSubmatch(c); r != nil {
						reasons[m[1]] = strings.TrimSpace(r[1])
					}
				}
			}
			comments = nil
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", path.Join(requirementsDir, file), err)
		}
	}
	return reasons
}

// TestEveryRequirementHasRemediationOrReason holds the library to a
// decision for every requirement: a remediation, or a comment saying why
// no patch can restore compliance safely (a create-only property, a value
// only the organisation knows, another resource), never both.
func TestEveryRequirementHasRemediationOrReason(t *testing.T) {
	reasons := noRemediationReasons(t)
	set := mustSet(t)
	remediated := 0
	ids := map[string]bool{}
	for _, req := range set.Requirements {
		ids[req.ID] = true
		reason, commented := reasons[req.ID]
		t.Run(req.ID, func(t *testing.T) {
			switch {
			case len(req.Remediation) > 0 && commented:
				t.Errorf("has a remediation and a comment saying it has none (%s)", reason)
			case len(req.Remediation) == 0 && !commented:
				t.Error(`has no remediation and no "# no remediation: why" comment above it`)
			case commented && reason == "":
				t.Error(`"# no remediation:" gives no reason`)
			case len(req.Remediation) > 0 && req.RemediationMode == "":
				t.Error("has a remediation but no mode")
			}
		})
		if len(req.Remediation) > 0 {
			remediated++
		}
	}
	for id := range reasons {
		if !ids[id] {
			t.Errorf("%s has a no-remediation comment but is not in the library", id)
		}
	}
	t.Logf("%d of %d requirements have a remediation", remediated, len(set.Requirements))
}

// TestAutomaticRemediationsOnlySetValues keeps mode auto to patches that
// turn something on: they add or replace values and never take a property
// away, so applying one twice changes nothing more and no setting made on
// purpose is lost without a person deciding. Nor may they touch a property
// whose change replaces the resource under some conditions.
func TestAutomaticRemediationsOnlySetValues(t *testing.T) {
	auto := 0
	for _, req := range mustSet(t).Requirements {
		if req.RemediationMode != qualstate.RemediationAuto {
			continue
		}
		auto++
		t.Run(req.ID, func(t *testing.T) {
			for i, op := range req.Remediation {
				if op.Op != "add" && op.Op != "replace" && op.Op != "test" {
					t.Errorf("remediation[%d] is %s %s; an automatic remediation only adds or replaces values", i, op.Op, op.Path)
				}
			}
			for _, typ := range req.ResourceTypes {
				s, ok := schema.Lookup(typ)
				if !ok {
					t.Fatalf("no schema for %s", typ)
				}
				for _, p := range s.ConditionalCreateOnlyProperties() {
					cond := protectedTokens(t, typ, p)
					for i, op := range req.Remediation {
						tokens, err := jsonpatch.ParsePointer(op.Path)
						if err != nil {
							t.Fatalf("remediation[%d]: %v", i, err)
						}
						if hasPrefix(tokens, cond) || hasPrefix(cond, tokens) {
							t.Errorf("remediation[%d] %s %s changes %s, which may replace a %s", i, op.Op, op.Path, p, typ)
						}
					}
				}
			}
		})
	}
	if auto == 0 {
		t.Error("no requirement is remediated automatically")
	}
}

// TestRemediationsAreProven requires every remediation to be shown
// restoring compliance: at least one failing properties example, with the
// remediation applied, passes. The examples runner reports each such run as
// an example of its own.
func TestRemediationsAreProven(t *testing.T) {
	results, err := exampleResults()
	if err != nil {
		t.Fatal(err)
	}
	proven := map[string]int{}
	for _, r := range results {
		if strings.HasSuffix(r.Example.Name, " + remediation") && r.OK {
			proven[r.Requirement.ID]++
		}
	}
	for _, req := range mustSet(t).Requirements {
		if len(req.Remediation) == 0 {
			continue
		}
		t.Run(req.ID, func(t *testing.T) {
			if proven[req.ID] == 0 {
				t.Error("no failing properties example passes with the remediation applied")
			}
		})
	}
}
