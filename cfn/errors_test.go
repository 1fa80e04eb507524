package cfn

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qualstate"
)

// TestErrorTemplates loads each template in testdata/errors, which has one
// class of problem, and compares the whole error with its golden file: every
// problem, each with file:line:col. Parameter values, where a case needs
// them, are in a .params.json file next to the template.
func TestErrorTemplates(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.yaml")
	jsonFiles, _ := filepath.Glob("testdata/errors/*.json")
	for _, f := range jsonFiles {
		if !strings.HasSuffix(f, ".params.json") {
			files = append(files, f)
		}
	}
	if len(files) < 20 {
		t.Fatalf("only %d templates in testdata/errors", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var opts Options
			paramFile := strings.TrimSuffix(file, filepath.Ext(file)) + ".params.json"
			if _, err := os.Stat(paramFile); err == nil {
				params, err := LoadParameterFile(paramFile)
				if err != nil {
					t.Fatal(err)
				}
				opts.Parameters = params
			}
			_, err := Parse(file, readTestdata(t, file), opts)
			if err == nil {
				t.Fatal("Parse succeeded; want an error")
			}
			checkErrors(t, err, file)
			golden(t, file+".golden", []byte(err.Error()+"\n"))
		})
	}
}

// checkErrors asserts that err joins *qualstate.Error values of code
// ErrInvalidInput, each naming the file.
func checkErrors(t *testing.T, err error, file string) {
	t.Helper()
	if code := qualstate.CodeOf(err); code != qualstate.ErrInvalidInput {
		t.Errorf("code %q, want %q", code, qualstate.ErrInvalidInput)
	}
	list := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		list = joined.Unwrap()
	}
	for _, e := range list {
		var qe *qualstate.Error
		if !errors.As(e, &qe) {
			t.Errorf("%v is not a *qualstate.Error", e)
			continue
		}
		if qe.Loc.File != file {
			t.Errorf("%v: location names %q, want %q", e, qe.Loc.File, file)
		}
	}
}
