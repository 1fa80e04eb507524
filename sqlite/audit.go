package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"qualstate"
)

// trail appends the audit events of one write transaction. Events share
// the transaction of the change they record, so neither is ever kept
// without the other.
type trail struct {
	ctx  context.Context
	tx   *sql.Tx
	base qualstate.AuditEvent // Time, Actor and Reason of every event
	next int64                // the next seq; -1 until read from the table
}

// trail starts the audit events of a write transaction.
func (s *Store) trail(ctx context.Context, tx *sql.Tx) *trail {
	return &trail{ctx: ctx, tx: tx, next: -1, base: qualstate.AuditEvent{
		Time:   s.clock().UTC(),
		Actor:  qualstate.ActorOf(ctx),
		Reason: qualstate.ReasonOf(ctx),
	}}
}

// append records ev with the next seq and the transaction's time, and the
// transaction's actor and reason where ev has none.
func (a *trail) append(ev qualstate.AuditEvent) (qualstate.AuditEvent, error) {
	if a.next < 0 {
		// The write lock is held from the transaction's start, so no other
		// writer can take this seq before the commit.
		if err := a.tx.QueryRowContext(a.ctx, `SELECT coalesce(max(seq) + 1, 0) FROM audit_events`).Scan(&a.next); err != nil {
			return qualstate.AuditEvent{}, err
		}
	}
	ev.Seq, ev.Time = a.next, a.base.Time
	if ev.Actor == "" {
		ev.Actor = a.base.Actor
	}
	if ev.Reason == "" {
		ev.Reason = a.base.Reason
	}
	if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO audit_events (seq, doc) VALUES (?, ?)`, ev.Seq, ev.Encode()); err != nil {
		return qualstate.AuditEvent{}, err
	}
	a.next++
	return ev, nil
}

// record appends the event of a change to one record; before and after
// are the record's stored bytes (nil when it did not or does not exist).
// A change that leaves the bytes as they were is no change: nothing is
// appended.
func (a *trail) record(action, subject string, before, after []byte) error {
	if before != nil && after != nil && string(before) == string(after) {
		return nil
	}
	_, err := a.append(qualstate.AuditEvent{Action: action, Subject: subject, Before: digestOf(before), After: digestOf(after)})
	return err
}

// digestOf returns the hex SHA-256 of a stored record, "" for none.
func digestOf(b []byte) string {
	if b == nil {
		return ""
	}
	return qualstate.Digest(b)
}

// AppendAudit records an event no other write records. Its Seq and Time
// are the store's; an empty Actor or Reason is the context's. An event
// without an action or a subject is ErrInvalidInput.
func (s *Store) AppendAudit(ctx context.Context, ev qualstate.AuditEvent) (qualstate.AuditEvent, error) {
	if ev.Action == "" || ev.Subject == "" {
		return qualstate.AuditEvent{}, invalid("append audit event: an event needs an action and a subject")
	}
	var out qualstate.AuditEvent
	err := s.write(ctx, "append audit event "+ev.Action, func(tx *sql.Tx) error {
		var err error
		out, err = s.trail(ctx, tx).append(ev)
		return err
	})
	return out, err
}

// AuditSize returns the number of events recorded.
func (s *Store) AuditSize(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(seq) + 1, 0) FROM audit_events`).Scan(&n); err != nil {
		return 0, s.fail("count audit events", err)
	}
	return n, nil
}

