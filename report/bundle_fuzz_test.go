package report

import (
	"bytes"
	"testing"
)

// FuzzVerifyBundle feeds VerifyBundle arbitrary bytes, seeded with a good
// bundle: it must never panic, and whatever it accepts must carry a run.
func FuzzVerifyBundle(f *testing.F) {
	var buf bytes.Buffer
	fx := newQualFixture(f)
	if err := WriteBundle(&buf, fx.q, fx.evidence); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := VerifyBundle(bytes.NewReader(b), int64(len(b)))
		if err == nil && (m == nil || m.RunID == "") {
			t.Fatalf("accepted a bundle without a run: %+v", m)
		}
	})
}
