package cfn

import (
	"strings"

	"qualstate"
)

// checkJoin checks Fn::Join: [delimiter, [values…]].
func (c *checker) checkJoin(arg, at *Node, depth int) {
	items := c.list("Fn::Join", arg, at, 2, 2, "[delimiter, [values…]]")
	if items == nil {
		return
	}
	if _, ok := items[0].scalarText(); !ok {
		c.problem(at, "Fn::Join: the delimiter must be a string; no function can be used there")
	}
	c.checkList("Fn::Join", "the values", items[1], at, depth)
}

// fnJoin evaluates Fn::Join.
func (r *resolver) fnJoin(arg, at *Node) any {
	delim, _ := arg.items[0].scalarText()
	v, result, done := r.evalKnown(arg.items[1], at)
	if done {
		return result
	}
	list, ok := v.([]any)
	if !ok {
		r.fail(at, "Fn::Join needs a list of values, not %s", describe(v))
		return nil
	}
	var b strings.Builder
	var unknowns []any
	for i, e := range list {
		if _, isUnknown := e.(*qualstate.Unknown); isUnknown {
			unknowns = append(unknowns, e)
			continue
		}
		t, ok := text(e)
		if !ok {
			r.fail(at, "Fn::Join: value %d is %s; Fn::Join needs strings", i, describe(e))
			return nil
		}
		if i > 0 {
			b.WriteString(delim)
		}
		if !r.spendBytes(len(t)+len(delim), at) {
			return nil
		}
		b.WriteString(t)
	}
	if len(unknowns) > 0 {
		return r.derived(at, unknowns...)
	}
	return b.String()
}
