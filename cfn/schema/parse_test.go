package schema

import (
	"errors"
	"strings"
	"testing"

	"qualstate"
)

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want string // the whole error message
	}{
		{"not JSON", `{"typeName": "A::B::C",}`,
			`bad.json:1:24: invalid JSON: invalid character '}' looking for beginning of object key string`},
		{"truncated", "{\n  \"typeName\": \"A::B::C\",\n  \"properties\": {",
			`bad.json:3:18: invalid JSON: unexpected EOF`},
		{"two values", `{"typeName": "A::B::C"} {}`,
			`bad.json:1:25: invalid JSON: more than one value`},
		{"not an object", `["A::B::C"]`,
			`bad.json:1:1: a resource provider schema is a JSON object, got an array of 1 item`},
		{"no type name", `{"properties": {}}`,
			`bad.json:1:1: /typeName: typeName must be a non-empty string, got null`},
		{"unknown type", "{\n  \"typeName\": \"A::B::C\",\n  \"properties\": {\n    \"Size\": {\"type\": \"int\"}\n  }\n}",
			`bad.json:4:22: /properties/Size/type: unknown type "int" (want object, array, string, integer, number, boolean or null)`},
		{"negative length", `{"typeName": "A::B::C", "properties": {"Name": {"type": "string", "maxLength": -1}}}`,
			`bad.json:1:80: /properties/Name/maxLength: must be a non-negative integer, got integer -1`},
		{"fractional count", `{"typeName": "A::B::C", "properties": {"L": {"type": "array", "minItems": 1.5}}}`,
			`bad.json:1:75: /properties/L/minItems: must be a non-negative integer, got number 1.5`},
		{"required not a list", `{"typeName": "A::B::C", "required": "Name"}`,
			`bad.json:1:37: /required: must be an array of strings, got string "Name"`},
		{"dangling ref", "{\"typeName\": \"A::B::C\",\n\"properties\": {\"Tag\": {\"$ref\": \"#/definitions/Tag\"}}}",
			`bad.json:2:32: /properties/Tag/$ref: #/definitions/Tag does not name a schema in this document`},
		{"remote ref", `{"typeName": "A::B::C", "properties": {"T": {"$ref": "https://example.com/s.json"}}}`,
			`bad.json:1:54: /properties/T/$ref: $ref must be a string naming a place in this document (#/definitions/…), got string "https://example.com/s.json"`},
		{"empty oneOf", `{"typeName": "A::B::C", "oneOf": []}`,
			`bad.json:1:34: /oneOf: oneOf must be a non-empty array of schemas, got an array of 0 items`},
		{"pattern not a string", `{"typeName": "A::B::C", "properties": {"N": {"pattern": 5}}}`,
			`bad.json:1:57: /properties/N/pattern: pattern must be a string, got integer 5`},
		{"schema not an object", `{"typeName": "A::B::C", "properties": {"N": "string"}}`,
			`bad.json:1:45: /properties/N: a schema is a JSON object, got string "string"`},
		{"escaped names in the pointer", `{"typeName": "A::B::C", "properties": {"a/b": {"minLength": "1"}}}`,
			`bad.json:1:61: /properties/a~1b/minLength: must be a non-negative integer, got string "1"`},
		{"bad read-only list", `{"typeName": "A::B::C", "readOnlyProperties": [1]}`,
			`bad.json:1:48: /readOnlyProperties/0: must be a string, got integer 1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.json", []byte(tc.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got  %s\n want %s", err, tc.want)
			}
			var qe *qualstate.Error
			if !errors.As(err, &qe) || qe.Code != qualstate.ErrInvalidInput || qe.Loc.File != "bad.json" {
				t.Errorf("error is not an invalid-input qualstate.Error located in bad.json: %#v", err)
			}
		})
	}
}

func TestParseQuirks(t *testing.T) {
	cases := []struct {
		name  string
		doc   string
		props map[string]any
		want  []string // violation codes
	}{
		{"top-level properties are closed when the schema says nothing",
			`{"typeName": "A::B::C", "properties": {"Name": {"type": "string"}}}`,
			map[string]any{"Nmae": "x"}, []string{CodeUnknownProperty}},
		{"top-level properties open when the schema says so",
			`{"typeName": "A::B::C", "additionalProperties": true, "properties": {"Name": {"type": "string"}}}`,
			map[string]any{"Nmae": "x"}, nil},
		{"nested objects are open when the schema says nothing",
			`{"typeName": "A::B::C", "properties": {"Cfg": {"type": "object", "properties": {"A": {"type": "string"}}}}}`,
			map[string]any{"Cfg": map[string]any{"B": "x"}}, nil},
		{"properties without a type describe an object",
			`{"typeName": "A::B::C", "properties": {"Cfg": {"properties": {"A": {"type": "string"}}}}}`,
			map[string]any{"Cfg": "x"}, []string{CodeInvalidType}},
		{"keywords beside $ref are ignored",
			`{"typeName": "A::B::C", "definitions": {"D": {"type": "object", "properties": {"A": {"type": "string"}}}},
			  "properties": {"Cfg": {"$ref": "#/definitions/D", "additionalProperties": false}}}`,
			map[string]any{"Cfg": map[string]any{"A": "x", "B": "y"}}, nil},
		{"reference into properties",
			`{"typeName": "A::B::C", "properties": {"Arn": {"type": "string"}, "Other": {"$ref": "#/properties/Arn"}}}`,
			map[string]any{"Other": int64(1)}, []string{CodeInvalidType}},
		{"self-referencing definition admits anything",
			`{"typeName": "A::B::C", "definitions": {"Loop": {"$ref": "#/definitions/Loop"}}, "properties": {"L": {"$ref": "#/definitions/Loop"}}}`,
			map[string]any{"L": int64(1)}, nil},
		{"recursive definition is followed as deep as the value",
			`{"typeName": "A::B::C", "definitions": {"S": {"type": "object", "additionalProperties": false,
			  "properties": {"And": {"type": "array", "items": {"$ref": "#/definitions/S"}}, "Leaf": {"type": "string"}}}},
			  "properties": {"S": {"$ref": "#/definitions/S"}}}`,
			map[string]any{"S": map[string]any{"And": []any{map[string]any{"And": []any{map[string]any{"Leaf": int64(1)}}}}}},
			[]string{CodeInvalidType}},
		{"pattern RE2 cannot compile is not checked",
			`{"typeName": "A::B::C", "properties": {"N": {"type": "string", "pattern": "^(?!aws:).*$"}}}`,
			map[string]any{"N": "aws:x"}, nil},
		{"pattern property RE2 cannot compile admits the key",
			`{"typeName": "A::B::C", "properties": {"M": {"type": "object", "additionalProperties": false,
			  "patternProperties": {"^(?!aws:)": {"type": "string"}}}}}`,
			map[string]any{"M": map[string]any{"k": "v"}}, nil},
		{"draft-04 exclusive maximum",
			`{"typeName": "A::B::C", "properties": {"N": {"type": "integer", "maximum": 5, "exclusiveMaximum": true}}}`,
			map[string]any{"N": int64(5)}, []string{CodeMaximum}},
		{"draft-07 exclusive maximum",
			`{"typeName": "A::B::C", "properties": {"N": {"type": "integer", "exclusiveMaximum": 5}}}`,
			map[string]any{"N": int64(4)}, nil},
		{"boolean false schema admits nothing",
			`{"typeName": "A::B::C", "properties": {"N": false}}`,
			map[string]any{"N": int64(4)}, []string{CodeNot}},
		{"tuple items",
			`{"typeName": "A::B::C", "properties": {"P": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}}}`,
			map[string]any{"P": []any{"a", "b", true}}, []string{CodeInvalidType}},
		{"not",
			`{"typeName": "A::B::C", "properties": {"N": {"type": "string", "not": {"enum": ["root"]}}}}`,
			map[string]any{"N": "root"}, []string{CodeNot}},
		{"not with a value known later",
			`{"typeName": "A::B::C", "properties": {"N": {"not": {"type": "string"}}}}`,
			map[string]any{"N": unknown("x")}, nil},
		{"min and max properties",
			`{"typeName": "A::B::C", "properties": {"M": {"type": "object", "minProperties": 2, "maxProperties": 2}}}`,
			map[string]any{"M": map[string]any{"a": "1"}}, []string{CodeMinProperties}},
		{"one of several types fits none",
			`{"typeName": "A::B::C", "properties": {"N": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}}`,
			map[string]any{"N": true}, []string{CodeInvalidType}},
		{"one of several objects reports the closest",
			`{"typeName": "A::B::C", "definitions": {
			    "S3": {"type": "object", "additionalProperties": false, "required": ["Bucket"], "properties": {"Bucket": {"type": "string"}, "Key": {"type": "string"}}},
			    "Url": {"type": "object", "additionalProperties": false, "required": ["Url"], "properties": {"Url": {"type": "string"}}}},
			  "properties": {"Source": {"oneOf": [{"$ref": "#/definitions/S3"}, {"$ref": "#/definitions/Url"}]}}}`,
			map[string]any{"Source": map[string]any{"Bucket": "b", "Key": int64(1)}}, []string{CodeInvalidType}},
		{"one of with a value known later does not decide",
			`{"typeName": "A::B::C", "properties": {"N": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}}`,
			map[string]any{"N": unknown("x")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("quirk.json", []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, v := range s.Validate(tc.props) {
				codes = append(codes, v.Code)
			}
			if strings.Join(codes, ",") != strings.Join(tc.want, ",") {
				t.Errorf("violations %v, want codes %v", s.Validate(tc.props), tc.want)
			}
		})
	}
}

// TestValidateLimits feeds values deep and wide enough to reach the limits
// that keep validation finite; it must stop and say so. The step limit is
// lowered to keep the test quick; BenchmarkValidateLimit times the real one.
func TestValidateLimits(t *testing.T) {
	defer func(old int) { stepLimit = old }(stepLimit)
	stepLimit = 1 << 14
	s, err := Parse("deep.json", []byte(`{"typeName": "A::B::C", "definitions": {
		"N": {"type": "object", "properties": {"N": {"$ref": "#/definitions/N"}},
		      "anyOf": [{"$ref": "#/definitions/M"}, {"$ref": "#/definitions/M"}]},
		"M": {"type": "object", "properties": {"N": {"$ref": "#/definitions/N"}}}},
		"properties": {"N": {"$ref": "#/definitions/N"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		depth int
	}{
		{"too deep", 300},
		{"alternatives multiply", 40},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v any = int64(1)
			for range tc.depth {
				v = map[string]any{"N": v}
			}
			got := s.Validate(v.(map[string]any))
			if len(got) == 0 || got[len(got)-1].Code != CodeTooComplex {
				t.Fatalf("violations %v, want %s last", got, CodeTooComplex)
			}
			s.Coerce(v.(map[string]any))
		})
	}
}

