package cfn

import (
	"strings"

	"qualstate"
)

// checkImportValue checks Fn::ImportValue: an export name, which may be
// computed but not from a resource, since exports are resolved first.
func (c *checker) checkImportValue(arg, at *Node, depth int) {
	if c.scope == inCondition {
		c.problem(at, "Fn::ImportValue cannot be used in Conditions")
		return
	}
	c.checkString("Fn::ImportValue", "the export name", arg, at, depth)
	if id := c.d.resourceIn(arg, 0); id != "" {
		c.problem(at, "Fn::ImportValue: the export name cannot depend on resource %s", id)
	}
}

// resourceIn returns a resource an expression refers to, or "".
func (d *Document) resourceIn(n *Node, depth int) string {
	if depth > maxDepth {
		return ""
	}
	if name, arg, ok := n.intrinsic(); ok {
		switch name {
		case "Ref":
			if d.resIndex[arg.s] != nil {
				return arg.s
			}
		case "Fn::GetAtt":
			if id, _, _, ok := getAttArgs(arg); ok {
				return id
			}
		case "Fn::Sub":
			if s, _, ok := subArgs(arg); ok {
				for _, part := range parseSub(s) {
					id, _, _ := strings.Cut(part.text, ".")
					if part.isVar && d.resIndex[id] != nil {
						return id
					}
				}
			}
		}
	}
	for _, it := range n.items {
		if id := d.resourceIn(it, depth+1); id != "" {
			return id
		}
	}
	for i := range n.entries {
		if id := d.resourceIn(n.entries[i].value, depth+1); id != "" {
			return id
		}
	}
	return ""
}

// fnImportValue evaluates Fn::ImportValue: what the Resolver knows of the
// export, else unknown.
func (r *resolver) fnImportValue(arg, at *Node) any {
	v, result, done := r.evalKnown(arg, at)
	if done {
		return result
	}
	name, ok := text(v)
	if !ok {
		r.fail(at, "Fn::ImportValue needs an export name, not %s", describe(v))
		return nil
	}
	if r.opts.Resolver != nil {
		if v, ok := r.opts.Resolver.ImportValue(name); ok {
			return clone(v)
		}
	}
	return &qualstate.Unknown{Reason: "!ImportValue " + name, Loc: r.doc.loc(at)}
}
