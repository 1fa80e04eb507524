package cfn

import (
	"qualstate"
)

// checkFindInMap checks Fn::FindInMap: [map, top-level key, second-level
// key], with AWS::LanguageExtensions also a fourth {DefaultValue: value}.
// Keys written literally are looked up now; others when resolved.
func (c *checker) checkFindInMap(arg, at *Node, depth int) {
	max := 3
	if c.d.langExt {
		max = 4
	}
	items := c.list("Fn::FindInMap", arg, at, 3, max, "[map name, top-level key, second-level key]")
	if items == nil {
		return
	}
	hasDefault := false
	if len(items) == 4 {
		def := items[3]
		if def.kind != Mapping || len(def.entries) != 1 || def.entries[0].key != "DefaultValue" {
			c.problem(at, "Fn::FindInMap: the fourth value must be {DefaultValue: value}")
		} else {
			hasDefault = true
			c.walk(def.entries[0].value, depth+1)
		}
	}
	literal := true
	for i, it := range items[:3] {
		if isCall(it) {
			c.walk(it, depth+1)
			literal = false
			continue
		}
		if _, ok := it.scalarText(); !ok {
			c.problem(at, "Fn::FindInMap: value %d must be a string or a function giving one, not a %s", i+1, it.kind)
			return
		}
	}
	name, isStr := items[0].scalarText()
	if !isStr {
		return
	}
	m := c.d.mappings[name]
	if m == nil {
		c.problem(at, "Fn::FindInMap: there is no mapping %s in Mappings", quote(name))
		return
	}
	if !literal || hasDefault {
		return
	}
	top, _ := items[1].scalarText()
	second, _ := items[2].scalarText()
	if _, msg := lookupMapping(name, m, top, second); msg != "" {
		c.problem(at, "Fn::FindInMap: %s", msg)
	}
}

// lookupMapping finds a value in a mapping, or says why it is not there.
func lookupMapping(name string, m *Node, top, second string) (*Node, string) {
	t := m.Get(top)
	if t == nil {
		return nil, "mapping " + name + " has no key " + quote(top)
	}
	v := t.Get(second)
	if v == nil {
		return nil, "mapping " + name + ", key " + quote(top) + " has no key " + quote(second)
	}
	return v, ""
}

// fnFindInMap evaluates Fn::FindInMap.
func (r *resolver) fnFindInMap(arg, at *Node) any {
	keys := make([]string, 3)
	var unknowns []any
	mark := r.fails
	for i, it := range arg.items[:3] {
		v := r.eval(it)
		if r.failedSince(mark) {
			return nil
		}
		if _, ok := v.(*qualstate.Unknown); ok {
			unknowns = append(unknowns, v)
			continue
		}
		s, ok := text(v)
		if !ok {
			r.fail(at, "Fn::FindInMap: value %d must be a string, not %s", i+1, describe(v))
			return nil
		}
		keys[i] = s
	}
	if len(unknowns) > 0 {
		return r.derived(at, unknowns...)
	}
	m := r.doc.mappings[keys[0]]
	if m == nil {
		r.fail(at, "Fn::FindInMap: there is no mapping %s in Mappings", quote(keys[0]))
		return nil
	}
	v, msg := lookupMapping(keys[0], m, keys[1], keys[2])
	if v == nil {
		if len(arg.items) == 4 {
			return r.eval(arg.items[3].entries[0].value)
		}
		r.fail(at, "Fn::FindInMap: %s", msg)
		return nil
	}
	return r.eval(v)
}
