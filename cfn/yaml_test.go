package cfn

import (
	"strconv"
	"strings"
	"testing"
)

// TestYAMLReader checks what the YAML reader makes of documents, markers,
// tags, anchors and merge keys, through the template they form.
func TestYAMLReader(t *testing.T) {
	const head = "Resources:\n  T:\n    Type: Custom::Probe\n    Properties:\n"
	tests := []struct {
		name string
		body string
		want string // Properties as shown, or the error
		diag string // the one diagnostic expected, as code@line
	}{
		{"trailing document marker", head + "      A: 1\n---\n", `{"A":1}`, ""},
		{"document end marker", head + "      A: 1\n...\n", `{"A":1}`, ""},
		{"second document", head + "      A: 1\n---\nResources: {}\n", "y.yaml:6: a template is one YAML document; a second one starts here", ""},
		{"broken second document", head + "      A: 1\n---\na: [\n", "y.yaml:7: invalid YAML: did not find expected node content", ""},
		{"explicit tags", head + "      A: !!int \"42\"\n      B: !!float 1\n      C: !!bool yes\n      D: !!null ''\n", `{"A":42,"B":1,"C":true,"D":null}`, ""},
		{"bad explicit tag", head + "      A: !!int forty\n", `y.yaml:5:10: "forty" is not a valid !!int`, ""},
		{"unsupported tag", head + "      A: !!set {a}\n", `y.yaml:5:10: unsupported YAML tag !!set`, ""},
		{"block scalars keep text", head + "      A: |\n        yes\n      B: >-\n        10\n", `{"A":"yes\n","B":"10"}`, ""},
		{"anchor and alias", "Metadata:\n  Common: &tags [{Key: a, Value: b}]\n" + head + "      Tags: *tags\n", `{"Tags":[{"Key":"a","Value":"b"}]}`, "yaml-alias@7"},
		{"merge key", "Metadata:\n  Base: &base {A: 1, B: 2}\n" + head + "      <<: *base\n      B: 3\n", `{"A":1,"B":3}`, "yaml-alias@7"},
		{"merge list", "Metadata:\n  X: &x {A: 1}\n  Y: &y {A: 2, B: 2}\n" + head + "      <<: [*x, *y]\n", `{"A":1,"B":2}`, "yaml-alias@8"},
		{"merge of a scalar", "Metadata:\n  X: &x 1\n" + head + "      <<: *x\n", `y.yaml:7:11: a YAML merge key (<<) needs a mapping or a list of mappings`, ""},
		{"short form on a mapping", head + "      A: !Sub\n        - ${X}-y\n        - X: x\n", `{"A":"x-y"}`, ""},
		{"tagged key", head + "      !Ref A: b\n", `y.yaml:5:7: a mapping key must be a plain string`, ""},
		{"flow mapping key", head + "      ? [a]\n      : b\n", `y.yaml:5:9: a mapping key must be a plain string`, ""},
		{"byte order mark", "\xef\xbb\xbf" + head + "      A: 1\n", `{"A":1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse("y.yaml", []byte(tt.body), Options{NoValidate: true})
			var got string
			if err != nil {
				got = err.Error()
			} else {
				got = show(tpl.Resource("T").Properties)
			}
			if got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
			if err != nil {
				return
			}
			var diags []string
			for _, d := range tpl.Diagnostics {
				diags = append(diags, d.Code+"@"+strconv.Itoa(d.Loc.Line))
			}
			if strings.Join(diags, " ") != tt.diag {
				t.Errorf("diagnostics %v, want %q", diags, tt.diag)
			}
		})
	}
}
