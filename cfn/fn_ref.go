package cfn

import (
	"qualstate"
)

// checkRef checks Ref: a parameter, a pseudo parameter or, outside
// Conditions, a resource.
func (c *checker) checkRef(arg, at *Node) {
	name, ok := arg.Str()
	if !ok {
		c.problem(at, "Ref takes the name of a parameter or resource, not a %s", arg.kind)
		return
	}
	c.refName(name, at)
}

// refName checks a name Ref or Fn::Sub refers to.
func (c *checker) refName(name string, at *Node) {
	if isPseudo(name) || c.d.paramIndex[name] != nil {
		return
	}
	if c.d.resIndex[name] != nil {
		if c.scope == inCondition {
			c.problem(at, "Ref to resource %s: conditions can refer to parameters only", name)
			return
		}
		c.addDep(name)
		return
	}
	if c.d.generates() && c.scope != inCondition {
		return
	}
	c.problem(at, "Ref to %s, which is not a parameter, a pseudo parameter or a resource", quote(name))
}

// fnRef evaluates Ref.
func (r *resolver) fnRef(arg, at *Node) any { return r.refValue(arg.s, at) }

// refValue is what Ref gives for a name: a parameter's value, a pseudo
// parameter's, or for a resource what the Resolver knows, else unknown.
func (r *resolver) refValue(name string, at *Node) any {
	if v, ok := r.params[name]; ok {
		if u, isUnknown := v.(*qualstate.Unknown); isUnknown {
			// The unknown stands where the Ref is written.
			return &qualstate.Unknown{Reason: u.Reason, Loc: r.doc.loc(at)}
		}
		if list, ok := v.([]any); ok && !r.spendValues(len(list), at) {
			return nil
		}
		return clone(v)
	}
	if isPseudo(name) {
		return r.pseudo(name, r.doc.loc(at))
	}
	r.depend(name, at)
	if r.opts.Resolver != nil {
		if v, ok := r.opts.Resolver.Ref(name); ok {
			return clone(v)
		}
	}
	u := &qualstate.Unknown{Reason: "!Ref " + name, Refs: []qualstate.Ref{{LogicalID: name}}, Loc: r.doc.loc(at)}
	if r.doc.resIndex[name] == nil {
		u.Reason += " (a resource a transform adds)"
	}
	return u
}
