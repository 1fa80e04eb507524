package sqlite_test

import (
	"fmt"
	"testing"
	"time"

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

// BenchmarkAppendAudit measures appending audit events one by one, each
// in its own durable commit, as writes that record one change do. Run it
// with -benchtime=10000x for the figure the README quotes.
func BenchmarkAppendAudit(b *testing.B) {
	s := open(b, dbPath(b))
	defer s.Close()
	ctx := qualstate.WithActor(b.Context(), "jdoe")
	ev := qualstate.AuditEvent{Action: "audit.verified", Subject: "audit", After: digest([]byte("root"))}
	for b.Loop() {
		if _, err := s.AppendAudit(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanAudit measures reading a trail of a million events, as
// verifying the ledger from the start does.
func BenchmarkScanAudit(b *testing.B) {
	const events = 1_000_000
	path := dbPath(b)
	s := open(b, path)
	defer s.Close()
	fillAudit(b, path, events)
	var size int
	for b.Loop() {
		size = 0
		n := int64(0)
		err := s.ScanAudit(b.Context(), 0, func(seq int64, data []byte) error {
			if seq != n {
				return fmt.Errorf("event %d where %d was due", seq, n)
			}
			n++
			size += len(data)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != events {
			b.Fatalf("scanned %d events, want %d", n, events)
		}
	}
	b.SetBytes(int64(size))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/events, "ns/event")
}

// fillAudit appends n events of typical size to the trail in one raw
// transaction: through the store, a durable commit each, a million would
// take the setup about ten minutes.
func fillAudit(b *testing.B, path string, n int) {
	b.Helper()
	db := rawDB(b, path)
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.Prepare(`INSERT INTO audit_events (seq, doc) VALUES (?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := range n {
		ev := qualstate.AuditEvent{
			Seq: int64(i), Time: t0.Add(time.Duration(i) * time.Millisecond), Actor: "jdoe",
			Action: "case.recorded", Subject: fmt.Sprintf("run/20261123-0900-ab12cd/case/IQ-%06d", i),
			After: digest(fmt.Appendf(nil, "case %d", i)),
		}
		if _, err := stmt.Exec(ev.Seq, ev.Encode()); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
