package ledger

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"qualstate"
)

func TestEvents(t *testing.T) {
	tr := newTrail(t, Options{})
	start := tr.store.now.Add(-100 * time.Millisecond) // the first event is 1 ms later
	at := func(seq int) time.Time { return start.Add(time.Duration(seq+1) * time.Millisecond) }
	tests := []struct {
		name   string
		filter Filter
		want   []int64
	}{
		{"everything", Filter{}, seqs(0, 100)},
		{"subject prefix", Filter{Subject: "run/R03"}, seqs(16, 20)},
		{"action prefix", Filter{Action: "run.created", Subject: "run/R1"}, []int64{51, 56, 61, 66, 71, 76, 81, 86, 91, 96}},
		{"actor", Filter{Actor: "alice", Subject: "run/R00"}, seqs(1, 5)},
		{"other actor", Filter{Actor: "bob"}, nil},
		{"since and until", Filter{Since: at(10), Until: at(13)}, seqs(10, 13)},
		{"until excludes", Filter{Until: at(0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			err := tr.log.Events(context.Background(), tt.filter, func(ev qualstate.AuditEvent) error {
				want, err := qualstate.DecodeAuditEvent(tr.store.events[ev.Seq])
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(ev, want) {
					return fmt.Errorf("event %d read as %+v, want %+v", ev.Seq, ev, want)
				}
				got = append(got, ev.Seq)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("events %v, want %v", got, tt.want)
			}
		})
	}
}

func seqs(from, to int64) []int64 {
	var out []int64
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func TestEventsErrors(t *testing.T) {
	tr := newTrail(t, Options{})
	stop := errors.New("stop")
	n := 0
	err := tr.log.Events(context.Background(), Filter{}, func(qualstate.AuditEvent) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Events = %v after %d calls, want fn's error after one", err, n)
	}

	tr.store.events[3] = []byte(`{"seq":3}`)
	err = tr.log.Events(context.Background(), Filter{}, func(qualstate.AuditEvent) error { return nil })
	if err == nil {
		t.Error("Events read an unreadable event")
	}
}

// TestParseEventAcceptsCanonical holds the fast reader to the events the
// Store writes, so that Verify does not fall back to the slow one.
func TestParseEventAcceptsCanonical(t *testing.T) {
	base := qualstate.AuditEvent{Seq: 41, Time: time.Date(2026, 3, 1, 9, 0, 0, 120000000, time.UTC), Actor: "alice", Action: "run.updated", Subject: "run/R01"}
	tests := []struct {
		name string
		edit func(*qualstate.AuditEvent)
		fast bool
	}{
		{"minimal", func(*qualstate.AuditEvent) {}, true},
		{"all fields", func(e *qualstate.AuditEvent) {
			e.Reason, e.Before, e.After = "approved: fine", qualstate.Digest([]byte("a")), qualstate.Digest([]byte("b"))
		}, true},
		{"whole second", func(e *qualstate.AuditEvent) { e.Time = e.Time.Truncate(time.Second) }, true},
		{"nanoseconds", func(e *qualstate.AuditEvent) { e.Time = e.Time.Add(7) }, true},
		{"seq zero", func(e *qualstate.AuditEvent) { e.Seq = 0 }, true},
		{"empty actor", func(e *qualstate.AuditEvent) { e.Actor = "" }, true},
		{"time in another zone", func(e *qualstate.AuditEvent) { e.Time = e.Time.In(time.FixedZone("X", 3600)) }, true},
		{"quote in reason", func(e *qualstate.AuditEvent) { e.Reason = `said "no"` }, false},
		{"non-ASCII reason", func(e *qualstate.AuditEvent) { e.Reason = "geprüft" }, false},
		{"HTML in reason", func(e *qualstate.AuditEvent) { e.Reason = "<b>&</b>" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := base
			tt.edit(&ev)
			data := ev.Encode()
			v, ok := parseEvent(data)
			if ok != tt.fast {
				t.Fatalf("parseEvent(%s) ok = %v, want %v", data, ok, tt.fast)
			}
			got, err := decodeEvent(data, v, ok)
			if err != nil {
				t.Fatal(err)
			}
			want, err := qualstate.DecodeAuditEvent(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded %+v, want %+v", got, want)
			}
		})
	}
}

// FuzzParseEvent checks that the fast reader accepts nothing the full
// decoder refuses, and reads what it accepts the same way.
func FuzzParseEvent(f *testing.F) {
	ev := qualstate.AuditEvent{Seq: 7, Time: time.Date(2026, 3, 1, 9, 0, 0, 5, time.UTC), Actor: "alice", Action: "run.created", Subject: "run/R1",
		Reason: "why", Before: qualstate.Digest(nil), After: qualstate.Digest([]byte("x"))}
	f.Add(ev.Encode())
	ev.Reason, ev.Before = "", ""
	f.Add(ev.Encode())
	f.Add([]byte(`{"seq":7,"time":"2026-03-01T09:00:00Z","actor":"","action":"","subject":""}`))
	f.Add([]byte(`{"seq":07,"time":"2026-03-01T09:00:00Z","actor":"","action":"","subject":""}`))
	f.Add([]byte(`{"seq":7,"time":"2026-03-01T09:00:00.10Z","actor":"","action":"","subject":""}`))
	f.Add([]byte(`{"seq":7,"time":"2026-02-30T09:00:00Z","actor":"","action":"","subject":"","reason":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ok := parseEvent(data)
		if !ok {
			return
		}
		want, err := qualstate.DecodeAuditEvent(data)
		if err != nil {
			t.Fatalf("parseEvent accepted %q, DecodeAuditEvent refuses it: %v", data, err)
		}
		got, err := decodeEvent(data, v, ok)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("parseEvent read %q as %+v (%v), want %+v", data, got, err, want)
		}
	})
}
