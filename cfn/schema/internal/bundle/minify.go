package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"qualstate/cfn/schema/internal/jsonpos"
)

// Keywords of a provider schema's top level that are kept besides those of
// a schema node: identifiers and property lists, tagging, the permissions
// each handler needs, and how the service rewrites values on read.
var documentKeys = map[string]bool{
	"typeName":                        true,
	"definitions":                     true,
	"primaryIdentifier":               true,
	"additionalIdentifiers":           true,
	"readOnlyProperties":              true,
	"writeOnlyProperties":             true,
	"createOnlyProperties":            true,
	"deprecatedProperties":            true,
	"conditionalCreateOnlyProperties": true,
	"propertyTransform":               true,
	"tagging":                         true,
	"taggable":                        true,
	"handlers":                        true,
	"replacementStrategy":             true,
}

// Keywords of a schema node that validation, coercion and the sandbox
// read; the rest (description, title, examples, links) only documents.
var nodeKeys = map[string]bool{
	"type": true, "$ref": true,
	"properties": true, "patternProperties": true, "additionalProperties": true,
	"required": true, "dependencies": true, "minProperties": true, "maxProperties": true,
	"enum": true, "const": true, "default": true, "format": true,
	"pattern": true, "minLength": true, "maxLength": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true,
	"items": true, "additionalItems": true, "minItems": true, "maxItems": true,
	"uniqueItems": true, "insertionOrder": true,
	"oneOf": true, "anyOf": true, "allOf": true, "not": true,
}

// Error is a problem in one schema file, with where it is.
type Error struct {
	Line, Column int
	Pointer      string // JSON pointer to the offending value, if known
	Msg          string
}

