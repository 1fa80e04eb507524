package policy

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"qualstate"
	"qualstate/jsonpatch"
)

// patch reads a challenge or remediation: a JSON Patch.
func (d *decoder) patch(f field, label string) []qualstate.PatchOp {
	n := deref(f.n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, label, "%s is %s, not a list of JSON Patch operations", f.key, describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		d.errorf(n, label, "%s is empty", f.key)
		return nil
	}
	out := make([]qualstate.PatchOp, 0, len(n.Content))
	for i, e := range n.Content {
		what := fmt.Sprintf("%s[%d]", f.key, i)
		fields, ok := d.fields(e, label, what)
		if !ok {
			continue
		}
		e = deref(e)
		var op qualstate.PatchOp
		has := map[string]bool{}
		good := true
		for _, pf := range fields {
			has[pf.key] = true
			switch pf.key {
			case "op":
				op.Op, _ = d.text(pf, label)
			case "path":
				op.Path, _ = d.text(pf, label)
			case "from":
				op.From, _ = d.text(pf, label)
			case "value":
				v, ok := d.plain(pf.n, label, what+".value")
				good = good && ok
				op.Value = v
			default:
				good = false
				d.unknownField(pf, label, what, "op, path, from, value")
			}
		}
		switch {
		case !has["op"]:
			d.errorf(e, label, "%s: op is missing", what)
		case !has["path"]:
			d.errorf(e, label, "%s: path is missing", what)
		case (op.Op == "add" || op.Op == "replace" || op.Op == "test") && !has["value"]:
			d.errorf(e, label, "%s: %s needs a value", what, op.Op)
		case (op.Op == "move" || op.Op == "copy") && !has["from"]:
			d.errorf(e, label, "%s: %s needs from", what, op.Op)
		default:
			if err := jsonpatch.ValidateOp(op); err != nil {
				d.errorf(e, label, "%s: %v", what, err)
			} else if good {
				out = append(out, op)
			}
		}
	}
	return out
}
