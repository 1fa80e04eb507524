package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// decodeProps reads fuzz input as properties: JSON, with {"$unknown": …}
// for values known only after deployment. ok is false for anything else.
func decodeProps(data []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	m, ok := fromJSON(v).(map[string]any)
	return m, ok
}

// addFixtureSeeds seeds a fuzz target with the properties of every
// testdata/validate fixture.
func addFixtureSeeds(f *testing.F, add func(typeName string, props []byte)) {
	files, _ := filepath.Glob("testdata/validate/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var fx struct {
			Type       string          `json:"type"`
			Properties json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(data, &fx); err != nil {
			f.Fatal(err)
		}
		add(fx.Type, fx.Properties)
	}
}

// FuzzValidate validates and coerces arbitrary properties against any
// embedded schema. Neither may panic or hang; Validate must give the same
// answer twice, point only at values that exist, and Coerce must be
// idempotent.
func FuzzValidate(f *testing.F) {
	types := Types()
	index := map[string]uint16{}
	for i, name := range types {
		index[name] = uint16(i)
	}
	addFixtureSeeds(f, func(typeName string, props []byte) { f.Add(index[typeName], props) })
	f.Add(index["AWS::WAFv2::WebACL"], []byte(`{"Rules":[{"Statement":{"AndStatement":{"Statements":[{"NotStatement":{"Statement":{"ByteMatchStatement":{}}}}]}}}]}`))
	f.Add(index["AWS::EC2::Volume"], []byte(`{"Size":"8","AvailabilityZone":{"$unknown":"!GetAZs"}}`))
	f.Add(uint16(0), []byte(`{"":{"":[[[[[]]]]]}}`))
	f.Fuzz(func(t *testing.T, sel uint16, data []byte) {
		props, ok := decodeProps(data)
		if !ok {
			return
		}
		s, ok := Lookup(types[int(sel)%len(types)])
		if !ok {
			t.Fatalf("no schema for %s", types[int(sel)%len(types)])
		}
		first := s.Validate(props)
		if second := s.Validate(props); !reflect.DeepEqual(first, second) {
			t.Fatalf("Validate differs between calls:\n%v\n%v", first, second)
		}
		for _, v := range first {
			if v.Code == CodeTooComplex {
				continue
			}
			if _, found := valueAt(props, v.Pointer); !found {
				t.Errorf("violation %q points at nothing", v)
			}
		}
		s.Coerce(props)
		once := deepCopy(props)
		s.Coerce(props)
		if !reflect.DeepEqual(once, props) {
			t.Fatalf("Coerce is not idempotent:\n%#v\n%#v", once, props)
		}
	})
}

// FuzzParse parses arbitrary schema documents, and uses those that parse:
// no input may panic or hang.
func FuzzParse(f *testing.F) {
	// Small schemas only: the fuzzer minimises what it finds, and
	// minimising a 20 KB schema takes it minutes.
	for _, name := range []string{"AWS::Logs::LogGroup", "AWS::CloudWatch::MetricStream", "AWS::EC2::VerifiedAccessTrustProvider"} {
		c, err := loadCatalog()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.raw[name], []byte(`{"Name":"x","Tags":[{"Key":"k","Value":"v"}]}`))
	}
	f.Add([]byte(`{"typeName":"A::B::C","definitions":{"N":{"anyOf":[{"$ref":"#/definitions/N"},{"$ref":"#/definitions/N"}]}},"properties":{"N":{"$ref":"#/definitions/N"}}}`),
		[]byte(`{"N":{"N":{"N":1}}}`))
	f.Add([]byte(`{"typeName":"A::B::C","properties":{"P":{"type":["integer","string"],"pattern":"(?=x)","items":[true,false]}}}`), []byte(`{"P":"5"}`))
	f.Fuzz(func(t *testing.T, doc, data []byte) {
		s, err := Parse("fuzz.json", doc)
		if err != nil {
			return
		}
		props, ok := decodeProps(data)
		if !ok {
			props = map[string]any{}
		}
		s.Validate(props)
		s.Coerce(props)
		s.Validate(props)
		for _, a := range s.Attributes() {
			if !s.HasAttribute(a) {
				t.Errorf("attribute %q listed but HasAttribute says no", a)
			}
		}
		s.HasAttribute("a.b.c")
		s.InsertionOrder("/a/0/b")
		s.Defaults()
	})
}

// valueAt returns the value a JSON pointer names in props.
func valueAt(props map[string]any, pointer string) (any, bool) {
	var cur any = props
	for _, seg := range splitPointer(pointer) {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
