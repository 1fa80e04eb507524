package ledger

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"qualstate"
)

// testKey returns a fixed instance key, so that runs are reproducible.
func testKey(name string) *qualstate.InstanceKey {
	seed := sha256.Sum256([]byte(name))
	return &qualstate.InstanceKey{Name: name, Private: ed25519.NewKeyFromSeed(seed[:])}
}

// trail is a store holding a trail of groups of five events: a session
// event, which vouches for no record, then run/Rgg created and updated
// three times. Group g holds events 5g to 5g+4.
type trail struct {
	store *memStore
	log   *Log
	// notes are the checkpoint notes of the seals, in order.
	notes []string
}

func subject(g int) string { return fmt.Sprintf("run/R%02d", g) }

func (tr *trail) group(ctx context.Context, g int) {
	tr.store.AppendAudit(ctx, qualstate.AuditEvent{Action: "session.started", Subject: fmt.Sprintf("session/%012x", g)})
	tr.store.put(ctx, "run.created", subject(g), fmt.Appendf(nil, `{"id":"R%02d","status":"running"}`, g))
	for v := 2; v <= 4; v++ {
		tr.store.put(ctx, "run.updated", subject(g), fmt.Appendf(nil, `{"id":"R%02d","status":"running","step":%d}`, g, v))
	}
}

// newTrail builds 100 events sealed at 40, 70 and 90.
func newTrail(t testing.TB, opts Options) *trail {
	t.Helper()
	ctx := qualstate.WithActor(context.Background(), "alice")
	tr := &trail{store: newMemStore()}
	tr.log = Open(tr.store, testKey("qualstate-test"), opts)
	g := 0
	for _, upto := range []int{8, 14, 18, 20} {
		for ; g < upto; g++ {
			tr.group(ctx, g)
		}
		if upto == 20 {
			break
		}
		cp, err := tr.log.Seal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tr.notes = append(tr.notes, cp.Note)
	}
	return tr
}

