package bundle

import (
	"errors"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/ from the current results")

// TestMinify holds the minified form of a schema that uses every kept and
// several dropped keywords to testdata/minify-out.json.
func TestMinify(t *testing.T) {
	in, err := os.ReadFile("testdata/minify-in.json")
	if err != nil {
		t.Fatal(err)
	}
	name, got, err := Minify(in)
	if err != nil {
		t.Fatal(err)
	}
	if name != "Example::Shop::Order" {
		t.Errorf("type name %q", name)
	}
	for _, dropped := range []string{"An order", "sourceUrl", "documentationUrl", "$schema", "title", "examples", "relationshipRef", "$comment", "timeoutInMinutes", "handlerSchema", "resourceLink", "stock keeping unit"} {
		if strings.Contains(string(got), dropped) {
			t.Errorf("minified schema still holds %q", dropped)
		}
	}
	for _, kept := range []string{`"description":{"type":"string"}`, `"maximum":1.0E3`, `"permissions":["shop:CreateOrder"]`, `"format":"uri"`} {
		if !strings.Contains(string(got), kept) {
			t.Errorf("minified schema lost %s", kept)
		}
	}
	if strings.Contains(string(got), "\n") {
		t.Error("minified schema spans several lines")
	}
	const golden = "testdata/minify-out.json"
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if string(got)+"\n" != string(want) {
		t.Errorf("minified schema differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

func TestMinifyErrors(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"not JSON", "{\n  \"typeName\": ,\n}", `2:15: invalid JSON: invalid character ',' looking for beginning of value`},
		{"empty", "", `1:1: invalid JSON: EOF`},
		{"trailing value", `{"typeName": "My::Shop::Cart"} []`, `1:32: invalid JSON: more than one value`},
		{"bad type name", `{"typeName": "AWS::S3"}`, `1:14: /typeName: typeName must be of the form Organization::Service::Resource, got "AWS::S3"`},
		{"no type name", `{}`, `1:1: /typeName: typeName must be of the form Organization::Service::Resource, got null`},
		{"properties not an object", "{\"typeName\": \"My::Shop::Cart\",\n \"properties\": [1]}", `2:16: /properties: properties must be an object, got an array`},
		{"schema not an object", `{"typeName": "My::Shop::Cart", "definitions": {"X": {"items": 5}}}`, `1:63: /definitions/X/items: a schema is a JSON object, got the number 5`},
		{"oneOf not a list", `{"typeName": "My::Shop::Cart", "oneOf": {}}`, `1:41: /oneOf: oneOf must be an array of schemas, got an object`},
		{"handlers not an object", `{"typeName": "My::Shop::Cart", "handlers": true}`, `1:44: /handlers: handlers must be an object, got a boolean`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Minify([]byte(tc.doc))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got  %s\n want %s", err, tc.want)
			}
		})
	}
}

func TestEncodeDecode(t *testing.T) {
	cases := []struct {
		name    string
		schemas map[string][]byte
	}{
		{"none", map[string][]byte{}},
		{"one", map[string][]byte{"AWS::S3::Bucket": []byte(`{"typeName":"AWS::S3::Bucket"}`)}},
		{"several, sorted by name", map[string][]byte{
			"AWS::SQS::Queue": []byte(`{"a":1}`),
			"AWS::S3::Bucket": []byte(`{"b":"x,\"y\":"}`),
			"AWS::EC2::VPC":   []byte(`{}`),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := Encode(tc.schemas)
			if err != nil {
				t.Fatal(err)
			}
			names, docs, err := Decode(data)
			if err != nil {
				t.Fatalf("%v in\n%s", err, data)
			}
			if len(names) != len(tc.schemas) {
				t.Fatalf("names %v", names)
			}
			for i, name := range names {
				if i > 0 && names[i-1] >= name {
					t.Errorf("names out of order: %v", names)
				}
				if string(docs[name]) != string(tc.schemas[name]) {
					t.Errorf("%s: got %s, want %s", name, docs[name], tc.schemas[name])
				}
			}
			if !reflect.DeepEqual(len(docs), len(tc.schemas)) {
				t.Errorf("docs %v", docs)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		name    string
		schemas map[string][]byte
		want    string
	}{
		{"name with a quote", map[string][]byte{`My::Shop::Cart"`: []byte(`{}`)}, "not of the form"},
		{"schema over two lines", map[string][]byte{"My::Shop::Cart": []byte("{\n}")}, "spans several lines"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Encode(tc.schemas)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"no header", `{"types":{}}`, "does not start with"},
		{"no footer", Header + "\n\"My::Shop::Cart\":{}\n", "does not end with"},
		{"missing comma", Header + "\n\"My::Shop::Cart\":{}\n\"My::Shop::Deal\":{}\n}}", "line 2: missing comma"},
		{"no name", Header + "\n{}\n}}", "line 2: does not start with a quoted type name"},
		{"duplicate", Header + "\n\"My::Shop::Cart\":{},\n\"My::Shop::Cart\":{}\n}}", "appears twice"},
		{"out of order", Header + "\n\"My::Shop::Deal\":{},\n\"My::Shop::Cart\":{}\n}}", "out of order"},
		{"bad name", Header + "\n\"A::B::\\x\":{}\n}}", "type name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"My_Shop_Cart.json":  `{"typeName": "My::Shop::Cart", "description": "x", "properties": {}}`,
		"My_Shop_Deal.json":  "{\"typeName\": \"My::Shop::Deal\",\n \"properties\": 1}",
		"My_Shop_Cart2.json": `{"typeName": "My::Shop::Cart"}`,
		"README.md":          "not a schema",
		"My_Shop_Item.json":  `{"typeName": "My::Shop::Item"}`,
		"broken.json":        `{`,
	}
	for name, content := range files {
		if err := os.WriteFile(dir+"/"+name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	schemas, problems, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(schemas) != 2 || schemas["My::Shop::Cart"] == nil || schemas["My::Shop::Item"] == nil {
		t.Errorf("schemas %v", schemas)
	}
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, strings.ReplaceAll(p.Error(), dir+"/", ""))
	}
	want := []string{
		"My_Shop_Cart2.json: type My::Shop::Cart is also defined in My_Shop_Cart.json",
		"My_Shop_Deal.json:2:16: /properties: properties must be an object, got the number 1",
		"broken.json:1:2: invalid JSON: unexpected EOF",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("problems\n got  %q\n want %q", msgs, want)
	}
	if _, _, err := Build(dir + "/missing"); err == nil {
		t.Error("Build of a missing directory gave no error")
	}
}

func TestTemplateFixes(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"nested stacks need no name",
			`{"typeName": "AWS::CloudFormation::Stack", "required": ["StackName", "TemplateURL"]}`,
			`{"required":["TemplateURL"],"typeName":"AWS::CloudFormation::Stack"}`},
		{"required emptied is dropped",
			`{"typeName": "AWS::CloudFormation::Stack", "required": ["StackName"]}`,
			`{"typeName":"AWS::CloudFormation::Stack"}`},
		{"other types untouched",
			`{"typeName": "AWS::CloudFormation::StackSet", "required": ["StackSetName"]}`,
			`{"required":["StackSetName"],"typeName":"AWS::CloudFormation::StackSet"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := Minify([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
