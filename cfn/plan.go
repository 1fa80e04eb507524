package cfn

import (
	"cmp"
	"fmt"
	"slices"

	"qualstate"
)

// Options are the inputs of one resolution.
type Options struct {
	// Parameters are values for template parameters; they override
	// defaults.
	Parameters map[string]string
	// Region is the stack's region; default us-east-1.
	Region string
	// AccountID is the stack's account; default 123456789012.
	AccountID string
	// StackName is the stack's name; default qualstate-stack.
	StackName string
	// Resolver, if set, supplies values known after deployment: a
	// deployment resolves Ref, Fn::GetAtt and Fn::ImportValue to the real
	// values of what it has created. nil: those are *qualstate.Unknown.
	Resolver Resolver
	// NoValidate skips schema validation and its diagnostics; properties
	// are still coerced to their schema's types.
	NoValidate bool
}

// Resolver supplies values that exist only once resources are deployed.
// Each method reports false when it does not know the value (yet).
type Resolver interface {
	// Ref returns what Ref gives for a resource, or for the pseudo
	// parameters only a stack has (AWS::StackId, AWS::NotificationARNs).
	Ref(logicalID string) (any, bool)
	GetAtt(logicalID, attribute string) (any, bool)
	ImportValue(name string) (any, bool)
}

// Plan is a resolved template with what deploying it needs besides.
type Plan struct {
	Template *qualstate.Template
	// Order lists the resources to create, each after every resource it
	// depends on; resources not created (condition false) are left out.
	Order []string
	// DependsOn maps each resource in Order to the resources it depends
	// on: its DependsOn and the resources its values refer to, counting
	// only the Fn::If branches taken.
	DependsOn map[string][]string
}

// Exports returns the outputs' export names and values, for the exports
// whose names are known.
func (p *Plan) Exports() map[string]any {
	out := map[string]any{}
	for _, o := range p.Template.Outputs {
		if name, ok := o.ExportName.(string); ok {
			out[name] = o.Value
		}
	}
	return out
}

// Resolve evaluates the template for the options: parameters, conditions
// and intrinsic functions, then coerces and validates every resource's
// properties against its schema. Problems that make the template
// undeployable for these options (a parameter value outside its
// constraints, Fn::Select past the end of a list) are returned as an error;
// schema violations become Template.Diagnostics.
func (d *Document) Resolve(opts Options) (*qualstate.Template, error) {
	p, err := d.Plan(opts)
	if err != nil {
		return nil, err
	}
	return p.Template, nil
}

// presence says whether a resource is created.
type presence uint8

const (
	created presence = iota
	absent
	maybe
)

// Plan resolves the template as Resolve does and also orders the resources
// for deployment.
func (d *Document) Plan(opts Options) (*Plan, error) {
	r := &resolver{
		doc: d, opts: opts,
		region: cmp.Or(opts.Region, DefaultRegion), account: cmp.Or(opts.AccountID, DefaultAccountID),
		stackName: cmp.Or(opts.StackName, DefaultStackName),
		conds:     map[string]tri{}, status: map[string]presence{}, why: map[string]*qualstate.Unknown{},
	}
	r.tpl = &qualstate.Template{File: d.file, Digest: d.digest, Format: d.format, Description: d.description,
		Transforms: d.Transforms(), Resources: []*qualstate.Resource{}}
	r.tpl.Diagnostics = append(r.tpl.Diagnostics, d.diags...)
	var p problems
	r.probs = &p
	r.paramValues(&p)
	for _, cd := range d.conds {
		r.condition(cd.name)
	}
	r.what = ""
	r.presences()
	plan := &Plan{Template: r.tpl, DependsOn: map[string][]string{}}
	for _, decl := range d.resources {
		r.resource(decl, plan)
	}
	for _, o := range d.outputs {
		r.output(o)
	}
	if !p.empty() {
		return nil, p.err()
	}
	slices.SortStableFunc(r.tpl.Diagnostics, func(a, b qualstate.Diagnostic) int {
		if c := cmp.Compare(a.Loc.Line, b.Loc.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Loc.Column, b.Loc.Column)
	})
	plan.Order = order(d, plan.DependsOn)
	return plan, nil
}

// presences decides which resources are created from their conditions.
func (r *resolver) presences() {
	for _, decl := range r.doc.resources {
		switch {
		case decl.transformed && r.doc.opaque != "":
			r.status[decl.id] = maybe
			r.why[decl.id] = &qualstate.Unknown{Reason: "transform " + r.doc.opaque + " (not expanded here) keeps it", Loc: decl.loc}
		case decl.cond == "":
			r.status[decl.id] = created
		default:
			c := r.condition(decl.cond)
			switch {
			case c.unknown != nil:
				r.status[decl.id] = maybe
				r.why[decl.id] = &qualstate.Unknown{
					Reason: fmt.Sprintf("condition %s (%s)", decl.cond, c.unknown.Reason),
					Refs:   c.unknown.Refs, Loc: c.unknown.Loc}
			case c.value:
				r.status[decl.id] = created
			default:
				r.status[decl.id] = absent
			}
		}
	}
}
