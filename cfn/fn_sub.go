package cfn

import (
	"strings"

	"qualstate"
)

// subPart is a piece of an Fn::Sub string: literal text or a ${name}.
type subPart struct {
	text  string
	isVar bool
}

// parseSub splits an Fn::Sub string into literal text and variables.
// ${!Name} is the literal "${Name}"; a "${" never closed is literal text.
func parseSub(s string) []subPart {
	var parts []subPart
	var lit strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		rest := s[i+2:]
		if strings.HasPrefix(rest, "!") {
			lit.WriteString("${")
			s = rest[1:]
			continue
		}
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			lit.WriteString(s[i:])
			break
		}
		if lit.Len() > 0 {
			parts = append(parts, subPart{text: lit.String()})
			lit.Reset()
		}
		parts = append(parts, subPart{text: rest[:j], isVar: true})
		s = rest[j+1:]
	}
	if lit.Len() > 0 {
		parts = append(parts, subPart{text: lit.String()})
	}
	return parts
}

// subArgs splits Fn::Sub's argument: a string, or [string, {variables}].
func subArgs(arg *Node) (string, *Node, bool) {
	if s, ok := arg.Str(); ok {
		return s, nil, true
	}
	if arg.kind != Sequence || len(arg.items) != 2 || arg.items[1].kind != Mapping {
		return "", nil, false
	}
	s, ok := arg.items[0].Str()
	return s, arg.items[1], ok
}

// checkSub checks Fn::Sub: every ${name} is a variable of its own, a
// parameter, a pseudo parameter, a resource or a resource's attribute.
func (c *checker) checkSub(arg, at *Node, depth int) {
	s, vars, ok := subArgs(arg)
	if !ok {
		c.problem(at, "Fn::Sub takes a string, or [string, {variable: value, …}]")
		return
	}
	if vars != nil {
		for i := range vars.entries {
			c.walk(vars.entries[i].value, depth+1)
		}
	}
	for _, part := range parseSub(s) {
		if !part.isVar || vars.Get(part.text) != nil {
			continue
		}
		name := part.text
		if id, attr, dotted := strings.Cut(name, "."); dotted {
			if c.scope == inCondition {
				c.problem(at, "Fn::Sub: ${%s} reads a resource's attribute, which conditions cannot", clip(name))
				continue
			}
			decl := c.d.resIndex[id]
			switch {
			case decl == nil && !c.d.generates():
				c.problem(at, "Fn::Sub: ${%s} refers to %s, which is not a resource of this template", clip(name), quote(id))
			case decl != nil:
				c.addDep(id)
				if decl.hasSchema && !hasAttribute(decl, attr) {
					c.problem(at, "Fn::Sub: ${%s}: resource %s of type %s has no attribute %s", clip(name), id, decl.typ, quote(attr))
				}
			}
			continue
		}
		if isPseudo(name) || c.d.paramIndex[name] != nil {
			continue
		}
		if c.d.resIndex[name] != nil {
			c.refName(name, at)
			continue
		}
		if !c.d.generates() || c.scope == inCondition {
			c.problem(at, "Fn::Sub: ${%s} is not a parameter, a resource, a resource attribute or a variable of this Fn::Sub", clip(name))
		}
	}
}

// fnSub evaluates Fn::Sub.
func (r *resolver) fnSub(arg, at *Node) any {
	s, varsNode, _ := subArgs(arg)
	var vars map[string]any
	mark := r.fails
	if varsNode != nil {
		vars = make(map[string]any, len(varsNode.entries))
		for i := range varsNode.entries {
			vars[varsNode.entries[i].key] = r.eval(varsNode.entries[i].value)
		}
	}
	if r.failedSince(mark) {
		return nil
	}
	var b strings.Builder
	var unknowns []any
	for _, part := range parseSub(s) {
		if !part.isVar {
			b.WriteString(part.text)
			continue
		}
		v, ok := vars[part.text]
		if !ok {
			if id, attr, dotted := strings.Cut(part.text, "."); dotted {
				v = r.attribute(id, attr, at)
			} else {
				v = r.refValue(part.text, at)
			}
		}
		if _, isUnknown := v.(*qualstate.Unknown); isUnknown {
			unknowns = append(unknowns, v)
			continue
		}
		t, ok := text(v)
		if !ok {
			r.fail(at, "Fn::Sub: ${%s} is %s; Fn::Sub needs a string", clip(part.text), describe(v))
			return nil
		}
		// Charge as the string grows: a long value substituted many
		// times must stop before it fills memory.
		if !r.spendBytes(len(t), at) {
			return nil
		}
		b.WriteString(t)
	}
	if len(unknowns) > 0 {
		return r.derived(at, unknowns...)
	}
	return b.String()
}
