package jsonpos

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestLineCol(t *testing.T) {
	doc := []byte("{\n  \"é\": [1,\n    2]\n}")
	cases := []struct {
		offset    int64
		line, col int
	}{
		{0, 1, 1},
		{1, 1, 2},
		{2, 2, 1},
		{10, 2, 8}, // "[": the two-byte é counts as one column
		{-5, 1, 1},
		{1000, 4, 2},
	}
	for _, tc := range cases {
		line, col := LineCol(doc, tc.offset)
		if line != tc.line || col != tc.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tc.offset, line, col, tc.line, tc.col)
		}
	}
}

func TestLocate(t *testing.T) {
	doc := []byte(`{
  "a": {"b~c": [10, {"d/e": true}]},
  "f": "x",
  "g": [[], {}]
}`)
	cases := []struct {
		pointer string
		want    string // the text at the located offset
	}{
		{"", `{`},
		{"/a", `{"b~c"`},
		{"/a/b~0c", `[10,`},
		{"/a/b~0c/0", `10,`},
		{"/a/b~0c/1/d~1e", `true}`},
		{"/f", `"x"`},
		{"/g/1", `{}`},
		{"/missing", `{`},
		{"/a/b~0c/7", `[10,`},
		{"/f/deeper", `"x"`},
		{"/g/x", `[[]`},
	}
	for _, tc := range cases {
		t.Run(tc.pointer, func(t *testing.T) {
			off := Locate(doc, tc.pointer)
			if !strings.HasPrefix(string(doc[off:]), tc.want) {
				t.Errorf("Locate(%q) at %q, want %q", tc.pointer, doc[off:min(int(off)+10, len(doc))], tc.want)
			}
		})
	}
}

func TestErrorOffset(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want int64
	}{
		{"syntax", `{"a": x}`, 6},
		{"truncated", `{"a": [1,`, 9},
		{"empty", ``, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			err := json.NewDecoder(strings.NewReader(tc.doc)).Decode(&v)
			if err == nil {
				t.Fatal("no error")
			}
			if got := ErrorOffset([]byte(tc.doc), err); got != tc.want {
				t.Errorf("ErrorOffset = %d, want %d (%v)", got, tc.want, err)
			}
		})
	}
	var n int
	err := json.Unmarshal([]byte(`  "s"`), &n)
	if got := ErrorOffset(nil, err); got != 5 {
		t.Errorf("type error offset = %d, want 5 (%v)", got, err)
	}
	if got := ErrorOffset(nil, errors.New("other")); got != 0 {
		t.Errorf("offset of an unrelated error = %d", got)
	}
}

// FuzzLocate feeds arbitrary documents and pointers: Locate must stay
// inside the document and never panic.
func FuzzLocate(f *testing.F) {
	f.Add([]byte(`{"a": [1, {"b": 2}]}`), "/a/1/b")
	f.Add([]byte(`[[[`), "/0/0/0/0")
	f.Add([]byte(`{"a~b": 1}`), "/a~0b")
	f.Add([]byte(``), "")
	f.Fuzz(func(t *testing.T, doc []byte, pointer string) {
		off := Locate(doc, pointer)
		if off < 0 || off > int64(len(doc)) {
			t.Fatalf("Locate = %d outside a %d-byte document", off, len(doc))
		}
		line, col := LineCol(doc, off)
		if line < 1 || col < 1 {
			t.Fatalf("LineCol = %d:%d", line, col)
		}
	})
}
