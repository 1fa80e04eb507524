package jsonpatch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalid marks a patch or pointer that is malformed, whatever document
// it is applied to.
var ErrInvalid = errors.New("invalid patch")

// ErrNoTarget marks an operation whose target (or from) location does not
// exist in the document.
var ErrNoTarget = errors.New("no such location")

// ErrTestFailed marks a test operation whose value differs from the
// document's.
var ErrTestFailed = errors.New("test failed")

// ParsePointer splits an RFC 6901 JSON pointer into its unescaped reference
// tokens; "" gives none.
func ParsePointer(pointer string) ([]string, error) {
	if pointer == "" {
		return nil, nil
	}
	if pointer[0] != '/' {
		return nil, fmt.Errorf("%w: pointer %q does not start with /", ErrInvalid, pointer)
	}
	tokens := strings.Split(pointer[1:], "/")
	for i, t := range tokens {
		if !strings.Contains(t, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(t); j++ {
			if t[j] != '~' {
				b.WriteByte(t[j])
				continue
			}
			if j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1') {
				return nil, fmt.Errorf("%w: pointer %q has ~ not followed by 0 or 1", ErrInvalid, pointer)
			}
			if t[j+1] == '0' {
				b.WriteByte('~')
			} else {
				b.WriteByte('/')
			}
			j++
		}
		tokens[i] = b.String()
	}
	return tokens, nil
}

// EscapeToken escapes a member name or index for use in a pointer.
func EscapeToken(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}

// Pointer joins reference tokens into an escaped JSON pointer.
func Pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(EscapeToken(t))
	}
	return b.String()
}

// arrayIndex reads an array index token for an array of size elements:
// decimal digits without leading zeros (RFC 6901 section 4). Where a value
// is being inserted, the index may equal size and "-" means size.
func arrayIndex(token string, size int, insert bool) (int, error) {
	if insert && token == "-" {
		return size, nil
	}
	valid := token != "" && (len(token) == 1 || token[0] != '0')
	for i := 0; valid && i < len(token); i++ {
		valid = token[i] >= '0' && token[i] <= '9'
	}
	if !valid {
		return 0, fmt.Errorf("%w: %q is not an array index", ErrNoTarget, token)
	}
	n, err := strconv.Atoi(token)
	if err != nil || n > size || (n == size && !insert) {
		return 0, fmt.Errorf("%w: index %s is out of range for an array of %d", ErrNoTarget, token, size)
	}
	return n, nil
}
