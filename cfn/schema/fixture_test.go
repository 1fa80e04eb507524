package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"qualstate"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/ from the current results")

// fixture is a resource's properties as testdata/validate/*.json writes
// them: plain JSON, where {"$unknown": "reason"} stands for a value known
// only after deployment.
type fixture struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
}

func readFixture(t testing.TB, path string) fixture {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	f.Properties = fromJSON(f.Properties).(map[string]any)
	return f
}

// fromJSON gives decoded JSON the Go types of resolved template
// properties: int64 or float64 numbers, *qualstate.Unknown for unknowns.
func fromJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if reason, ok := v["$unknown"].(string); ok && len(v) == 1 {
			return &qualstate.Unknown{Reason: reason}
		}
		for k, item := range v {
			v[k] = fromJSON(item)
		}
		return v
	case []any:
		for i, item := range v {
			v[i] = fromJSON(item)
		}
		return v
	}
	return normalizeJSON(v)
}

// toJSON is fromJSON's inverse, for writing properties to golden files.
func toJSON(v any) any {
	switch v := v.(type) {
	case *qualstate.Unknown:
		return map[string]any{"$unknown": v.Reason}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = toJSON(item)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = toJSON(item)
		}
		return out
	}
	return v
}

// golden compares got with the golden file, or rewrites it under -update.
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
		t.Errorf("%s differs from the result (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", filepath.Base(path), got, want)
	}
}
