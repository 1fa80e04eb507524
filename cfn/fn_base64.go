package cfn

import (
	"encoding/base64"
)

// fnBase64 evaluates Fn::Base64.
func (r *resolver) fnBase64(arg, at *Node) any {
	v, result, done := r.evalKnown(arg, at)
	if done {
		return result
	}
	s, ok := text(v)
	if !ok {
		r.fail(at, "Fn::Base64 needs a string, not %s", describe(v))
		return nil
	}
	if !r.spendBytes(base64.StdEncoding.EncodedLen(len(s)), at) {
		return nil
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}
