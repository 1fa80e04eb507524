package ledger

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"qualstate"
)

// benchTrail returns a store of n events in groups of five, as newTrail
// writes them, sealed once.
func benchTrail(b *testing.B, n int) (*memStore, *Log) {
	b.Helper()
	ctx := qualstate.WithActor(context.Background(), "alice")
	tr := &trail{store: newMemStore()}
	// Room for what the benchmark appends, so that growing the store's
	// slices is not what it measures.
	const room = 1 << 20
	tr.store.events = make([][]byte, 0, n+room)
	tr.store.hashes = make([][32]byte, 0, tlog.StoredHashIndex(0, int64(n+room)))
	for g := 0; 5*g < n; g++ {
		tr.group(ctx, g)
	}
	l := Open(tr.store, testKey("qualstate-test"), Options{})
	if _, err := l.Seal(ctx); err != nil {
		b.Fatal(err)
	}
	// Collect the garbage of building the trail now, not while timing.
	runtime.GC()
	return tr.store, l
}

// BenchmarkVerify1M verifies a sealed trail of a million events and
// 200,000 records.
func BenchmarkVerify1M(b *testing.B) {
	_, l := benchTrail(b, 1_000_000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		rep, err := l.Verify(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatal(rep.Problems[0].Detail)
		}
	}
}

// BenchmarkSeal measures one event appended and sealed on trails of
// growing size: the cost per event grows with log n, not n.
func BenchmarkSeal(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("AppendAndSeal/n=%d", n), func(b *testing.B) {
			m, l := benchTrail(b, n)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				m.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.noted", Subject: "audit"})
				if _, err := l.Seal(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSealBatch measures sealing a thousand new events at once, per
// event.
func BenchmarkSealBatch(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			m, l := benchTrail(b, n)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				for range 1000 {
					m.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.noted", Subject: "audit"})
				}
				b.StartTimer()
				if _, err := l.Seal(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/event")
		})
	}
}
