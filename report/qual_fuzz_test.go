package report

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"qualstate"
)

// FuzzReadQualificationJSON: any input is either rejected with a
// qualstate.Error or read into a Qualification that the HTML and JUnit
// writers render and whose JSON reads back to the same JSON. (The PDF writer
// is left out: at tens of milliseconds a document it would slow the fuzzer
// a hundredfold; TestQualificationPDF and TestQualificationPDFLongText give
// it hostile and oversized text.) Run it with -fuzzminimizetime=3s: the
// default minute of minimising each new input leaves little time to fuzz.
func FuzzReadQualificationJSON(f *testing.F) {
	// A small seed with something of every part: the minimiser, which
	// re-runs the target for each byte it tries to drop, crawls on a
	// seed as large as the golden file.
	small := newQualFixture(f).q
	small.RequirementSet.Requirements = small.RequirementSet.Requirements[2:4]
	small.TestCases = slices.DeleteFunc(small.TestCases, func(c qualstate.TestCase) bool {
		return c.LogicalID != "AuditLogs" || c.Kind == qualstate.CaseExists
	})
	small.Steps = small.Steps[7:9]
	small.Baseline = small.Baseline[1:2]
	for d := range small.Evidence {
		if d != small.Baseline[0].Evidence {
			delete(small.Evidence, d)
		}
	}
	var seed bytes.Buffer
	if err := QualificationJSON(&seed, small); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	// The same run approved, with the certificate approval issued.
	small.Run.Status = qualstate.RunPassed
	signRun(f, small, qualstate.ReviewApproved,
		fixtureSigner{"jweiss", "Jürgen Weiß", qualstate.MeaningApproved, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), "ok"})
	issueCertificate(f, small)
	var approved bytes.Buffer
	if err := QualificationJSON(&approved, small); err != nil {
		f.Fatal(err)
	}
	f.Add(approved.Bytes())
	var minimal bytes.Buffer
	if err := QualificationJSON(&minimal, &Qualification{Run: &qualstate.Run{ID: "r"}}); err != nil {
		f.Fatal(err)
	}
	f.Add(minimal.Bytes())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version": "qualstate.run/v1", "run": {"started": "0000-01-01T00:00:00+01:00"}}`))
	f.Add([]byte(`{"version": "qualstate.run/v1", "run": {}, "baseline": [{"properties": {"n": 1e400}}]}`))
	f.Add([]byte("[\n\"\xff\"]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := ReadQualificationJSON(bytes.NewReader(data))
		if err != nil {
			var qe *qualstate.Error
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a qualstate.Error", err)
			}
			return
		}
		for name, write := range map[string]func(io.Writer, *Qualification) error{
			"html": QualificationHTML, "junit": QualificationJUnit,
		} {
			if err := write(io.Discard, q); err != nil {
				t.Fatalf("%s cannot render a qualification ReadQualificationJSON accepted: %v", name, err)
			}
		}
		first := renderQual(t, QualificationJSON, q)
		again, err := ReadQualificationJSON(bytes.NewReader(first))
		if err != nil {
			t.Fatalf("ReadQualificationJSON rejects what QualificationJSON wrote: %v\n%s", err, first)
		}
		if second := renderQual(t, QualificationJSON, again); !bytes.Equal(first, second) {
			t.Fatalf("JSON is not a fixed point of ReadQualificationJSON:\n%s", firstDifference(second, first))
		}
	})
}
