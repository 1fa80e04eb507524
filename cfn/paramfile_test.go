package cfn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadParameterFile(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the map as JSON, or the error
	}{
		{"create-stack list", `[{"ParameterKey": "Env", "ParameterValue": "prod"}, {"ParameterKey": "Days", "ParameterValue": 30}]`,
			`{"Days":"30","Env":"prod"}`},
		{"deploy overrides", `{"Parameters": {"Env": "prod", "Zones": ["a", "b"], "Debug": false}, "Tags": {"x": "y"}}`,
			`{"Debug":"false","Env":"prod","Zones":"a,b"}`},
		{"key=value list", `["Env=prod", "Url=https://x?a=b"]`, `{"Env":"prod","Url":"https://x?a=b"}`},
		{"use previous value", `[{"ParameterKey": "Env", "UsePreviousValue": true}]`, `{}`},
		{"duplicate key", "[\n{\"ParameterKey\": \"Env\", \"ParameterValue\": \"a\"},\n{\"ParameterKey\": \"Env\", \"ParameterValue\": \"b\"}]",
			`p.json:3:1: parameter "Env" is given twice (first at line 2, column 1)`},
		{"unknown key", `[{"ParameterKey": "Env", "Value": "a"}]`,
			"p.json:1:2: parameter \"Env\" has no ParameterValue\np.json:1:26: unknown key \"Value\" (want ParameterKey, ParameterValue, UsePreviousValue or ResolvedValue)"},
		{"not a parameter file", `{"Env": "prod"}`,
			`p.json:1:1: not a parameter file: want [{"ParameterKey": "K", "ParameterValue": "V"}], {"Parameters": {"K": "V"}} or ["K=V"]`},
		{"nested value", `{"Parameters": {"Env": {"a": 1}}}`, `p.json:1:24: the value of parameter "Env" must be a string, a number, a boolean or a list of them`},
		{"invalid json", `[{"ParameterKey": }]`, `p.json:1:19: invalid JSON: unexpected character '}', expected a value`},
		{"empty", ``, `p.json: empty parameter file`},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "p.json")
			if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := LoadParameterFile(path)
			var s string
			if err != nil {
				s = err.Error()
			} else {
				s = show(toAny(got))
			}
			if want := replaceFile(tt.want, path); s != want {
				t.Errorf("\n got %s\nwant %s", s, want)
			}
		})
	}
	if _, err := LoadParameterFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file loaded")
	}
}

func toAny(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// replaceFile puts the real path where the want text says p.json.
func replaceFile(want, path string) string { return strings.ReplaceAll(want, "p.json", path) }