// ScanAudit calls fn with every event from seq from on, in one query that
// streams the rows: a trail of millions of events is never held in
// memory. Each event's bytes are fn's to keep.
//
// The rows are read from the driver directly, past database/sql: its
// per-row locking and the copy it makes of every value cost a third of
// the scan, and the copy is not needed, since the driver gives each row
// a blob of its own.
func (s *Store) ScanAudit(ctx context.Context, from int64, fn func(seq int64, data []byte) error) error {
	op := fmt.Sprintf("scan audit events from %d", from)
	if from < 0 {
		return invalid("scan audit events: seq %d is negative", from)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.fail(op, err)
	}
	defer conn.Close()
	var stop error // fn's, returned as it is
	err = conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("the driver's connection %T cannot query", dc)
		}
		rows, err := q.QueryContext(ctx, `SELECT seq, doc FROM audit_events WHERE seq >= ? ORDER BY seq`,
			[]driver.NamedValue{{Ordinal: 1, Value: from}})
		if err != nil {
			return err
		}
		defer rows.Close()
		row := make([]driver.Value, 2)
		for {
			if err := rows.Next(row); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			seq, ok1 := row[0].(int64)
			data, ok2 := row[1].([]byte)
			if !ok1 || !ok2 {
				return fmt.Errorf("audit event row holds %T and %T, not an integer and a blob", row[0], row[1])
			}
			if stop = fn(seq, data); stop != nil {
				return nil
			}
		}
	})
	if stop != nil {
		return stop
	}
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// hashBatch bounds the indexes read by one query, well under SQLite's
// limit on bound parameters.
const hashBatch = 500

// AuditHashes returns the stored tree hashes at the indexes, in their
// order. An index with no hash stored is ErrNotFound.
func (s *Store) AuditHashes(ctx context.Context, indexes []int64) ([][32]byte, error) {
	const op = "read audit hashes"
	out := make([][32]byte, len(indexes))
	for start := 0; start < len(indexes); start += hashBatch {
		batch := indexes[start:min(start+hashBatch, len(indexes))]
		var q string
		var args []any
		if contiguous(batch) {
			// Verification reads the whole tree in order: a range is one
			// index seek where a list of hundreds is hundreds.
			q, args = `SELECT idx, hash FROM audit_hashes WHERE idx BETWEEN ? AND ?`, []any{batch[0], batch[len(batch)-1]}
		} else {
			args = make([]any, len(batch))
			for i, idx := range batch {
				args[i] = idx
			}
			q = `SELECT idx, hash FROM audit_hashes WHERE idx IN (?` + strings.Repeat(", ?", len(batch)-1) + `)`
		}
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, s.fail(op, err)
		}
		found := make(map[int64][32]byte, len(batch))
		for rows.Next() {
			var idx int64
			var h []byte
			if err := rows.Scan(&idx, &h); err != nil {
				rows.Close()
				return nil, s.fail(op, err)
			}
			if len(h) != 32 {
				rows.Close()
				return nil, s.fail(op, fmt.Errorf("hash %d is %d bytes, not 32", idx, len(h)))
			}
			found[idx] = [32]byte(h)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.fail(op, err)
		}
		for i, idx := range batch {
			h, ok := found[idx]
			if !ok {
				return nil, notFound("audit hash %d not found", idx)
			}
			out[start+i] = h
		}
	}
	return out, nil
}

// SealAudit stores the seal's hashes and checkpoint in one transaction.
// A tree that is no longer seal.Size events is ErrConflict; a seal that
// does not fit the tree stored (NewSize beyond the events or not above
// Size, hashes not starting where the stored ones end, a checkpoint of
// another size) is ErrInvalidInput. Either way nothing is stored.
func (s *Store) SealAudit(ctx context.Context, seal qualstate.AuditSeal) error {
	op := fmt.Sprintf("seal audit events %d to %d", seal.Size, seal.NewSize)
	if seal.NewSize <= seal.Size || seal.Size < 0 {
		return invalid("%s: the new size must be above the old", op)
	}
	if seal.Checkpoint.Size != seal.NewSize {
		return invalid("%s: the checkpoint is of size %d", op, seal.Checkpoint.Size)
	}
	cp := seal.Checkpoint
	cp.Time = cp.Time.UTC()
	doc, err := json.Marshal(&cp)
	if err != nil {
		return invalid("%s: %w", op, err)
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		var sealed, events, hashes int64
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT coalesce(max(size), 0) FROM audit_checkpoints),
			(SELECT coalesce(max(seq) + 1, 0) FROM audit_events),
			(SELECT coalesce(max(idx) + 1, 0) FROM audit_hashes)`).Scan(&sealed, &events, &hashes); err != nil {
			return err
		}
		if sealed != seal.Size {
			return conflict("%s: the trail is sealed up to %d events now", op, sealed)
		}
		if seal.NewSize > events {
			return invalid("%s: only %d events are recorded", op, events)
		}
		// Hashes are stored without gaps, in tlog's order: a seal that
		// starts anywhere else was computed over another tree.
		if seal.HashIndex != hashes {
			return invalid("%s: its hashes start at index %d, the stored ones end at %d", op, seal.HashIndex, hashes)
		}
		for i, h := range seal.Hashes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)`, seal.HashIndex+int64(i), h[:]); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, doc) VALUES (?, ?)`, seal.NewSize, string(doc))
		return err
	})
}

// AuditCheckpoints returns every checkpoint stored, in size order.
func (s *Store) AuditCheckpoints(ctx context.Context) ([]qualstate.AuditCheckpoint, error) {
	const op = "read audit checkpoints"
	rows, err := s.db.QueryContext(ctx, `SELECT doc FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []qualstate.AuditCheckpoint{}
	for rows.Next() {
		var doc []byte
		var cp qualstate.AuditCheckpoint
		if err := rows.Scan(&doc); err != nil {
			return nil, s.fail(op, err)
		}
		if err := json.Unmarshal(doc, &cp); err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, cp)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// digestQueries yield, for every kind of record the trail vouches for,