// problems renders a report's problems as "kind@seq", with the subject
// for record problems, sorted and without repeats.
func problems(rep *Report) []string {
	var out []string
	for _, p := range rep.Problems {
		s := fmt.Sprintf("%s@%d", p.Kind, p.Seq)
		if p.Subject != "" {
			s += ":" + p.Subject
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func reencode(t *testing.T, data []byte, edit func(*qualstate.AuditEvent)) []byte {
	t.Helper()
	ev, err := qualstate.DecodeAuditEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	edit(&ev)
	return ev.Encode()
}

func removeEvents(m *memStore, from, to int) {
	m.events = slices.Delete(slices.Clone(m.events), from, to)
}

// truncate removes the events from n on, the checkpoints beyond them and
// their tree hashes, and the records only those events named: what
// someone covering their tracks would do.
func truncate(m *memStore, n int) {
	m.events = m.events[:n]
	for len(m.cps) > 0 && m.cps[len(m.cps)-1].Size > int64(n) {
		m.cps = m.cps[:len(m.cps)-1]
	}
	var size int64
	if len(m.cps) > 0 {
		size = m.cps[len(m.cps)-1].Size
	}
	m.hashes = m.hashes[:tlog.StoredHashIndex(0, size)]
	for g := n / 5; g < 20; g++ {
		delete(m.records, subject(g))
	}
}

// forge replaces the stored tree and every checkpoint with ones computed
// over the events as they are now, signed with another key.
func forge(t *testing.T, m *memStore) {
	t.Helper()
	other := testKey("qualstate-test")
	other.Private = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	s, _, err := newSigner(other)
	if err != nil {
		t.Fatal(err)
	}
	var hashes [][32]byte
	read := tlog.HashReaderFunc(func(xs []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(xs))
		for i, x := range xs {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for n, data := range m.events {
		hs, err := tlog.StoredHashes(int64(n), data, read)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, fromTlog(hs)...)
	}
	m.hashes = hashes[:tlog.StoredHashIndex(0, 90)]
	for i, cp := range m.cps {
		root, err := tlog.TreeHash(cp.Size, read)
		if err != nil {
			t.Fatal(err)
		}
		text, err := signTree(s, tlog.Tree{N: cp.Size, Hash: root})
		if err != nil {
			t.Fatal(err)
		}
		m.cps[i] = qualstate.AuditCheckpoint{Size: cp.Size, Root: root, Note: text, Time: cp.Time}
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	unaudited := func(from int) []string {
		var out []string
		for g := from; g < 20; g++ {
			out = append(out, "record-unaudited@-1:"+subject(g))
		}
		return out
	}
	tests := []struct {
		name    string
		witness bool
		// kept picks the checkpoint notes, by seal, given to Verify.
		kept   []int
		tamper func(*testing.T, *memStore)
		want   []string
	}{
		{name: "untouched", tamper: func(*testing.T, *memStore) {}},
		{
			name: "sealed event changed",
			tamper: func(t *testing.T, m *memStore) {
				m.events[22] = reencode(t, m.events[22], func(e *qualstate.AuditEvent) { e.Actor = "mallory" })
			},
			want: []string{"event-changed@22"},
		},
		{
			name: "sealed event changed with its stored leaf hash",
			tamper: func(t *testing.T, m *memStore) {
				m.events[22] = reencode(t, m.events[22], func(e *qualstate.AuditEvent) { e.Reason = "nothing to see" })
				m.hashes[tlog.StoredHashIndex(0, 22)] = tlog.RecordHash(m.events[22])
			},
			// The checkpoint vouches for the pair 22–23 only: either may
			// have been changed.
			want: []string{"event-changed@-1"},
		},
		{
			name:   "sealed event removed",
			tamper: func(_ *testing.T, m *memStore) { removeEvents(m, 20, 21) },
			want:   []string{"event-missing@20"},
		},
		{
			name:   "sealed events removed",
			tamper: func(_ *testing.T, m *memStore) { removeEvents(m, 30, 33) },
			want:   []string{"event-missing@30"},
		},
		{
			name: "record event removed",
			// Event 23 finds the record as event 22 left it, not as 21 did:
			// the missing event explains it.
			tamper: func(_ *testing.T, m *memStore) { removeEvents(m, 22, 23) },
			want:   []string{"event-missing@22"},
		},
		{
			name:   "unsealed event removed",
			tamper: func(_ *testing.T, m *memStore) { removeEvents(m, 95, 96) },
			want:   []string{"event-missing@95"},
		},
		{
			name: "unsealed event made unreadable",
			tamper: func(_ *testing.T, m *memStore) {
				m.events[97] = []byte(strings.Replace(string(m.events[97]), `"seq":97,`, `"seq":"97",`, 1))
			},
			want: []string{"event-changed@97"},
		},
		{
			name:   "events swapped",
			tamper: func(_ *testing.T, m *memStore) { m.events[10], m.events[15] = m.events[15], m.events[10] },
			want:   []string{"event-reordered@10", "event-reordered@15"},
		},
		{
			name: "event copied over another",
			tamper: func(_ *testing.T, m *memStore) {
				m.events = slices.Clone(m.events)
				m.events[10] = m.events[15]
			},
			want: []string{"event-changed@10", "event-missing@10"},
		},
		{
			name:   "tail truncated, checkpoints kept",
			tamper: func(_ *testing.T, m *memStore) { m.events = m.events[:55] },
			want:   append([]string{"truncated@55"}, unaudited(11)...),
		},
		{
			name:   "tail truncated with its checkpoints and records",
			tamper: func(_ *testing.T, m *memStore) { truncate(m, 55) },
			// Nothing in the database tells: what the witness is for.
		},
		{
			name:    "tail truncated with its checkpoints and records, witnessed",
			witness: true,
			tamper:  func(_ *testing.T, m *memStore) { truncate(m, 55) },
			want:    []string{"checkpoint-missing@-1", "truncated@55"},
		},
		{
			name:   "tail truncated with its checkpoints and records, note kept",
			kept:   []int{1},
			tamper: func(_ *testing.T, m *memStore) { truncate(m, 55) },
			want:   []string{"checkpoint-missing@-1", "truncated@55"},
		},
		{
			name:    "witness removed",
			witness: true,
			tamper:  func(*testing.T, *memStore) {},
			want:    []string{"checkpoint-missing@-1"},
		},
		{
			name:   "stored leaf hash changed",
			tamper: func(_ *testing.T, m *memStore) { m.hashes[tlog.StoredHashIndex(0, 7)][0] ^= 1 },
			want:   []string{"hash-changed@7"},
		},
		{
			name:   "stored inner hash changed",
			tamper: func(_ *testing.T, m *memStore) { m.hashes[tlog.StoredHashIndex(2, 3)][31] ^= 0x80 },
			want:   []string{"hash-changed@-1"},
		},
		{
			name:   "stored tree hashes removed",
			tamper: func(_ *testing.T, m *memStore) { m.hashes = m.hashes[:100] },
			want:   []string{"hash-changed@-1"},
		},
		{
			name:   "stored tree hashes removed, note kept",
			kept:   []int{0},
			tamper: func(_ *testing.T, m *memStore) { m.hashes = m.hashes[:10] },
			want:   []string{"hash-changed@-1"},
		},
		{
			name: "checkpoint forged with another key",
			tamper: func(t *testing.T, m *memStore) {
				m.events[22] = reencode(t, m.events[22], func(e *qualstate.AuditEvent) { e.Actor = "mallory" })
				forge(t, m)
			},
			want: []string{"checkpoint-invalid@-1"},
		},
		{
			name: "checkpoint forged with another key, note kept",
			kept: []int{0},
			tamper: func(t *testing.T, m *memStore) {
				m.events[22] = reencode(t, m.events[22], func(e *qualstate.AuditEvent) { e.Actor = "mallory" })
				forge(t, m)
			},
			want: []string{"checkpoint-invalid@-1", "checkpoint-missing@-1", "event-changed@-1"},
		},
		{
			name: "checkpoint root changed in the database",
			tamper: func(_ *testing.T, m *memStore) {
				m.cps = slices.Clone(m.cps)
				m.cps[1].Root[0] ^= 1
			},
			want: []string{"checkpoint-invalid@-1"},
		},
		{
			name: "record changed between two events",
			tamper: func(t *testing.T, m *memStore) {
				m.events[88] = reencode(t, m.events[88], func(e *qualstate.AuditEvent) { e.Before = qualstate.Digest([]byte("{}")) })
				forge(t, m)
			},
			// Sealed with the key, the stored event 88 would have been found
			// changed; the forged checkpoints hide that but not the break.
			want: []string{"checkpoint-invalid@-1", "record-changed@88:run/R17"},
		},
		{
			name:   "record digest changed",
			tamper: func(_ *testing.T, m *memStore) { m.records[subject(3)] = qualstate.Digest([]byte("{}")) },
			want:   []string{"record-changed@19:run/R03"},
		},
		{
			name:   "record removed",
			tamper: func(_ *testing.T, m *memStore) { delete(m.records, subject(3)) },
			want:   []string{"record-removed@19:run/R03"},
		},
		{
			name:   "record written outside",
			tamper: func(_ *testing.T, m *memStore) { m.records["run/R99"] = qualstate.Digest([]byte("{}")) },
			want:   []string{"record-unaudited@-1:run/R99"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts Options
			if tt.witness {
				opts.Witness = filepath.Join(t.TempDir(), "witness")
			}
			tr := newTrail(t, opts)
			tt.tamper(t, tr.store)
			if tt.name == "witness removed" {
				if err := os.Remove(opts.Witness); err != nil {
					t.Fatal(err)
				}
			}
			var kept []string
			for _, i := range tt.kept {
				kept = append(kept, tr.notes[i])
			}
			rep, err := tr.log.Verify(context.Background(), kept...)
			if err != nil {
				t.Fatal(err)
			}
			got := problems(rep)
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems\n got %q\nwant %q", got, tt.want)
				for _, p := range rep.Problems {
					t.Log(p.Detail)
				}
			}
			if rep.OK() != (len(tt.want) == 0) {
				t.Errorf("OK() = %v with %d problems", rep.OK(), len(rep.Problems))
			}
			for _, p := range rep.Problems {
				if p.Detail == "" || strings.Contains(p.Detail, "\n") {
					t.Errorf("problem %s: detail %q is not one line", p.Kind, p.Detail)
				}
			}
		})
	}
}

func TestVerifyCounts(t *testing.T) {
	tr := newTrail(t, Options{})
	rep, err := tr.log.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Report{Events: 100, Sealed: 90, Unsealed: 10, Checkpoints: 3, Records: 20, Checkpoint: tr.notes[2], Problems: []Problem{}}
	if fmt.Sprint(*rep) != fmt.Sprint(want) {
		t.Errorf("report\n got %+v\nwant %+v", *rep, want)
	}
}

func TestProblemDetails(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(*testing.T, *memStore)
		want   string
	}{
		{
			name: "changed",
			tamper: func(t *testing.T, m *memStore) {
				m.events[41] = reencode(t, m.events[41], func(e *qualstate.AuditEvent) { e.Actor = "mallory" })
			},
			want: "event 41 was changed after checkpoint 70 was signed",
		},
		{
			name:   "removed",
			tamper: func(_ *testing.T, m *memStore) { removeEvents(m, 20, 21) },
			want:   "event 20 was removed from the trail after checkpoint 40 was signed",
		},
		{
			name:   "swapped",
			tamper: func(_ *testing.T, m *memStore) { m.events[10], m.events[15] = m.events[15], m.events[10] },
			want:   "event 10 is stored at position 15: the order of the trail was changed",
		},
		{
			name:   "truncated",
			tamper: func(_ *testing.T, m *memStore) { m.events = m.events[:55] },
			want:   "the trail ends at event 54 but checkpoint 90 in the database covers 90 events: events 55 to 89 were removed",
		},
		{
			name:   "record removed",
			tamper: func(_ *testing.T, m *memStore) { delete(m.records, subject(3)) },
			want:   "record run/R03 was removed: event 19 recorded digest ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTrail(t, Options{})
			tt.tamper(t, tr.store)
			rep, err := tr.log.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) == 0 || !strings.HasPrefix(rep.Problems[0].Detail, tt.want) {
				t.Errorf("first problem %v, want %q", rep.Problems, tt.want)
			}
		})
	}
}

func TestSealRefusesTamperedTrail(t *testing.T) {
	tests := []struct {
		name    string
		witness bool
		tamper  func(*testing.T, *memStore)
	}{
		{"truncated", false, func(_ *testing.T, m *memStore) { m.events = m.events[:80] }},
		{"checkpoints removed, witnessed", true, func(_ *testing.T, m *memStore) { truncate(m, 55) }},
		{"stored edge hash changed", false, func(_ *testing.T, m *memStore) { m.hashes[tlog.StoredHashIndex(6, 0)][0] ^= 1 }},
		{"stored tree hashes removed", false, func(_ *testing.T, m *memStore) { m.hashes = m.hashes[:10] }},
		{"unsealed event removed", false, func(_ *testing.T, m *memStore) { removeEvents(m, 95, 96) }},
		{"unsealed event unreadable", false, func(_ *testing.T, m *memStore) { m.events[95] = []byte("{}") }},
		{"newest checkpoint forged", false, forge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts Options
			if tt.witness {
				opts.Witness = filepath.Join(t.TempDir(), "witness")
			}
			tr := newTrail(t, opts)
			tt.tamper(t, tr.store)
			// A fresh Log, as the next command would open.
			_, err := Open(tr.store, testKey("qualstate-test"), opts).Seal(context.Background())
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("Seal = %v, want ErrTampered", err)
			}
			if len(tr.store.cps) > 3 {
				t.Errorf("Seal stored a checkpoint over a tampered trail")
			}
		})
	}
}

