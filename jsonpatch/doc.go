// Package jsonpatch applies JSON Patch documents (RFC 6902) to JSON values
// held as Go values: map[string]any, []any, string, bool, nil and numbers
// (int64, float64 and the other Go numeric kinds).
//
// Pointers follow RFC 6901: "" is the whole document, "/a/0" the first
// element of member a, and "~1" and "~0" stand for "/" and "~" inside a
// reference token.
//
// A Go nil Value is the JSON null, so an operation's value cannot be told
// absent from null here; decoders that can see the difference check it.
package jsonpatch
