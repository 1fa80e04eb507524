package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkInsertToStart measures how long an evaluation waits between
// being queued on an idle queue and its handler starting, with the
// production defaults (PollInterval 50ms, two workers): the share of the
// queue in an event's path to a recorded deviation.
func BenchmarkInsertToStart(b *testing.B) {
	const jobs = 200
	started := make(chan time.Time, 1)
	q, err := Open(b.Context(), Options{Path: filepath.Join(b.TempDir(), "jobs.db")}, Handlers{
		Evaluate: func(context.Context, Evaluate) error {
			started <- time.Now()
			return nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	if err := q.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	var latencies []time.Duration
	round := 0
	for b.Loop() {
		round++
		for i := range jobs {
			queued := time.Now()
			if err := q.Evaluate(b.Context(), Evaluate{Instance: "bench", Trigger: fmt.Sprintf("event %d-%d", round, i)}); err != nil {
				b.Fatal(err)
			}
			latencies = append(latencies, (<-started).Sub(queued))
		}
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(latencies)), "jobs")
}
