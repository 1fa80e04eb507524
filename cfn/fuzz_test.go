package cfn

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qualstate"
)

// addSeeds adds the testdata files with the extension to the corpus.
func addSeeds(f *testing.F, ext string) {
	for _, dir := range []string{"testdata/valid", "testdata/errors"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
		for _, file := range files {
			body, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
		}
	}
}

// loadResolve is what every fuzz target runs: whatever the input, no
// panic, and either a template or an error made only of
// *qualstate.Error with a location in the file.
func loadResolve(t *testing.T, file string, body []byte) {
	IsTemplate(body)
	d, err := Load(file, body)
	if err != nil {
		checkFuzzError(t, err, file)
		return
	}
	opts := Options{Parameters: map[string]string{"Env": "prod"}}
	tpl, err := d.Resolve(opts)
	if err != nil {
		checkFuzzError(t, err, file)
		return
	}
	for _, r := range tpl.Resources {
		if r.Properties == nil {
			t.Fatalf("resource %s has nil Properties", r.LogicalID)
		}
	}
	// A second resolution of the same document gives the same result.
	again, err := d.Resolve(opts)
	if err != nil {
		t.Fatalf("second resolution failed: %v", err)
	}
	a, errA := json.Marshal(tpl)
	b, errB := json.Marshal(again)
	if errA != nil || errB != nil {
		t.Fatalf("marshal: %v %v", errA, errB)
	}
	if string(a) != string(b) {
		t.Fatalf("two resolutions differ:\n%s\n%s", a, b)
	}
}

func checkFuzzError(t *testing.T, err error, file string) {
	list := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		list = joined.Unwrap()
	}
	for _, e := range list {
		var qe *qualstate.Error
		if !errors.As(e, &qe) || qe.Code != qualstate.ErrInvalidInput {
			t.Fatalf("error %v is not an invalid-input *qualstate.Error", e)
		}
		if qe.Loc.File != file {
			t.Fatalf("error %v does not name the file", e)
		}
		if strings.Contains(qe.Msg, "%!") {
			t.Fatalf("badly formatted message: %s", qe.Msg)
		}
	}
}

func FuzzLoadYAML(f *testing.F) {
	addSeeds(f, ".yaml")
	f.Fuzz(func(t *testing.T, body []byte) {
		loadResolve(t, "fuzz.yaml", body)
	})
}

func FuzzLoadJSON(f *testing.F) {
	addSeeds(f, ".json")
	f.Fuzz(func(t *testing.T, body []byte) {
		loadResolve(t, "fuzz.json", body)
	})
}

func FuzzParameterFile(f *testing.F) {
	f.Add([]byte(`[{"ParameterKey": "Env", "ParameterValue": "prod"}]`))
	f.Add([]byte(`{"Parameters": {"Env": "prod", "Zones": ["a", "b"]}}`))
	f.Add([]byte(`["Env=prod"]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, err := parseParameterFile("p.json", body); err != nil {
			checkFuzzError(t, err, "p.json")
		}
	})
}
