package cfn

import (
	"fmt"
	"slices"
	"strings"

	"qualstate"
)

// scope is the part of a template an expression is in, which decides what
// it may use.
type scope uint8

const (
	inResource scope = iota
	inOutput
	inCondition
)

// checker checks expressions without evaluating them: function names and
// the shape of their arguments, and what they refer to.
type checker struct {
	d     *Document
	p     *problems
	scope scope
	// from is the resource being checked; its references are recorded as
	// dependencies.
	from *resourceDecl
	// cond is the condition being checked; condition references are
	// recorded as edges for cycle detection.
	cond      *condDecl
	condEdges map[string][]condEdge
	// output is the name of the output being checked.
	output string
	// nodes counts the values walked.
	nodes int
	// outsideProps is set while a resource's Metadata or policies are
	// walked, whose references order creation but are not resolved.
	outsideProps bool
}

// condEdge is one condition's reference to another.
type condEdge struct {
	to string
	at *Node
}

// check runs every check that needs the whole template: references between
// sections, intrinsic functions, dependency and condition cycles.
func (d *Document) check(p *problems) {
	c := &checker{d: d, p: p, condEdges: map[string][]condEdge{}}
	c.scope = inCondition
	for _, cd := range d.conds {
		c.cond = cd
		c.condition(cd.node, 0)
	}
	c.cond = nil
	c.conditionCycles()
	for _, r := range d.resources {
		c.resource(r)
	}
	c.from = nil
	c.scope = inOutput
	for _, o := range d.outputs {
		c.output = o.name
		c.conditionName(o.cond, o.loc, "output "+o.name)
		c.walk(o.value, 0)
		if o.export != nil {
			c.walk(o.export, 0)
		}
	}
	d.resourceCycles(p)
}

func (c *checker) resource(r *resourceDecl) {
	c.from, c.scope = r, inResource
	c.conditionName(r.cond, r.loc, "resource "+r.id)
	dep := r.node.Get("DependsOn")
	for _, id := range r.dependsOn {
		if c.d.resIndex[id] == nil {
			if !c.d.generates() {
				c.p.add(c.d.loc(dep), "resource %s: DependsOn names %s, which is not a resource of this template", r.id, quote(id))
			}
			continue
		}
		c.addDep(id)
	}
	for _, key := range []string{"Properties", "Metadata", "CreationPolicy", "UpdatePolicy", "DeletionPolicy", "UpdateReplacePolicy"} {
		if v := r.node.Get(key); v != nil {
			c.nodes, c.outsideProps = 0, key != "Properties"
			c.walk(v, 0)
			if key == "Properties" {
				r.propNodes = c.nodes
			}
		}
	}
	c.outsideProps = false
}

// generates reports whether resources may exist that the template does not
// write: a transform or loop not expanded here adds them.
func (d *Document) generates() bool { return d.serverless || d.opaque != "" || d.forEach != nil }

func (c *checker) conditionName(name string, at qualstate.Location, what string) {
	if name != "" && c.d.condIndex[name] == nil {
		c.p.add(at, "%s: condition %s is not declared in Conditions", what, quote(name))
	}
}

func (c *checker) addDep(id string) {
	r := c.from
	if r == nil {
		return
	}
	if r.staticDepsIndex == nil {
		r.staticDepsIndex = map[string]bool{}
	}
	if !r.staticDepsIndex[id] {
		r.staticDepsIndex[id] = true
		r.staticDeps = append(r.staticDeps, id)
	}
	if c.outsideProps && !slices.Contains(r.otherDeps, id) {
		r.otherDeps = append(r.otherDeps, id)
	}
}

func (c *checker) problem(at *Node, format string, args ...any) {
	c.p.add(c.d.loc(at), "%s", c.where()+fmt.Sprintf(format, args...))
}

// where prefixes a message with the part of the template it is about.
func (c *checker) where() string {
	switch {
	case c.cond != nil:
		return "condition " + c.cond.name + ": "
	case c.from != nil:
		return "resource " + c.from.id + ": "
	case c.output != "":
		return "output " + c.output + ": "
	}
	return ""
}