// Error renders "line:col: pointer: message", leaving out what is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	}
	if e.Pointer != "" {
		b.WriteString(e.Pointer + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Minify parses a provider schema and returns its type name and the schema
// cut down to what qualstate reads, as compact JSON on one line with keys
// sorted, numbers written as in the source. Errors are *Error.
func Minify(doc []byte) (string, []byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		line, col := jsonpos.LineCol(doc, jsonpos.ErrorOffset(doc, err))
		return "", nil, &Error{Line: line, Column: col, Msg: "invalid JSON: " + err.Error()}
	}
	if end := jsonpos.SkipSpace(doc, dec.InputOffset()); end < int64(len(doc)) {
		line, col := jsonpos.LineCol(doc, end)
		return "", nil, &Error{Line: line, Column: col, Msg: "invalid JSON: more than one value"}
	}
	fail := func(pointer, format string, args ...any) (string, []byte, error) {
		line, col := jsonpos.LineCol(doc, jsonpos.Locate(doc, pointer))
		return "", nil, &Error{Line: line, Column: col, Pointer: pointer, Msg: fmt.Sprintf(format, args...)}
	}
	top, ok := v.(map[string]any)
	if !ok {
		return fail("", "a provider schema is a JSON object")
	}
	name, _ := top["typeName"].(string)
	if !typeNamePattern.MatchString(name) {
		return fail("/typeName", "typeName must be of the form Organization::Service::Resource, got %s", describe(top["typeName"]))
	}
	out, pointer, err := minifyDocument(top)
	if err != nil {
		return fail(pointer, "%s", err.Error())
	}
	if fix := templateFixes[name]; fix != nil {
		fix(out)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return "", nil, &Error{Msg: err.Error()}
	}
	return name, bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// minifyDocument keeps the top-level keys qualstate reads; on error it
// returns the JSON pointer of the offending value.
func minifyDocument(top map[string]any) (map[string]any, string, error) {
	out, pointer, err := minifyNode(top, "")
	if err != nil {
		return nil, pointer, err
	}
	for key, value := range top {
		if !documentKeys[key] {
			continue
		}
		switch key {
		case "definitions":
			defs, ok := value.(map[string]any)
			if !ok {
				return nil, "/definitions", fmt.Errorf("definitions must be an object, got %s", describe(value))
			}
			kept := make(map[string]any, len(defs))
			for name, def := range defs {
				n, pointer, err := minifyNode(def, "/definitions/"+escape(name))
				if err != nil {
					return nil, pointer, err
				}
				kept[name] = n
			}
			out[key] = kept
		case "handlers":
			handlers, ok := value.(map[string]any)
			if !ok {
				return nil, "/handlers", fmt.Errorf("handlers must be an object, got %s", describe(value))
			}
			kept := make(map[string]any, len(handlers))
			for name, h := range handlers {
				hm, _ := h.(map[string]any)
				if perms, ok := hm["permissions"]; ok {
					kept[name] = map[string]any{"permissions": perms}
				}
			}
			out[key] = kept
		default:
			out[key] = value
		}
	}
	return out, "", nil
}

// minifyNode keeps a schema node's validation keywords, recursing into the
// keywords whose values are schemas. Property names are data, not
// keywords, so a property called "description" survives.
func minifyNode(v any, pointer string) (map[string]any, string, error) {
	n, ok := v.(map[string]any)
	if !ok {
		return nil, pointer, fmt.Errorf("a schema is a JSON object, got %s", describe(v))
	}
	out := make(map[string]any, len(n))
	for key, value := range n {
		if !nodeKeys[key] {
			continue
		}
		at := pointer + "/" + escape(key)
		switch key {
		case "properties", "patternProperties":
			m, ok := value.(map[string]any)
			if !ok {
				return nil, at, fmt.Errorf("%s must be an object, got %s", key, describe(value))
			}
			kept := make(map[string]any, len(m))
			for name, sub := range m {
				s, p, err := minifyNode(sub, at+"/"+escape(name))
				if err != nil {
					return nil, p, err
				}
				kept[name] = s
			}
			out[key] = kept
		case "dependencies":
			m, ok := value.(map[string]any)
			if !ok {
				return nil, at, fmt.Errorf("dependencies must be an object, got %s", describe(value))
			}
			kept := make(map[string]any, len(m))
			for name, dep := range m {
				if list, isList := dep.([]any); isList {
					kept[name] = list
					continue
				}
				s, p, err := minifyNode(dep, at+"/"+escape(name))
				if err != nil {
					return nil, p, err
				}
				kept[name] = s
			}
			out[key] = kept
		case "items", "additionalItems", "additionalProperties", "not":
			switch sub := value.(type) {
			case bool:
				out[key] = sub
			case []any:
				if key != "items" {
					return nil, at, fmt.Errorf("%s must be a schema, got %s", key, describe(value))
				}
				list, p, err := minifyList(sub, at)
				if err != nil {
					return nil, p, err
				}
				out[key] = list
			default:
				s, p, err := minifyNode(sub, at)
				if err != nil {
					return nil, p, err
				}
				out[key] = s
			}
		case "oneOf", "anyOf", "allOf":
			sub, ok := value.([]any)
			if !ok {
				return nil, at, fmt.Errorf("%s must be an array of schemas, got %s", key, describe(value))
			}
			list, p, err := minifyList(sub, at)
			if err != nil {
				return nil, p, err
			}
			out[key] = list
		default:
			out[key] = value
		}
	}
	return out, "", nil
}

func minifyList(list []any, pointer string) ([]any, string, error) {
	out := make([]any, len(list))
	for i, sub := range list {
		s, p, err := minifyNode(sub, pointer+"/"+strconv.Itoa(i))
		if err != nil {
			return nil, p, err
		}
		out[i] = s
	}
	return out, "", nil
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// escape writes a name as a JSON pointer segment.
func escape(name string) string {
	if !strings.ContainsAny(name, "~/") {
		return name
	}
	return pointerEscaper.Replace(name)
}

// describe names a JSON value's kind for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + v.String()
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
