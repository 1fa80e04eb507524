package cfn

import (
	"encoding/json"
)

// fnToJSONString evaluates Fn::ToJsonString (AWS::LanguageExtensions): the
// value as compact JSON, keys in sorted order.
func (r *resolver) fnToJSONString(arg, at *Node) any {
	mark := r.fails
	v := r.eval(arg)
	if r.failedSince(mark) {
		return nil
	}
	if hasUnknown(v) {
		return r.derived(at, v)
	}
	switch v.(type) {
	case []any, map[string]any:
	default:
		r.fail(at, "Fn::ToJsonString needs a mapping or a list, not %s", describe(v))
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		r.fail(at, "Fn::ToJsonString: %v", err)
		return nil
	}
	if !r.spendBytes(len(b), at) {
		return nil
	}
	return string(b)
}
