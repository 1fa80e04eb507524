package ledger

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"qualstate"
)

// memStore is qualstate.AuditStore in memory, keeping the interface's
// contract as the database stores do: seq from 0 without gaps, one
// transaction per write, the seal admitted only over the newest
// checkpoint. Its fields are open so that tests can tamper with them the
// way someone with access to the database file could.
type memStore struct {
	mu      sync.Mutex
	now     time.Time
	events  [][]byte
	hashes  [][32]byte
	cps     []qualstate.AuditCheckpoint
	records map[string]string
}

func newMemStore() *memStore {
	return &memStore{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), records: map[string]string{}}
}

// tick is the store's clock: every event a millisecond after the last.
func (m *memStore) tick() time.Time {
	m.now = m.now.Add(time.Millisecond)
	return m.now
}

func (m *memStore) appendLocked(ctx context.Context, ev qualstate.AuditEvent) qualstate.AuditEvent {
	ev.Seq = int64(len(m.events))
	ev.Time = m.tick()
	if ev.Actor == "" {
		ev.Actor = qualstate.ActorOf(ctx)
	}
	if ev.Reason == "" {
		ev.Reason = qualstate.ReasonOf(ctx)
	}
	m.events = append(m.events, ev.Encode())
	return ev
}

// put writes a record the way the Store does: the record and its event
// in one transaction, no event for an unchanged rewrite.
func (m *memStore) put(ctx context.Context, action, subject string, doc []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	before, after := m.records[subject], qualstate.Digest(doc)
	if before == after {
		return
	}
	m.records[subject] = after
	m.appendLocked(ctx, qualstate.AuditEvent{Action: action, Subject: subject, Before: before, After: after})
}

func (m *memStore) AppendAudit(ctx context.Context, ev qualstate.AuditEvent) (qualstate.AuditEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.appendLocked(ctx, ev), nil
}

func (m *memStore) AuditSize(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.events)), nil
}

func (m *memStore) ScanAudit(ctx context.Context, from int64, fn func(int64, []byte) error) error {
	m.mu.Lock()
	events := m.events
	m.mu.Unlock()
	for seq := max(from, 0); seq < int64(len(events)); seq++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(seq, events[seq]); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) AuditHashes(_ context.Context, indexes []int64) ([][32]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([][32]byte, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, "no audit tree hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memStore) SealAudit(_ context.Context, seal qualstate.AuditSeal) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var size int64
	if len(m.cps) > 0 {
		size = m.cps[len(m.cps)-1].Size
	}
	if seal.Size != size {
		return qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{}, "seal audit trail: the tree has %d events, not %d", size, seal.Size)
	}
	if seal.HashIndex != int64(len(m.hashes)) || seal.NewSize > int64(len(m.events)) || seal.Checkpoint.Size != seal.NewSize ||
		seal.HashIndex+int64(len(seal.Hashes)) != tlog.StoredHashIndex(0, seal.NewSize) {
		return qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "seal audit trail: seal of %d to %d does not fit the stored tree", seal.Size, seal.NewSize)
	}
	m.hashes = append(m.hashes, seal.Hashes...)
	m.cps = append(m.cps, seal.Checkpoint)
	return nil
}

func (m *memStore) AuditCheckpoints(context.Context) ([]qualstate.AuditCheckpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.cps), nil
}

func (m *memStore) RecordDigests(_ context.Context, fn func(subject, digest string) error) error {
	m.mu.Lock()
	records := maps.Clone(m.records)
	m.mu.Unlock()
	for _, subject := range slices.Sorted(maps.Keys(records)) {
		if err := fn(subject, records[subject]); err != nil {
			return err
		}
	}
	return nil
}
