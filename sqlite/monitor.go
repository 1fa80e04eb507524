package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"qualstate"
)

var _ qualstate.MonitorStore = (*Store)(nil)

// monitorDigestQueries are the digestQueries of the records monitoring
// keeps. They are apart from digestQueries because adoptRecords runs those
// inside migration 0002, before these tables exist.
var monitorDigestQueries = []struct {
	query    string
	isDigest bool
}{
	{`SELECT 'instance/' || id, doc FROM instances`, false},
	{`SELECT 'instance/' || instance_id || '/baseline/' || logical_id, doc FROM instance_baselines`, false},
	{`SELECT 'instance/' || instance_id || '/evidence/' || digest, digest FROM instance_evidence`, true},
	{`SELECT 'deviation/' || id, doc FROM deviations`, false},
	{`SELECT 'evaluation/' || id, doc FROM evaluations`, false},
}

// maxIDLen bounds instance and deviation ids: they are parts of audit
// subjects, file names of reports and URLs.
const maxIDLen = 64

// validID reports whether id is 1 to 64 characters of [A-Za-z0-9._-].
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CreateInstance records a new instance and its baseline in one
// transaction. An id that is not 1 to 64 characters of [A-Za-z0-9._-], a
// baseline resource without a logical id or two with one, are
// ErrInvalidInput; a run not recorded is ErrNotFound; an id recorded
// before is ErrConflict. Nothing is written when any is refused.
func (s *Store) CreateInstance(ctx context.Context, inst *qualstate.Instance, baseline []qualstate.BaselineResource) error {
	doc, in, err := encodeInstance("register instance", inst)
	if err != nil {
		return err
	}
	docs, err := encodeBaseline("instance "+in.ID, baseline)
	if err != nil {
		return err
	}
	return s.write(ctx, "register instance "+in.ID, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, in.RunID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO instances (id, doc) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, in.ID, string(doc))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return conflict("register instance %s: an instance with this id is already registered", in.ID)
		}
		a := s.trail(ctx, tx)
		if err := a.record("instance.registered", "instance/"+in.ID, nil, doc); err != nil {
			return err
		}
		return putInstanceBaseline(ctx, tx, a, in.ID, baseline, docs)
	})
}

