package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"qualstate"
)

// minPrefix is the shortest run id prefix Run accepts: shorter ones would
// too often name a run the user did not mean.
const minPrefix = 6

// maxCandidates bounds how many runs an ambiguous prefix error lists.
const maxCandidates = 10

// sortTime is the layout of runs.started: fixed width, so that comparing
// the text compares the times.
const sortTime = "2006-01-02T15:04:05.000000000Z"

// CreateRun records a new run; a run with the same id is an error
// (ErrInvalidInput) and leaves that run as it was.
func (s *Store) CreateRun(ctx context.Context, run *qualstate.Run) error {
	doc, r, err := encodeRun(run)
	if err != nil {
		return err
	}
	return s.write(ctx, "create run "+r.ID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (id, status, started, doc) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, r.ID, string(r.Status), r.Started.Format(sortTime), string(doc))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return invalid("run %s already exists", r.ID)
		}
		return s.trail(ctx, tx).record("run.created", "run/"+r.ID, nil, doc)
	})
}

// UpdateRun rewrites a recorded run; an unknown id is ErrNotFound. The
// audit event names the new status when the status changed
// ("run.passed"), and is "run.updated" otherwise.
func (s *Store) UpdateRun(ctx context.Context, run *qualstate.Run) error {
	doc, r, err := encodeRun(run)
	if err != nil {
		return err
	}
	return s.write(ctx, "update run "+r.ID, func(tx *sql.Tx) error {
		var oldStatus string
		var old []byte
		err := tx.QueryRowContext(ctx, `SELECT status, doc FROM runs WHERE id = ?`, r.ID).Scan(&oldStatus, &old)
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundRun(r.ID)
		}
		if err != nil {
			return err
		}
		if string(old) == string(doc) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, started = ?, doc = ? WHERE id = ?`,
			string(r.Status), r.Started.Format(sortTime), string(doc), r.ID); err != nil {
			return err
		}
		action := "run.updated"
		if oldStatus != string(r.Status) {
			action = "run." + string(r.Status)
		}
		return s.trail(ctx, tx).record(action, "run/"+r.ID, old, doc)
	})
}

// encodeRun checks a run and returns its document and the UTC copy it
// encodes.
func encodeRun(run *qualstate.Run) ([]byte, *qualstate.Run, error) {
	if run == nil {
		return nil, nil, invalid("record run: no run given")
	}
	if run.ID == "" {
		return nil, nil, invalid("record run: the run has no id")
	}
	r := *run
	r.Heartbeat = r.Heartbeat.UTC()
	r.Started = r.Started.UTC()
	r.Finished = r.Finished.UTC()
	doc, err := json.Marshal(&r)
	if err != nil {
		return nil, nil, invalid("record run %s: %w", r.ID, err)
	}
	return doc, &r, nil
}

// Run returns the run with the id, or the one run whose id starts with it
// when it is at least six characters long. A prefix several runs share is
// ErrInvalidInput naming them.
func (s *Store) Run(ctx context.Context, id string) (*qualstate.Run, error) {
	op := "read run " + id
	if id == "" {
		return nil, invalid("read run: no run id given")
	}
	var doc string
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM runs WHERE id = ?`, id).Scan(&doc)
	switch {
	case err == nil:
		return s.decodeRun(op, doc)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, s.fail(op, err)
	}
	n := utf8.RuneCountInString(id)
	if n < minPrefix {
		return nil, notFoundRun(id)
	}
	// substr, not LIKE: an id may hold LIKE's wildcards, and LIKE ignores
	// case where ids do not.
	rows, err := s.db.QueryContext(ctx, `SELECT id, doc FROM runs WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?`,
		n, id, maxCandidates+1)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var ids, docs []string
	for rows.Next() {
		var rid, rdoc string
		if err := rows.Scan(&rid, &rdoc); err != nil {
			return nil, s.fail(op, err)
		}
		ids, docs = append(ids, rid), append(docs, rdoc)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	switch len(ids) {
	case 0:
		return nil, notFoundRun(id)
	case 1:
		return s.decodeRun(op, docs[0])
	}
	list := strings.Join(ids, ", ")
	if len(ids) > maxCandidates {
		list = strings.Join(ids[:maxCandidates], ", ") + " …"
	}
	return nil, invalid("run id prefix %s is ambiguous: it matches %s; give more of the id", id, list)
}

// Runs lists runs newest first by Started, runs started at the same
// instant by id; filter.Status keeps only runs in that status and
// filter.Limit, when above zero, the first that many.
func (s *Store) Runs(ctx context.Context, filter qualstate.RunFilter) ([]*qualstate.Run, error) {
	const op = "list runs"
	if filter.Limit < 0 {
		return nil, invalid("list runs: limit %d is negative", filter.Limit)
	}
	q := `SELECT doc FROM runs`
	var args []any
	if filter.Status != "" {
		q += ` WHERE status = ?`
		args = append(args, string(filter.Status))
	}
	q += ` ORDER BY started DESC, id`
	if filter.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, filter.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	runs := []*qualstate.Run{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, s.fail(op, err)
		}
		r, err := s.decodeRun(op, doc)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return runs, nil
}

func (s *Store) decodeRun(op, doc string) (*qualstate.Run, error) {
	var r qualstate.Run
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, s.fail(op, err)
	}
	return &r, nil
}
