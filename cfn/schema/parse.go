package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"qualstate"
	"qualstate/cfn/schema/internal/jsonpos"
)

// Parse reads a CloudFormation resource provider schema, such as
// `aws cloudformation describe-type` returns for a private or third-party
// type. Errors are *qualstate.Error with code invalid-input, naming file
// (the name given), line, column and the JSON pointer of the problem.
func Parse(file string, doc []byte) (*Schema, error) {
	p := &parser{file: file, doc: doc}
	return p.document()
}

// parser builds a Schema from one document, collecting the nodes whose
// $ref is resolved once the whole tree exists.
type parser struct {
	file string
	doc  []byte
	refs []*node
	root *node
}

// fail returns an error located at the value the JSON pointer names.
func (p *parser) fail(pointer, format string, args ...any) error {
	line, col := jsonpos.LineCol(p.doc, jsonpos.Locate(p.doc, pointer))
	msg := fmt.Sprintf(format, args...)
	if pointer != "" {
		msg = pointer + ": " + msg
	}
	return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: p.file, Line: line, Column: col}, "%s", msg)
}

func (p *parser) document() (*Schema, error) {
	dec := json.NewDecoder(bytes.NewReader(p.doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		line, col := jsonpos.LineCol(p.doc, jsonpos.ErrorOffset(p.doc, err))
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: p.file, Line: line, Column: col},
			"invalid JSON: %w", err)
	}
	if end := jsonpos.SkipSpace(p.doc, dec.InputOffset()); end < int64(len(p.doc)) {
		line, col := jsonpos.LineCol(p.doc, end)
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: p.file, Line: line, Column: col},
			"invalid JSON: more than one value")
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, p.fail("", "a resource provider schema is a JSON object, got %s", describeJSON(v))
	}
	s := &Schema{}
	if s.TypeName, ok = top["typeName"].(string); !ok || s.TypeName == "" {
		return nil, p.fail("/typeName", "typeName must be a non-empty string, got %s", describeJSON(top["typeName"]))
	}
	root, err := p.node(top, "")
	if err != nil {
		return nil, err
	}
	p.root = root
	if root.types == 0 {
		root.types = kindObject
	}
	// CloudFormation's handlers reject properties their schema does not
	// name, whatever JSON Schema's default, so a resource's properties are
	// closed unless the schema opens them explicitly.
	if _, given := top["additionalProperties"]; !given {
		root.closed = true
	}
	if defs, ok := top["definitions"]; ok {
		m, ok := defs.(map[string]any)
		if !ok {
			return nil, p.fail("/definitions", "definitions must be an object, got %s", describeJSON(defs))
		}
		root.definitions = make(map[string]*node, len(m))
		for name, d := range m {
			n, err := p.node(d, "/definitions/"+escapePointer(name))
			if err != nil {
				return nil, err
			}
			root.definitions[name] = n
		}
	}
	if err := p.link(); err != nil {
		return nil, err
	}
	s.root = root
	if err := p.metadata(s, top); err != nil {
		return nil, err
	}
	s.index()
	return s, nil
}