func TestAlternativeMessages(t *testing.T) {
	cases := []struct {
		name  string
		oneOf string
		props map[string]any
		want  string
	}{
		{"exactly one of two", `[{"required": ["A"]}, {"required": ["B"]}]`,
			map[string]any{"A": "1", "B": "2"}, "only one of A or B may be given"},
		{"exactly one of two sets", `[{"required": ["A", "C"]}, {"required": ["B", "C"]}]`,
			map[string]any{"A": "1", "B": "2", "C": "3"}, "only one of (A and C) or (B and C) may be given"},
		{"none of two sets", `[{"required": ["A", "C"]}, {"required": ["B"]}]`,
			map[string]any{"C": "3"}, "one of (A and C) or B is required"},
		{"not together", `[{}, {"required": ["A", "B"]}]`,
			map[string]any{"A": "1", "B": "2"}, "A and B may not be given together"},
		{"not at all", `[{}, {"required": ["A"]}]`,
			map[string]any{"A": "1"}, "A may not be given"},
		{"typed alternatives both fit", `[{"properties": {"A": {"type": "string"}}, "type": "object"}, {"type": "object"}]`,
			map[string]any{"A": "1"}, "matches 2 of the alternatives (object; object) where exactly one must match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("alt.json", []byte(`{"typeName": "A::B::C", "additionalProperties": true, "oneOf": `+tc.oneOf+`}`))
			if err != nil {
				t.Fatal(err)
			}
			got := s.Validate(tc.props)
			if len(got) != 1 || got[0].Message != tc.want {
				t.Errorf("violations %v, want one saying %q", got, tc.want)
			}
		})
	}
}
