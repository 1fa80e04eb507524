package policy

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"qualstate"
	"qualstate/cfn"
)

// parseTemplate is the loader qualstate's command wires in.
func parseTemplate(file string, body []byte) (*qualstate.Template, error) {
	return cfn.Parse(file, body, cfn.Options{})
}

// summary renders example results one per line for comparison.
func summary(results []ExampleResult) string {
	var b strings.Builder
	for _, r := range results {
		b.WriteString(r.Requirement.ID + " | " + r.Example.Name + " | " + string(r.Example.Want) + " | ")
		if r.OK {
			b.WriteString("ok")
		} else {
			b.WriteString(r.Problem)
		}
		for _, f := range r.Got {
			b.WriteString(" | " + f.LogicalID + "=" + string(f.Result))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestRunExamples(t *testing.T) {
	cases := []struct {
		set    string
		golden string
	}{
		{set: "storage.yaml", golden: "testdata/examples-storage.golden"},
		{set: "examples.yaml", golden: "testdata/examples-templates.golden"},
		{set: "wrong-examples.yaml", golden: "testdata/examples-wrong.golden"},
	}
	for _, c := range cases {
		t.Run(c.set, func(t *testing.T) {
			e := engineFor(t, c.set)
			results := RunExamples(e, e.Set(), "testdata/sets", parseTemplate)
			checkGolden(t, c.golden, summary(results))
		})
	}
}

// TestRunExamplesFS runs a directory set's template files from an fs.FS.
func TestRunExamplesFS(t *testing.T) {
	body, err := os.ReadFile("testdata/sets/examples/rotated-key.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"lib/set.yaml": {Data: []byte("name: lib\n")},
		"lib/s3.yaml": {Data: []byte(`requirements:
  - id: S3.KEY.ROTATED
    title: Rotated
    risk: low
    resourceTypes: [AWS::S3::Bucket]
    check: ref(properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).properties.EnableKeyRotation == true
    examples:
      - {want: pass, templateFile: examples/rotated-key.yaml}
`)},
		"lib/examples/rotated-key.yaml": {Data: body},
	}
	set, err := LoadFS(fsys, "lib")
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(set)
	if err != nil {
		t.Fatal(err)
	}
	results := RunExamplesFS(e, set, fsys, "lib", parseTemplate)
	if len(results) != 1 || !results[0].OK {
		t.Fatalf("results:\n%s", summary(results))
	}
	if loc := results[0].Got[0].Loc; loc.File != "lib/examples/rotated-key.yaml" || loc.Line == 0 {
		t.Errorf("finding located at %s", loc)
	}
}

func TestRunExamplesWithoutLoader(t *testing.T) {
	e := engineFor(t, "examples.yaml")
	for _, r := range RunExamples(e, e.Set(), "testdata/sets", nil) {
		if r.Example.Properties == nil && (r.OK || r.Problem != "no template loader to read the template with") {
			t.Errorf("%s: ok=%v problem=%q", r.Example.Name, r.OK, r.Problem)
		}
	}
	other := engineFor(t, "storage.yaml")
	for _, r := range RunExamples(other, e.Set(), "testdata/sets", parseTemplate) {
		if r.OK || r.Problem != "the engine was not built from this requirement set" {
			t.Errorf("%s with another set's engine: ok=%v problem=%q", r.Example.Name, r.OK, r.Problem)
		}
	}
}
