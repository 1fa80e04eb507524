package registry

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"qualstate/jsonpatch"
)

// A model is a resource's properties as Cloud Control returns them: JSON
// values as Go values. Paths into a model are property names, with "*"
// standing for every item of an array, as the schemas' property lists
// write them.

// schemaPath turns a schema's property pointer ("/properties/A/*/B") into
// a path (["A", "*", "B"]); ok is false for pointers outside the
// properties.
func schemaPath(pointer string) (path []string, ok bool) {
	segs := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	if len(segs) < 2 || segs[0] != "properties" {
		return nil, false
	}
	path = segs[1:]
	for i, s := range path {
		path[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
	}
	return path, true
}

// jsonPointer writes a path as the JSON pointer AWS's messages use
// ("#/A/B").
func jsonPointer(path ...string) string {
	var b strings.Builder
	b.WriteString("#")
	for _, s := range path {
		b.WriteString("/")
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

// get reads the value at a path without wildcards.
func get(m map[string]any, path ...string) (any, bool) {
	var cur any = m
	for _, seg := range path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// str reads a string at a path; "" when absent or not a string.
func str(m map[string]any, path ...string) string {
	v, _ := get(m, path...)
	s, _ := v.(string)
	return s
}

// boolean reads a boolean at a path; false when absent or not a boolean.
func boolean(m map[string]any, path ...string) bool {
	v, _ := get(m, path...)
	b, _ := v.(bool)
	return b
}

// integer reads an integer at a path.
func integer(m map[string]any, path ...string) (int64, bool) {
	v, ok := get(m, path...)
	if !ok {
		return 0, false
	}
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) {
			return int64(n), true
		}
	}
	return 0, false
}

// list reads an array at a path; nil when absent or not an array.
func list(m map[string]any, path ...string) []any {
	v, _ := get(m, path...)
	l, _ := v.([]any)
	return l
}

// object reads an object at a path; nil when absent or not an object.
func object(m map[string]any, path ...string) map[string]any {
	v, _ := get(m, path...)
	o, _ := v.(map[string]any)
	return o
}

// has reports whether a property is present at a path.
func has(m map[string]any, path ...string) bool {
	_, ok := get(m, path...)
	return ok
}

// set writes a value at a path without wildcards, creating the objects
// on the way; it does nothing where the way is blocked by a value that
// is not an object.
func set(m map[string]any, v any, path ...string) {
	cur := m
	for i, seg := range path {
		if i == len(path)-1 {
			cur[seg] = v
			return
		}
		next, ok := cur[seg].(map[string]any)
		if !ok {
			if _, taken := cur[seg]; taken {
				return
			}
			next = map[string]any{}
			cur[seg] = next
		}
		cur = next
	}
}

// setDefault writes a value at a path when nothing is there.
func setDefault(m map[string]any, v any, path ...string) {
	if !has(m, path...) {
		set(m, v, path...)
	}
}

// match is a value found at a concrete path.
type match struct {
	path  []string
	value any
}

// find returns every value at a path, wildcards expanded over arrays.
func find(v any, path []string) []match {
	var out []match
	var walk func(cur any, done []string, rest []string)
	walk = func(cur any, done []string, rest []string) {
		if len(rest) == 0 {
			out = append(out, match{path: append([]string(nil), done...), value: cur})
			return
		}
		seg := rest[0]
		switch c := cur.(type) {
		case map[string]any:
			if next, ok := c[seg]; ok {
				walk(next, append(done, seg), rest[1:])
			}
		case []any:
			if seg == "*" {
				for i, item := range c {
					walk(item, append(done, strconv.Itoa(i)), rest[1:])
				}
			} else if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(c) {
				walk(c[i], append(done, seg), rest[1:])
			}
		}
	}
	walk(v, nil, path)
	return out
}

// remove deletes the values at a path, wildcards expanded over arrays.
func remove(m map[string]any, path []string) {
	if len(path) == 0 {
		return
	}
	var walk func(cur any, rest []string)
	walk = func(cur any, rest []string) {
		seg := rest[0]
		switch c := cur.(type) {
		case map[string]any:
			if len(rest) == 1 {
				delete(c, seg)
				return
			}
			if next, ok := c[seg]; ok {
				walk(next, rest[1:])
			}
		case []any:
			if seg != "*" || len(rest) == 1 {
				// Items are never removed one by one: the schemas name
				// properties of items, not items.
				return
			}
			for _, item := range c {
				walk(item, rest[1:])
			}
		}
	}
	walk(m, path)
}

// normalize deep-copies a model into JSON values: Go integers become
// int64, lists and maps of strings become []any and map[string]any, and
// what JSON cannot carry is refused; where is the path of the value.
func normalize(v any, where []string) (any, error) {
	switch v := v.(type) {
	case nil, bool, string, float64, int64:
		return v, nil
	case int:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case float32:
		return float64(v), nil
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out, nil
	case map[string]string:
		out := make(map[string]any, len(v))
		for k, s := range v {
			out[k] = s
		}
		return out, nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", jsonPointer(where...), v.String())
		}
		return f, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			c, err := normalize(item, append(where, k))
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			c, err := normalize(item, append(where, strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: a value of Go type %T has no JSON form", jsonPointer(where...), v)
}

// clone deep-copies a model that is known to hold JSON values only.
func clone(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return jsonpatch.Clone(m).(map[string]any)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
