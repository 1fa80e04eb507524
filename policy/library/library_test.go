package library

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"qualstate"
	"qualstate/cfn"
	"qualstate/cfn/schema"
	"qualstate/jsonpatch"
	"qualstate/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the library as it is")

// minRequirements is the size the library promises; it is well above it.
const minRequirements = 60

func mustSet(t testing.TB) *qualstate.RequirementSet {
	t.Helper()
	set, err := Set()
	if err != nil {
		t.Fatalf("Set: %v", err)
	}
	return set
}

func TestSetLoads(t *testing.T) {
	set := mustSet(t)
	if set.Name != SetName {
		t.Errorf("set name = %q, want %q", set.Name, SetName)
	}
	if set.Version == "" || set.Description == "" {
		t.Errorf("set has version %q and description %q; want both", set.Version, set.Description)
	}
	if set.Source != "builtin" {
		t.Errorf("set source = %q, want builtin", set.Source)
	}
	if n := len(set.Requirements); n < minRequirements {
		t.Errorf("set has %d requirements, want at least %d", n, minRequirements)
	}
	again, err := Set()
	if err != nil || again != set {
		t.Errorf("second Set() = %p, %v; want the same set %p", again, err, set)
	}
	// FS is what Set loads: loading it again gives the same digest.
	fromFS, err := policy.LoadFS(FS(), ".")
	if err != nil {
		t.Fatalf("LoadFS(FS()): %v", err)
	}
	if fromFS.Digest != set.Digest || len(fromFS.Requirements) != len(set.Requirements) {
		t.Errorf("LoadFS(FS()) = %d requirements, digest %s; Set() = %d, %s",
			len(fromFS.Requirements), fromFS.Digest, len(set.Requirements), set.Digest)
	}
}

// requirementID is the library's id style, SERVICE.TOPIC[.DETAIL].
var requirementID = regexp.MustCompile(`^[A-Z0-9]+(\.[A-Z0-9]+(-[A-Z0-9]+)*){1,3}$`)

var awsConfigTag = regexp.MustCompile(`^aws-config:[a-z0-9]+(-[a-z0-9]+)*$`)

func TestRequirementsAreComplete(t *testing.T) {
	for _, req := range mustSet(t).Requirements {
		t.Run(req.ID, func(t *testing.T) {
			if !requirementID.MatchString(req.ID) {
				t.Errorf("id %q is not SERVICE.TOPIC.DETAIL in upper case", req.ID)
			}
			if strings.TrimSpace(req.Title) == "" || strings.TrimSpace(req.Description) == "" {
				t.Errorf("title %q, description %q: want both", req.Title, req.Description)
			}
			if req.Risk.Rank() == 0 {
				t.Errorf("risk %q is not high, medium or low", req.Risk)
			}
			if len(req.Controls) == 0 {
				t.Error("cites no framework control")
			}
			if len(req.Tags) == 0 {
				t.Error("has no tags")
			}
			for _, tag := range req.Tags {
				if strings.HasPrefix(tag, "aws-config:") && !awsConfigTag.MatchString(tag) {
					t.Errorf("tag %q does not name an AWS Config rule", tag)
				}
			}
			wants := map[qualstate.Result]int{}
			props := map[qualstate.Result]int{}
			templates := 0
			for _, ex := range req.Examples {
				wants[ex.Want]++
				if ex.Properties != nil {
					props[ex.Want]++
				}
				if ex.Template != "" || ex.TemplateFile != "" {
					templates++
				}
			}
			if wants[qualstate.ResultPass] == 0 || wants[qualstate.ResultFail] == 0 {
				t.Errorf("examples want %v; every requirement needs a pass and a fail", wants)
			}
			if props[qualstate.ResultFail] == 0 {
				t.Error("no properties example fails")
			}
			// A check that follows references can only show that on a
			// template: properties alone have nothing to refer to, and
			// may then be unable to pass at all.
			follows := strings.Contains(req.Check, "ref(") || strings.Contains(req.Check, "referencedBy(")
			if follows && templates == 0 {
				t.Error("check follows references but no example is a template")
			}
			if !follows && props[qualstate.ResultPass] == 0 {
				t.Error("no properties example passes")
			}
		})
	}
}

// loadTemplate parses template examples as qualify does.
func loadTemplate(file string, body []byte) (*qualstate.Template, error) {
	return cfn.Parse(file, body, cfn.Options{})
}

var exampleResults = sync.OnceValues(func() ([]policy.ExampleResult, error) {
	set, err := Set()
	if err != nil {
		return nil, err
	}
	e, err := policy.NewEngine(set)
	if err != nil {
		return nil, err
	}
	return policy.RunExamplesFS(e, set, FS(), ".", loadTemplate), nil
})