// walk checks every intrinsic function in a value.
func (c *checker) walk(n *Node, depth int) {
	if depth > maxDepth {
		return
	}
	c.nodes++
	switch n.kind {
	case Sequence:
		for _, it := range n.items {
			c.walk(it, depth+1)
		}
		return
	case String:
		if strings.Contains(n.s, "{{resolve:") {
			c.dynamicRefs(n)
		}
		return
	case Mapping:
	default:
		return
	}
	if name, arg, ok := n.intrinsic(); ok {
		c.call(name, arg, n, depth)
		return
	}
	for i := range n.entries {
		e := &n.entries[i]
		switch {
		case e.key == "Fn::Transform":
			c.transform(e.value)
			continue
		case e.key == "Ref" || isFnName(e.key):
			c.p.add(c.d.keyLoc(e), "%s%s must be the only key of its mapping", c.where(), e.key)
		}
		c.walk(e.value, depth+1)
	}
}

// call checks one intrinsic function call.
func (c *checker) call(name string, arg, at *Node, depth int) {
	switch name {
	case "Ref":
		c.checkRef(arg, at)
	case "Fn::GetAtt":
		c.checkGetAtt(arg, at, depth)
	case "Fn::Sub":
		c.checkSub(arg, at, depth)
	case "Fn::Join":
		c.checkJoin(arg, at, depth)
	case "Fn::Select":
		c.checkSelect(arg, at, depth)
	case "Fn::Split":
		c.checkSplit(arg, at, depth)
	case "Fn::FindInMap":
		c.checkFindInMap(arg, at, depth)
	case "Fn::Base64":
		c.walk(arg, depth+1)
	case "Fn::Cidr":
		c.checkCidr(arg, at, depth)
	case "Fn::GetAZs":
		c.checkGetAZs(arg, at, depth)
	case "Fn::ImportValue":
		c.checkImportValue(arg, at, depth)
	case "Fn::If":
		c.checkIf(arg, at, depth)
	case "Fn::Transform":
		c.transform(arg)
	case "Fn::Length", "Fn::ToJsonString":
		if !c.d.langExt {
			c.problem(at, "%s needs Transform: AWS::LanguageExtensions", name)
		}
		c.walk(arg, depth+1)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		if c.scope != inCondition {
			c.problem(at, "%s can be used only in Conditions (use a condition with Fn::If here)", name)
			return
		}
		c.condition(at, depth)
	case "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll":
		c.problem(at, "%s can be used only in Rules", name)
	default:
		c.problem(at, "unknown intrinsic function %s", quote(name))
	}
}

// list checks that a function's argument is a list of between min and max
// values and returns it; want describes the expected shape.
func (c *checker) list(name string, arg, at *Node, min, max int, want string) []*Node {
	if arg.kind != Sequence || len(arg.items) < min || len(arg.items) > max {
		got := "a " + arg.kind.String()
		if arg.kind == Sequence {
			got = fmt.Sprintf("a list of %d", len(arg.items))
		}
		c.problem(at, "%s takes %s, not %s", name, want, got)
		return nil
	}
	return arg.items
}

// isCall reports whether n is an intrinsic function call, whose value is
// only known when resolved.
func isCall(n *Node) bool {
	_, _, ok := n.intrinsic()
	return ok
}

// checkString checks an argument that must be a string, or a function that
// gives one.
func (c *checker) checkString(name, what string, n, at *Node, depth int) {
	if isCall(n) {
		c.walk(n, depth+1)
		return
	}
	if _, ok := n.scalarText(); !ok {
		c.problem(at, "%s: %s must be a string, not a %s", name, what, n.kind)
	}
}

// checkList checks an argument that must be a list, or a function that
// gives one.
func (c *checker) checkList(name, what string, n, at *Node, depth int) {
	if isCall(n) {
		c.walk(n, depth+1)
		return
	}
	if n.kind != Sequence {
		c.problem(at, "%s: %s must be a list, not a %s", name, what, n.kind)
		return
	}
	c.walk(n, depth+1)
}
