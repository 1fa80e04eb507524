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

// remediation reads a requirement's remediation: either a JSON Patch, which
// continuous risk treatment proposes for a person to apply, or a mapping
// {mode, patch} that also says what treatment does with it. A mode with no
// patch can only be off: there is nothing to propose or apply.
func (d *decoder) remediation(f field, label string) ([]qualstate.PatchOp, qualstate.RemediationMode) {
	n := deref(f.n)
	switch n.Kind {
	case yaml.SequenceNode:
		return d.patch(f, label), qualstate.RemediationPropose
	case yaml.MappingNode:
	default:
		d.errorf(n, label, "remediation is %s, not a list of JSON Patch operations or a mapping of mode and patch", describe(n))
		return nil, ""
	}
	fields, _ := d.fields(n, label, "remediation")
	var (
		ops              []qualstate.PatchOp
		mode             qualstate.RemediationMode
		modeNode         *yaml.Node
		hasPatch, modeOK bool
	)
	for _, rf := range fields {
		switch rf.key {
		case "mode":
			modeNode = deref(rf.n)
			s, ok := d.text(field{key: "remediation.mode", keyNode: rf.keyNode, n: rf.n}, label)
			if !ok {
				continue
			}
			m, err := qualstate.ParseRemediationMode(s)
			if err != nil {
				d.errorf(modeNode, label, "remediation mode %q is not off, propose or auto", s)
				continue
			}
			mode, modeOK = m, true
		case "patch":
			hasPatch = true
			ops = d.patch(field{key: "remediation.patch", keyNode: rf.keyNode, n: rf.n}, label)
		default:
			d.unknownField(rf, label, "remediation", "mode, patch")
		}
	}
	switch {
	case hasPatch && modeNode == nil:
		return ops, qualstate.RemediationPropose
	case hasPatch:
		return ops, mode
	case modeNode == nil:
		d.errorf(n, label, "remediation has no patch; give one, or mode: off alone to say treatment never acts")
	case modeOK && mode != qualstate.RemediationOff:
		d.errorf(modeNode, label, "remediation mode %s needs a patch to apply; only mode off stands without one", mode)
	}
	return nil, mode
}