// node compiles one schema node and, depth first, the schemas inside it.
func (p *parser) node(v any, at string) (*node, error) {
	m, ok := v.(map[string]any)
	if !ok {
		if b, isBool := v.(bool); isBool {
			// A boolean schema: true admits anything, false nothing.
			n := newNode(at)
			if !b {
				n.not = newNode(at)
			}
			return n, nil
		}
		return nil, p.fail(at, "a schema is a JSON object, got %s", describeJSON(v))
	}
	n := newNode(at)
	var err error
	for key, value := range m {
		kat := at + "/" + escapePointer(key)
		switch key {
		case "type":
			n.types, err = p.types(value, kat)
		case "$ref":
			ref, isString := value.(string)
			if !isString || !strings.HasPrefix(ref, "#") {
				return nil, p.fail(kat, "$ref must be a string naming a place in this document (#/definitions/…), got %s", describeJSON(value))
			}
			n.ref = ref
			p.refs = append(p.refs, n)
		case "properties":
			n.properties, err = p.schemaMap(value, kat)
		case "patternProperties":
			var props map[string]*node
			props, err = p.schemaMap(value, kat)
			for _, src := range sortedKeys(props) {
				n.patternProperties = append(n.patternProperties, patternProperty{pattern: src, schema: props[src]})
			}
		case "additionalProperties":
			switch a := value.(type) {
			case bool:
				n.closed = !a
			default:
				n.additional, err = p.node(value, kat)
			}
		case "required":
			n.required, err = p.strings(value, kat)
		case "dependencies":
			err = p.dependencies(n, value, kat)
		case "minProperties":
			n.minProperties, err = p.count(value, kat)
		case "maxProperties":
			n.maxProperties, err = p.count(value, kat)
		case "enum":
			list, isList := value.([]any)
			if !isList {
				return nil, p.fail(kat, "enum must be an array, got %s", describeJSON(value))
			}
			n.enum = normalizeJSON(list).([]any)
		case "const":
			n.constant, n.hasConst = normalizeJSON(value), true
		case "default":
			n.def, n.hasDefault = normalizeJSON(value), true
		case "format":
			n.format, _ = value.(string)
		case "pattern":
			src, isString := value.(string)
			if !isString {
				return nil, p.fail(kat, "pattern must be a string, got %s", describeJSON(value))
			}
			n.pattern, n.hasPattern = src, true
		case "minLength":
			n.minLength, err = p.count(value, kat)
		case "maxLength":
			n.maxLength, err = p.count(value, kat)
		case "minimum":
			n.minimum, err = p.bound(value, kat)
		case "maximum":
			n.maximum, err = p.bound(value, kat)
		case "exclusiveMinimum", "exclusiveMaximum":
			err = p.exclusive(n, key, value, m, kat)
		case "multipleOf":
			var b bound
			b, err = p.bound(value, kat)
			if err == nil && b.v <= 0 {
				err = p.fail(kat, "multipleOf must be greater than 0, got %v", b.v)
			}
			n.multipleOf = b.v
		case "items":
			if list, isList := value.([]any); isList {
				n.tuple, err = p.schemaList(list, kat)
			} else {
				n.items, err = p.node(value, kat)
			}
		case "minItems":
			n.minItems, err = p.count(value, kat)
		case "maxItems":
			n.maxItems, err = p.count(value, kat)
		case "uniqueItems":
			n.uniqueItems, err = p.boolean(value, kat)
		case "insertionOrder":
			var ordered bool
			ordered, err = p.boolean(value, kat)
			n.unordered = !ordered
		case "oneOf", "anyOf", "allOf":
			list, isList := value.([]any)
			if !isList || len(list) == 0 {
				return nil, p.fail(kat, "%s must be a non-empty array of schemas, got %s", key, describeJSON(value))
			}
			var branches []*node
			branches, err = p.schemaList(list, kat)
			switch key {
			case "oneOf":
				n.oneOf = branches
			case "anyOf":
				n.anyOf = branches
			default:
				n.allOf = branches
			}
		case "not":
			n.not, err = p.node(value, kat)
		}
		if err != nil {
			return nil, err
		}
	}
	n.inferObject()
	return n, nil
}

func (p *parser) types(v any, at string) (kind, error) {
	one := func(name any, at string) (kind, error) {
		for _, kn := range kindNames {
			if name == kn.name {
				return kn.k, nil
			}
		}
		what := describeJSON(name)
		if s, isString := name.(string); isString {
			what = strconv.Quote(s)
		}
		return 0, p.fail(at, "unknown type %s (want object, array, string, integer, number, boolean or null)", what)
	}
	list, isList := v.([]any)
	if !isList {
		return one(v, at)
	}
	if len(list) == 0 {
		return 0, p.fail(at, "type must name at least one type")
	}
	var k kind
	for i, name := range list {
		t, err := one(name, at+"/"+strconv.Itoa(i))
		if err != nil {
			return 0, err
		}
		k |= t
	}
	return k, nil
}

func (p *parser) schemaMap(v any, at string) (map[string]*node, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, p.fail(at, "must be an object of schemas, got %s", describeJSON(v))
	}
	out := make(map[string]*node, len(m))
	for name, sub := range m {
		n, err := p.node(sub, at+"/"+escapePointer(name))
		if err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, nil
}

func (p *parser) schemaList(list []any, at string) ([]*node, error) {
	out := make([]*node, len(list))
	for i, sub := range list {
		n, err := p.node(sub, at+"/"+strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func (p *parser) dependencies(n *node, v any, at string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return p.fail(at, "dependencies must be an object, got %s", describeJSON(v))
	}
	for name, dep := range m {
		dat := at + "/" + escapePointer(name)
		if _, isList := dep.([]any); isList {
			names, err := p.strings(dep, dat)
			if err != nil {
				return err
			}
			if n.dependencies == nil {
				n.dependencies = map[string][]string{}
			}
			n.dependencies[name] = names
			continue
		}
		sub, err := p.node(dep, dat)
		if err != nil {
			return err
		}
		if n.dependencySchemas == nil {
			n.dependencySchemas = map[string]*node{}
		}
		n.dependencySchemas[name] = sub
	}
	return nil
}

func (p *parser) strings(v any, at string) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, p.fail(at, "must be an array of strings, got %s", describeJSON(v))
	}
	out := make([]string, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, p.fail(at+"/"+strconv.Itoa(i), "must be a string, got %s", describeJSON(item))
		}
		out[i] = s
	}
	return out, nil
}

