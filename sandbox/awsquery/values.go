// Package awsquery implements the wire format of the AWS "query" protocol
// (awsquery), which CloudFormation and STS speak: requests are
// form-encoded POST bodies whose structured members are flattened into
// dotted names (Parameters.member.1.ParameterKey), and responses are XML
// documents wrapped in an {Action}Response element.
package awsquery

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxBodySize is the largest request body Parse accepts. Callers should
// cap their body reads at the same size (http.MaxBytesReader) so that an
// oversized request is refused before it is buffered.
const MaxBodySize = 1<<20 + 64<<10

// maxKeys bounds the number of parameters so that the cost of the
// per-name scans in List and Structs stays small even for hostile input.
const maxKeys = 10000

// Values is a decoded awsquery request. The zero Values is empty and ready
// to use.
type Values struct {
	m map[string]string
	// keys holds the names of m in sorted order, so that the members of
	// a list are a contiguous range found by binary search.
	keys []string
	// prefix is how the names of these Values are spelled in the request
	// (e.g. "Parameters.member.2."), so that errors about a nested
	// structure name the parameter the client actually sent.
	prefix string
}

// Parse decodes a form-encoded awsquery request body. It is strict, since
// a request the SDKs never produce is better rejected than guessed at: an
// invalid percent-escape, a name or value that is not UTF-8, a repeated
// name, an empty name, a body over MaxBodySize or more than 10000
// parameters is an error. '+' decodes to a space, as in any HTML form.
// A parameter without '=' has the empty value.
func Parse(body []byte) (Values, error) {
	if len(body) > MaxBodySize {
		return Values{}, fmt.Errorf("request body is %d bytes, more than the %d allowed", len(body), MaxBodySize)
	}
	v := Values{m: make(map[string]string)}
	rest := string(body)
	for n := 1; rest != ""; n++ {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			// Tolerated like net/url does: an empty pair carries no
			// parameter, and a trailing '&' is a common client artefact.
			continue
		}
		if len(v.m) == maxKeys {
			return Values{}, fmt.Errorf("request has more than %d parameters", maxKeys)
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := unescape(rawName)
		if err != nil {
			return Values{}, fmt.Errorf("parameter #%d: name: %w", n, err)
		}
		if name == "" {
			return Values{}, fmt.Errorf("parameter #%d has an empty name", n)
		}
		if !utf8.ValidString(name) {
			return Values{}, fmt.Errorf("parameter #%d: name %q is not valid UTF-8", n, name)
		}
		value, err := unescape(rawValue)
		if err != nil {
			return Values{}, fmt.Errorf("parameter %q: value: %w", name, err)
		}
		if !utf8.ValidString(value) {
			return Values{}, fmt.Errorf("parameter %q: value is not valid UTF-8", name)
		}
		if _, dup := v.m[name]; dup {
			return Values{}, fmt.Errorf("parameter %q appears more than once", name)
		}
		v.m[name] = value
	}
	v.keys = make([]string, 0, len(v.m))
	for k := range v.m {
		v.keys = append(v.keys, k)
	}
	slices.Sort(v.keys)
	return v, nil
}

// unescape decodes one form-encoded component. It is written out rather
// than taken from net/url so that the error can quote the offending
// escape.
func unescape(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b.WriteByte(' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				bad := s[i:min(i+3, len(s))]
				return "", fmt.Errorf("invalid percent-escape %q", bad)
			}
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// Action returns the Action parameter, the operation the client calls.
func (v Values) Action() string { return v.String("Action") }

// Version returns the Version parameter, the API version the client was
// built for (2010-05-15 for CloudFormation, 2011-06-15 for STS).
func (v Values) Version() string { return v.String("Version") }

// Has reports whether the parameter name was sent, even with an empty
// value.
func (v Values) Has(name string) bool {
	_, ok := v.m[name]
	return ok
}

// String returns the value of the parameter name, or "" if it was not
// sent; use Lookup where an empty value and an absent one differ.
func (v Values) String(name string) string { return v.m[name] }

// Lookup returns the value of the parameter name and whether it was sent.
func (v Values) Lookup(name string) (string, bool) {
	s, ok := v.m[name]
	return s, ok
}

// Bool returns the boolean parameter name. Only "true" and "false" are
// accepted, which is what every SDK sends; anything else is an error
// rather than false, so that a typo does not silently flip a setting.
func (v Values) Bool(name string) (value, present bool, err error) {
	s, ok := v.m[name]
	switch {
	case !ok:
		return false, false, nil
	case s == "true":
		return true, true, nil
	case s == "false":
		return false, true, nil
	}
	return false, true, fmt.Errorf("parameter %q: %q is not a boolean (want true or false)", v.prefix+name, s)
}

// Int returns the integer parameter name, in decimal.
func (v Values) Int(name string) (value int64, present bool, err error) {
	s, ok := v.m[name]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok {
			err = ne.Err
		}
		return 0, true, fmt.Errorf("parameter %q: %q is not an integer: %w", v.prefix+name, s, err)
	}
	return n, true, nil
}

// Keys returns the names of all parameters, Action and Version included,
// in sorted order, so that a handler can reject parameters it does not
// know.
func (v Values) Keys() []string { return slices.Clone(v.keys) }
