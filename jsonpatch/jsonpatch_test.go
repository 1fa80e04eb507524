package jsonpatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"qualstate"
)

// decodeJSON reads JSON the way the rest of qualstate holds it: integers as
// int64, other numbers as float64.
func decodeJSON(t testing.TB, data []byte) any {
	t.Helper()
	v, err := parseJSON(data)
	if err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

func parseJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return normalize(v), nil
}

func normalize(v any) any {
	switch c := v.(type) {
	case json.Number:
		if i, err := c.Int64(); err == nil {
			return i
		}
		f, _ := c.Float64()
		return f
	case map[string]any:
		for k, e := range c {
			c[k] = normalize(e)
		}
	case []any:
		for i, e := range c {
			c[i] = normalize(e)
		}
	}
	return v
}

func decodePatch(t testing.TB, data []byte) []qualstate.PatchOp {
	t.Helper()
	ops, err := parsePatch(data)
	if err != nil {
		t.Fatalf("decode patch %s: %v", data, err)
	}
	return ops
}

func parsePatch(data []byte) ([]qualstate.PatchOp, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var ops []qualstate.PatchOp
	if err := d.Decode(&ops); err != nil {
		return nil, err
	}
	for i := range ops {
		ops[i].Value = normalize(ops[i].Value)
	}
	return ops, nil
}

