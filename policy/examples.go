package policy

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"qualstate"
	"qualstate/jsonpatch"
)

// TemplateLoader parses and resolves a CloudFormation template (YAML or
// JSON) for the examples that are templates. File names it in locations.
type TemplateLoader func(file string, body []byte) (*qualstate.Template, error)

// ExampleResult is the outcome of one example: the findings the
// requirement's check gave, and whether they were all the result wanted.
type ExampleResult struct {
	Requirement *qualstate.Requirement
	Example     qualstate.Example
	Got         []qualstate.Finding
	OK          bool
	// Problem says what went wrong when OK is false.
	Problem string
}

// RunExamples runs every example of every requirement of the set, reading
// template files relative to baseDir (the requirement set's directory).
//
// A properties example is evaluated as the only resource of a scope, of the
// requirement's first type. A template example evaluates every resource of
// the requirement's types in the template (or the one it names), with the
// template as the scope. For a requirement with a challenge, every passing
// properties example is run again with the challenge applied and must
// fail; with a remediation, every failing one is run again with the
// remediation applied and must pass. Those runs are reported as examples of
// their own, named after the example with "+ challenge" or "+ remediation".
func RunExamples(e *Engine, set *qualstate.RequirementSet, baseDir string, load TemplateLoader) []ExampleResult {
	read := func(name string) (string, []byte, error) {
		file := filepath.Join(baseDir, filepath.FromSlash(name))
		body, err := os.ReadFile(file)
		return file, body, err
	}
	return runExamples(e, set, read, load)
}

// RunExamplesFS is RunExamples with template files read from dir in fsys,
// for sets loaded with LoadFS.
func RunExamplesFS(e *Engine, set *qualstate.RequirementSet, fsys fs.FS, dir string, load TemplateLoader) []ExampleResult {
	read := func(name string) (string, []byte, error) {
		file := path.Join(dir, name)
		body, err := fs.ReadFile(fsys, file)
		return file, body, err
	}
	return runExamples(e, set, read, load)
}

type fileReader func(name string) (file string, body []byte, err error)

func runExamples(e *Engine, set *qualstate.RequirementSet, read fileReader, load TemplateLoader) []ExampleResult {
	var out []ExampleResult
	for _, req := range set.Requirements {
		for i, ex := range req.Examples {
			out = append(out, runExample(e, req, ex, i, read, load))
		}
		out = append(out, patchedExamples(e, req, req.Challenge, "challenge", qualstate.ResultPass, qualstate.ResultFail)...)
		out = append(out, patchedExamples(e, req, req.Remediation, "remediation", qualstate.ResultFail, qualstate.ResultPass)...)
	}
	return out
}

// patchedExamples applies a patch to the properties examples that give
// from, and expects to.
func patchedExamples(e *Engine, req *qualstate.Requirement, patch []qualstate.PatchOp, what string, from, to qualstate.Result) []ExampleResult {
	if len(patch) == 0 {
		return nil
	}
	var out []ExampleResult
	for i, ex := range req.Examples {
		if ex.Properties == nil || ex.Want != from {
			continue
		}
		px := ex
		px.Name = exampleName(ex, i) + " + " + what
		px.Want = to
		patched, err := jsonpatch.Apply(ex.Properties, patch)
		if err != nil {
			out = append(out, ExampleResult{Requirement: req, Example: px, Problem: what + " does not apply: " + err.Error()})
			continue
		}
		props, ok := patched.(map[string]any)
		if !ok {
			out = append(out, ExampleResult{Requirement: req, Example: px, Problem: what + " leaves no properties map"})
			continue
		}
		px.Properties = props
		out = append(out, runExample(e, req, px, i, nil, nil))
	}
	return out
}

func exampleName(ex qualstate.Example, i int) string {
	if ex.Name != "" {
		return ex.Name
	}
	return fmt.Sprintf("examples[%d]", i)
}

func runExample(e *Engine, req *qualstate.Requirement, ex qualstate.Example, index int, read fileReader, load TemplateLoader) ExampleResult {
	res := ExampleResult{Requirement: req, Example: ex}
	c, ok := e.checks[req]
	if !ok {
		res.Problem = "the engine was not built from this requirement set"
		return res
	}
	if len(req.ResourceTypes) == 0 {
		res.Problem = "the requirement has no resource type"
		return res
	}
	var resources []*qualstate.Resource
	var targets []int
	switch {
	case ex.Properties != nil:
		r := &qualstate.Resource{Type: req.ResourceTypes[0], LogicalID: "Example", Properties: ex.Properties, Loc: ex.Loc}
		resources, targets = []*qualstate.Resource{r}, []int{0}
	case ex.Template != "" || ex.TemplateFile != "":
		t, problem := exampleTemplate(req, ex, index, read, load)
		if problem != "" {
			res.Problem = problem
			return res
		}
		resources = t.Resources
		if targets, res.Problem = exampleTargets(req, ex, t); res.Problem != "" {
			return res
		}
	default:
		res.Problem = "the example has neither properties nor a template"
		return res
	}
	s := newScopeState(resources)
	for _, i := range targets {
		f := c.run(s.activation(i), qualstate.StageStatic)
		res.Got = append(res.Got, f)
		if f.Result != ex.Want && res.Problem == "" {
			res.Problem = fmt.Sprintf("want %s, got %s on %s: %s", ex.Want, f.Result, resources[i].LogicalID, f.Reason)
		}
	}
	res.OK = res.Problem == ""
	return res
}

// exampleTemplate reads and parses a template example.
func exampleTemplate(req *qualstate.Requirement, ex qualstate.Example, index int, read fileReader, load TemplateLoader) (*qualstate.Template, string) {
	if load == nil {
		return nil, "no template loader to read the template with"
	}
	file := fmt.Sprintf("%s#%s.examples[%d]", req.Loc.File, req.ID, index)
	body := []byte(ex.Template)
	if ex.TemplateFile != "" {
		if read == nil {
			return nil, "no directory to read " + ex.TemplateFile + " from"
		}
		var err error
		if file, body, err = read(ex.TemplateFile); err != nil {
			return nil, "read template: " + err.Error()
		}
	}
	t, err := load(file, body)
	if err != nil {
		return nil, "template: " + err.Error()
	}
	if t.HasErrors() {
		var msgs []string
		for _, d := range t.Diagnostics {
			if d.Severity == qualstate.SeverityError {
				msgs = append(msgs, d.String())
			}
		}
		return nil, "template has errors: " + strings.Join(msgs, "; ")
	}
	return t, ""
}

// exampleTargets picks the template's resources the example is about, as
// indexes into its resources.
func exampleTargets(req *qualstate.Requirement, ex qualstate.Example, t *qualstate.Template) ([]int, string) {
	var out []int
	for i, r := range t.Resources {
		switch {
		case ex.Resource != "" && r.LogicalID != ex.Resource:
		case req.AppliesTo(r.Type):
			out = append(out, i)
		case ex.Resource != "":
			return nil, fmt.Sprintf("resource %s is an %s, which the requirement does not apply to", r.LogicalID, r.Type)
		}
	}
	switch {
	case len(out) > 0:
		return out, ""
	case ex.Resource != "":
		return nil, "the template has no resource " + ex.Resource
	}
	return nil, "the template has no resource of type " + strings.Join(req.ResourceTypes, " or ")
}
