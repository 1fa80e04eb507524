package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"qualstate"
)

// TestJSONRoundTrip decodes the report and encodes it again: the two
// documents must be identical, so nothing the writer puts out is lost on
// the way back in.
func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		check func() *Check
	}{
		{"fixture", fixtureCheck},
		{"empty check", func() *Check { return &Check{} }},
		{"no requirement set, default threshold", func() *Check {
			c := fixtureCheck()
			c.RequirementSet, c.FailOn = nil, ""
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := render(t, JSON, tt.check())
			c, err := ReadJSON(bytes.NewReader(first), "check.json")
			if err != nil {
				t.Fatal(err)
			}
			second := render(t, JSON, c)
			if !bytes.Equal(first, second) {
				t.Errorf("decode then encode changed the document:\n%s", firstDifference(second, first))
			}
			if got, want := c.Summary(), tt.check().Summary(); got != want {
				t.Errorf("summary after reading = %+v, want %+v", got, want)
			}
		})
	}
}

// TestReadJSONNumbers makes sure free-form values come back as the types
// the rest of qualstate uses, not as json.Number.
func TestReadJSONNumbers(t *testing.T) {
	c, err := ReadJSON(bytes.NewReader(render(t, JSON, fixtureCheck())), "check.json")
	if err != nil {
		t.Fatal(err)
	}
	req := c.RequirementSet.Requirement("LOGS.RETENTION.MINIMUM")
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"integer property", req.Examples[0].Properties["RetentionInDays"], int64(365)},
		{"integer in a list of maps", req.Examples[1].Properties["Tags"].([]any)[0].(map[string]any)["Value"], "QA"},
		{"integer patch value", req.Challenge[0].Value, int64(1)},
		{"fractional patch value", req.Remediation[0].Value, 365.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %#v (%T), want %#v (%T)", tt.got, tt.got, tt.want, tt.want)
			}
		})
	}
}

