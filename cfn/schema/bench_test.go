package schema

import (
	"testing"
)

// BenchmarkLookupCold measures the first Lookup a process makes:
// decompressing and indexing the bundle, then parsing one schema.
func BenchmarkLookupCold(b *testing.B) {
	for b.Loop() {
		c, err := openCatalog(schemasGz)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.lookup("AWS::S3::Bucket"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenCatalog measures decompressing and indexing alone.
func BenchmarkOpenCatalog(b *testing.B) {
	for b.Loop() {
		if _, err := openCatalog(schemasGz); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse measures the first lookup of a type once the bundle is
// open: parsing its schema.
func BenchmarkParse(b *testing.B) {
	c, err := loadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::IAM::Role", "AWS::EC2::SecurityGroup", "AWS::WAFv2::WebACL"} {
		b.Run(typ, func(b *testing.B) {
			doc := c.raw[typ]
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := Parse(typ, doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLookupWarm measures a lookup of a type already parsed.
func BenchmarkLookupWarm(b *testing.B) {
	Lookup("AWS::S3::Bucket")
	for b.Loop() {
		if _, ok := Lookup("AWS::S3::Bucket"); !ok {
			b.Fatal("no schema")
		}
	}
}

// benchFixtures are typical resources: valid ones, as most templates
// are, and one with mistakes, where messages are built.
var benchFixtures = []struct{ name, file string }{
	{"S3Bucket", "testdata/validate/s3-bucket-secure.json"},
	{"IAMRole", "testdata/validate/iam-role-lambda.json"},
	{"SecurityGroup", "testdata/validate/ec2-security-group-web.json"},
	{"S3BucketWithMistakes", "testdata/validate/s3-bucket-mistakes.json"},
}

func BenchmarkValidate(b *testing.B) {
	for _, bf := range benchFixtures {
		b.Run(bf.name, func(b *testing.B) {
			f := readFixture(b, bf.file)
			s, _ := Lookup(f.Type)
			s.Coerce(f.Properties)
			for b.Loop() {
				s.Validate(f.Properties)
			}
		})
	}
}

func BenchmarkCoerce(b *testing.B) {
	for _, bf := range benchFixtures[:3] {
		b.Run(bf.name, func(b *testing.B) {
			f := readFixture(b, bf.file)
			s, _ := Lookup(f.Type)
			for b.Loop() {
				b.StopTimer()
				props := deepCopy(f.Properties).(map[string]any)
				b.StartTimer()
				s.Coerce(props)
			}
		})
	}
}

// BenchmarkValidateLimit times the worst a value can cost: alternatives
// that all fail, nested until the step limit stops validation.
func BenchmarkValidateLimit(b *testing.B) {
	s, err := Parse("deep.json", []byte(`{"typeName": "A::B::C", "definitions": {
		"N": {"type": "object", "properties": {"N": {"$ref": "#/definitions/N"}},
		      "anyOf": [{"$ref": "#/definitions/M"}, {"$ref": "#/definitions/M"}]},
		"M": {"type": "object", "properties": {"N": {"$ref": "#/definitions/N"}}}},
		"properties": {"N": {"$ref": "#/definitions/N"}}}`))
	if err != nil {
		b.Fatal(err)
	}
	var v any = int64(1)
	for range 40 {
		v = map[string]any{"N": v}
	}
	props := v.(map[string]any)
	for b.Loop() {
		if got := s.Validate(props); got[len(got)-1].Code != CodeTooComplex {
			b.Fatal("limit not reached")
		}
	}
}
