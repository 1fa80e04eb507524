package aws_test

import (
	"encoding/json"
	"testing"

	"qualstate/aws"
)

// FuzzDecodeProperties feeds the decoder of Cloud Control's Properties
// documents arbitrary text: it never panics, and a model it returns encodes
// back to JSON.
func FuzzDecodeProperties(f *testing.F) {
	for _, s := range []string{
		`{"BucketName":"logs","Tags":[{"Key":"a","Value":"1"}]}`,
		`{"Size":9007199254740993,"Ratio":0.5,"Exp":1e3}`,
		`{}`, ``, `[1]`, `{"a":` + "\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := aws.DecodeProperties(s)
		if err != nil {
			return
		}
		if m == nil {
			t.Fatal("nil model without an error")
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("the model does not encode: %v", err)
		}
	})
}