// the subject its events name and the bytes its digest is of (or, for
// links, the digest itself, marked by isDigest).
var digestQueries = []struct {
	query    string
	isDigest bool
}{
	{`SELECT 'run/' || id, doc FROM runs`, false},
	{`SELECT 'run/' || run_id || '/step/' || seq, doc FROM steps`, false},
	{`SELECT 'run/' || run_id || '/case/' || id, doc FROM test_cases`, false},
	{`SELECT 'evidence/' || digest, blob FROM evidence`, false},
	{`SELECT 'run/' || run_id || '/evidence/' || digest, digest FROM run_evidence`, true},
	{`SELECT 'run/' || run_id || '/baseline/' || logical_id, doc FROM baselines`, false},
	{`SELECT 'user/' || id, doc FROM users`, false},
	{`SELECT 'user/' || u.id || '/credential', c.doc FROM credentials c JOIN users u ON u.key = c.user_key`, false},
	{`SELECT 'setting/' || key, value FROM settings`, false},
	{`SELECT 'record/' || digest, blob FROM records`, false},
	{`SELECT 'signature/' || id, doc FROM signatures`, false},
	{`SELECT 'review/' || run_id, doc FROM reviews`, false},
	{`SELECT 'waiver/' || id, doc FROM waivers`, false},
}

// contiguous reports whether the indexes ascend by one.
func contiguous(idx []int64) bool {
	for i := 1; i < len(idx); i++ {
		if idx[i] != idx[i-1]+1 {
			return false
		}
	}
	return true
}

// RecordDigests calls fn with the subject and digest of every record but
// sessions, all read in one snapshot of the database. Evidence and signed
// records are hashed from their bytes, never taken from their key, so a
// blob altered in place shows.
func (s *Store) RecordDigests(ctx context.Context, fn func(subject, digest string) error) error {
	const op = "read record digests"
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.fail(op, err)
	}
	defer conn.Close()
	// A deferred transaction reads one snapshot without taking the write
	// lock that the store's own transactions begin with.
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return s.fail(op, err)
	}
	defer func() {
		// Read only: there is nothing to keep, and a canceled context
		// must not leave the pooled connection inside the transaction.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
	}()
	for _, dq := range slices.Concat(digestQueries, monitorDigestQueries) {
		stop, err := scanDigests(ctx, conn, dq.query, dq.isDigest, fn)
		if stop != nil {
			return stop
		}
		if err != nil {
			return s.fail(op, err)
		}
	}
	return nil
}

// scanDigests calls fn for each row of the query; stop is the error fn
// returned, err a failure to read.
func scanDigests(ctx context.Context, conn *sql.Conn, query string, isDigest bool, fn func(subject, digest string) error) (stop, err error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var subject string
		var data []byte
		if err := rows.Scan(&subject, &data); err != nil {
			return nil, err
		}
		d := string(data)
		if !isDigest {
			d = qualstate.Digest(data)
		}
		if err := fn(subject, d); err != nil {
			return err, nil
		}
	}
	return nil, rows.Err()
}
