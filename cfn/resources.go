package cfn

import (
	"fmt"
	"slices"

	"qualstate"
)

// resourceAttributes are the keys a resource declaration may have.
var resourceAttributes = map[string]bool{
	"Type": true, "Properties": true, "DependsOn": true, "Condition": true, "Metadata": true,
	"DeletionPolicy": true, "UpdateReplacePolicy": true, "CreationPolicy": true, "UpdatePolicy": true,
}

// deletionPolicies are the values DeletionPolicy and UpdateReplacePolicy take.
var deletionPolicies = map[string]bool{"Delete": true, "Retain": true, "RetainExceptOnCreate": true, "Snapshot": true}

func (d *Document) readResources(section *Node, p *problems) {
	if section.kind != Mapping {
		p.add(d.loc(section), "Resources must be a mapping of logical ids to resources")
		return
	}
	if len(section.entries) == 0 {
		p.add(d.loc(section), "Resources must declare at least one resource")
		return
	}
	if len(section.entries) > maxResources {
		p.add(d.loc(section), "template declares %d resources, more than CloudFormation's limit of %d", len(section.entries), maxResources)
	}
	d.resIndex = make(map[string]*resourceDecl, len(section.entries))
	for i := range section.entries {
		e := &section.entries[i]
		if d.langExt && isForEach(e.key) {
			if d.forEach == nil {
				d.forEach = e.value
				d.warn("transform-not-expanded", d.keyLoc(e), "", "Fn::ForEach is not expanded: the resources it writes are not checked, and values from them are unknown")
			}
			continue
		}
		if r := d.readResource(len(d.resources), e, p); r != nil {
			d.resources = append(d.resources, r)
			d.resIndex[r.id] = r
		}
	}
}

func isForEach(key string) bool {
	return len(key) > len("Fn::ForEach::") && key[:len("Fn::ForEach::")] == "Fn::ForEach::"
}

func (d *Document) readResource(index int, e *entry, p *problems) *resourceDecl {
	at := d.keyLoc(e)
	if !isAlphanumeric(e.key) || len(e.key) > maxLogicalIDLength {
		p.add(at, "logical id %s must be alphanumeric (A-Z, a-z, 0-9) and at most %d characters", quote(e.key), maxLogicalIDLength)
	}
	n := e.value
	// A resource with a broken declaration is still declared, so that
	// references to it are not reported as well.
	r := &resourceDecl{id: e.key, index: index, loc: at, node: n}
	if n.kind != Mapping {
		p.add(d.loc(n), "resource %s must be a mapping with at least a Type", clip(e.key))
		return r
	}
	for i := range n.entries {
		a := &n.entries[i]
		if resourceAttributes[a.key] {
			continue
		}
		if d.opaque != "" || d.serverless {
			// Transforms take attributes of their own (SAM's Connectors).
			continue
		}
		p.add(d.keyLoc(a), "resource %s has unknown attribute %s (want Type, Properties, DependsOn, Condition, Metadata, DeletionPolicy, UpdateReplacePolicy, CreationPolicy or UpdatePolicy)", clip(e.key), quote(a.key))
	}
	typeNode := n.Get("Type")
	typ, ok := typeNode.Str()
	switch {
	case typeNode == nil:
		p.add(at, "resource %s has no Type", clip(e.key))
		return r
	case !ok || typ == "":
		p.add(d.loc(typeNode), "resource %s: Type must be a resource type name such as AWS::S3::Bucket", clip(e.key))
		return r
	}
	r.typ = typ
	r.schema, r.hasSchema = lookupSchema(typ)
	r.transformed = d.opaque != "" || (d.serverless && len(typ) > 17 && typ[:17] == "AWS::Serverless::")
	if r.transformed {
		r.hasSchema = false
	}
	if props := n.Get("Properties"); props != nil && props.kind != Null {
		if props.kind != Mapping {
			if _, _, fn := props.intrinsic(); !fn {
				p.add(d.loc(props), "resource %s: Properties must be a mapping", clip(e.key))
			}
		}
		r.props = props
	}
	if c := n.Get("Condition"); c != nil {
		name, ok := c.Str()
		if !ok {
			p.add(d.loc(c), "resource %s: Condition must name a condition", clip(e.key))
		}
		r.cond = name
	}
	if dep := n.Get("DependsOn"); dep != nil {
		items := []*Node{dep}
		if dep.kind == Sequence {
			items = dep.items
		}
		for _, it := range items {
			name, ok := it.Str()
			if !ok {
				p.add(d.loc(it), "resource %s: DependsOn must be a logical id or a list of them", clip(e.key))
				continue
			}
			r.dependsOn = append(r.dependsOn, name)
		}
	}
	r.deletionPolicy = d.policy(n, "DeletionPolicy", e.key, p)
	r.replacePolicy = d.policy(n, "UpdateReplacePolicy", e.key, p)
	for _, key := range []string{"Metadata", "CreationPolicy", "UpdatePolicy"} {
		if v := n.Get(key); v != nil && v.kind != Mapping {
			if _, _, fn := v.intrinsic(); !fn {
				p.add(d.loc(v), "resource %s: %s must be a mapping", clip(e.key), key)
			}
		}
	}
	return r
}

