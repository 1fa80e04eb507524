package bundle

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// FuzzMinify minifies arbitrary documents: no panic, and what comes out is
// one line of JSON that minifies to itself.
func FuzzMinify(f *testing.F) {
	in, err := os.ReadFile("testdata/minify-in.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(in)
	f.Add([]byte(`{"typeName":"Ab::Cd::Ef","properties":{"description":{"description":"x"}}}`))
	f.Add([]byte(`{"typeName":"Ab::Cd::Ef","items":[{"items":[]}],"dependencies":{"a":{"not":true}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		name, out, err := Minify(doc)
		if err != nil {
			var e *Error
			if e, _ = err.(*Error); e == nil {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if bytes.IndexByte(out, '\n') >= 0 || !json.Valid(out) {
			t.Fatalf("output is not one line of JSON: %q", out)
		}
		name2, again, err := Minify(out)
		if err != nil || name2 != name || !bytes.Equal(again, out) {
			t.Fatalf("minifying the output changed it: %v\n%s\n%s", err, out, again)
		}
	})
}

// FuzzDecode indexes arbitrary bytes as a bundle: no panic, and a bundle
// that decodes lists its types once each, in order.
func FuzzDecode(f *testing.F) {
	good, err := Encode(map[string][]byte{"Ab::Cd::Ef": []byte(`{}`), "Ab::Cd::Gh": []byte(`{"a":[1]}`)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(Header + "\n}}"))
	f.Add([]byte(Header + "\n\"x\":\n}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		names, docs, err := Decode(data)
		if err != nil {
			return
		}
		if len(names) != len(docs) {
			t.Fatalf("%d names for %d schemas", len(names), len(docs))
		}
		for i := 1; i < len(names); i++ {
			if names[i-1] >= names[i] {
				t.Fatalf("names out of order: %q", names)
			}
		}
	})
}