func TestSeal(t *testing.T) {
	ctx := context.Background()
	witness := filepath.Join(t.TempDir(), "witness")
	m := newMemStore()
	l := Open(m, testKey("qualstate-test"), Options{Witness: witness, Clock: func() time.Time { return time.Unix(1e9, 0) }})

	cp, err := l.Seal(ctx)
	if err != nil || cp != (qualstate.AuditCheckpoint{}) {
		t.Fatalf("Seal of an empty trail = %+v, %v; want the zero checkpoint", cp, err)
	}
	if _, err := os.Stat(witness); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an empty trail wrote the witness: %v", err)
	}

	// Seal after every count of events up to 40, so every shape of
	// tree edge is extended once.
	var want [][]byte
	for n := 1; n <= 40; n++ {
		for range n % 3 {
			ev, err := m.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.noted", Subject: "audit"})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, ev.Encode())
		}
		cp, err := l.Seal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		root, err := tlog.TreeHash(int64(len(want)), treeOf(want))
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size != int64(len(want)) || cp.Root != root {
			t.Fatalf("after %d events the checkpoint is %d %x, want %d %x", len(want), cp.Size, cp.Root, len(want), root)
		}
		if !cp.Time.Equal(time.Unix(1e9, 0)) {
			t.Errorf("checkpoint time %v, want the clock's", cp.Time)
		}
		w, err := os.ReadFile(witness)
		if err != nil || string(w) != cp.Note {
			t.Fatalf("witness holds %q (%v), want the newest checkpoint", w, err)
		}
	}
	if got := int64(len(m.hashes)); got != tlog.StoredHashCount(int64(len(want))) {
		t.Errorf("stored %d tree hashes, want %d", got, tlog.StoredHashCount(int64(len(want))))
	}
	before := len(m.cps)
	again, err := l.Seal(ctx)
	if err != nil || again.Note != m.cps[before-1].Note || len(m.cps) != before {
		t.Errorf("Seal with nothing new = %+v, %v; want the newest checkpoint and nothing stored", again, err)
	}
}

