// Package drift compares a resource's expected properties with its live
// model the way CloudFormation drift detection does, and a little better:
// a value the service returns in another form ("30" and 30) is the same
// value, the items of an array whose order does not matter (insertionOrder:
// false in the resource schema) are matched whatever their order, and
// write-only properties, which can never be read back, are set aside rather
// than reported as removed.
//
// The sandbox uses it for DetectStackDrift, qualification for the IQ
// property tests, and monitoring for drift against a baseline.
package drift

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"qualstate/cfn/schema"
	"qualstate/jsonpatch"
)

// Kind says how a value differs, in CloudFormation's words.
type Kind string

// Kinds of difference.
const (
	Added    Kind = "ADD"       // live has a value where none was expected
	Removed  Kind = "REMOVE"    // an expected value is missing live
	NotEqual Kind = "NOT_EQUAL" // both exist and differ
)

// Difference is one value that differs, at a JSON pointer into the
// properties.
type Difference struct {
	Path     string
	Expected any // nil for Added
	Actual   any // nil for Removed
	Kind     Kind
}

// Result is the outcome of a comparison.
type Result struct {
	Differences []Difference
	// WriteOnly names the expected top-level properties that were not
	// compared because the type never returns them (or none of what the
	// template sets in them). Write-only values nested in other
	// properties are left out of the comparison silently.
	WriteOnly []string
}

// Compare compares the properties in expected with the same properties in
// actual; properties only actual has are not looked at (a default the
// service applied is not drift). s may be nil: then every array is ordered
// and nothing is write-only.
func Compare(s *schema.Schema, expected, actual map[string]any) Result {
	var r Result
	writeOnly := map[string][][]string{} // top-level name -> nested paths below it
	if s != nil {
		for _, p := range s.WriteOnlyProperties() {
			rest, ok := strings.CutPrefix(p, "/properties/")
			if !ok {
				continue
			}
			parts := strings.Split(rest, "/")
			writeOnly[parts[0]] = append(writeOnly[parts[0]], parts[1:])
		}
	}
	c := differ{schema: s}
	for _, k := range slices.Sorted(maps.Keys(expected)) {
		want := expected[k]
		if paths, ok := writeOnly[k]; ok {
			var left bool
			want, left = withoutPaths(want, paths)
			if !left {
				r.WriteOnly = append(r.WriteOnly, k)
				continue
			}
		}
		path := "/" + jsonpatch.EscapeToken(k)
		v, ok := actual[k]
		if !ok || v == nil {
			if want != nil {
				c.add(path, want, nil, Removed)
			}
			continue
		}
		c.compare(path, want, v)
	}
	r.Differences = c.out
	return r
}

// withoutPaths copies v without the values at the schema paths (relative,
// "*" for every array item); false when nothing is left to compare.
func withoutPaths(v any, paths [][]string) (any, bool) {
	for _, p := range paths {
		if len(p) == 0 {
			return nil, false
		}
	}
	out := jsonpatch.Clone(v)
	for _, p := range paths {
		out = removePath(out, p)
	}
	switch o := out.(type) {
	case map[string]any:
		return o, len(o) > 0
	case []any:
		return o, len(o) > 0
	}
	return out, out != nil
}

func removePath(v any, path []string) any {
	switch x := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			delete(x, path[0])
			return x
		}
		if next, ok := x[path[0]]; ok {
			x[path[0]] = removePath(next, path[1:])
		}
	case []any:
		for i := range x {
			x[i] = removePath(x[i], path[1:])
		}
	}
	return v
}

// differ collects the differences between expected and actual values.
type differ struct {
	schema *schema.Schema
	out    []Difference
}

func (c *differ) add(path string, expected, actual any, kind Kind) {
	c.out = append(c.out, Difference{Path: path, Expected: expected, Actual: actual, Kind: kind})
}

func (c *differ) ordered(path string) bool {
	return c.schema == nil || c.schema.InsertionOrder(path)
}

func (c *differ) compare(path string, expected, actual any) {
	switch e := expected.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			c.add(path, expected, actual, NotEqual)
			return
		}
		for _, k := range slices.Sorted(maps.Keys(e)) {
			p := path + "/" + jsonpatch.EscapeToken(k)
			if av, ok := a[k]; ok && av != nil {
				c.compare(p, e[k], av)
			} else if e[k] != nil {
				c.add(p, e[k], nil, Removed)
			}
		}
	case []any:
		a, ok := actual.([]any)
		if !ok {
			c.add(path, expected, actual, NotEqual)
			return
		}
		DiffArrays(path, e, a, c.ordered(path), Equal, c.compare, func(d Difference) { c.out = append(c.out, d) })
	default:
		if !Equal(expected, actual) {
			c.add(path, expected, actual, NotEqual)
		}
	}
}

// DiffArrays reports the differences between an expected and an actual
// array at path. Ordered arrays are compared index by index, with diff
// called on each pair; unordered ones (insertionOrder: false) pair items
// that are equal, whatever their order, and report the rest as removed and
// added.
func DiffArrays(path string, expected, actual []any, ordered bool, equal func(a, b any) bool,
	diff func(path string, e, a any), add func(Difference)) {
	if ordered {
		for i := range max(len(expected), len(actual)) {
			p := path + "/" + strconv.Itoa(i)
			switch {
			case i >= len(actual):
				add(Difference{Path: p, Expected: expected[i], Kind: Removed})
			case i >= len(expected):
				add(Difference{Path: p, Actual: actual[i], Kind: Added})
			default:
				diff(p, expected[i], actual[i])
			}
		}
		return
	}
	used := make([]bool, len(actual))
	for i, ev := range expected {
		j := -1
		for k := range actual {
			if !used[k] && equal(ev, actual[k]) {
				j = k
				break
			}
		}
		if j >= 0 {
			used[j] = true
			continue
		}
		add(Difference{Path: path + "/" + strconv.Itoa(i), Expected: ev, Kind: Removed})
	}
	for j, av := range actual {
		if !used[j] {
			add(Difference{Path: path + "/" + strconv.Itoa(j), Actual: av, Kind: Added})
		}
	}
}

// Equal compares values as CloudFormation reads them: a template's "30" and
// the service's 30 are the same, and an object is equal to a live object
// that has at least its keys with equal values (the service may add
// defaults inside it).
func Equal(a, b any) bool {
	if jsonpatch.Equal(a, b) {
		return true
	}
	as, aScalar := scalarText(a)
	bs, bScalar := scalarText(b)
	if aScalar && bScalar {
		return as == bs
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for k, v := range am {
			if !Equal(v, bm[k]) {
				return false
			}
		}
		return true
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			if !Equal(al[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// scalarText renders a scalar the way it compares.
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// Text renders a value as drift reports show it: scalars as text, the rest
// as JSON, nil as "null".
func Text(v any) string {
	if s, ok := scalarText(v); ok {
		return s
	}
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
