package cfn

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qualstate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current results")

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the result (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// dump renders a resolved template, with the locations of its property
// values, as stable JSON for golden files.
func dump(t *testing.T, tpl *qualstate.Template) []byte {
	t.Helper()
	type resourceDump struct {
		*qualstate.Resource
		PropertyLocs map[string]string `json:"propertyLocs"`
	}
	type paramDump struct {
		*qualstate.Parameter
		Value any `json:"value"`
	}
	out := struct {
		*qualstate.Template
		Parameters []paramDump    `json:"parameters"`
		Resources  []resourceDump `json:"resources"`
	}{Template: tpl}
	for _, p := range tpl.Parameters {
		out.Parameters = append(out.Parameters, paramDump{Parameter: p, Value: p.Value})
	}
	for _, r := range tpl.Resources {
		locs := map[string]string{}
		for k, v := range r.PropertyLocs {
			locs[k] = v.String()
		}
		out.Resources = append(out.Resources, resourceDump{Resource: r, PropertyLocs: locs})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func readTestdata(t *testing.T, path string) []byte {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// stem is a file name without directory and extension.
func stem(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