// UpdateInstance rewrites a recorded instance; an unknown id is
// ErrNotFound. An instance stays bound to its run: a new run comes with a
// new baseline, so changing RunID here is ErrConflict (RebaseInstance does
// it).
func (s *Store) UpdateInstance(ctx context.Context, inst *qualstate.Instance) error {
	doc, in, err := encodeInstance("update instance", inst)
	if err != nil {
		return err
	}
	return s.write(ctx, "update instance "+in.ID, func(tx *sql.Tx) error {
		old, was, err := instanceDoc(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		if string(old) == string(doc) {
			return nil
		}
		if was.RunID != in.RunID {
			return conflict("update instance %s: it is bound to run %s; binding it to run %s takes a new baseline: rebase it",
				in.ID, was.RunID, in.RunID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE instances SET doc = ? WHERE id = ?`, string(doc), in.ID); err != nil {
			return err
		}
		return s.trail(ctx, tx).record("instance.updated", "instance/"+in.ID, old, doc)
	})
}

// RebaseInstance rewrites a recorded instance and replaces its baseline in
// one transaction. The instance must be recorded and its run too
// (ErrNotFound); the baseline is checked as by CreateInstance. Resources
// the new baseline lacks are removed, each with a baseline.removed event.
func (s *Store) RebaseInstance(ctx context.Context, inst *qualstate.Instance, baseline []qualstate.BaselineResource) error {
	doc, in, err := encodeInstance("rebase instance", inst)
	if err != nil {
		return err
	}
	docs, err := encodeBaseline("instance "+in.ID, baseline)
	if err != nil {
		return err
	}
	return s.write(ctx, "rebase instance "+in.ID, func(tx *sql.Tx) error {
		old, _, err := instanceDoc(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		if err := runExists(ctx, tx, in.RunID); err != nil {
			return err
		}
		a := s.trail(ctx, tx)
		if string(old) != string(doc) {
			if _, err := tx.ExecContext(ctx, `UPDATE instances SET doc = ? WHERE id = ?`, string(doc), in.ID); err != nil {
				return err
			}
			if err := a.record("instance.rebased", "instance/"+in.ID, old, doc); err != nil {
				return err
			}
		}
		return putInstanceBaseline(ctx, tx, a, in.ID, baseline, docs)
	})
}

// encodeInstance checks an instance and returns its document and the UTC
// copy it encodes.
func encodeInstance(op string, inst *qualstate.Instance) ([]byte, *qualstate.Instance, error) {
	if inst == nil {
		return nil, nil, invalid("%s: no instance given", op)
	}
	if !validID(inst.ID) {
		return nil, nil, invalid("%s %q: an instance id is 1 to %d characters of A-Z, a-z, 0-9, '.', '_' and '-'", op, inst.ID, maxIDLen)
	}
	if inst.RunID == "" {
		return nil, nil, invalid("%s %s: the instance names no qualification run", op, inst.ID)
	}
	in := *inst
	in.Registered, in.LastEvaluated = in.Registered.UTC(), in.LastEvaluated.UTC()
	doc, err := json.Marshal(&in)
	if err != nil {
		return nil, nil, invalid("%s %s: %w", op, in.ID, err)
	}
	return doc, &in, nil
}

// putInstanceBaseline makes the instance's stored baseline the resources,
// writing only the rows that change, so a rebase onto the same state
// appends no event.
func putInstanceBaseline(ctx context.Context, tx *sql.Tx, a *trail, id string, resources []qualstate.BaselineResource, docs [][]byte) error {
	old, err := baselineDocs(ctx, tx, `SELECT logical_id, doc FROM instance_baselines WHERE instance_id = ?`, id)
	if err != nil {
		return err
	}
	for i, r := range resources {
		before := old[r.LogicalID]
		delete(old, r.LogicalID)
		if before != nil && string(before) == string(docs[i]) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO instance_baselines (instance_id, logical_id, doc) VALUES (?, ?, ?)
			ON CONFLICT (instance_id, logical_id) DO UPDATE SET doc = excluded.doc`, id, r.LogicalID, string(docs[i])); err != nil {
			return err
		}
		if err := a.record("baseline.recorded", "instance/"+id+"/baseline/"+r.LogicalID, before, docs[i]); err != nil {
			return err
		}
	}
	// What is left the baseline had and the new one lacks.
	for _, lid := range slices.Sorted(maps.Keys(old)) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM instance_baselines WHERE instance_id = ? AND logical_id = ?`, id, lid); err != nil {
			return err
		}
		if err := a.record("baseline.removed", "instance/"+id+"/baseline/"+lid, old[lid], nil); err != nil {
			return err
		}
	}
	return nil
}

// instanceDoc returns a recorded instance's document and its decoding;
// an instance not recorded is ErrNotFound.
func instanceDoc(ctx context.Context, q querier, id string) ([]byte, *qualstate.Instance, error) {
	var doc []byte
	err := q.QueryRowContext(ctx, `SELECT doc FROM instances WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFoundInstance(id)
	}
	if err != nil {
		return nil, nil, err
	}
	var in qualstate.Instance
	if err := json.Unmarshal(doc, &in); err != nil {
		return nil, nil, fmt.Errorf("instance %s: %w", id, err)
	}
	return doc, &in, nil
}

// instanceExists returns ErrNotFound unless the instance is recorded.
func instanceExists(ctx context.Context, q querier, id string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM instances WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFoundInstance(id)
	}
	return err
}

func notFoundInstance(id string) error {
	return notFound("instance %s not found", id)
}

// Instance returns the instance with the id.
func (s *Store) Instance(ctx context.Context, id string) (*qualstate.Instance, error) {
	_, in, err := instanceDoc(ctx, s.db, id)
	if err != nil {
		return nil, s.readFailure("read instance "+id, err)
	}
	return in, nil
}

// Instances lists every instance by id.
func (s *Store) Instances(ctx context.Context) ([]qualstate.Instance, error) {
	const op = "list instances"
	docs, err := s.docs(ctx, op, `SELECT doc FROM instances ORDER BY id`)
	if err != nil {
		return nil, err
	}
	out := make([]qualstate.Instance, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal(doc, &out[i]); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return out, nil
}

// InstanceBaseline returns the instance's baseline in logical-id order,
// with property values of the types Baseline gives.
func (s *Store) InstanceBaseline(ctx context.Context, id string) ([]qualstate.BaselineResource, error) {
	op := "read baseline of instance " + id
	if err := instanceExists(ctx, s.db, id); err != nil {
		return nil, s.readFailure(op, err)
	}
	docs, err := s.docs(ctx, op, `SELECT doc FROM instance_baselines WHERE instance_id = ? ORDER BY logical_id`, id)
	if err != nil {
		return nil, err
	}
	out, err := decodeBaseline(docs)
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// PutInstanceEvidence stores the blob under its digest and links it to
// the instance, as PutEvidence does for a run: a blob that does not hash
// to the digest is ErrInvalidInput and nothing is written; an instance not
// recorded is ErrNotFound.
func (s *Store) PutInstanceEvidence(ctx context.Context, instanceID, digest string, blob []byte) error {
	return s.putLinkedEvidence(ctx, "instance", instanceID, digest, blob, instanceExists,
		`INSERT INTO instance_evidence (instance_id, digest) VALUES (?, ?) ON CONFLICT (instance_id, digest) DO NOTHING`)
}

// deviationPrefix starts the ids PutDeviation gives.
const deviationPrefix = "D-"

// deviationNum returns the number of an id of the form D-NNNNNN.
func deviationNum(id string) (int64, bool) {
	digits, ok := strings.CutPrefix(id, deviationPrefix)
	// 18 digits always fit in an int64.
	if !ok || digits == "" || len(digits) > 18 {
		return 0, false
	}
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil
}

// knownState reports whether the store knows the deviation state: the
// store's rules turn on it, so a misspelt one must not pass as active.
func knownState(st qualstate.DeviationState) bool {
	switch st {
	case qualstate.DeviationOpen, qualstate.DeviationAcknowledged, qualstate.DeviationTreated,
		qualstate.DeviationAccepted, qualstate.DeviationClosed:
		return true
	}
	return false
}

// PutDeviation records a deviation, or rewrites the one recorded under its
// id. An empty ID takes the next free "D-NNNNNN" (six digits, more once
// those run out), set on d once recorded; any other id is 1 to 64
// characters of [A-Za-z0-9._-].
//
// A deviation without an instance, kind, key or state, or in a state the
// store does not know, is ErrInvalidInput; an instance not recorded is
// ErrNotFound. ErrConflict refuses: a second active (not closed)
// deviation with the instance and key of another; a rewrite of a closed
// deviation, whose history is final (an unchanged rewrite of it is no
// change, and accepted); a rewrite that moves a deviation to another
// instance or key.
//
// A new deviation's event is deviation.opened; a rewrite's is
// deviation.updated with, as its reason, the action of the last change in
// the deviation's history.
func (s *Store) PutDeviation(ctx context.Context, d *qualstate.Deviation) error {
	if d == nil {
		return invalid("record deviation: no deviation given")
	}
	c := *d
	op := "record deviation"
	if c.ID != "" {
		op += " " + c.ID
	}
	switch {
	case c.ID != "" && !validID(c.ID):
		return invalid("%s: a deviation id is 1 to %d characters of A-Z, a-z, 0-9, '.', '_' and '-'", op, maxIDLen)
	case c.InstanceID == "":
		return invalid("%s: the deviation names no instance", op)
	case c.Kind == "" || c.Key == "" || c.State == "":
		return invalid("%s: a deviation needs a kind, a key and a state", op)
	case !knownState(c.State):
		return invalid("%s: unknown state %q", op, c.State)
	}
	normalizeDeviation(&c)
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		if err := instanceExists(ctx, tx, c.InstanceID); err != nil {
			return err
		}
		var old []byte
		var oldInstance, oldKey, oldState string
		if c.ID == "" {
			var last sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT max(num) FROM deviations`).Scan(&last); err != nil {
				return err
			}
			c.ID = fmt.Sprintf("%s%06d", deviationPrefix, last.Int64+1)
		} else {
			err := tx.QueryRowContext(ctx, `SELECT instance_id, key, state, doc FROM deviations WHERE id = ?`, c.ID).
				Scan(&oldInstance, &oldKey, &oldState, &old)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		doc, err := json.Marshal(&c)
		if err != nil {
			return invalid("record deviation %s: %w", c.ID, err)
		}
		if old == nil {
			return s.insertDeviation(ctx, tx, &c, doc)
		}
		if string(old) == string(doc) {
			return nil
		}
		switch {
		case oldState == string(qualstate.DeviationClosed):
			return conflict("record deviation %s: it is closed, and a closed deviation's history is final", c.ID)
		case oldInstance != c.InstanceID || oldKey != c.Key:
			return conflict("record deviation %s: it is %s on instance %s, not %s on instance %s",
				c.ID, oldKey, oldInstance, c.Key, c.InstanceID)
		}
		// The key and instance are the stored ones, which the unique index
		// keeps to one active deviation: no other can clash.
		if _, err := tx.ExecContext(ctx, `UPDATE deviations SET state = ?, opened = ?, doc = ? WHERE id = ?`,
			string(c.State), c.Opened.Format(sortTime), string(doc), c.ID); err != nil {
			return err
		}
		var reason string
		if n := len(c.History); n > 0 {
			reason = c.History[n-1].Action
		}
		_, err = s.trail(ctx, tx).append(qualstate.AuditEvent{Action: "deviation.updated", Subject: "deviation/" + c.ID,
			Reason: reason, Before: digestOf(old), After: digestOf(doc)})
		return err
	})
	if err != nil {
		return err
	}
	d.ID = c.ID
	return nil
}

// insertDeviation records a new deviation, unless it would be a second
// active one for its instance and key.
func (s *Store) insertDeviation(ctx context.Context, tx *sql.Tx, d *qualstate.Deviation, doc []byte) error {
	if d.State.Active() {
		var other string
		err := tx.QueryRowContext(ctx, `SELECT id FROM deviations WHERE instance_id = ? AND key = ? AND state <> 'closed'`,
			d.InstanceID, d.Key).Scan(&other)
		if err == nil {
			return conflict("record deviation %s: deviation %s is already active for %s on instance %s", d.ID, other, d.Key, d.InstanceID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	var num sql.NullInt64
	num.Int64, num.Valid = deviationNum(d.ID)
	if _, err := tx.ExecContext(ctx, `INSERT INTO deviations (id, num, instance_id, key, state, opened, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		d.ID, num, d.InstanceID, d.Key, string(d.State), d.Opened.Format(sortTime), string(doc)); err != nil {
		return err
	}
	return s.trail(ctx, tx).record("deviation.opened", "deviation/"+d.ID, nil, doc)
}

// normalizeDeviation puts the deviation's times in UTC and its empty
// lists to nil, so one deviation has one stored form.
func normalizeDeviation(d *qualstate.Deviation) {
	d.Opened, d.Updated, d.Closed = d.Opened.UTC(), d.Updated.UTC(), d.Closed.UTC()
	if d.Waiver != nil {
		w := *d.Waiver // the caller's, not ours to change
		w.Expires = w.Expires.UTC()
		d.Waiver = &w
	}
	if len(d.History) == 0 {
		d.History = nil
	} else {
		h := make([]qualstate.DeviationChange, len(d.History))
		for i, ch := range d.History {
			ch.Time = ch.Time.UTC()
			h[i] = ch
		}
		d.History = h
	}
	if len(d.Controls) == 0 {
		d.Controls = nil
	}
	if len(d.Evidence) == 0 {
		d.Evidence = nil
	}
	if len(d.Remediation) == 0 {
		d.Remediation = nil
	}
}

// Deviation returns the deviation with the id. The values of its
// remediation's operations come back with the types Baseline gives.
func (s *Store) Deviation(ctx context.Context, id string) (*qualstate.Deviation, error) {
	op := "read deviation " + id
	var doc []byte
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM deviations WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("deviation %s not found", id)
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	var d qualstate.Deviation
	if err := decodeDeviation(doc, &d); err != nil {
		return nil, s.fail(op, err)
	}
	return &d, nil
}

func decodeDeviation(doc []byte, d *qualstate.Deviation) error {
	if err := decodeLive(doc, d); err != nil {
		return err
	}
	for i := range d.Remediation {
		d.Remediation[i].Value = liveNumbers(d.Remediation[i].Value)
	}
	return nil
}

// Deviations lists deviations oldest first by Opened, then by id. A
// filter's instance not recorded is ErrNotFound; a state the store does
// not know, or a negative limit, is ErrInvalidInput. A filter of active
// states only reads the active deviations' indexes, however many closed
// ones the instance has.
func (s *Store) Deviations(ctx context.Context, filter qualstate.DeviationFilter) ([]qualstate.Deviation, error) {
	const op = "list deviations"
	if filter.Limit < 0 {
		return nil, invalid("%s: limit %d is negative", op, filter.Limit)
	}
	var where []string
	var args []any
	if filter.InstanceID != "" {
		if err := instanceExists(ctx, s.db, filter.InstanceID); err != nil {
			return nil, s.readFailure(op, err)
		}
		where, args = append(where, `instance_id = ?`), append(args, filter.InstanceID)
	}
	if len(filter.States) > 0 {
		active := true
		for _, st := range filter.States {
			if !knownState(st) {
				return nil, invalid("%s: unknown state %q", op, st)
			}
			active = active && st.Active()
			args = append(args, string(st))
		}
		where = append(where, `state IN (?`+strings.Repeat(", ?", len(filter.States)-1)+`)`)
		if active {
			// Spelt as the partial index's condition is, so that SQLite
			// reads the few active deviations from it rather than every
			// closed one too.
			where = append(where, `state <> 'closed'`)
		}
	}
	q := `SELECT doc FROM deviations`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY opened, id`
	if filter.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, filter.Limit)
	}
	docs, err := s.docs(ctx, op, q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]qualstate.Deviation, len(docs))
	for i, doc := range docs {
		if err := decodeDeviation(doc, &out[i]); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return out, nil
}

// AddEvaluation records an evaluation and sets its ID, numbered by the
// store from 1 and never reused. An evaluation that already has an ID is
// ErrInvalidInput: it was recorded, and recording it again would count it
// twice. An instance not recorded is ErrNotFound.
func (s *Store) AddEvaluation(ctx context.Context, e *qualstate.Evaluation) error {
	if e == nil {
		return invalid("record evaluation: no evaluation given")
	}
	if e.ID != 0 {
		return invalid("record evaluation: it is evaluation %d, recorded already", e.ID)
	}
	if e.InstanceID == "" {
		return invalid("record evaluation: the evaluation names no instance")
	}
	c := *e
	c.Time = c.Time.UTC()
	if len(c.Opened) == 0 {
		c.Opened = nil
	}
	if len(c.Closed) == 0 {
		c.Closed = nil
	}
	err := s.write(ctx, "record evaluation of instance "+c.InstanceID, func(tx *sql.Tx) error {
		if err := instanceExists(ctx, tx, c.InstanceID); err != nil {
			return err
		}
		// The document holds the id, which only the insert gives.
		res, err := tx.ExecContext(ctx, `INSERT INTO evaluations (instance_id, time, doc) VALUES (?, ?, '')`,
			c.InstanceID, c.Time.Format(sortTime))
		if err != nil {
			return err
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		doc, err := json.Marshal(&c)
		if err != nil {
			return invalid("record evaluation of instance %s: %w", c.InstanceID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluations SET doc = ? WHERE id = ?`, string(doc), c.ID); err != nil {
			return err
		}
		return s.trail(ctx, tx).record("evaluation.recorded", "evaluation/"+strconv.FormatInt(c.ID, 10), nil, doc)
	})
	if err != nil {
		return err
	}
	e.ID = c.ID
	return nil
}

// Evaluations lists the instance's latest evaluations, newest first by
// Time, then by id; limit, when above zero, keeps the first that many. An
// instance not recorded is ErrNotFound; a negative limit is
// ErrInvalidInput.
func (s *Store) Evaluations(ctx context.Context, instanceID string, limit int) ([]qualstate.Evaluation, error) {
	op := "list evaluations of instance " + instanceID
	if limit < 0 {
		return nil, invalid("%s: limit %d is negative", op, limit)
	}
	if err := instanceExists(ctx, s.db, instanceID); err != nil {
		return nil, s.readFailure(op, err)
	}
	q := `SELECT doc FROM evaluations WHERE instance_id = ? ORDER BY time DESC, id DESC`
	args := []any{instanceID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	docs, err := s.docs(ctx, op, q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]qualstate.Evaluation, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal(doc, &out[i]); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return out, nil
}

// readFailure returns a lookup's error as it is when it already says what
// is wrong (not found), and as a storage failure otherwise.
func (s *Store) readFailure(op string, err error) error {
	var qe *qualstate.Error
	if errors.As(err, &qe) {
		return err
	}
	return s.fail(op, err)
}
