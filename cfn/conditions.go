package cfn

import (
	"strings"

	"qualstate"
)

// tri is a condition's value: true, false, or unknown when it depends on a
// value not known before deployment.
type tri struct {
	value   bool
	unknown *qualstate.Unknown
}

// condition checks one condition expression: Fn::Equals, Fn::And, Fn::Or,
// Fn::Not or a reference to another condition.
func (c *checker) condition(n *Node, depth int) {
	if depth > maxDepth {
		return
	}
	if isConditionCall(n) {
		name := n.entries[0].value.s
		if c.d.condIndex[name] == nil {
			c.problem(n, "Condition refers to %s, which is not declared in Conditions", quote(name))
			return
		}
		if c.cond != nil {
			c.condEdges[c.cond.name] = append(c.condEdges[c.cond.name], condEdge{to: name, at: n})
		}
		return
	}
	name, arg, ok := n.intrinsic()
	switch {
	case !ok:
		c.problem(n, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, not a %s", n.kind)
	case name == "Fn::Equals":
		for _, it := range c.list(name, arg, n, 2, 2, "a list of two values") {
			c.walk(it, depth+1)
		}
	case name == "Fn::And" || name == "Fn::Or":
		for _, it := range c.list(name, arg, n, 2, 10, "a list of 2 to 10 conditions") {
			c.condition(it, depth+1)
		}
	case name == "Fn::Not":
		for _, it := range c.list(name, arg, n, 1, 1, "a list of one condition") {
			c.condition(it, depth+1)
		}
	default:
		c.problem(n, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, not %s", name)
	}
}

// conditionCycles reports conditions that depend on themselves.
func (c *checker) conditionCycles() {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(name string)
	visit = func(name string) {
		state[name] = visiting
		path = append(path, name)
		for _, e := range c.condEdges[name] {
			switch state[e.to] {
			case visiting:
				cycle := append(pathFrom(path, e.to), e.to)
				c.p.add(c.d.loc(e.at), "conditions form a cycle: %s", strings.Join(cycle, " -> "))
			case unvisited:
				visit(e.to)
			}
		}
		path = path[:len(path)-1]
		state[name] = done
	}
	for _, cd := range c.d.conds {
		if state[cd.name] == unvisited {
			visit(cd.name)
		}
	}
}

// pathFrom returns the part of path that starts at name.
func pathFrom(path []string, name string) []string {
	for i, p := range path {
		if p == name {
			return append([]string(nil), path[i:]...)
		}
	}
	return append([]string(nil), path...)
}

// condition returns a declared condition's value, evaluating it once.
func (r *resolver) condition(name string) tri {
	if v, ok := r.conds[name]; ok {
		return v
	}
	decl := r.doc.condIndex[name]
	if decl == nil {
		return tri{}
	}
	// Load rejects cycles, so this placeholder is never read back.
	r.conds[name] = tri{}
	what, soft := r.what, r.soft
	r.what, r.soft = "condition "+name, false
	v := r.condExpr(decl.node)
	r.what, r.soft = what, soft
	r.conds[name] = v
	return v
}

// condExpr evaluates a condition expression.
func (r *resolver) condExpr(n *Node) tri {
	if isConditionCall(n) {
		return r.condition(n.entries[0].value.s)
	}
	name, arg, _ := n.intrinsic()
	switch name {
	case "Fn::Equals":
		a, b := r.eval(arg.items[0]), r.eval(arg.items[1])
		if anyUnknown(a, b) {
			return tri{unknown: r.derived(n, a, b)}
		}
		return tri{value: equal(a, b)}
	case "Fn::And", "Fn::Or":
		// And is false once any part is false, Or true once any is
		// true, whatever the unknown parts are.
		decisive := name == "Fn::Or"
		var unknowns []any
		for _, it := range arg.items {
			v := r.condExpr(it)
			switch {
			case v.unknown != nil:
				unknowns = append(unknowns, v.unknown)
			case v.value == decisive:
				return tri{value: decisive}
			}
		}
		if len(unknowns) > 0 {
			return tri{unknown: r.derived(n, unknowns...)}
		}
		return tri{value: !decisive}
	case "Fn::Not":
		v := r.condExpr(arg.items[0])
		if v.unknown != nil {
			return tri{unknown: r.derived(n, v.unknown)}
		}
		return tri{value: !v.value}
	}
	return tri{}
}

// equal compares resolved values as Fn::Equals does: scalars by their
// string form, so that the Number parameter "3" equals 3.
func equal(a, b any) bool {
	switch a := a.(type) {
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !equal(a[i], bl[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	as, aok := text(a)
	bs, bok := text(b)
	return aok && bok && as == bs
}