// TestAppendixA runs the examples of RFC 6902 Appendix A. A.13 (an op
// member given twice) is left out: it is about parsing the patch's JSON,
// which happens before a patch reaches this package.
func TestAppendixA(t *testing.T) {
	data, err := os.ReadFile("testdata/rfc6902-appendix-a.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name  string          `json:"name"`
		Doc   json.RawMessage `json:"doc"`
		Patch json.RawMessage `json:"patch"`
		Want  json.RawMessage `json:"want"`
		Error string          `json:"error"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			doc := decodeJSON(t, c.Doc)
			before := decodeJSON(t, c.Doc)
			got, err := Apply(doc, decodePatch(t, c.Patch))
			if !reflect.DeepEqual(doc, before) {
				t.Errorf("input changed to %v", doc)
			}
			if c.Error != "" {
				if err == nil || err.Error() != c.Error {
					t.Fatalf("error = %v, want %q", err, c.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := decodeJSON(t, c.Want); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestApply(t *testing.T) {
	cases := []struct {
		name  string
		doc   string
		patch string
		want  string
		err   error
		msg   string
	}{
		{name: "replace the whole document", doc: `{"a":1}`, patch: `[{"op":"replace","path":"","value":[1]}]`, want: `[1]`},
		{name: "add at the root replaces it", doc: `{"a":1}`, patch: `[{"op":"add","path":"","value":{"b":2}}]`, want: `{"b":2}`},
		{name: "append with -", doc: `{"a":[1,2]}`, patch: `[{"op":"add","path":"/a/-","value":3}]`, want: `{"a":[1,2,3]}`},
		{name: "insert at the end index", doc: `{"a":[1,2]}`, patch: `[{"op":"add","path":"/a/2","value":3}]`, want: `{"a":[1,2,3]}`},
		{name: "insert at the front", doc: `[1,2]`, patch: `[{"op":"add","path":"/0","value":0}]`, want: `[0,1,2]`},
		{name: "escaped member names", doc: `{"a/b":{"c~d":1}}`, patch: `[{"op":"replace","path":"/a~1b/c~0d","value":2}]`, want: `{"a/b":{"c~d":2}}`},
		{name: "empty member name", doc: `{"":{"":1}}`, patch: `[{"op":"replace","path":"//","value":2}]`, want: `{"":{"":2}}`},
		{name: "copy is deep", doc: `{"a":{"b":[1]}}`, patch: `[{"op":"copy","from":"/a","path":"/c"},{"op":"add","path":"/c/b/-","value":2}]`, want: `{"a":{"b":[1]},"c":{"b":[1,2]}}`},
		{name: "move onto itself", doc: `{"a":1}`, patch: `[{"op":"move","from":"/a","path":"/a"}]`, want: `{"a":1}`},
		{name: "move an array element forward", doc: `[1,2,3]`, patch: `[{"op":"move","from":"/2","path":"/0"}]`, want: `[3,1,2]`},
		{name: "test int against float", doc: `{"n":5}`, patch: `[{"op":"test","path":"/n","value":5.0}]`, want: `{"n":5}`},
		{name: "test objects ignore member order", doc: `{"o":{"a":1,"b":[true,null]}}`, patch: `[{"op":"test","path":"/o","value":{"b":[true,null],"a":1.0}}]`, want: `{"o":{"a":1,"b":[true,null]}}`},
		{name: "test whole document", doc: `[1]`, patch: `[{"op":"test","path":"","value":[1]}]`, want: `[1]`},
		{name: "later ops see earlier ones", doc: `{}`, patch: `[{"op":"add","path":"/a","value":{}},{"op":"add","path":"/a/b","value":1},{"op":"test","path":"/a/b","value":1}]`, want: `{"a":{"b":1}}`},

		{name: "test arrays differ in length", doc: `{"a":[1]}`, patch: `[{"op":"test","path":"/a","value":[1,1]}]`, err: ErrTestFailed, msg: `op 0 (test /a): test failed: value is [1], not [1,1]`},
		{name: "test null against missing", doc: `{"a":null}`, patch: `[{"op":"test","path":"/b","value":null}]`, err: ErrNoTarget, msg: `op 0 (test /b): no such location: the document has no member "b"`},
		{name: "replace a missing member", doc: `{"a":{}}`, patch: `[{"op":"replace","path":"/a/b","value":1}]`, err: ErrNoTarget, msg: `op 0 (replace /a/b): no such location: /a has no member "b"`},
		{name: "remove a missing member", doc: `{}`, patch: `[{"op":"remove","path":"/a"}]`, err: ErrNoTarget},
		{name: "remove past the end", doc: `[1]`, patch: `[{"op":"remove","path":"/1"}]`, err: ErrNoTarget, msg: `op 0 (remove /1): the document: no such location: index 1 is out of range for an array of 1`},
		{name: "remove with -", doc: `[1]`, patch: `[{"op":"remove","path":"/-"}]`, err: ErrNoTarget},
		{name: "leading zero index", doc: `[1,2]`, patch: `[{"op":"replace","path":"/01","value":0}]`, err: ErrNoTarget, msg: `op 0 (replace /01): the document: no such location: "01" is not an array index`},
		{name: "insert beyond the end", doc: `[1]`, patch: `[{"op":"add","path":"/2","value":0}]`, err: ErrNoTarget},
		{name: "descend into a scalar", doc: `{"a":"s"}`, patch: `[{"op":"add","path":"/a/b/c","value":0}]`, err: ErrNoTarget, msg: `op 0 (add /a/b/c): no such location: /a is a string, not an object or array`},
		{name: "remove the whole document", doc: `{}`, patch: `[{"op":"remove","path":""}]`, err: ErrInvalid},
		{name: "move into its own child", doc: `{"a":{}}`, patch: `[{"op":"move","from":"/a","path":"/a/b"}]`, err: ErrInvalid},
		{name: "move from a missing member", doc: `{}`, patch: `[{"op":"move","from":"/x","path":"/y"}]`, err: ErrNoTarget, msg: `op 0 (move /y): from /x: no such location: the document has no member "x"`},
		{name: "error names the failing op's index", doc: `{}`, patch: `[{"op":"add","path":"/a","value":1},{"op":"remove","path":"/b"}]`, err: ErrNoTarget, msg: `op 1 (remove /b): no such location: the document has no member "b"`},
		{name: "bad escape", doc: `{}`, patch: `[{"op":"add","path":"/a~2","value":1}]`, err: ErrInvalid},
		{name: "unknown op", doc: `{}`, patch: `[{"op":"merge","path":"/a"}]`, err: ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := decodeJSON(t, []byte(c.doc))
			got, err := Apply(doc, decodePatch(t, []byte(c.patch)))
			if !reflect.DeepEqual(doc, decodeJSON(t, []byte(c.doc))) {
				t.Errorf("input changed to %v", doc)
			}
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("error = %v, want %v", err, c.err)
				}
				if c.msg != "" && err.Error() != c.msg {
					t.Errorf("message = %q, want %q", err.Error(), c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := decodeJSON(t, []byte(c.want)); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestApplyDoesNotShareValues(t *testing.T) {
	value := map[string]any{"k": []any{"v"}}
	ops := []qualstate.PatchOp{{Op: "add", Path: "/a", Value: value}}
	got, err := Apply(map[string]any{}, ops)
	if err != nil {
		t.Fatal(err)
	}
	got.(map[string]any)["a"].(map[string]any)["k"].([]any)[0] = "changed"
	if value["k"].([]any)[0] != "v" {
		t.Error("the result shares the op's value")
	}
}

func TestEqual(t *testing.T) {
	cases := []struct {
		a, b any
		want bool
	}{
		{int64(5), float64(5), true},
		{int(5), float32(5), true},
		{uint64(1 << 63), float64(1 << 63), true},
		{int64(1<<53 + 1), float64(1 << 53), false},
		{float64(0.5), int64(0), false},
		{json.Number("7"), int64(7), true},
		{json.Number("18446744073709551615"), uint64(1<<64 - 1), true},
		{"5", int64(5), false},
		{nil, nil, true},
		{nil, false, false},
		{true, true, true},
		{map[string]any{"a": int64(1)}, map[string]any{"a": 1.0}, true},
		{map[string]any{"a": nil}, map[string]any{"b": nil}, false},
		{[]any{int64(1), "x"}, []any{1.0, "x"}, true},
		{[]any{}, map[string]any{}, false},
	}
	for _, c := range cases {
		t.Run(brief(c.a)+"="+brief(c.b), func(t *testing.T) {
			if got := Equal(c.a, c.b); got != c.want {
				t.Errorf("Equal(%#v, %#v) = %v", c.a, c.b, got)
			}
			if got := Equal(c.b, c.a); got != c.want {
				t.Errorf("Equal(%#v, %#v) = %v (reversed)", c.b, c.a, got)
			}
		})
	}
}

func TestPointer(t *testing.T) {
	cases := []struct {
		pointer string
		tokens  []string
		bad     bool
	}{
		{pointer: "", tokens: nil},
		{pointer: "/", tokens: []string{""}},
		{pointer: "/a/b", tokens: []string{"a", "b"}},
		{pointer: "/a~1b/~0", tokens: []string{"a/b", "~"}},
		{pointer: "/~01", tokens: []string{"~1"}},
		{pointer: "a", bad: true},
		{pointer: "/~", bad: true},
		{pointer: "/~2", bad: true},
	}
	for _, c := range cases {
		t.Run(c.pointer, func(t *testing.T) {
			tokens, err := ParsePointer(c.pointer)
			if c.bad {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tokens, c.tokens) {
				t.Fatalf("tokens = %q, want %q", tokens, c.tokens)
			}
			if back := Pointer(tokens...); back != c.pointer {
				t.Errorf("Pointer(%q) = %q", tokens, back)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		ops  []qualstate.PatchOp
		want []string // one line per problem
	}{
		{name: "valid", ops: []qualstate.PatchOp{{Op: "add", Path: "/a", Value: 1}, {Op: "copy", From: "/a", Path: "/b"}, {Op: "move", From: "/b", Path: "/bc"}}},
		{name: "all problems at once", ops: []qualstate.PatchOp{
			{Op: "", Path: "/a"},
			{Op: "append", Path: "/a"},
			{Op: "remove", Path: "a"},
			{Op: "copy", Path: "/a", From: "b"},
			{Op: "move", Path: "/a/b", From: "/a"},
		}, want: []string{
			`op 0 ( /a): invalid patch: op is missing`,
			`op 1 (append /a): invalid patch: unknown op "append" (want add, remove, replace, move, copy or test)`,
			`op 2 (remove a): path: invalid patch: pointer "a" does not start with /`,
			`op 3 (copy /a): from: invalid patch: pointer "b" does not start with /`,
			`op 4 (move /a/b): invalid patch: cannot move /a into its own child /a/b`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate(c.ops)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
