package cfn

// checkIf checks Fn::If: [condition name, value if true, value if false].
func (c *checker) checkIf(arg, at *Node, depth int) {
	if c.scope == inCondition {
		c.problem(at, "Fn::If cannot be used in Conditions")
		return
	}
	items := c.list("Fn::If", arg, at, 3, 3, "[condition name, value if true, value if false]")
	if items == nil {
		return
	}
	if name, ok := items[0].Str(); !ok {
		c.problem(at, "Fn::If: the first value must name a condition")
	} else if c.d.condIndex[name] == nil {
		c.problem(at, "Fn::If: condition %s is not declared in Conditions", quote(name))
	}
	c.walk(items[1], depth+1)
	c.walk(items[2], depth+1)
}

// fnIf evaluates Fn::If: the branch the condition chooses, which keeps the
// locations of what it writes. When the condition is unknown, so is the
// value; both branches are evaluated for what they refer to.
func (r *resolver) fnIf(arg, at *Node, ptr string, record bool) any {
	c := r.condition(arg.items[0].s)
	if c.unknown != nil {
		a, b := r.eval(arg.items[1]), r.eval(arg.items[2])
		return r.derived(at, c.unknown, a, b)
	}
	branch := arg.items[2]
	if c.value {
		branch = arg.items[1]
	}
	return r.resolve(branch, ptr, record)
}
