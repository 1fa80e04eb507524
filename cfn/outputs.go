package cfn

import (
	"qualstate"
)

// outputAttributes are the keys an output declaration may have.
var outputAttributes = map[string]bool{"Value": true, "Export": true, "Description": true, "Condition": true}

func (d *Document) readOutputs(section *Node, p *problems) {
	if section.kind != Mapping {
		p.add(d.loc(section), "Outputs must be a mapping of output names to outputs")
		return
	}
	if len(section.entries) > maxOutputs {
		p.add(d.loc(section), "template declares %d outputs, more than CloudFormation's limit of %d", len(section.entries), maxOutputs)
	}
	for i := range section.entries {
		e := &section.entries[i]
		if d.langExt && isForEach(e.key) {
			continue
		}
		at := d.keyLoc(e)
		if !isAlphanumeric(e.key) || len(e.key) > maxLogicalIDLength {
			p.add(at, "output name %s must be alphanumeric (A-Z, a-z, 0-9) and at most %d characters", quote(e.key), maxLogicalIDLength)
		}
		n := e.value
		if n.kind != Mapping {
			p.add(d.loc(n), "output %s must be a mapping with a Value", clip(e.key))
			continue
		}
		for j := range n.entries {
			if a := &n.entries[j]; !outputAttributes[a.key] {
				p.add(d.keyLoc(a), "output %s has unknown attribute %s (want Value, Export, Description or Condition)", clip(e.key), quote(a.key))
			}
		}
		o := &outputDecl{name: e.key, loc: at, value: n.Get("Value")}
		if o.value == nil {
			p.add(at, "output %s has no Value", clip(e.key))
			continue
		}
		if ex := n.Get("Export"); ex != nil {
			if o.export = ex.Get("Name"); o.export == nil || ex.kind != Mapping {
				p.add(d.loc(ex), "output %s: Export must be a mapping with a Name", clip(e.key))
			}
		}
		if c := n.Get("Condition"); c != nil {
			name, ok := c.Str()
			if !ok {
				p.add(d.loc(c), "output %s: Condition must name a condition", clip(e.key))
			}
			o.cond = name
		}
		d.outputs = append(d.outputs, o)
	}
}

// output resolves one output if it is created.
func (r *resolver) output(o *outputDecl) {
	r.what, r.soft, r.locs, r.deps = "output "+o.name, false, nil, nil
	if o.cond != "" {
		c := r.condition(o.cond)
		if c.unknown == nil && !c.value {
			return
		}
	}
	out := &qualstate.Output{Name: o.name, Condition: o.cond, Loc: o.loc}
	out.Value = r.resolve(o.value, "", false)
	if _, ok := out.Value.(noValue); ok {
		r.fail(o.value, "an output's Value cannot be AWS::NoValue")
	}
	if o.export != nil {
		out.ExportName = r.resolve(o.export, "", false)
		if _, ok := out.ExportName.(string); !ok && !hasUnknown(out.ExportName) {
			r.fail(o.export, "an export name must be a string, not %s", describe(out.ExportName))
		}
	}
	r.tpl.Outputs = append(r.tpl.Outputs, out)
}
