package schema

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"qualstate/cfn/schema/internal/bundle"
)

// schemaSource is where the registry's provider schemas are checked out
// beside the repository; QUALSTATE_CFN_SCHEMAS points elsewhere.
func schemaSource() string {
	if dir := os.Getenv("QUALSTATE_CFN_SCHEMAS"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "..", "shared", "cfn-schemas")
}

// TestBundleUpToDate rebuilds the bundle from the provider schemas and
// compares it with the embedded one, so a refreshed snapshot cannot be
// forgotten: run `make schemas` when it fails.
func TestBundleUpToDate(t *testing.T) {
	dir := schemaSource()
	if _, err := os.Stat(dir); err != nil {
		// CI always has the snapshot beside the checkout; there a missing
		// one means the check would silently stop running.
		if os.Getenv("CI") != "" {
			t.Fatalf("provider schemas not found at %s (set QUALSTATE_CFN_SCHEMAS): %v", dir, err)
		}
		t.Skipf("provider schemas not found at %s (set QUALSTATE_CFN_SCHEMAS): %v", dir, err)
	}
	schemas, problems, err := bundle.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	want, err := bundle.Encode(schemas)
	if err != nil {
		t.Fatal(err)
	}
	r, err := gzip.NewReader(bytes.NewReader(schemasGz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gotNames, _, _ := bundle.Decode(got)
		wantNames, _, _ := bundle.Decode(want)
		t.Fatalf("embedded schemas (%d types, %d bytes) differ from %s (%d types, %d bytes): run `make schemas`",
			len(gotNames), len(got), dir, len(wantNames), len(want))
	}
	if len(schemasGz) > 2<<20 {
		t.Errorf("embedded bundle is %d bytes; keep it under 2 MiB", len(schemasGz))
	}
}

func TestOpenCatalogErrors(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"not gzip", []byte("{}")},
		{"truncated gzip", schemasGz[:4096]},
		{"not a bundle", gz(`{"types":{}}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := openCatalog(tc.data); err == nil {
				t.Error("no error")
			}
		})
	}
}
