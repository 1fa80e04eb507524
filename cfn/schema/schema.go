package schema

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Schema is a resource type's provider schema: the JSON Schema of its
// properties and what the registry says about them. A Schema is immutable
// and safe for concurrent use.
type Schema struct {
	// TypeName is the resource type, e.g. AWS::S3::Bucket.
	TypeName string

	root *node

	primaryIdentifier     []string
	additionalIdentifiers [][]string
	readOnly              []string
	writeOnly             []string
	createOnly            []string
	deprecated            []string
	conditionalCreateOnly []string
	propertyTransform     map[string]string
	tagging               *Tagging
	permissions           map[string][]string
	replacementStrategy   string

	attributes   []string
	attributeSet map[string]bool
	// readOnlyTree holds readOnlyProperties as paths into the property
	// values, so a walk over them can tell where a read-only one is written.
	readOnlyTree *pathTree
}

// Tagging is what the schema says about the type's tags.
type Tagging struct {
	Taggable     bool `json:"taggable"`
	TagOnCreate  bool `json:"tagOnCreate"`
	TagUpdatable bool `json:"tagUpdatable"`
	// CloudFormationSystemTags says whether the aws:cloudformation:* tags
	// are applied to the resource.
	CloudFormationSystemTags bool `json:"cloudFormationSystemTags"`
	// TagProperty is the JSON pointer of the tags, e.g. "/properties/Tags".
	TagProperty string `json:"tagProperty"`
	// Permissions are the IAM actions tagging needs.
	Permissions []string `json:"permissions"`
}

// PrimaryIdentifier lists the JSON pointers of the properties that identify
// a live resource, e.g. ["/properties/BucketName"]; Cloud Control joins
// their values with "|".
func (s *Schema) PrimaryIdentifier() []string { return clone(s.primaryIdentifier) }

// AdditionalIdentifiers lists other sets of properties that identify a
// resource, each as JSON pointers.
func (s *Schema) AdditionalIdentifiers() [][]string {
	out := make([][]string, len(s.additionalIdentifiers))
	for i, set := range s.additionalIdentifiers {
		out[i] = clone(set)
	}
	return out
}

// ReadOnlyProperties lists, as JSON pointers, the properties the service
// sets (Arn, Id, …), which a template cannot.
func (s *Schema) ReadOnlyProperties() []string { return clone(s.readOnly) }

// WriteOnlyProperties lists, as JSON pointers, the properties accepted on
// write but never returned on read (passwords and the like).
func (s *Schema) WriteOnlyProperties() []string { return clone(s.writeOnly) }

// CreateOnlyProperties lists, as JSON pointers, the properties whose
// change replaces the resource.
func (s *Schema) CreateOnlyProperties() []string { return clone(s.createOnly) }

// DeprecatedProperties lists, as JSON pointers, properties the type still
// accepts but no longer recommends.
func (s *Schema) DeprecatedProperties() []string { return clone(s.deprecated) }

// ConditionalCreateOnlyProperties lists, as JSON pointers, the properties
// whose change may replace the resource, depending on the change.
func (s *Schema) ConditionalCreateOnlyProperties() []string { return clone(s.conditionalCreateOnly) }

// PropertyTransform maps JSON pointers to the expressions (JSONata) with
// which the service rewrites a written value before returning it, so a
// comparison can tell a rewrite from a change.
func (s *Schema) PropertyTransform() map[string]string {
	out := make(map[string]string, len(s.propertyTransform))
	for k, v := range s.propertyTransform {
		out[k] = v
	}
	return out
}

// Tagging returns what the schema says about tags; ok is false when it
// says nothing.
func (s *Schema) Tagging() (t Tagging, ok bool) {
	if s.tagging == nil {
		return Tagging{}, false
	}
	t = *s.tagging
	t.Permissions = clone(t.Permissions)
	return t, true
}

// HandlerPermissions lists the IAM actions the type's handler needs for an
// operation: "create", "read", "update", "delete" or "list".
func (s *Schema) HandlerPermissions(operation string) []string {
	return clone(s.permissions[operation])
}

// ReplacementStrategy is "create_then_delete" (CloudFormation's default
// when the schema says nothing) or "delete_then_create".
func (s *Schema) ReplacementStrategy() string {
	if s.replacementStrategy == "" {
		return "create_then_delete"
	}
	return s.replacementStrategy
}

// Required lists the top-level properties the schema requires.
func (s *Schema) Required() []string { return clone(s.root.required) }

// HasProperty reports whether the type has a top-level property of the
// name.
func (s *Schema) HasProperty(name string) bool {
	_, ok := s.root.properties[name]
	return ok
}

