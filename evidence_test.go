package qualstate

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEvidenceSealOpen(t *testing.T) {
	e := &Evidence{
		Operation: "cloudcontrol:GetResource", Request: "TypeName=AWS::S3::Bucket Identifier=logs",
		Time: time.Date(2026, 11, 23, 10, 0, 0, 5, time.FixedZone("CET", 3600)), Endpoint: "http://127.0.0.1:4566",
		Account: "123456789012", Region: "eu-west-1", ContentType: "application/x-amz-json-1.0",
		Body: `{"ResourceDescription":{"Properties":"{\"BucketName\":\"logs\"}"}}`,
	}
	digest, blob, err := e.Seal()
	if err != nil {
		t.Fatal(err)
	}
	again, blob2, _ := e.Seal()
	if digest != again || string(blob) != string(blob2) {
		t.Error("sealing twice gives different bytes")
	}
	got, err := OpenEvidence(digest, blob)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != e.Body || !got.Time.Equal(e.Time) || got.Time.Location() != time.UTC {
		t.Errorf("opened %+v", got)
	}
	tampered := []byte(strings.Replace(string(blob), "eu-west-1", "eu-west-2", 1))
	if _, err := OpenEvidence(digest, tampered); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("tampered evidence: %v", err)
	}
}

func TestRedactor(t *testing.T) {
	const secret = `p@ss"word<&>`
	r := NewRedactor(secret, "abc", "")
	tests := []struct {
		name, body string
		want       int
	}{
		{"as written", "token=" + secret, 1},
		{"JSON escaped, HTML-safe", `{"v":"p@ss\"word\u003c\u0026\u003e"}`, 1},
		{"JSON escaped plainly", `{"v":"p@ss\"word<&>"}`, 1},
		{"JSON in a JSON string", `{"Properties":"{\"v\":\"p@ss\\\"word<&>\"}"}`, 1},
		{"XML escaped", "<Value>p@ss&#34;word&lt;&amp;&gt;</Value>", 1},
		{"short values are not secrets", "abc abc", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Evidence{Body: tt.body}
			r.Redact(e)
			if e.Redacted != tt.want {
				t.Errorf("Redacted = %d, want %d (body now %s)", e.Redacted, tt.want, e.Body)
			}
			if tt.want > 0 && strings.Contains(e.Body, "word") {
				t.Errorf("secret left in %s", e.Body)
			}
		})
	}
}

func FuzzOpenEvidence(f *testing.F) {
	e := &Evidence{Operation: "input:Template", Body: "Resources: {}"}
	digest, blob, _ := e.Seal()
	f.Add(digest, blob)
	f.Add("", []byte("{}"))
	f.Fuzz(func(t *testing.T, digest string, blob []byte) {
		got, err := OpenEvidence(digest, blob)
		if err != nil {
			return
		}
		// Whatever opens must seal back to something that opens.
		d, b, err := got.Seal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := OpenEvidence(d, b); err != nil {
			t.Fatal(err)
		}
	})
}
