package qualify_test

import (
	"io"
	"os"
	"strings"
	"testing"

	"qualstate"
	"qualstate/policy"
	"qualstate/policy/library"
	"qualstate/qualify"
	"qualstate/report"
	"qualstate/sandbox"
)

// BenchmarkQualification30 qualifies a 30-resource template end to end on
// the sandbox through the SDK over loopback HTTP — static, IQ, OQ with
// every challenge of the built-in library, teardown — and writes the HTML
// and PDF reports: the example GxP platform (29 resources) and a topic.
func BenchmarkQualification30(b *testing.B) {
	body, err := os.ReadFile("../examples/gxp-data-platform.yaml")
	if err != nil {
		b.Fatal(err)
	}
	body = []byte(strings.Replace(string(body), "\nResources:\n", "\nResources:\n  BenchTopic:\n    Type: AWS::SNS::Topic\n", 1))
	set, err := library.Set()
	if err != nil {
		b.Fatal(err)
	}
	engine, err := policy.NewEngine(set)
	if err != nil {
		b.Fatal(err)
	}
	e := newBenchEnv(b)
	params := map[string]string{"Environment": "prod", "DataClassification": "gxp-restricted"}
	b.ResetTimer()
	for b.Loop() {
		run, err := qualify.Start(b.Context(), qualify.Options{
			Store: e.store, Cloud: e.cloud, Engine: engine, TemplateFile: "bench30.yaml", TemplateBody: body,
			Parameters: params, Challenge: qualstate.ChallengeAll, Executor: "bench", DetectTimeout: 3e9,
		})
		if err != nil {
			b.Fatal(err)
		}
		q, err := report.LoadQualification(b.Context(), e.store, run.ID, report.Tool{Name: "qualstate"})
		if err != nil {
			b.Fatal(err)
		}
		if err := report.QualificationHTML(io.Discard, q); err != nil {
			b.Fatal(err)
		}
		if err := report.QualificationPDF(io.Discard, q); err != nil {
			b.Fatal(err)
		}
	}
}

func newBenchEnv(b *testing.B) *env {
	b.Helper()
	return newEnvTB(b, sandbox.Options{})
}
