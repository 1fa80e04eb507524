package cfn

import (
	"fmt"

	"qualstate"
)

// transformName reads the Name of an Fn::Transform argument.
func transformName(arg *Node) (string, bool) {
	name, ok := arg.Get("Name").Str()
	return name, ok && name != ""
}

// transform checks an inline Fn::Transform (AWS::Include or a macro) and
// warns that what it produces is not known here.
func (c *checker) transform(arg *Node) {
	name, ok := transformName(arg)
	if !ok || arg.kind != Mapping {
		c.problem(arg, "Fn::Transform takes {Name: transform, Parameters: {…}}")
		return
	}
	if params := arg.Get("Parameters"); params != nil {
		c.walk(params, 1)
	}
	id := ""
	if c.from != nil {
		id = c.from.id
	}
	c.d.warn("transform-not-expanded", c.d.loc(arg), id, fmt.Sprintf(
		"%stransform %s is not expanded: the values it gives are unknown", c.where(), clip(name)))
}

// fnTransform evaluates an inline Fn::Transform: its result is unknown.
func (r *resolver) fnTransform(arg, at *Node) *qualstate.Unknown {
	name, _ := transformName(arg)
	return &qualstate.Unknown{Reason: "Fn::Transform " + name + " (not expanded)", Loc: r.doc.loc(at)}
}
