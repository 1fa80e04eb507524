package cfn

import (
	"fmt"
)

// Transforms this package knows by name.
const (
	transformServerless = "AWS::Serverless-2016-10-31"
	transformLanguage   = "AWS::LanguageExtensions"
)

// readSections reads the top-level sections into declarations; references
// between them are checked afterwards, once all are known.
func (d *Document) readSections(p *problems) {
	root := d.root
	if root.Get("Resources") == nil {
		// Most likely some other YAML or JSON: say that, not what is
		// wrong with each of its keys.
		p.add(d.loc(root), "not a CloudFormation template: there is no Resources section")
		return
	}
	if t := root.Get("Transform"); t != nil {
		d.readTransform(t, p)
	}
	var resources, outputs *Node
	for i := range root.entries {
		e := &root.entries[i]
		switch e.key {
		case "AWSTemplateFormatVersion":
			if s, _ := e.value.scalarText(); s != "2010-09-09" {
				p.add(d.loc(e.value), "AWSTemplateFormatVersion must be 2010-09-09, not %s", quote(s))
			}
		case "Description":
			s, ok := e.value.Str()
			if !ok {
				p.add(d.loc(e.value), "Description must be a string")
			} else if len(s) > 1024 {
				p.add(d.loc(e.value), "Description is %d bytes, more than CloudFormation's limit of 1024", len(s))
			}
			d.description = s
		case "Metadata", "Rules", "Hooks":
			if e.value.kind != Mapping {
				p.add(d.loc(e.value), "%s must be a mapping", e.key)
			}
		case "Parameters":
			d.readParameters(e.value, p)
		case "Mappings":
			d.readMappings(e.value, p)
		case "Conditions":
			d.readConditions(e.value, p)
		case "Resources":
			resources = e.value
		case "Outputs":
			outputs = e.value
		case "Transform":
		default:
			switch {
			case e.key == "Globals" && d.serverless:
			case d.opaque != "":
				d.note("transform-section", d.keyLoc(e), "", fmt.Sprintf("section %s is left to transform %s", clip(e.key), d.opaque))
			default:
				p.add(d.keyLoc(e), "unknown top-level section %s (want AWSTemplateFormatVersion, Description, Metadata, Parameters, Rules, Mappings, Conditions, Transform, Resources, Outputs or Hooks)", quote(e.key))
			}
		}
	}
	d.readResources(resources, p)
	if outputs != nil {
		d.readOutputs(outputs, p)
	}
}

// readTransform reads the Transform section: a name, or a list of names and
// {Name, Parameters} mappings (AWS::Include).
func (d *Document) readTransform(t *Node, p *problems) {
	items := []*Node{t}
	if t.kind == Sequence {
		items = t.items
	}
	for _, it := range items {
		name, ok := it.Str()
		if !ok && it.kind == Mapping {
			name, ok = it.Get("Name").Str()
		}
		if !ok || name == "" {
			p.add(d.loc(it), "Transform must name a transform, or list names or {Name, Parameters} mappings")
			continue
		}
		d.transforms = append(d.transforms, transformDecl{name: name, loc: d.loc(it)})
		switch name {
		case transformServerless:
			d.serverless = true
			d.warn("transform-not-expanded", d.loc(it), "", fmt.Sprintf(
				"transform %s is not expanded: AWS::Serverless::* resources are not validated, and values from the resources it adds are unknown", name))
		case transformLanguage:
			d.langExt = true
		default:
			if d.opaque == "" {
				d.opaque = name
			}
			d.warn("transform-not-expanded", d.loc(it), "", fmt.Sprintf(
				"transform %s is not expanded: it may change any resource, so no resource is validated and whether each is created is unknown", clip(name)))
		}
	}
}

func (d *Document) readMappings(section *Node, p *problems) {
	if section.kind != Mapping {
		p.add(d.loc(section), "Mappings must be a mapping of mapping names to mappings")
		return
	}
	if len(section.entries) > maxMappings {
		p.add(d.loc(section), "template declares %d mappings, more than CloudFormation's limit of %d", len(section.entries), maxMappings)
	}
	d.mappings = make(map[string]*Node, len(section.entries))
	for i := range section.entries {
		e := &section.entries[i]
		if !isAlphanumeric(e.key) && !d.langExt {
			p.add(d.keyLoc(e), "mapping name %s must be alphanumeric (A-Z, a-z, 0-9)", quote(e.key))
		}
		m := e.value
		if m.kind != Mapping || len(m.entries) == 0 {
			p.add(d.loc(m), "mapping %s must be a mapping of top-level keys to mappings of second-level keys", e.key)
			continue
		}
		if len(m.entries) > maxMappingAttributes {
			p.add(d.loc(m), "mapping %s has %d keys, more than CloudFormation's limit of %d", e.key, len(m.entries), maxMappingAttributes)
		}
		for j := range m.entries {
			top := &m.entries[j]
			if top.value.kind != Mapping {
				p.add(d.loc(top.value), "mapping %s: key %s must map to a mapping of second-level keys to values", e.key, quote(top.key))
				continue
			}
			if len(top.value.entries) > maxMappingAttributes {
				p.add(d.loc(top.value), "mapping %s: key %s has %d keys, more than CloudFormation's limit of %d", e.key, quote(top.key), len(top.value.entries), maxMappingAttributes)
			}
		}
		d.mappings[e.key] = m
	}
}

func (d *Document) readConditions(section *Node, p *problems) {
	if section.kind != Mapping {
		p.add(d.loc(section), "Conditions must be a mapping of condition names to conditions")
		return
	}
	d.condIndex = make(map[string]*condDecl, len(section.entries))
	for i := range section.entries {
		e := &section.entries[i]
		c := &condDecl{name: e.key, loc: d.keyLoc(e), node: e.value}
		d.conds = append(d.conds, c)
		d.condIndex[c.name] = c
	}
}
