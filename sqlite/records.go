package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"qualstate"
)

// PutStep records a step, or rewrites the one recorded under the same run
// and Seq. The run must be recorded.
func (s *Store) PutStep(ctx context.Context, step qualstate.Step) error {
	if step.RunID == "" {
		return invalid("record step: the step has no run id")
	}
	if step.Seq < 1 {
		return invalid("record step %d of run %s: seq counts from 1", step.Seq, step.RunID)
	}
	step.Started = step.Started.UTC()
	step.Finished = step.Finished.UTC()
	doc, err := json.Marshal(&step)
	if err != nil {
		return invalid("record step %d of run %s: %w", step.Seq, step.RunID, err)
	}
	return s.write(ctx, fmt.Sprintf("record step %d of run %s", step.Seq, step.RunID), func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, step.RunID); err != nil {
			return err
		}
		var old []byte
		err := tx.QueryRowContext(ctx, `SELECT doc FROM steps WHERE run_id = ? AND seq = ?`, step.RunID, step.Seq).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if old != nil && string(old) == string(doc) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO steps (run_id, seq, doc) VALUES (?, ?, ?)
			ON CONFLICT (run_id, seq) DO UPDATE SET doc = excluded.doc`, step.RunID, step.Seq, string(doc)); err != nil {
			return err
		}
		return s.trail(ctx, tx).record("step.recorded", fmt.Sprintf("run/%s/step/%d", step.RunID, step.Seq), old, doc)
	})
}

// Steps returns a run's steps in Seq order.
func (s *Store) Steps(ctx context.Context, runID string) ([]qualstate.Step, error) {
	op := "read steps of run " + runID
	docs, err := s.runDocs(ctx, op, runID, `SELECT doc FROM steps WHERE run_id = ? ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	steps := make([]qualstate.Step, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal(doc, &steps[i]); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return steps, nil
}

// AddTestCases records the cases in one transaction. A case whose (RunID,
// ID) is already recorded, or given twice, fails the call
// (ErrInvalidInput), as does a case of a run not recorded (ErrNotFound);
// either way nothing is written.
func (s *Store) AddTestCases(ctx context.Context, cases []qualstate.TestCase) error {
	if len(cases) == 0 {
		return nil
	}
	docs := make([][]byte, len(cases))
	for i := range cases {
		c := cases[i]
		if c.RunID == "" || c.ID == "" {
			return invalid("record test case %q of run %q: a test case needs a run id and an id", c.ID, c.RunID)
		}
		c.Time = c.Time.UTC()
		if c.Waiver != nil {
			w := *c.Waiver // the caller's, not ours to change
			w.Expires = w.Expires.UTC()
			c.Waiver = &w
		}
		doc, err := json.Marshal(&c)
		if err != nil {
			return invalid("record test case %s of run %s: %w", c.ID, c.RunID, err)
		}
		docs[i] = doc
	}
	op := "record test cases of run " + cases[0].RunID
	return s.write(ctx, op, func(tx *sql.Tx) error {
		a := s.trail(ctx, tx)
		known := map[string]bool{}
		for i, c := range cases {
			if !known[c.RunID] {
				if err := runExists(ctx, tx, c.RunID); err != nil {
					return err
				}
				known[c.RunID] = true
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO test_cases (run_id, id, doc) VALUES (?, ?, ?)
				ON CONFLICT (run_id, id) DO NOTHING`, c.RunID, c.ID, string(docs[i]))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return invalid("test case %s of run %s is already recorded; no test case of this call was recorded", c.ID, c.RunID)
			}
			if err := a.record("case.recorded", "run/"+c.RunID+"/case/"+c.ID, nil, docs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestCases returns a run's test cases in the order they were added.
func (s *Store) TestCases(ctx context.Context, runID string) ([]qualstate.TestCase, error) {
	op := "read test cases of run " + runID
	docs, err := s.runDocs(ctx, op, runID, `SELECT doc FROM test_cases WHERE run_id = ? ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	cases := make([]qualstate.TestCase, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal(doc, &cases[i]); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return cases, nil
}

// PutEvidence stores the blob under its digest and links it to the run. A
// blob that does not hash to the digest is ErrInvalidInput, wrapping
// qualstate.ErrDigestMismatch, and nothing is written. A blob already
// stored is kept as it is; a link already made is not made twice.
func (s *Store) PutEvidence(ctx context.Context, runID, digest string, blob []byte) error {
	return s.putLinkedEvidence(ctx, "run", runID, digest, blob, runExists,
		`INSERT INTO run_evidence (run_id, digest) VALUES (?, ?) ON CONFLICT (run_id, digest) DO NOTHING`)
}

// putLinkedEvidence stores a blob under its digest and links it to the
// record of kind owner ("run", "instance") with the id, auditing both.
func (s *Store) putLinkedEvidence(ctx context.Context, owner, id, digest string, blob []byte,
	exists func(context.Context, querier, string) error, link string) error {
	if id == "" {
		return invalid("store evidence %s: no %s id given", digest, owner)
	}
	if got := qualstate.Digest(blob); got != digest {
		return invalid("store evidence %s for %s %s: %w (its SHA-256 is %s)", digest, owner, id, qualstate.ErrDigestMismatch, got)
	}
	return s.write(ctx, fmt.Sprintf("store evidence %s for %s %s", digest, owner, id), func(tx *sql.Tx) error {
		if err := exists(ctx, tx, id); err != nil {
			return err
		}
		a := s.trail(ctx, tx)
		res, err := tx.ExecContext(ctx, `INSERT INTO evidence (digest, blob) VALUES (?, ?)
			ON CONFLICT (digest) DO NOTHING`, digest, blob)
		if err != nil {
			return err
		}
		// The event's digests name the blob, whose own digest it is.
		if err := insertedEvent(res, a, "evidence.stored", "evidence/"+digest, digest); err != nil {
			return err
		}
		if res, err = tx.ExecContext(ctx, link, id, digest); err != nil {
			return err
		}
		return insertedEvent(res, a, "evidence.linked", owner+"/"+id+"/evidence/"+digest, digest)
	})
}

// Evidence returns the blob stored under the digest. A stored blob that no
// longer hashes to its digest is reported (ErrEnvironment, wrapping
// qualstate.ErrDigestMismatch), never returned.
func (s *Store) Evidence(ctx context.Context, digest string) ([]byte, error) {
	op := "read evidence " + digest
	var blob []byte
	err := s.db.QueryRowContext(ctx, `SELECT blob FROM evidence WHERE digest = ?`, digest).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, "evidence %s not found", digest)
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	if qualstate.Digest(blob) != digest {
		return nil, s.fail(op, fmt.Errorf("the stored blob was altered: %w", qualstate.ErrDigestMismatch))
	}
	return blob, nil
}

// RunEvidence returns the digests linked to the run, in the order first
// linked.
func (s *Store) RunEvidence(ctx context.Context, runID string) ([]string, error) {
	docs, err := s.runDocs(ctx, "read evidence of run "+runID, runID,
		`SELECT digest FROM run_evidence WHERE run_id = ? ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	digests := make([]string, len(docs))
	for i, d := range docs {
		digests[i] = string(d)
	}
	return digests, nil
}

// PutBaseline replaces the run's baseline with the resources. Two
// resources with one logical id are ErrInvalidInput, and the baseline
// recorded before is kept.
func (s *Store) PutBaseline(ctx context.Context, runID string, resources []qualstate.BaselineResource) error {
	if runID == "" {
		return invalid("record baseline: no run id given")
	}
	docs, err := encodeBaseline("run "+runID, resources)
	if err != nil {
		return err
	}
	return s.write(ctx, "record baseline of run "+runID, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		old, err := baselineDocs(ctx, tx, `SELECT logical_id, doc FROM baselines WHERE run_id = ?`, runID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM baselines WHERE run_id = ?`, runID); err != nil {
			return err
		}
		a := s.trail(ctx, tx)
		for i, r := range resources {
			if _, err := tx.ExecContext(ctx, `INSERT INTO baselines (run_id, logical_id, doc) VALUES (?, ?, ?)`,
				runID, r.LogicalID, string(docs[i])); err != nil {
				return err
			}
			if err := a.record("baseline.recorded", "run/"+runID+"/baseline/"+r.LogicalID, old[r.LogicalID], docs[i]); err != nil {
				return err
			}
			delete(old, r.LogicalID)
		}
		// What is left an earlier attempt recorded and this one lacks.
		for _, id := range slices.Sorted(maps.Keys(old)) {
			if err := a.record("baseline.removed", "run/"+runID+"/baseline/"+id, old[id], nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// encodeBaseline returns the documents of a baseline's resources,
// refusing a resource without a logical id or two with one; owner names
// whose baseline it is ("run ID", "instance ID").
func encodeBaseline(owner string, resources []qualstate.BaselineResource) ([][]byte, error) {
	docs := make([][]byte, len(resources))
	seen := make(map[string]bool, len(resources))
	for i := range resources {
		lid := resources[i].LogicalID
		if lid == "" {
			return nil, invalid("record baseline of %s: resource %d has no logical id", owner, i+1)
		}
		if seen[lid] {
			return nil, invalid("record baseline of %s: resource %s is given twice", owner, lid)
		}
		seen[lid] = true
		doc, err := json.Marshal(&resources[i])
		if err != nil {
			return nil, invalid("record baseline of %s: resource %s: %w", owner, lid, err)
		}
		docs[i] = doc
	}
	return docs, nil
}

// baselineDocs returns the documents of a stored baseline by logical id;
// query selects (logical_id, doc) of the one owner it is given.
func baselineDocs(ctx context.Context, tx *sql.Tx, query, owner string) (map[string][]byte, error) {
	rows, err := tx.QueryContext(ctx, query, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	docs := map[string][]byte{}
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, err
		}
		docs[id] = doc
	}
	return docs, rows.Err()
}

// decodeBaseline reads stored baseline documents back, with property
// values of the types described in the package documentation.
func decodeBaseline(docs [][]byte) ([]qualstate.BaselineResource, error) {
	out := make([]qualstate.BaselineResource, len(docs))
	for i, doc := range docs {
		if err := decodeLive(doc, &out[i]); err != nil {
			return nil, err
		}
		for k, v := range out[i].Properties {
			out[i].Properties[k] = liveNumbers(v)
		}
	}
	return out, nil
}

// decodeLive decodes doc into v keeping numbers as json.Number, for
// liveNumbers to type.
func decodeLive(doc []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	return dec.Decode(v)
}

// insertedEvent appends the event of an insert that may have been skipped
// as already done: only a row actually inserted is a change.
func insertedEvent(res sql.Result, a *trail, action, subject, digest string) error {
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return err
	}
	_, err = a.append(qualstate.AuditEvent{Action: action, Subject: subject, After: digest})
	return err
}

// Baseline returns the run's baseline in logical-id order, with property
// values of the types described in the package documentation.
func (s *Store) Baseline(ctx context.Context, runID string) ([]qualstate.BaselineResource, error) {
	op := "read baseline of run " + runID
	docs, err := s.runDocs(ctx, op, runID, `SELECT doc FROM baselines WHERE run_id = ? ORDER BY logical_id`)
	if err != nil {
		return nil, err
	}
	resources, err := decodeBaseline(docs)
	if err != nil {
		return nil, s.fail(op, err)
	}
	return resources, nil
}

// liveNumbers replaces the json.Numbers in a decoded value by the Go
// numbers of a live resource model: int64 for integers that fit, float64
// for the rest.
func liveNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		// A number JSON can hold but float64 cannot (1e400) becomes an
		// infinity: there is no closer Go value.
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = liveNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = liveNumbers(e)
		}
	}
	return v
}

// runDocs returns the first column of the query's rows for a recorded run;
// a run not recorded is ErrNotFound.
func (s *Store) runDocs(ctx context.Context, op, runID, query string) ([][]byte, error) {
	if err := runExists(ctx, s.db, runID); err != nil {
		var qe *qualstate.Error
		if errors.As(err, &qe) {
			return nil, err
		}
		return nil, s.fail(op, err)
	}
	return s.docs(ctx, op, query, runID)
}