func (p *parser) count(v any, at string) (int, error) {
	if num, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(num.String(), 10, 64); err == nil && i >= 0 && i <= math.MaxInt32 {
			return int(i), nil
		}
		if f, err := num.Float64(); err == nil && f >= 0 && f <= math.MaxInt32 && f == math.Trunc(f) {
			return int(f), nil
		}
	}
	return 0, p.fail(at, "must be a non-negative integer, got %s", describeJSON(v))
}

func (p *parser) bound(v any, at string) (bound, error) {
	if num, ok := v.(json.Number); ok {
		if f, err := num.Float64(); err == nil && !math.IsInf(f, 0) {
			return bound{v: f, set: true}, nil
		}
	}
	return bound{}, p.fail(at, "must be a number, got %s", describeJSON(v))
}

// exclusive reads exclusiveMinimum/exclusiveMaximum in draft-07's form (a
// number) and in draft-04's (a boolean that makes minimum/maximum strict).
func (p *parser) exclusive(n *node, key string, v any, m map[string]any, at string) error {
	limit := "minimum"
	target := &n.exclusiveMinimum
	if key == "exclusiveMaximum" {
		limit, target = "maximum", &n.exclusiveMaximum
	}
	if strict, ok := v.(bool); ok {
		if strict {
			b, err := p.bound(m[limit], strings.TrimSuffix(at, key)+limit)
			if err != nil {
				return err
			}
			*target = b
		}
		return nil
	}
	b, err := p.bound(v, at)
	*target = b
	return err
}

func (p *parser) boolean(v any, at string) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, p.fail(at, "must be true or false, got %s", describeJSON(v))
	}
	return b, nil
}

// link resolves every $ref. A chain of references that comes back to
// where it started describes nothing (the registry ships such a definition,
// unused, in AWS::EC2::VerifiedAccessTrustProvider): its nodes admit any
// value rather than send validation round the loop for ever.
func (p *parser) link() error {
	for _, n := range p.refs {
		target, ok := p.resolve(n.ref)
		if !ok {
			return p.fail(n.at+"/$ref", "%s does not name a schema in this document", n.ref)
		}
		n.target = target
	}
	for _, n := range p.refs {
		seen := map[*node]bool{}
		for t := n; t != nil; t = t.target {
			if seen[t] {
				for c := range seen {
					c.target = nil
				}
				break
			}
			seen[t] = true
		}
	}
	return nil
}

// resolve follows a $ref such as "#/definitions/Tag" or
// "#/properties/Arn" through the compiled tree.
func (p *parser) resolve(ref string) (*node, bool) {
	frag := strings.TrimPrefix(ref, "#")
	if unescaped, err := url.PathUnescape(frag); err == nil {
		frag = unescaped
	}
	if frag == "" {
		return p.root, true
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, false
	}
	segs := strings.Split(frag[1:], "/")
	for i := range segs {
		segs[i] = unescapePointer(segs[i])
	}
	n := p.root
	for len(segs) > 0 && n != nil {
		key := segs[0]
		segs = segs[1:]
		var next *node
		switch key {
		case "items", "additionalProperties", "not":
			switch key {
			case "items":
				next = n.items
				if n.tuple != nil && len(segs) > 0 {
					if i, err := strconv.Atoi(segs[0]); err == nil && i >= 0 && i < len(n.tuple) {
						next, segs = n.tuple[i], segs[1:]
					}
				}
			case "additionalProperties":
				next = n.additional
			default:
				next = n.not
			}
		case "definitions", "properties", "patternProperties", "dependencies", "oneOf", "anyOf", "allOf":
			if len(segs) == 0 {
				return nil, false
			}
			name := segs[0]
			segs = segs[1:]
			switch key {
			case "definitions":
				next = n.definitions[name]
			case "properties":
				next = n.properties[name]
			case "patternProperties":
				for _, pp := range n.patternProperties {
					if pp.pattern == name {
						next = pp.schema
					}
				}
			case "dependencies":
				next = n.dependencySchemas[name]
			default:
				branches := map[string][]*node{"oneOf": n.oneOf, "anyOf": n.anyOf, "allOf": n.allOf}[key]
				if i, err := strconv.Atoi(name); err == nil && i >= 0 && i < len(branches) {
					next = branches[i]
				}
			}
		}
		n = next
	}
	return n, n != nil
}
