package cfn

import (
	"strings"
)

// checkSplit checks Fn::Split: [delimiter, string].
func (c *checker) checkSplit(arg, at *Node, depth int) {
	items := c.list("Fn::Split", arg, at, 2, 2, "[delimiter, string]")
	if items == nil {
		return
	}
	if s, ok := items[0].Str(); !ok || s == "" {
		c.problem(at, "Fn::Split: the delimiter must be a non-empty string; no function can be used there")
	}
	c.checkString("Fn::Split", "the source", items[1], at, depth)
}

// fnSplit evaluates Fn::Split.
func (r *resolver) fnSplit(arg, at *Node) any {
	delim := arg.items[0].s
	v, result, done := r.evalKnown(arg.items[1], at)
	if done {
		return result
	}
	s, ok := text(v)
	if !ok {
		r.fail(at, "Fn::Split needs a string to split, not %s", describe(v))
		return nil
	}
	parts := strings.Split(s, delim)
	if !r.spendValues(len(parts), at) {
		return nil
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}
