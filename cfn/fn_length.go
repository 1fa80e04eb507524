package cfn

import (
	"qualstate"
)

// fnLength evaluates Fn::Length (AWS::LanguageExtensions): the number of
// elements of a list, known even when some elements are not.
func (r *resolver) fnLength(arg, at *Node) any {
	mark := r.fails
	v := r.eval(arg)
	if r.failedSince(mark) {
		return nil
	}
	switch v := v.(type) {
	case []any:
		return int64(len(v))
	case *qualstate.Unknown:
		return r.derived(at, v)
	}
	r.fail(at, "Fn::Length needs a list, not %s", describe(v))
	return nil
}