// treeOf returns the stored tree of the events, computed by tlog.
func treeOf(events [][]byte) tlog.HashReader {
	var hashes []tlog.Hash
	r := tlog.HashReaderFunc(func(xs []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(xs))
		for i, x := range xs {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for n, data := range events {
		hs, err := tlog.StoredHashes(int64(n), data, r)
		if err != nil {
			panic(err)
		}
		hashes = append(hashes, hs...)
	}
	return r
}

func TestSealConcurrent(t *testing.T) {
	ctx := context.Background()
	m := newMemStore()
	key := testKey("qualstate-test")
	logs := []*Log{Open(m, key, Options{}), Open(m, key, Options{})}
	var wg sync.WaitGroup
	errs := make(chan error, 2*50)
	for _, l := range logs {
		wg.Go(func() {
			for range 50 {
				if _, err := m.AppendAudit(ctx, qualstate.AuditEvent{Action: "audit.noted", Subject: "audit"}); err != nil {
					errs <- err
				}
				if _, err := l.Seal(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	final, err := logs[0].Seal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if final.Size != 100 {
		t.Errorf("final checkpoint covers %d events, want 100", final.Size)
	}
	rep, err := logs[1].Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("concurrent seals left problems: %v", rep.Problems)
	}
	// Every checkpoint is a prefix of the final tree.
	for _, cp := range m.cps {
		c, err := logs[0].ProveConsistency(ctx, cp.Note)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(VerifierKey(key), c); err != nil {
			t.Errorf("checkpoint %d: %v", cp.Size, err)
		}
	}
}

func TestRun(t *testing.T) {
	m := newMemStore()
	var failures []error
	var mu sync.Mutex
	l := Open(m, testKey("qualstate-test"), Options{OnError: func(err error) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, err)
	}})
	for range 10 {
		m.AppendAudit(context.Background(), qualstate.AuditEvent{Action: "audit.noted", Subject: "audit"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		l.Run(ctx, time.Millisecond)
		close(done)
	}()
	// Wait for the seal, or for Run to report why it cannot make one.
	for {
		cps, _ := m.AuditCheckpoints(ctx)
		mu.Lock()
		failed := len(failures) > 0
		mu.Unlock()
		if failed || len(cps) > 0 && cps[len(cps)-1].Size == 10 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("Run reported %v", failures)
	}
}

func TestVerifierKey(t *testing.T) {
	key := testKey("qualstate-test")
	vkey := VerifierKey(key)
	name, pub, err := ParseVerifierKey(vkey)
	if err != nil || name != key.Name || !pub.Equal(key.Public()) {
		t.Errorf("ParseVerifierKey(%q) = %q, %x, %v", vkey, name, pub, err)
	}
	// The note package must accept what Seal signs under this key.
	tr := newTrail(t, Options{})
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open([]byte(tr.notes[0]), note.VerifierList(v)); err != nil {
		t.Errorf("note.Open of a checkpoint: %v", err)
	}

	for _, bad := range []string{"", "qualstate-test", vkey[:len(vkey)-4] + "AAA=", strings.Replace(vkey, "qualstate-test", "other", 1)} {
		if _, _, err := ParseVerifierKey(bad); err == nil {
			t.Errorf("ParseVerifierKey(%q) accepted", bad)
		}
	}
}

func TestOpenWithoutKey(t *testing.T) {
	l := Open(newMemStore(), nil, Options{})
	if _, err := l.Seal(context.Background()); err == nil {
		t.Error("Seal without a key succeeded")
	}
	if _, err := l.Verify(context.Background()); err == nil {
		t.Error("Verify without a key succeeded")
	}
}

// racingStore is a memStore where a write lands between Verify's scan of
// the events and its read of the records, as one from another process
// may.
type racingStore struct {
	*memStore
	write func()
}

func (r *racingStore) RecordDigests(ctx context.Context, fn func(subject, digest string) error) error {
	if r.write != nil {
		r.write()
		r.write = nil
	}
	return r.memStore.RecordDigests(ctx, fn)
}

func TestVerifyDuringWrite(t *testing.T) {
	tr := newTrail(t, Options{})
	ctx := context.Background()
	rs := &racingStore{memStore: tr.store, write: func() {
		tr.store.put(ctx, "run.updated", subject(3), []byte(`{"id":"R03","status":"passed"}`))
		tr.store.put(ctx, "run.created", "run/R20", []byte(`{"id":"R20"}`))
	}}
	rep, err := Open(rs, testKey("qualstate-test"), Options{}).Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("a write during Verify was reported: %v", rep.Problems)
	}
}

func TestVerifyListsAThousandOfAKind(t *testing.T) {
	tr := newTrail(t, Options{})
	for i := range 1500 {
		tr.store.records[fmt.Sprintf("setting/s%04d", i)] = qualstate.Digest(nil)
	}
	rep, err := tr.log.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != maxPerKind+1 {
		t.Fatalf("%d problems listed, want %d and a count of the rest", len(rep.Problems), maxPerKind+1)
	}
	if last := rep.Problems[maxPerKind]; last.Kind != RecordUnaudited || !strings.Contains(last.Detail, "500 more") {
		t.Errorf("last problem %+v, want the count of the 500 not listed", last)
	}
}

func TestVerifyKeptNotes(t *testing.T) {
	tr := newTrail(t, Options{})
	other := newMemStore()
	other.AppendAudit(context.Background(), qualstate.AuditEvent{Action: "audit.noted", Subject: "audit"})
	foreign := mustSeal(t, Open(other, testKey("qualstate-other"), Options{}))
	tests := []struct {
		name string
		note string
		want []string
	}{
		{"this trail's", tr.notes[1], nil},
		{"another instance's", foreign, []string{"checkpoint-invalid@-1"}},
		{"not a note", "go.sum database tree\n3\n", []string{"checkpoint-invalid@-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := tr.log.Verify(context.Background(), tt.note)
			if err != nil {
				t.Fatal(err)
			}
			if got := problems(rep); !slices.Equal(got, tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVerifyEventsOutsideTheFastReader checks a trail whose events the
// fast reader declines (non-ASCII, escaped text) end to end.
func TestVerifyEventsOutsideTheFastReader(t *testing.T) {
	ctx := qualstate.WithReason(qualstate.WithActor(context.Background(), "jürgen"), `approved "as is"`)
	m := newMemStore()
	for i := range 10 {
		m.put(ctx, "setting.changed", "setting/ä", fmt.Appendf(nil, "%d", i))
	}
	l := Open(m, testKey("qualstate-test"), Options{})
	if _, err := l.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := l.Verify(ctx)
	if err != nil || !rep.OK() || rep.Sealed != 10 {
		t.Fatalf("Verify = %+v, %v; want 10 sealed events and no problem", rep, err)
	}
	m.records["setting/ä"] = qualstate.Digest([]byte("0"))
	rep, err = l.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := problems(rep), []string{"record-changed@9:setting/ä"}; !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}