// Defaults returns the default value the schema gives each top-level
// property that has one (copies, free to change).
func (s *Schema) Defaults() map[string]any {
	out := map[string]any{}
	for name, n := range s.root.properties {
		if n.hasDefault {
			out[name] = deepCopy(n.def)
		} else if n.target != nil && n.target.hasDefault {
			out[name] = deepCopy(n.target.def)
		}
	}
	return out
}

// Attributes lists what Fn::GetAtt may read: the read-only properties in
// GetAtt's dotted form ("Arn", "MetadataTableConfiguration.S3TablesDestination.TableArn"),
// in the schema's order, then the attributes CloudFormation documents for
// the type beyond them. Read-only properties inside arrays have no GetAtt
// form and are left out.
func (s *Schema) Attributes() []string { return clone(s.attributes) }

// HasAttribute reports whether Fn::GetAtt Resource.<name> is valid for the
// type. Beneath an attribute that is a map, any key is accepted, and
// beneath one that is a list, one more name (a nested stack's
// Outputs.<OutputName>): such names are known only after deployment.
func (s *Schema) HasAttribute(name string) bool {
	if s.attributeSet[name] {
		return true
	}
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		prefix, rest := name[:i], name[i+1:]
		if !s.attributeSet[prefix] {
			continue
		}
		n := s.propertyNode(strings.Split(prefix, "."))
		if n == nil || rest == "" {
			return false
		}
		n = resolveRef(n)
		isMap := n.types&kindObject != 0 && len(n.properties) == 0
		isList := n.types&kindArray != 0 && !strings.Contains(rest, ".")
		return isMap || isList
	}
	return false
}

// propertyNode finds the schema of a property by its path of names,
// looking through $ref.
func (s *Schema) propertyNode(path []string) *node {
	n := s.root
	for _, name := range path {
		n = resolveRef(n)
		next, ok := n.properties[name]
		if !ok {
			return nil
		}
		n = next
	}
	return n
}

// resolveRef follows a node's $ref chain to the schema that describes the
// value; the parser refuses chains that loop.
func resolveRef(n *node) *node {
	for n.target != nil && len(n.properties) == 0 {
		n = n.target
	}
	return n
}

// metadata reads the registry's keys beside the JSON Schema.
func (p *parser) metadata(s *Schema, top map[string]any) error {
	lists := []struct {
		key string
		dst *[]string
	}{
		{"primaryIdentifier", &s.primaryIdentifier},
		{"readOnlyProperties", &s.readOnly},
		{"writeOnlyProperties", &s.writeOnly},
		{"createOnlyProperties", &s.createOnly},
		{"deprecatedProperties", &s.deprecated},
		{"conditionalCreateOnlyProperties", &s.conditionalCreateOnly},
	}
	for _, l := range lists {
		if v, ok := top[l.key]; ok {
			list, err := p.strings(v, "/"+l.key)
			if err != nil {
				return err
			}
			*l.dst = list
		}
	}
	if v, ok := top["additionalIdentifiers"]; ok {
		sets, isList := v.([]any)
		if !isList {
			return p.fail("/additionalIdentifiers", "must be an array of arrays of JSON pointers, got %s", describeJSON(v))
		}
		for i, set := range sets {
			list, err := p.strings(set, "/additionalIdentifiers/"+strconv.Itoa(i))
			if err != nil {
				return err
			}
			s.additionalIdentifiers = append(s.additionalIdentifiers, list)
		}
	}
	if v, ok := top["propertyTransform"]; ok {
		m, isMap := v.(map[string]any)
		if !isMap {
			return p.fail("/propertyTransform", "must be an object of strings, got %s", describeJSON(v))
		}
		s.propertyTransform = make(map[string]string, len(m))
		for k, expr := range m {
			str, isString := expr.(string)
			if !isString {
				return p.fail("/propertyTransform/"+escapePointer(k), "must be a string, got %s", describeJSON(expr))
			}
			s.propertyTransform[k] = str
		}
	}
	if v, ok := top["tagging"]; ok {
		raw, err := json.Marshal(v)
		if err == nil {
			var t Tagging
			// Defaults are the registry's: a type that describes tagging
			// without saying otherwise is taggable on create and update.
			t.Taggable, t.TagOnCreate, t.TagUpdatable, t.CloudFormationSystemTags = true, true, true, true
			err = json.Unmarshal(raw, &t)
			s.tagging = &t
		}
		if err != nil {
			return p.fail("/tagging", "%v", err)
		}
	} else if taggable, ok := top["taggable"].(bool); ok {
		s.tagging = &Tagging{Taggable: taggable, TagOnCreate: taggable, TagUpdatable: taggable}
	}
	if v, ok := top["handlers"]; ok {
		handlers, isMap := v.(map[string]any)
		if !isMap {
			return p.fail("/handlers", "must be an object, got %s", describeJSON(v))
		}
		s.permissions = map[string][]string{}
		for op, h := range handlers {
			hm, _ := h.(map[string]any)
			if perms, ok := hm["permissions"]; ok {
				list, err := p.strings(perms, "/handlers/"+escapePointer(op)+"/permissions")
				if err != nil {
					return err
				}
				s.permissions[op] = list
			}
		}
	}
	if v, ok := top["replacementStrategy"]; ok {
		str, isString := v.(string)
		if !isString {
			return p.fail("/replacementStrategy", "must be a string, got %s", describeJSON(v))
		}
		s.replacementStrategy = str
	}
	return nil
}

