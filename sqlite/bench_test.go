package sqlite_test

import (
	"fmt"
	"testing"

	"qualstate"
)

// BenchmarkAddTestCases measures recording test cases, one durable commit
// per call, for calls of one case and of a stage's worth.
func BenchmarkAddTestCases(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := open(b, dbPath(b))
			defer s.Close()
			const runID = "run-bench-01"
			if err := s.CreateRun(b.Context(), &qualstate.Run{ID: runID}); err != nil {
				b.Fatal(err)
			}
			tc := qualstate.TestCase{
				RunID: runID, Stage: qualstate.StageIQ, Kind: qualstate.CaseCheck, RequirementID: "S3-ENC-01",
				Controls: []qualstate.Control{"nist-800-53:SC-28"}, ResourceType: "AWS::S3::Bucket", LogicalID: "Records",
				Description: "bucket encrypted at rest", Expected: "true", Actual: "true", Result: qualstate.ResultPass,
				Evidence: []string{digest([]byte("x"))},
			}
			cases := make([]qualstate.TestCase, batch)
			n := 0
			for b.Loop() {
				for i := range cases {
					tc.ID = fmt.Sprintf("IQ-%08d", n)
					cases[i] = tc
					n++
				}
				if err := s.AddTestCases(b.Context(), cases); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "cases/s")
		})
	}
}

// BenchmarkPutEvidence measures storing new evidence blobs of typical
// sizes: a small API response and a large resource description.
func BenchmarkPutEvidence(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("size=%dKiB", size>>10), func(b *testing.B) {
			s := open(b, dbPath(b))
			defer s.Close()
			const runID = "run-bench-01"
			if err := s.CreateRun(b.Context(), &qualstate.Run{ID: runID}); err != nil {
				b.Fatal(err)
			}
			blob := make([]byte, size)
			for i := range blob {
				blob[i] = byte('a' + i%26)
			}
			b.SetBytes(int64(size))
			n := 0
			for b.Loop() {
				// A new blob each time: storing one already stored only
				// links it.
				copy(blob, fmt.Sprintf("%016d", n))
				n++
				if err := s.PutEvidence(b.Context(), runID, digest(blob), blob); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
