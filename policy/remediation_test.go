package policy

import (
	"reflect"
	"strings"
	"testing"

	"qualstate"
)

// remediationSet wraps a remediation field, written at the indentation of a
// requirement's keys, in a set of one requirement. The field starts on
// line 8.
func remediationSet(remediation string) string {
	return `name: remediation
requirements:
  - id: R
    title: Remediated
    risk: high
    resourceTypes: [AWS::S3::Bucket]
    check: properties.?VersioningConfiguration.Status.orValue("") == "Enabled"
` + remediation
}

func TestRemediationForms(t *testing.T) {
	enable := []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Enabled"}}}
	cases := []struct {
		name  string
		field string
		mode  qualstate.RemediationMode
		patch []qualstate.PatchOp
	}{
		{
			name:  "a patch alone is proposed",
			field: "    remediation:\n      - {op: add, path: /VersioningConfiguration, value: {Status: Enabled}}\n",
			mode:  qualstate.RemediationPropose,
			patch: enable,
		},
		{
			name:  "mode auto with a patch",
			field: "    remediation:\n      mode: auto\n      patch:\n        - {op: add, path: /VersioningConfiguration, value: {Status: Enabled}}\n",
			mode:  qualstate.RemediationAuto,
			patch: enable,
		},
		{
			name:  "mode propose written out",
			field: "    remediation: {mode: propose, patch: [{op: add, path: /VersioningConfiguration, value: {Status: Enabled}}]}\n",
			mode:  qualstate.RemediationPropose,
			patch: enable,
		},
		{
			name:  "a mapping without mode is proposed",
			field: "    remediation:\n      patch:\n        - {op: add, path: /VersioningConfiguration, value: {Status: Enabled}}\n",
			mode:  qualstate.RemediationPropose,
			patch: enable,
		},
		{
			name:  "mode off keeps its patch",
			field: "    remediation:\n      mode: \"off\"\n      patch:\n        - {op: add, path: /VersioningConfiguration, value: {Status: Enabled}}\n",
			mode:  qualstate.RemediationOff,
			patch: enable,
		},
		{
			name:  "mode off alone",
			field: "    remediation: {mode: off}\n",
			mode:  qualstate.RemediationOff,
		},
		{
			name:  "no remediation",
			field: "    tags: [s3]\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, err := Load("remediation.yaml", []byte(remediationSet(c.field)))
			if err != nil {
				t.Fatal(err)
			}
			req := set.Requirements[0]
			if req.RemediationMode != c.mode {
				t.Errorf("mode = %q, want %q", req.RemediationMode, c.mode)
			}
			if !reflect.DeepEqual(req.Remediation, c.patch) {
				t.Errorf("patch = %#v, want %#v", req.Remediation, c.patch)
			}
		})
	}
}

func TestRemediationErrors(t *testing.T) {
	cases := []struct {
		name  string
		field string
		want  []string // the problems, each as line:col: message
	}{
		{
			name:  "unknown mode",
			field: "    remediation:\n      mode: always\n      patch: [{op: add, path: /A, value: 1}]\n",
			want:  []string{`9:13: remediation mode "always" is not off, propose or auto`},
		},
		{
			name:  "mode auto without a patch",
			field: "    remediation:\n      mode: auto\n",
			want:  []string{`9:13: remediation mode auto needs a patch to apply; only mode off stands without one`},
		},
		{
			name:  "neither mode nor patch",
			field: "    remediation: {}\n",
			want:  []string{`8:18: remediation has no patch; give one, or mode: off alone to say treatment never acts`},
		},
		{
			name:  "unknown key beside the patch",
			field: "    remediation:\n      patch: [{op: add, path: /A, value: 1}]\n      when: always\n",
			want:  []string{`10:7: unknown field "when" in remediation (known: mode, patch)`},
		},
		{
			name:  "a bad operation in the mapping's patch",
			field: "    remediation:\n      mode: auto\n      patch:\n        - {op: add, path: /A}\n",
			want:  []string{`11:11: remediation.patch[0]: add needs a value`},
		},
		{
			name:  "an empty list",
			field: "    remediation: []\n",
			want:  []string{`8:18: remediation is empty`},
		},
		{
			name:  "a mode given as a list",
			field: "    remediation: {mode: [auto], patch: [{op: add, path: /A, value: 1}]}\n",
			want:  []string{`8:25: remediation.mode is a list, not text`},
		},
		{
			name:  "text",
			field: "    remediation: auto\n",
			want:  []string{`8:18: remediation is text, not a list of JSON Patch operations or a mapping of mode and patch`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("remediation.yaml", []byte(remediationSet(c.field)))
			if err == nil {
				t.Fatal("loaded without error")
			}
			var got []string
			for _, e := range leafErrors(err) {
				if qualstate.CodeOf(e) != qualstate.ErrInvalidInput {
					t.Errorf("%v: code %s, want %s", e, qualstate.CodeOf(e), qualstate.ErrInvalidInput)
				}
				got = append(got, strings.Replace(strings.TrimPrefix(e.Error(), "remediation.yaml:"), "requirement R: ", "", 1))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
