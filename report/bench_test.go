package report

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"qualstate"
)

// largeCheck is a check of the size a platform repository gives: 50
// templates of 40 resources each, every resource checked by 5 requirements
// (10,000 findings), a diagnostic per template.
func largeCheck() *Check {
	c := fixtureCheck()
	c.Templates, c.Findings = nil, nil
	results := []qualstate.Result{qualstate.ResultPass, qualstate.ResultPass, qualstate.ResultFail, qualstate.ResultIndeterminate, qualstate.ResultPass}
	reqs := c.RequirementSet.Requirements
	for ti := range 50 {
		file := fmt.Sprintf("stacks/service-%02d/template.yaml", ti)
		c.Templates = append(c.Templates, TemplateResult{
			File: file, Digest: fmt.Sprintf("%064x", ti), Resources: 40,
			Diagnostics: []qualstate.Diagnostic{{Severity: qualstate.SeverityWarning, Code: "unknown-property",
				Message: "unknown property \"Tagz\"", Loc: qualstate.Location{File: file, Line: 3, Column: 5}, LogicalID: "Res0"}},
		})
		for ri := range 40 {
			for qi, r := range reqs {
				c.Findings = append(c.Findings, qualstate.Finding{
					RequirementID: r.ID, Title: r.Title, Risk: r.Risk, Controls: r.Controls, Stage: qualstate.StageStatic,
					Result:       results[(ri+qi)%len(results)],
					Reason:       fmt.Sprintf("RetentionInDays is %d, want ≥ 365 & <= 3653", ri),
					ResourceType: r.ResourceTypes[0], LogicalID: fmt.Sprintf("Res%d", ri),
					Loc: qualstate.Location{File: file, Line: 10 + ri*12, Column: 3},
				})
			}
		}
	}
	qualstate.SortFindings(c.Findings)
	return c
}

func BenchmarkWriters(b *testing.B) {
	c := largeCheck()
	for _, w := range writers {
		b.Run(w.name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := w.write(&buf, c); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if err := w.write(io.Discard, c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(c.Findings)), "ns/finding")
		})
	}
}

func BenchmarkReadJSON(b *testing.B) {
	var buf bytes.Buffer
	if err := JSON(&buf, largeCheck()); err != nil {
		b.Fatal(err)
	}
	doc := buf.Bytes()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadJSON(bytes.NewReader(doc), "bench.json"); err != nil {
			b.Fatal(err)
		}
	}
}
