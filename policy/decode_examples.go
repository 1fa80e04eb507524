package policy

import (
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"qualstate"
)

const exampleKnown = "name, want, properties, template, templateFile, resource"

func (d *decoder) examples(f field, label string) []qualstate.Example {
	n := deref(f.n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, label, "examples is %s, not a list", describe(n))
		return nil
	}
	var out []qualstate.Example
	for i, e := range n.Content {
		what := fmt.Sprintf("examples[%d]", i)
		fields, ok := d.fields(e, label, what)
		if !ok {
			continue
		}
		e = deref(e)
		ex := qualstate.Example{Loc: d.loc(e)}
		var sources []string
		hasWant := false
		var resourceNode *yaml.Node
		for _, f := range fields {
			switch f.key {
			case "name":
				ex.Name, _ = d.text(f, label)
			case "want":
				hasWant = true
				if s, ok := d.text(f, label); ok {
					switch r := qualstate.Result(s); r {
					case qualstate.ResultPass, qualstate.ResultFail, qualstate.ResultIndeterminate:
						ex.Want = r
					default:
						d.errorf(deref(f.n), label, "%s: want %q is not pass, fail or indeterminate", what, s)
					}
				}
			case "properties":
				sources = append(sources, f.key)
				if deref(f.n).Kind != yaml.MappingNode {
					d.errorf(deref(f.n), label, "%s: properties is %s, not a mapping", what, describe(deref(f.n)))
					continue
				}
				if v, ok := d.plain(f.n, label, what+".properties"); ok {
					ex.Properties = v.(map[string]any)
				}
			case "template":
				sources = append(sources, f.key)
				ex.Template, _ = d.text(f, label)
				if strings.TrimSpace(ex.Template) == "" {
					d.errorf(deref(f.n), label, "%s: template is empty", what)
				}
			case "templateFile":
				sources = append(sources, f.key)
				if s, ok := d.text(f, label); ok {
					ex.TemplateFile = s
					if s == "" || path.IsAbs(s) || strings.Contains(s, `\`) || strings.HasPrefix(s, "~") {
						d.errorf(deref(f.n), label, "%s: templateFile %q must be a relative path using /", what, s)
					}
				}
			case "resource":
				ex.Resource, _ = d.text(f, label)
				resourceNode = f.keyNode
			default:
				d.unknownField(f, label, what, exampleKnown)
			}
		}
		if !hasWant {
			d.errorf(e, label, "%s: want is missing", what)
		}
		switch len(sources) {
		case 0:
			d.errorf(e, label, "%s needs properties, template or templateFile", what)
		case 1:
		default:
			d.errorf(e, label, "%s has %s; give only one", what, strings.Join(sources, " and "))
		}
		if resourceNode != nil && ex.Properties != nil {
			d.errorf(resourceNode, label, "%s: resource names a template's resource; properties examples have one", what)
		}
		out = append(out, ex)
	}
	return out
}
