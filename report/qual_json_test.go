package report

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"qualstate"
)

// inUTC is q as QualificationJSON writes it: times in UTC.
func inUTC(q *Qualification) *Qualification {
	q.Generated = q.Generated.UTC()
	q.Run.Started, q.Run.Finished, q.Run.Heartbeat = q.Run.Started.UTC(), q.Run.Finished.UTC(), q.Run.Heartbeat.UTC()
	return q
}

func TestQualificationJSONRoundTrip(t *testing.T) {
	q := newQualFixture(t).q
	first := renderQual(t, QualificationJSON, q)
	back, err := ReadQualificationJSON(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	want := inUTC(newQualFixture(t).q)
	for name, pair := range map[string][2]any{
		"tool": {back.Tool, want.Tool}, "run": {back.Run, want.Run}, "requirement set": {back.RequirementSet, want.RequirementSet},
		"steps": {back.Steps, want.Steps}, "test cases": {back.TestCases, want.TestCases}, "evidence": {back.Evidence, want.Evidence},
		"baseline": {back.Baseline, sortedBaseline(want.Baseline)}, "generated": {back.Generated, want.Generated},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differs after the round trip:\n got %#v\nwant %#v", name, pair[0], pair[1])
		}
	}
	if second := renderQual(t, QualificationJSON, back); !bytes.Equal(first, second) {
		t.Errorf("JSON is not a fixed point of ReadQualificationJSON:\n%s", firstDifference(second, first))
	}
}

func TestReadQualificationJSONErrors(t *testing.T) {
	good := string(renderQual(t, QualificationJSON, newQualFixture(t).q))
	edit := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("fixture JSON lacks %q", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"empty", "", "empty qualification report"},
		{"not JSON", "{\n  \"version\": qualstate\n}", "line 2, column 14"},
		{"truncated", good[:len(good)/2], "invalid qualification report at line"},
		{"wrong type", edit(`"attempt": 2,`, `"attempt": "two",`), "invalid qualification report at line"},
		{"check report", `{"version": "qualstate.check/v1"}`, `version is "qualstate.check/v1", want "qualstate.run/v1"`},
		{"no run", edit(`"run": {`, `"run": null, "x": {`), "run is missing"},
		{"null list", edit(`"baseline": [`, `"baseline": null, "x": [`), "must be lists"},
		{"unknown result", edit(`"result": "error",`, `"result": "maybe",`), `unknown result "maybe"`},
		{"bad digest", edit(`"evidence": [
        "9d26d1a7a4fffb608f5b035bd85fedd48ed6e71684bfb8ef73ebf5caa876b24a"`, `"evidence": [
        "../../etc/passwd"`), "is not a SHA-256 digest"},
		{"summary edited", edit(`"pass": 8,`, `"pass": 9,`), "summary"},
		{"matrix edited", edit(`"outcome": "fail",`, `"outcome": "pass",`), "matrix does not match"},
		{"trailing data", good + "{}", "unexpected data after the qualification report"},
		{"number out of range", edit(`"Ratio": 0.25`, `"Ratio": 1e999`), "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadQualificationJSON(strings.NewReader(tc.doc))
			if err == nil {
				t.Fatal("no error")
			}
			var qe *qualstate.Error
			if !errors.As(err, &qe) || qe.Code != qualstate.ErrInvalidInput {
				t.Errorf("error %v is not an invalid-input qualstate.Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestReadQualificationJSONTooLarge(t *testing.T) {
	defer func(n int64) { maxJSONReport = n }(maxJSONReport)
	maxJSONReport = 1 << 20
	_, err := ReadQualificationJSON(endless{})
	if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("error %v, want one about the size", err)
	}
}

// TestReadQualificationJSONNewerFields: fields a later version adds within
// qualstate.run/v1 are ignored.
func TestReadQualificationJSONNewerFields(t *testing.T) {
	doc := strings.Replace(string(renderQual(t, QualificationJSON, newQualFixture(t).q)),
		`"version": "qualstate.run/v1",`, `"version": "qualstate.run/v1", "attachments": [{"by": "qa"}],`, 1)
	if _, err := ReadQualificationJSON(strings.NewReader(doc)); err != nil {
		t.Fatal(err)
	}
}
