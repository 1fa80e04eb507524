package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qualstate/cfn/schema/internal/bundle"
)

func TestRun(t *testing.T) {
	good := map[string]string{
		"My_Shop_Cart.json": `{"typeName": "My::Shop::Cart", "description": "dropped", "properties": {"Id": {"type": "string"}}}`,
		"My_Shop_Item.json": `{"typeName": "My::Shop::Item", "definitions": {"D": {"type": "object"}}, "properties": {"D": {"$ref": "#/definitions/D"}}}`,
	}
	cases := []struct {
		name      string
		extra     map[string]string
		keepGoing bool
		wantErr   string
		wantTypes []string
	}{
		{"all good", nil, false, "", []string{"My::Shop::Cart", "My::Shop::Item"}},
		{"a broken file fails the run", map[string]string{"bad.json": `{"typeName": `}, false, "1 schemas could not be used", nil},
		{"a dangling $ref fails the run", map[string]string{"My_Shop_Deal.json": `{"typeName": "My::Shop::Deal", "properties": {"X": {"$ref": "#/definitions/X"}}}`},
			false, "1 schemas could not be used", nil},
		{"keep going leaves broken files out", map[string]string{"bad.json": `[]`}, true, "", []string{"My::Shop::Cart", "My::Shop::Item"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := t.TempDir()
			for _, files := range []map[string]string{good, tc.extra} {
				for name, content := range files {
					if err := os.WriteFile(filepath.Join(in, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			out := filepath.Join(t.TempDir(), "schemas.json.gz")
			err := run(in, out, tc.keepGoing)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if _, statErr := os.Stat(out); statErr == nil {
					t.Error("a failed run wrote the bundle")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gz, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			r, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			names, docs, err := bundle.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(names, ",") != strings.Join(tc.wantTypes, ",") {
				t.Errorf("types %v, want %v", names, tc.wantTypes)
			}
			if bytes.Contains(docs["My::Shop::Cart"], []byte("dropped")) {
				t.Error("bundle keeps descriptions")
			}
			again := filepath.Join(t.TempDir(), "again.json.gz")
			if err := run(in, again, tc.keepGoing); err != nil {
				t.Fatal(err)
			}
			if second, _ := os.ReadFile(again); !bytes.Equal(second, gz) {
				t.Error("two runs on the same schemas wrote different bytes")
			}
		})
	}
}
