package cfn

import (
	"fmt"
	"strings"
	"testing"
)

// TestLimits builds templates just past each of CloudFormation's quotas;
// the ones at the quota must load.
func TestLimits(t *testing.T) {
	entries := func(section string, n int, entry string) string {
		var b strings.Builder
		b.WriteString(section + ":\n")
		for i := range n {
			fmt.Fprintf(&b, "  X%d: %s\n", i, entry)
		}
		return b.String()
	}
	const topic = "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
	tests := []struct {
		name string
		body string
		want string // "" for no error
	}{
		{"500 resources", entries("Resources", 500, "{Type: AWS::SNS::Topic}"), ""},
		{"501 resources", entries("Resources", 501, "{Type: AWS::SNS::Topic}"),
			"t.yaml:2:3: template declares 501 resources, more than CloudFormation's limit of 500"},
		{"201 parameters", entries("Parameters", 201, "{Type: String}") + topic,
			"t.yaml:2:3: template declares 201 parameters, more than CloudFormation's limit of 200"},
		{"200 outputs", topic + entries("Outputs", 200, "{Value: x}"), ""},
		{"201 outputs", topic + entries("Outputs", 201, "{Value: x}"),
			"t.yaml:4:3: template declares 201 outputs, more than CloudFormation's limit of 200"},
		{"201 mappings", entries("Mappings", 201, "{k: {v: 1}}") + topic,
			"t.yaml:2:3: template declares 201 mappings, more than CloudFormation's limit of 200"},
		{"201 keys in a mapping", "Mappings:\n" + indent(entries("M", 201, "{v: 1}"), "  ") + topic,
			"t.yaml:3:5: mapping M has 201 keys, more than CloudFormation's limit of 200"},
		{"logical id of 256 characters", "Resources:\n  " + strings.Repeat("A", 256) + ": {Type: AWS::SNS::Topic}\n",
			`t.yaml:2:3: logical id "` + strings.Repeat("A", 80) + `…" must be alphanumeric (A-Z, a-z, 0-9) and at most 255 characters`},
		{"body over 1 MB", topic + "Metadata:\n  Pad: " + strings.Repeat("x", MaxBodyBytes) + "\n",
			fmt.Sprintf("t.yaml: template is %d bytes, more than CloudFormation's limit of 1048576 bytes", len(topic)+len("Metadata:\n  Pad: ")+MaxBodyBytes+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.body), Options{})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestExpansionBudget checks that intrinsic functions cannot multiply a
// small template into an unbounded amount of work.
func TestExpansionBudget(t *testing.T) {
	repeat := func(head, each string, n int) string {
		var b strings.Builder
		b.WriteString(head + "Resources:\n")
		for i := range n {
			fmt.Fprintf(&b, "  T%d:\n    Type: Custom::Pad\n    Properties:\n      V: %s\n", i, each)
		}
		return b.String()
	}
	tests := []struct {
		name string
		body string
	}{
		{"long string substituted again and again",
			repeat("Parameters:\n  Big:\n    Type: String\n    Default: "+strings.Repeat("x", 60_000)+"\n",
				`!Sub "`+strings.Repeat("${Big}", 20)+`"`, 300)},
		{"long mapping list looked up again and again",
			repeat("Mappings:\n  M:\n    K:\n      V: ["+strings.Repeat("1,", 20_000)+"1]\n",
				"!FindInMap [M, K, V]", 120)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.body), Options{NoValidate: true})
			if err == nil || !strings.Contains(err.Error(), "expands too far to evaluate") {
				t.Fatalf("err = %v, want the expansion budget to stop resolution", err)
			}
		})
	}
}