// TestReadJSONErrors feeds documents that are wrong in one way each: the
// error must be an invalid-input qualstate.Error naming the place and the
// problem.
func TestReadJSONErrors(t *testing.T) {
	valid := string(render(t, JSON, fixtureCheck()))
	tests := []struct {
		name    string
		doc     string
		wantLoc string
		want    string
	}{
		{"empty", "", "in.json", "empty check report"},
		{"syntax error", "{\n  \"version\": \"qualstate.check/v1\",\n  \"tool\": }", "in.json:3:11", "invalid character '}'"},
		{"truncated", valid[:200], "in.json:", "unexpected EOF"},
		{"wrong type", "{\n  \"summary\": {\"pass\": \"one\"}}", "in.json:2:27", "cannot unmarshal string"},
		{"misspelt version", `{"verison": "qualstate.check/v1"}`, "in.json", `version is ""`},
		{"wrong version", strings.Replace(valid, JSONVersion, "qualstate.check/v9", 1), "in.json", `version is "qualstate.check/v9"`},
		{"unknown result", strings.Replace(valid, `"result": "pass"`, `"result": "ok"`, 1), "in.json", `unknown result "ok"`},
		{"unknown threshold", strings.Replace(valid, `"failOn": "fail"`, `"failOn": "never"`, 1), "in.json", "failOn"},
		{"summary disagrees", strings.Replace(valid, `"fail": 3`, `"fail": 2`, 1), "in.json", "does not match"},
		{"null requirement", strings.Replace(valid, `"requirements": [`, `"requirements": [null, `, 1), "in.json", "requirements[0] is null"},
		{"null findings", strings.Replace(valid, `"findings": [`, `"findings": null, "x": [`, 1), "in.json", "must be lists"},
		{"number out of range", strings.Replace(valid, `"value": 365.5`, `"value": 1e999`, 1), "in.json", "out of range"},
		{"trailing data", valid + "{}", "in.json:", "unexpected data after"},
		{"unicode column", "{\"tool\": {\"name\": \"é\" ]}", "in.json:1:23", "invalid character ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.doc), "in.json")
			if err == nil {
				t.Fatal("ReadJSON accepted the document")
			}
			var qe *qualstate.Error
			if !errors.As(err, &qe) || qe.Code != qualstate.ErrInvalidInput {
				t.Fatalf("error %v is not an invalid-input qualstate.Error", err)
			}
			if !strings.HasPrefix(err.Error(), tt.wantLoc) {
				t.Errorf("error %q does not start with %q", err, tt.wantLoc)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestReadJSONNewerFields: a report from a later version with fields this
// one does not know still reads.
func TestReadJSONNewerFields(t *testing.T) {
	doc := strings.Replace(string(render(t, JSON, fixtureCheck())), `"failOn": "fail",`, `"failOn": "fail", "signature": {"by": "qa"},`, 1)
	c, err := ReadJSON(strings.NewReader(doc), "newer.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(render(t, JSON, c), render(t, JSON, fixtureCheck())) {
		t.Error("the known fields did not survive")
	}
}

// TestReadJSONTooLarge keeps memory bounded on a file given by mistake.
func TestReadJSONTooLarge(t *testing.T) {
	defer func(limit int64) { maxJSONReport = limit }(maxJSONReport)
	maxJSONReport = 1 << 20
	_, err := ReadJSON(&endless{}, "big.json")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("ReadJSON of an endless input: %v, want a size error", err)
	}
}

// endless reads as an unending run of spaces without holding them.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestJSONSchema holds the writer to the documented shape in JSONSchema,
// and the schema to the writer: a document missing a field or with a wrong
// value must not validate.
func TestJSONSchema(t *testing.T) {
	valid := string(render(t, JSON, fixtureCheck()))
	tests := []struct {
		name  string
		doc   string
		valid bool
	}{
		{"fixture", valid, true},
		{"empty check", string(render(t, JSON, &Check{})), true},
		{"no summary", strings.Replace(valid, `"summary"`, `"summery"`, 1), false},
		{"unknown result", strings.Replace(valid, `"result": "pass"`, `"result": "ok"`, 1), false},
		{"line zero", strings.Replace(valid, `"line": 9`, `"line": 0`, 1), false},
		{"undocumented field", strings.Replace(valid, `"failOn": "fail",`, `"failOn": "fail", "extra": 1,`, 1), false},
		{"waived without its waiver", withoutWaiver(t, valid), false},
		{"undocumented waiver field", strings.Replace(valid, `"id": "W-0001",`, `"id": "W-0001", "by": "x",`, 1), false},
	}
	// The published schema lets later versions add fields; this strict
	// reading of it also fails any field the writer puts out undocumented.
	schema := compileCheckSchema(t, true)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			err = schema.Validate(inst)
			if tt.valid && err != nil {
				t.Errorf("the JSON report does not follow check-v1.schema.json:\n%v", err)
			}
			if !tt.valid && err == nil {
				t.Error("check-v1.schema.json accepted a document it should reject")
			}
		})
	}
	t.Run("published schema requires a waived finding's waiver", func(t *testing.T) {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(withoutWaiver(t, valid)))
		if err != nil {
			t.Fatal(err)
		}
		if compileCheckSchema(t, false).Validate(inst) == nil {
			t.Error("a waived finding without its waiver validates")
		}
	})
	t.Run("published schema admits added fields", func(t *testing.T) {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(valid, `"failOn": "fail",`, `"failOn": "fail", "extra": 1,`, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := compileCheckSchema(t, false).Validate(inst); err != nil {
			t.Errorf("a later v1 document with an added field is rejected: %v", err)
		}
	})
}

// compileCheckSchema compiles JSONSchema; strict closes every object that
// lists its properties, except free-form resource models.
func compileCheckSchema(t *testing.T, strict bool) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSONSchema))
	if err != nil {
		t.Fatal(err)
	}
	if strict {
		closeObjects(doc)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("check-v1.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("check-v1.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func closeObjects(v any) {
	switch v := v.(type) {
	case map[string]any:
		if props, ok := v["properties"].(map[string]any); ok && v["type"] == "object" {
			v["additionalProperties"] = false
			for _, p := range props {
				closeObjects(p)
			}
		}
		for k, sub := range v {
			if k != "properties" {
				closeObjects(sub)
			}
		}
	case []any:
		for _, sub := range v {
			closeObjects(sub)
		}
	}
}

// withoutWaiver removes the waiver of the fixture's waived finding from its
// JSON report.
func withoutWaiver(t *testing.T, doc string) string {
	t.Helper()
	block := ",\n      \"waiver\": {\n        \"id\": \"W-0001\",\n        \"expires\": \"2027-01-31T00:00:00Z\"\n      }"
	if !strings.Contains(doc, block) {
		t.Fatal("the fixture's report has no waiver to remove")
	}
	return strings.Replace(doc, block, "", 1)
}
