package policy

import (
	"errors"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"qualstate"
)

// Engine evaluates a requirement set's checks. It compiles every check once
// and is safe for concurrent use.
type Engine struct {
	set    *qualstate.RequirementSet
	checks map[*qualstate.Requirement]*check
	// byType lists, for each resource type, the checks that apply to it in
	// the set's order.
	byType map[string][]*check
}

// check is a compiled requirement.
type check struct {
	req   *qualstate.Requirement
	prog  cel.Program
	reads reads
}

// NewEngine compiles every check of the set. The errors, one per check that
// does not compile, carry ErrInvalidInput and the requirement's location.
func NewEngine(set *qualstate.RequirementSet) (*Engine, error) {
	e := &Engine{
		set:    set,
		checks: make(map[*qualstate.Requirement]*check, len(set.Requirements)),
		byType: make(map[string][]*check),
	}
	var errs []error
	for _, req := range set.Requirements {
		c, err := compileRequirement(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.checks[req] = c
		seen := make(map[string]bool, len(req.ResourceTypes))
		for _, t := range req.ResourceTypes {
			if !seen[t] {
				seen[t] = true
				e.byType[t] = append(e.byType[t], c)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

func compileRequirement(req *qualstate.Requirement) (*check, error) {
	ast, problems := compileCheck(req.Check)
	if len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.msg
		}
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, req.Loc, "requirement %s: check: %s", req.ID, strings.Join(msgs, "; "))
	}
	prog, err := program(ast)
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, req.Loc, "requirement %s: check: %w", req.ID, err)
	}
	return &check{req: req, prog: prog, reads: readsOf(ast.NativeRep().Expr())}, nil
}

// Set returns the requirement set the engine was built from.
func (e *Engine) Set() *qualstate.RequirementSet { return e.set }

// Evaluate runs every requirement on every resource of its types in the
// scope: one finding each, in the order of the scope's resources and, for
// one resource, of the set's requirements.
func (e *Engine) Evaluate(scope Scope) []qualstate.Finding {
	s := newScopeState(scope.Resources)
	n := 0
	for _, r := range scope.Resources {
		n += len(e.byType[r.Type])
	}
	out := make([]qualstate.Finding, 0, n)
	for i, r := range scope.Resources {
		checks := e.byType[r.Type]
		if len(checks) == 0 {
			continue
		}
		a := s.activation(i)
		for _, c := range checks {
			out = append(out, c.run(a, scope.Stage))
		}
	}
	return out
}

// EvaluateResource runs the requirements that apply to one resource; the
// scope is what ref, resources and referencedBy see. A resource not in the
// scope is evaluated as if it were added to it.
func (e *Engine) EvaluateResource(scope Scope, r *qualstate.Resource) []qualstate.Finding {
	checks := e.byType[r.Type]
	if len(checks) == 0 {
		return nil
	}
	s, i := scopeWith(scope.Resources, r)
	a := s.activation(i)
	out := make([]qualstate.Finding, 0, len(checks))
	for _, c := range checks {
		out = append(out, c.run(a, scope.Stage))
	}
	return out
}

// scopeWith returns a scope state holding r and r's index in it.
func scopeWith(resources []*qualstate.Resource, r *qualstate.Resource) (*scopeState, int) {
	for i, x := range resources {
		if x == r {
			return newScopeState(resources), i
		}
	}
	all := make([]*qualstate.Resource, len(resources), len(resources)+1)
	copy(all, resources)
	return newScopeState(append(all, r)), len(resources)
}

