package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"qualstate"
)

// FuzzReadJSON: any input is either rejected with a qualstate.Error or read
// into a Check whose JSON reads back to the same JSON.
func FuzzReadJSON(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "golden", "check.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	var empty bytes.Buffer
	if err := JSON(&empty, &Check{}); err != nil {
		f.Fatal(err)
	}
	f.Add(empty.Bytes())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version": "qualstate.check/v1", "failOn": "fail", "templates": [], "skipped": [], "findings": []}`))
	f.Add([]byte(`{"requirementSet": {"requirements": [{"examples": [{"properties": {"n": 1e400}}]}]}}`))
	f.Add([]byte("[\n\"\xff\"]"))
	var waived bytes.Buffer
	if err := JSON(&waived, waivedCheck()); err != nil {
		f.Fatal(err)
	}
	f.Add(waived.Bytes())
	f.Add([]byte(`{"version": "qualstate.check/v1", "failOn": "waived", "templates": [], "skipped": [], "findings": [{"result": "waived", "waiver": {"id": "", "expires": "2027-01-31T00:00:00+01:00"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadJSON(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			var qe *qualstate.Error
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a qualstate.Error", err)
			}
			return
		}
		var first bytes.Buffer
		if err := JSON(&first, c); err != nil {
			t.Fatalf("a check ReadJSON accepted cannot be written: %v", err)
		}
		again, err := ReadJSON(bytes.NewReader(first.Bytes()), "fuzz.json")
		if err != nil {
			t.Fatalf("ReadJSON rejects what JSON wrote: %v\n%s", err, first.Bytes())
		}
		var second bytes.Buffer
		if err := JSON(&second, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("JSON is not a fixed point of ReadJSON:\n%s", firstDifference(second.Bytes(), first.Bytes()))
		}
	})
}

// FuzzWriters puts arbitrary text where a template puts text (paths,
// logical ids, codes, messages, reasons, waiver ids) and arbitrary
// positions, and
// checks every format: SARIF validates against the official schema and
// keeps the reason, JUnit stays well-formed with its counts, text keeps one
// line per problem with no control characters, and JSON reads back.
func FuzzWriters(f *testing.F) {
	f.Add("templates/app.yaml", "Bucket", "unknown-property", "unknown property", "SSE is \"AES256\" & <none>", 12, 5)
	f.Add("/srv/ünï & <x>.json", "B~/x", "", "", "line\nbreak\x1b[2J", 0, 0)
	f.Add("a:b.yaml", "", "]]>", "]]><![CDATA[", "\xff\xfe\x00", -1, -7)
	f.Add("", "\u202e", "x y", "\u2028", "\ufffe\uffff", 1, 1)
	f.Fuzz(func(t *testing.T, file, logicalID, code, message, reason string, line, column int) {
		loc := qualstate.Location{File: file, Line: line, Column: column}
		c := &Check{
			Tool: Tool{Name: "qualstate", Version: "v0.1.0"},
			Templates: []TemplateResult{
				{File: file, Resources: 1, Diagnostics: []qualstate.Diagnostic{{Severity: qualstate.SeverityWarning, Code: code, Message: message, Loc: loc, LogicalID: logicalID}}},
				{File: file + ".broken", Errors: []qualstate.Diagnostic{{Severity: qualstate.SeverityError, Code: code, Message: message, Loc: loc}}},
			},
			Findings: []qualstate.Finding{
				{RequirementID: code, Title: message, Risk: qualstate.RiskHigh, Result: qualstate.ResultFail, Reason: reason, LogicalID: logicalID, ResourceType: "AWS::S3::Bucket", Loc: loc},
				{RequirementID: code, Result: qualstate.ResultIndeterminate, Reason: reason, LogicalID: logicalID, Loc: loc},
				{RequirementID: code, Result: qualstate.ResultWaived, Reason: reason, LogicalID: logicalID, Loc: loc,
					Waiver: &qualstate.WaiverRef{ID: "W-" + message, Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}},
			},
		}
		checkSARIF(t, c, reason)
		checkJUnit(t, c, reason)
		checkText(t, c)
		checkJSON(t, c)
	})
}

func checkSARIF(t *testing.T, c *Check, reason string) {
	var buf bytes.Buffer
	if err := SARIF(&buf, c); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, buf.Bytes())
	var log sarifLog[[]sarifResult]
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	var want string
	enc, _ := json.Marshal(reason)
	json.Unmarshal(enc, &want) // what JSON can carry of reason: invalid UTF-8 becomes U+FFFD
	if want == "" {
		return
	}
	if got := log.Runs[0].Results[0].Message.Text; got != want {
		t.Fatalf("SARIF message %q, want %q", got, want)
	}
}

func checkJUnit(t *testing.T, c *Check, reason string) {
	var buf bytes.Buffer
	if err := JUnit(&buf, c); err != nil {
		t.Fatal(err)
	}
	var doc parsedSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit output is not well-formed: %v\n%s", err, buf.Bytes())
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 2 {
		t.Fatalf("counts %d/%d/%d/%d, want 4/1/1/2", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
	for _, s := range doc.Suites {
		for _, tc := range s.Cases {
			if tc.Failure != nil && reason != "" && tc.Failure.Message != xmlText(reason) {
				t.Fatalf("failure message %q, want %q", tc.Failure.Message, xmlText(reason))
			}
		}
	}
}

func checkText(t *testing.T, c *Check) {
	var buf bytes.Buffer
	if err := Text(&buf, c, TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsFunc(strings.ReplaceAll(out, "\n", ""), unsafeRune) {
		t.Fatalf("control characters in text output: %q", out)
	}
	// One line per diagnostic, fatal error and finding, and the summary.
	if n := strings.Count(out, "\n"); n != 6 {
		t.Fatalf("%d lines, want 6:\n%s", n, out)
	}
}

func checkJSON(t *testing.T, c *Check) {
	first := render(t, JSON, c)
	back, err := ReadJSON(bytes.NewReader(first), "fuzz.json")
	if err != nil {
		t.Fatalf("ReadJSON rejects what JSON wrote: %v", err)
	}
	second := render(t, JSON, back)
	if bytes.Equal(first, second) {
		return
	}
	// encoding/json writes invalid UTF-8 as the escape \ufffd and reads it
	// back as U+FFFD itself, so text that was not UTF-8 settles after one
	// round; anything else is a loss.
	if !bytes.Contains(first, []byte(`\ufffd`)) {
		t.Fatalf("JSON round trip changed the document:\n%s", firstDifference(second, first))
	}
	again, err := ReadJSON(bytes.NewReader(second), "fuzz.json")
	if err != nil {
		t.Fatal(err)
	}
	if third := render(t, JSON, again); !bytes.Equal(second, third) {
		t.Fatalf("JSON round trip does not settle:\n%s", firstDifference(third, second))
	}
}