// index derives the GetAtt attributes and the read-only tree.
func (s *Schema) index() {
	s.attributeSet = map[string]bool{}
	s.readOnlyTree = &pathTree{}
	for _, pointer := range s.readOnly {
		segs := splitPointer(pointer)
		if len(segs) < 2 || segs[0] != "properties" {
			continue
		}
		path := segs[1:]
		s.readOnlyTree.add(path)
		attr := strings.Join(path, ".")
		if strings.Contains(pointer, "/*") || s.attributeSet[attr] {
			continue
		}
		s.attributes = append(s.attributes, attr)
		s.attributeSet[attr] = true
	}
	for _, attr := range legacyAttributes[s.TypeName] {
		if !s.attributeSet[attr] {
			s.attributes = append(s.attributes, attr)
			s.attributeSet[attr] = true
		}
	}
}

// pathTree is a set of paths into property values, where "*" stands for
// any array index.
type pathTree struct {
	leaf     bool
	children map[string]*pathTree
}

func (t *pathTree) add(path []string) {
	for _, seg := range path {
		if t.children == nil {
			t.children = map[string]*pathTree{}
		}
		next, ok := t.children[seg]
		if !ok {
			next = &pathTree{}
			t.children[seg] = next
		}
		t = next
	}
	t.leaf = true
}

// child steps into a property (name) or an array item (index true).
func (t *pathTree) child(name string, index bool) *pathTree {
	if t == nil {
		return nil
	}
	if index {
		name = "*"
	}
	return t.children[name]
}

func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}

// deepCopy copies a JSON value so a caller's changes cannot reach the
// schema.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = deepCopy(item)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = deepCopy(item)
		}
		return out
	}
	return v
}

// InsertionOrder reports whether the order of the array at a JSON pointer
// into the properties ("/Tags", "/Rules/0/Transitions") matters. Where the
// schema says insertionOrder: false the service may return the items in
// another order, so comparing a template with a live resource must not
// count a reordering as a change. It is true where the schema does not
// say, or does not describe the pointer.
func (s *Schema) InsertionOrder(pointer string) bool {
	budget := maxSteps
	n := s.nodeAt(s.root, splitPointer(pointer), 0, &budget)
	return n == nil || !n.unordered
}

// nodeAt finds the schema describing the value at a path of segments,
// through $ref and, when the path leads into alternatives, the first
// alternative that describes it.
func (s *Schema) nodeAt(n *node, path []string, depth int, budget *int) *node {
	if n == nil || *budget <= 0 || depth > maxDepth {
		return nil
	}
	*budget--
	n = resolveTarget(n)
	if len(path) == 0 {
		return n
	}
	seg, rest := path[0], path[1:]
	var next *node
	if _, err := strconv.Atoi(seg); err == nil && (n.items != nil || n.tuple != nil) {
		next = n.items
		if i, _ := strconv.Atoi(seg); i < len(n.tuple) {
			next = n.tuple[i]
		}
	} else if p, ok := n.properties[seg]; ok {
		next = p
	} else {
		for _, pp := range n.patternProperties {
			if re := compiledPattern(pp.pattern); re != nil && re.MatchString(seg) {
				next = pp.schema
				break
			}
		}
		if next == nil {
			next = n.additional
		}
	}
	if found := s.nodeAt(next, rest, depth+1, budget); found != nil {
		return found
	}
	for _, branches := range [][]*node{n.allOf, n.oneOf, n.anyOf} {
		for _, b := range branches {
			if found := s.nodeAt(b, path, depth+1, budget); found != nil {
				return found
			}
		}
	}
	return nil
}
