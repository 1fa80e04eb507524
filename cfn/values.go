package cfn

import (
	"maps"
	"slices"
	"strconv"

	"qualstate"
)

// noValue is what AWS::NoValue resolves to: the property or list element it
// stands for is left out.
type noValue struct{}

// text converts a resolved scalar to the string CloudFormation would use in
// Fn::Join or Fn::Sub.
func text(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// describe names the kind of a resolved value for an error message.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case noValue:
		return "AWS::NoValue"
	}
	return "a value"
}

// hasUnknown reports whether a resolved value is, or contains, an unknown.
func hasUnknown(v any) bool {
	switch v := v.(type) {
	case *qualstate.Unknown:
		return true
	case []any:
		for _, e := range v {
			if hasUnknown(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if hasUnknown(e) {
				return true
			}
		}
	}
	return false
}

// collectRefs adds the resources the unknowns in v derive from to refs,
// keeping the order of first appearance and leaving out duplicates.
func collectRefs(v any, refs []qualstate.Ref) []qualstate.Ref {
	switch v := v.(type) {
	case *qualstate.Unknown:
		for _, ref := range v.Refs {
			refs = addRef(refs, ref)
		}
	case []any:
		for _, e := range v {
			refs = collectRefs(e, refs)
		}
	case map[string]any:
		// Map order is random; sort so that Refs come out the same
		// every time.
		for _, k := range slices.Sorted(maps.Keys(v)) {
			refs = collectRefs(v[k], refs)
		}
	}
	return refs
}

func addRef(refs []qualstate.Ref, ref qualstate.Ref) []qualstate.Ref {
	for _, r := range refs {
		if r == ref {
			return refs
		}
	}
	return append(refs, ref)
}

// derived returns the unknown an expression yields when its inputs are
// unknown: the expression as written, the resources behind the inputs, and
// where the expression is.
func (r *resolver) derived(at *Node, inputs ...any) *qualstate.Unknown {
	u := &qualstate.Unknown{Reason: render(at), Loc: r.doc.loc(at)}
	for _, in := range inputs {
		u.Refs = collectRefs(in, u.Refs)
	}
	return u
}

// anyUnknown reports whether any of the inputs is or holds an unknown.
func anyUnknown(inputs ...any) bool {
	for _, in := range inputs {
		if hasUnknown(in) {
			return true
		}
	}
	return false
}

// clone copies a value's lists and mappings: a value used in two places
// must not change in both when a schema coerces one of them.
func clone(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = clone(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = clone(e)
		}
		return out
	}
	return v
}