func TestExamplesGiveTheirResult(t *testing.T) {
	results, err := exampleResults()
	if err != nil {
		t.Fatal(err)
	}
	patched := 0
	for _, r := range results {
		name := r.Requirement.ID + "/" + r.Example.Name
		if strings.HasSuffix(r.Example.Name, " + challenge") || strings.HasSuffix(r.Example.Name, " + remediation") {
			patched++
		}
		t.Run(name, func(t *testing.T) {
			if r.OK {
				return
			}
			var got []string
			for _, f := range r.Got {
				got = append(got, fmt.Sprintf("%s: %s (%s)", f.LogicalID, f.Result, f.Reason))
			}
			t.Errorf("%s: want %s; %s; got %s", r.Example.Loc, r.Example.Want, r.Problem, strings.Join(got, "; "))
		})
	}
	if patched == 0 {
		t.Error("no example was run with a challenge or remediation applied")
	}
}

// TestExamplesAreValidProperties holds every properties example, and every
// one a challenge or remediation produces, to the CloudFormation schema of
// the requirement's first type: an example a deployment would reject proves
// nothing about deployments.
func TestExamplesAreValidProperties(t *testing.T) {
	for _, req := range mustSet(t).Requirements {
		s, ok := schema.Lookup(req.ResourceTypes[0])
		if !ok {
			t.Errorf("%s: no schema for %s", req.ID, req.ResourceTypes[0])
			continue
		}
		for i, ex := range req.Examples {
			if ex.Properties == nil {
				continue
			}
			name := ex.Name
			if name == "" {
				name = fmt.Sprintf("examples[%d]", i)
			}
			variants := map[string]map[string]any{"": ex.Properties}
			for what, patch := range map[string][]qualstate.PatchOp{"challenge": req.Challenge, "remediation": req.Remediation} {
				from := qualstate.ResultPass
				if what == "remediation" {
					from = qualstate.ResultFail
				}
				if len(patch) == 0 || ex.Want != from {
					continue
				}
				out, err := jsonpatch.Apply(ex.Properties, patch)
				if err != nil {
					t.Errorf("%s/%s: %s does not apply: %v", req.ID, name, what, err)
					continue
				}
				props, _ := out.(map[string]any)
				variants[" + "+what] = props
			}
			for suffix, props := range variants {
				t.Run(req.ID+"/"+name+suffix, func(t *testing.T) {
					for _, v := range s.Validate(props) {
						t.Errorf("%s: %s: %s", ex.Loc, req.ResourceTypes[0], v)
					}
				})
			}
		}
	}
}

func TestResourceTypesHaveSchemas(t *testing.T) {
	seen := map[string]bool{}
	for _, req := range mustSet(t).Requirements {
		for _, typ := range req.ResourceTypes {
			if seen[typ] {
				continue
			}
			seen[typ] = true
			t.Run(typ, func(t *testing.T) {
				if _, ok := schema.Lookup(typ); !ok {
					t.Errorf("%s (cited by %s) has no CloudFormation schema", typ, req.ID)
				}
			})
		}
	}
}

func TestControlsAreInCatalogs(t *testing.T) {
	fws, err := Frameworks()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Framework{}
	for _, f := range fws {
		byID[f.ID] = f
	}
	cited := map[string]bool{}
	for _, req := range mustSet(t).Requirements {
		t.Run(req.ID, func(t *testing.T) {
			seen := map[qualstate.Control]bool{}
			for _, c := range req.Controls {
				if seen[c] {
					t.Errorf("cites %s twice", c)
				}
				seen[c] = true
				cited[string(c)] = true
				f, ok := byID[c.Framework()]
				if !ok {
					t.Errorf("%s: no catalog for framework %q", c, c.Framework())
					continue
				}
				if _, ok := f.Control(strings.TrimPrefix(string(c), f.ID+":")); !ok {
					t.Errorf("%s is not in the %s catalog", c, f.ID)
				}
			}
		})
	}
	// A catalog lists what the library cites, so a control nobody cites
	// is a leftover.
	for _, f := range fws {
		for _, c := range f.Controls {
			if !cited[f.ID+":"+c.ID] {
				t.Errorf("%s:%s is in the catalog but no requirement cites it", f.ID, c.ID)
			}
		}
	}
}

// TestTraceability keeps testdata/traceability.golden, the requirement to
// control and AWS Config rule matrix, in step with the library, so every
// change to a mapping shows in review. Refresh it with -update.
func TestTraceability(t *testing.T) {
	var b strings.Builder
	for _, req := range mustSet(t).Requirements {
		var rules []string
		for _, tag := range req.Tags {
			if rule, ok := strings.CutPrefix(tag, "aws-config:"); ok {
				rules = append(rules, rule)
			}
		}
		controls := make([]string, len(req.Controls))
		for i, c := range req.Controls {
			controls[i] = string(c)
		}
		sort.Strings(controls)
		fmt.Fprintf(&b, "%s\t%s\t%s\n\tcontrols: %s\n\taws-config: %s\n", req.ID, req.Risk,
			strings.Join(req.ResourceTypes, ","), strings.Join(controls, " "), strings.Join(rules, " "))
	}
	golden := filepath.Join("testdata", "traceability.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("traceability matrix differs from %s (run with -update after reviewing):\n%s", golden, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only one side has, enough to see what moved.
func lineDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(want, "\n") {
		count[l]--
	}
	for _, l := range strings.Split(got, "\n") {
		count[l]++
	}
	var out []string
	for l, n := range count {
		switch {
		case n < 0:
			out = append(out, "- "+l)
		case n > 0:
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
