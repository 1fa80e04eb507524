package jsonpatch

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"
)

// FuzzApply feeds arbitrary documents and patches through Apply. Apply must
// not panic, must not change its input, must fail only with one of the
// package's errors, and a patch that applies must give a JSON value.
func FuzzApply(f *testing.F) {
	data, err := os.ReadFile("testdata/rfc6902-appendix-a.json")
	if err != nil {
		f.Fatal(err)
	}
	var cases []struct {
		Doc   json.RawMessage `json:"doc"`
		Patch json.RawMessage `json:"patch"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		f.Add([]byte(c.Doc), []byte(c.Patch))
	}
	f.Add([]byte(`[[1,[2]],{"a~b/":{}}]`), []byte(`[{"op":"move","from":"/0/1","path":"/1/a~0b~1/x"},{"op":"copy","from":"","path":"/-"}]`))
	f.Fuzz(func(t *testing.T, docJSON, patchJSON []byte) {
		doc, err := parseJSON(docJSON)
		if err != nil {
			return
		}
		ops, err := parsePatch(patchJSON)
		if err != nil {
			return
		}
		before, _ := parseJSON(docJSON)
		got, err := Apply(doc, ops)
		if !reflect.DeepEqual(doc, before) {
			t.Fatalf("input changed: %v -> %v", before, doc)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNoTarget) && !errors.Is(err, ErrTestFailed) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("result is not JSON: %v", err)
		}
	})
}