// run evaluates the check on the activation's resource.
func (c *check) run(a *activation, stage qualstate.Stage) qualstate.Finding {
	if stage == "" {
		stage = qualstate.StageStatic
	}
	r := a.s.resources[a.index]
	f := qualstate.Finding{
		RequirementID: c.req.ID,
		Title:         c.req.Title,
		Risk:          c.req.Risk,
		Controls:      c.req.Controls,
		Stage:         stage,
		ResourceType:  r.Type,
		LogicalID:     r.LogicalID,
		PhysicalID:    r.PhysicalID,
		Loc:           r.Loc,
	}
	out, _, err := c.prog.Eval(a)
	// Observations are written first, into scratch space reused from one
	// finding to the next, and the reason assembled after them in the same
	// buffer: one allocation, the reason string, per finding.
	n := notes{buf: a.s.reasonBuf[:0], spans: a.s.spans[:0], wantPointer: len(r.PropertyLocs) > 0}
	a.s.observe(a.index, &c.reads, &n)
	a.s.spans = n.spans[:0]
	if n.pointer != "" {
		f.Loc = r.PropertyLoc(n.pointer)
	}
	b := n.buf
	switch v := out.(type) {
	case types.Bool:
		f.Result = qualstate.ResultFail
		if v {
			f.Result = qualstate.ResultPass
		}
		switch {
		case len(n.buf) > 0:
		case v == types.True:
			b = append(b, "check holds"...)
		default:
			b = append(b, "check does not hold"...)
		}
	case *types.Unknown:
		f.Result = qualstate.ResultIndeterminate
		var loc qualstate.Location
		b, loc = appendDependencies(b[:0], a.s.pendingOf(v))
		if !loc.IsZero() {
			f.Loc = loc
		}
	default:
		f.Result = qualstate.ResultError
		observed := len(b)
		b = append(b, "evaluation error: "...)
		switch {
		case err != nil:
			b = append(b, err.Error()...)
		case out == nil:
			b = append(b, "check returned nothing"...)
		default:
			b = append(b, "check returned "+out.Type().TypeName()+", not bool"...)
		}
		// The error leads; the observations follow it.
		if observed > 0 {
			b = append(b, "; "...)
			b = append(b, b[:observed]...)
		}
		b = b[observed:]
	}
	if u := r.PropertiesUnknown; u != nil {
		// The properties read may not be the ones deployed, so nothing
		// decided from them stands.
		b = propertiesUnknown(b, &f, u)
	}
	if u := r.ConditionUnknown; u != nil {
		// "not created, or the check holds": a failing check leaves the
		// outcome to a condition only deployment decides.
		if f.Result == qualstate.ResultFail {
			f.Result = qualstate.ResultIndeterminate
			b = append(b, " — fails if created"...)
		}
		b = append(b, " (created only if "...)
		b = append(b, u.Reason...)
		b = append(b, ", which is not known before deployment)"...)
	}
	f.Reason = string(b)
	a.s.reasonBuf = b[:0]
	return f
}

// propertiesUnknown makes a finding on a resource whose properties may
// change before deployment indeterminate, saying so first and keeping what
// was seen as written; b holds the reason so far, which it returns
// rewritten.
func propertiesUnknown(b []byte, f *qualstate.Finding, u *qualstate.Unknown) []byte {
	const dependsOn = "depends on "
	seen := string(b)
	b = append(b[:0], dependsOn...)
	b = append(b, unknownPhrase(u)...)
	if f.Result == qualstate.ResultIndeterminate {
		b = append(b, "; "...)
		b = append(b, strings.TrimPrefix(seen, dependsOn)...)
	} else {
		b = append(b, "; as written: "...)
		b = append(b, seen...)
	}
	f.Result = qualstate.ResultIndeterminate
	if !u.Loc.IsZero() {
		f.Loc = u.Loc
	}
	return b
}

// appendDependencies says what an indeterminate result depends on, first
// written first, and returns where the first is written.
func appendDependencies(b []byte, deps []pending) ([]byte, qualstate.Location) {
	b = append(b, "depends on "...)
	if len(deps) == 0 {
		return append(b, "a value not known before deployment"...), qualstate.Location{}
	}
	sort.SliceStable(deps, func(i, j int) bool { return locLess(deps[i].unknown.Loc, deps[j].unknown.Loc) })
	written := 0
	for i, d := range deps {
		repeat := false
		for _, p := range deps[:i] {
			repeat = repeat || p.phrase == d.phrase
		}
		if repeat {
			continue
		}
		if written > 0 {
			b = append(b, "; "...)
		}
		b = append(b, d.phrase...)
		written++
	}
	return b, deps[0].unknown.Loc
}

// locLess orders locations by file, line and column, unknown ones last.
func locLess(a, b qualstate.Location) bool {
	if a.IsZero() != b.IsZero() {
		return b.IsZero()
	}
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Column < b.Column
}