// policy reads DeletionPolicy or UpdateReplacePolicy: a literal, or with
// AWS::LanguageExtensions an intrinsic function resolved later.
func (d *Document) policy(n *Node, key, id string, p *problems) *Node {
	v := n.Get(key)
	if v == nil {
		return nil
	}
	if s, ok := v.Str(); ok {
		if !deletionPolicies[s] {
			p.add(d.loc(v), "resource %s: %s must be Delete, Retain, RetainExceptOnCreate or Snapshot, not %s", clip(id), key, quote(s))
		}
		return v
	}
	if _, _, fn := v.intrinsic(); fn {
		if d.langExt {
			return v
		}
		p.add(d.loc(v), "resource %s: %s can be computed only with Transform: AWS::LanguageExtensions", clip(id), key)
		return nil
	}
	p.add(d.loc(v), "resource %s: %s must be Delete, Retain, RetainExceptOnCreate or Snapshot", clip(id), key)
	return nil
}

// resource resolves one resource and adds it to the template if created.
func (r *resolver) resource(decl *resourceDecl, plan *Plan) {
	res := &qualstate.Resource{
		Type: decl.typ, LogicalID: decl.id, Condition: decl.cond, DependsOn: decl.dependsOn,
		Loc: decl.loc, Properties: map[string]any{}, PropertyLocs: make(map[string]qualstate.Location, decl.propNodes),
		ConditionUnknown: r.why[decl.id],
	}
	st := r.status[decl.id]
	r.what, r.soft, r.locs, r.deps, r.included = "resource "+decl.id, st == absent, res.PropertyLocs, nil, nil
	if decl.props != nil {
		switch v := r.resolve(decl.props, "", true).(type) {
		case map[string]any:
			res.Properties = v
		case *qualstate.Unknown:
			// What the properties are is unknown, so whatever a check
			// finds in them is too.
			res.PropertiesUnknown = v
		case nil, noValue:
		default:
			r.fail(decl.props, "Properties must be a mapping, not %s", describe(v))
		}
	}
	res.DeletionPolicy = r.policy(decl.deletionPolicy)
	res.UpdateReplacePolicy = r.policy(decl.replacePolicy)
	for _, dep := range decl.dependsOn {
		r.depend(dep, decl.node.Get("DependsOn"))
	}
	deps := r.deps
	r.locs = nil
	if decl.transformed && r.doc.opaque != "" && res.PropertiesUnknown == nil {
		res.PropertiesUnknown = &qualstate.Unknown{Reason: "transform " + r.doc.opaque + " (not expanded here) may rewrite it", Loc: decl.loc}
	}
	if r.included != nil {
		res.Unvalidated = fmt.Sprintf("%s at line %d: properties not validated", r.included.Reason, r.included.Loc.Line)
		if res.PropertiesUnknown == nil {
			res.PropertiesUnknown = r.included
		}
	} else {
		r.validate(decl, res, st != absent)
	}
	if st == absent {
		return
	}
	// References from Metadata and policies order creation too, though
	// their values are not part of the resource model.
	for _, dep := range decl.otherDeps {
		if r.status[dep] != absent && !slices.Contains(deps, dep) {
			deps = append(deps, dep)
		}
	}
	plan.DependsOn[decl.id] = deps
	r.tpl.Resources = append(r.tpl.Resources, res)
}

// policy resolves DeletionPolicy or UpdateReplacePolicy; absent is Delete.
func (r *resolver) policy(n *Node) string {
	if n == nil {
		return "Delete"
	}
	v := r.resolve(n, "", false)
	s, ok := v.(string)
	if !ok {
		if u, isUnknown := v.(*qualstate.Unknown); isUnknown {
			r.diag(qualstate.SeverityNote, "policy-unknown", r.doc.loc(n), r.logicalID(), "the policy depends on "+u.Reason)
			return ""
		}
		r.fail(n, "the policy must resolve to Delete, Retain, RetainExceptOnCreate or Snapshot, not %s", describe(v))
		return ""
	}
	if !deletionPolicies[s] {
		r.fail(n, "the policy must be Delete, Retain, RetainExceptOnCreate or Snapshot, not %s", quote(s))
	}
	return s
}
