package policy

import (
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// plain converts a YAML value to the Go values of a resource model:
// map[string]any, []any, string, int64, float64, bool and nil. Tags such as
// !Ref are refused: they only mean something in a template.
func (d *decoder) plain(n *yaml.Node, label, what string) (any, bool) {
	d.plainNodes++
	if d.plainNodes > maxPlainNodes {
		if d.plainNodes == maxPlainNodes+1 {
			d.errorf(n, label, "%s: aliases expand to more than %d values", what, maxPlainNodes)
		}
		return nil, false
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			d.errorf(n, label, "%s: unknown alias", what)
			return nil, false
		}
		return d.plain(n.Alias, label, what)
	case yaml.MappingNode:
		fields, ok := d.fields(n, label, what)
		m := make(map[string]any, len(fields))
		for _, f := range fields {
			if d.plainNodes > maxPlainNodes {
				return nil, false
			}
			v, good := d.plain(f.n, label, what+"."+f.key)
			ok = ok && good
			m[f.key] = v
		}
		return m, ok
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		ok := true
		for i, e := range n.Content {
			if d.plainNodes > maxPlainNodes {
				return nil, false
			}
			v, good := d.plain(e, label, what+"["+strconv.Itoa(i)+"]")
			ok = ok && good
			l[i] = v
		}
		return l, ok
	case yaml.ScalarNode:
		return d.plainScalar(n, label, what)
	}
	d.errorf(n, label, "%s is %s", what, describe(n))
	return nil, false
}

func (d *decoder) plainScalar(n *yaml.Node, label, what string) (any, bool) {
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return nil, true
	case "!!str", "!!timestamp":
		return n.Value, true
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			d.errorf(n, label, "%s: %q is not a boolean", what, n.Value)
			return nil, false
		}
		return b, true
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			d.errorf(n, label, "%s: integer %s does not fit in 64 bits", what, n.Value)
			return nil, false
		}
		return i, true
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.errorf(n, label, "%s: %s is not a finite number", what, n.Value)
			return nil, false
		}
		return f, true
	default:
		if isCustomTag(tag) {
			d.errorf(n, label, "%s: %s is a template function; example properties are plain values (use a template example)", what, tag)
		} else {
			d.errorf(n, label, "%s: values tagged %s are not supported", what, tag)
		}
		return nil, false
	}
}
