package cfn

import (
	"strings"

	"qualstate"
)

// getAttArgs splits Fn::GetAtt's argument, "Id.Attr" or [Id, Attr]. When
// the attribute name is a function call, attr is "" and attrCall the call.
func getAttArgs(arg *Node) (id, attr string, attrCall *Node, ok bool) {
	if s, isStr := arg.Str(); isStr {
		id, attr, found := strings.Cut(s, ".")
		return id, attr, nil, found && id != "" && attr != ""
	}
	if arg.kind != Sequence || len(arg.items) != 2 {
		return "", "", nil, false
	}
	id, isStr := arg.items[0].Str()
	if !isStr {
		return "", "", nil, false
	}
	if attr, isStr := arg.items[1].Str(); isStr {
		return id, attr, nil, attr != ""
	}
	if isCall(arg.items[1]) {
		return id, "", arg.items[1], true
	}
	return "", "", nil, false
}

// checkGetAtt checks Fn::GetAtt: the resource exists and its type has the
// attribute.
func (c *checker) checkGetAtt(arg, at *Node, depth int) {
	id, attr, attrCall, ok := getAttArgs(arg)
	if !ok {
		c.problem(at, "Fn::GetAtt takes LogicalId.AttributeName or [LogicalId, AttributeName]")
		return
	}
	if c.scope == inCondition {
		c.problem(at, "Fn::GetAtt cannot be used in Conditions: a resource's attributes are not known when conditions are evaluated")
		return
	}
	if attrCall != nil {
		c.walk(attrCall, depth+1)
	}
	decl := c.d.resIndex[id]
	if decl == nil {
		if !c.d.generates() {
			c.problem(at, "Fn::GetAtt refers to %s, which is not a resource of this template", quote(id))
		}
		return
	}
	c.addDep(id)
	if attrCall == nil && decl.hasSchema && !hasAttribute(decl, attr) {
		c.problem(at, "Fn::GetAtt: resource %s of type %s has no attribute %s", id, decl.typ, quote(attr))
	}
}

// hasAttribute asks the schema, but knows the attributes whose names the
// template chooses: a nested stack's outputs and a custom resource's.
func hasAttribute(decl *resourceDecl, name string) bool {
	switch {
	case decl.typ == "AWS::CloudFormation::Stack" && strings.HasPrefix(name, "Outputs."):
		return true
	case decl.typ == "AWS::CloudFormation::CustomResource":
		return true
	}
	return decl.schema.HasAttribute(name)
}

// fnGetAtt evaluates Fn::GetAtt: what the Resolver knows, else unknown.
func (r *resolver) fnGetAtt(arg, at *Node) any {
	id, attr, attrCall, _ := getAttArgs(arg)
	if attrCall != nil {
		mark := r.fails
		v := r.eval(attrCall)
		if r.failedSince(mark) {
			return nil
		}
		if hasUnknown(v) {
			u := r.derived(at, v)
			u.Refs = addRef(u.Refs, qualstate.Ref{LogicalID: id})
			return u
		}
		s, ok := v.(string)
		if !ok {
			r.fail(at, "Fn::GetAtt: the attribute name must resolve to a string, not %s", describe(v))
			return nil
		}
		attr = s
	}
	return r.attribute(id, attr, at)
}

// attribute is the value of a resource's attribute, for Fn::GetAtt and
// ${Id.Attr} in Fn::Sub.
func (r *resolver) attribute(id, attr string, at *Node) any {
	r.depend(id, at)
	if r.opts.Resolver != nil {
		if v, ok := r.opts.Resolver.GetAtt(id, attr); ok {
			return clone(v)
		}
	}
	u := &qualstate.Unknown{Reason: "!GetAtt " + id + "." + attr, Refs: []qualstate.Ref{{LogicalID: id, Attribute: attr}}, Loc: r.doc.loc(at)}
	if r.doc.resIndex[id] == nil {
		u.Reason += " (a resource a transform adds)"
	}
	return u
}
