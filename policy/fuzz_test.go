package policy

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"qualstate"
)

// FuzzLoad feeds arbitrary bytes to Load. It must never panic; every
// problem must be an invalid-input error located in the file; and a set it
// accepts must compile and run its examples.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/sets/*.yaml", "testdata/invalid/*.yaml", "testdata/fuzz-seeds/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			body, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		set, err := Load("fuzz.yaml", body)
		if err != nil {
			for _, e := range leafErrors(err) {
				var qe *qualstate.Error
				if !errors.As(e, &qe) || qe.Code != qualstate.ErrInvalidInput || qe.Loc.File != "fuzz.yaml" {
					t.Fatalf("problem %q is not an invalid-input error in fuzz.yaml", e)
				}
			}
			return
		}
		e, err := NewEngine(set)
		if err != nil {
			t.Fatalf("loaded set does not compile: %v", err)
		}
		for _, r := range RunExamples(e, set, t.TempDir(), nil) {
			for _, f := range r.Got {
				if f.Result == "" || f.Reason == "" {
					t.Fatalf("empty finding for %s: %+v", r.Requirement.ID, f)
				}
			}
		}
		Lint(set, nil)
	})
}

// FuzzStatements feeds arbitrary text to statements() as a JSON policy
// document: the check must give a result, never panic.
func FuzzStatements(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Principal":"*"}]}`,
		`{"Statement":{"Effect":"Deny","NotAction":["iam:*"],"Principal":{"AWS":["arn:aws:iam::1:root"]},"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`,
		`{"Statement":[1,"x",null]}`, `{"Statement":{"Action":7}}`, `[]`, `{"Statement":[]} {}`, `"`,
	} {
		f.Add(s)
	}
	set, err := Load("fuzz.yaml", []byte(`name: fuzz
requirements:
  - id: STATEMENTS
    title: Statements of any text
    risk: low
    resourceTypes: [Test::IAM::Doc]
    check: |
      statements(properties.Doc).all(s, s.Effect in ["Allow", "Deny", ""] &&
        principals(s).all(p, p != "") && s.Action.size() >= 0 && s.Condition.size() >= 0)
`))
	if err != nil {
		f.Fatal(err)
	}
	e, err := NewEngine(set)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		r := &qualstate.Resource{Type: "Test::IAM::Doc", LogicalID: "Doc", Properties: map[string]any{"Doc": doc}}
		fs := e.EvaluateResource(Scope{}, r)
		if len(fs) != 1 || fs[0].Result == qualstate.ResultIndeterminate || fs[0].Reason == "" {
			t.Fatalf("findings %+v", fs)
		}
	})
}
