// Package sqlite is the qualstate.Store on an embedded SQLite file, through
// the pure-Go driver modernc.org/sqlite (no cgo).
//
// The file is in WAL mode with synchronous=FULL: a write is on disk when
// its call returns, so a process killed at any moment loses nothing it was
// told was recorded. Readers never block the writer and the other way
// round, so one process can list runs while another records one; writers,
// in this process or another, take turns, waiting up to ten seconds for
// the file.
//
// Each record is kept whole as a JSON document beside the few columns that
// lookups and ordering need, so a field added to a domain type needs no
// migration. Times are stored, and come back, in UTC with their
// nanoseconds. A baseline's property values come back with the types the
// live model has: JSON numbers written without fraction or exponent that
// fit in an int64 are int64, every other number float64. A float64 with a
// whole value (30.0) therefore comes back as int64(30): JSON does not tell
// the two apart.
//
// Every write appends its audit events in its own transaction, numbered
// by the next seq under the write lock, so events written by several
// processes to one file still run 0, 1, 2 … without gaps. An event's
// digests are the SHA-256 of the record's doc column as stored (of the
// blob, for evidence and signed records; of the value, for settings).
// Records written before the audit trail existed (schema 0001) have no
// events.
//
// User ids are compared without regard to case: "JDoe" finds jdoe, and
// can never be created once jdoe was.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"qualstate"

	_ "modernc.org/sqlite" // the pure-Go driver: qualstate builds without cgo
)

var _ qualstate.Store = (*Store)(nil)

// busyTimeout is how long, in milliseconds, a statement waits for another
// connection or process to release the file before it fails.
const busyTimeout = 10000

// Store is a qualstate.Store on one SQLite file. It is safe for concurrent
// use by many goroutines, and other processes may use the same file at the
// same time.
type Store struct {
	db   *sql.DB
	path string
	// writing lets one write transaction of this process at a time ask
	// SQLite for the write lock: waiting here is first come first served
	// and honours the context, where SQLite's busy handler would poll.
	writing chan struct{}
	// clock gives the time of audit events.
	clock func() time.Time
}

// Option changes how Open sets up a store.
type Option func(*Store)

// WithClock makes the store take the time of its audit events from clock
// instead of time.Now.
func WithClock(clock func() time.Time) Option {
	return func(s *Store) {
		if clock != nil {
			s.clock = clock
		}
	}
}

// Open opens the store in the file at path, creating the file and its
// directory when missing, and brings its schema up to date. A file written
// by a newer qualstate, whose schema this one does not know, is refused.
func Open(path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "open store: no database path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "open store: database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "open store: database %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "open store: database %s: %w", path, err)
	}
	s := &Store{db: db, path: path, writing: make(chan struct{}, 1), clock: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// dsn makes the driver's name for the file. Pragmas go in the name so that
// every connection the pool opens gets them, not only the first;
// _txlock=immediate takes the write lock when a transaction begins, since
// a transaction that reads first and upgrades later can fail at once with
// SQLITE_BUSY instead of waiting.
func dsn(abs string) string {
	// The name is a URI: characters it gives a meaning to must be escaped
	// in the path.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	if !strings.HasPrefix(esc, "/") {
		esc = "/" + esc // a Windows drive letter
	}
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)"+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate", esc, busyTimeout)
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return s.fail("close", err)
	}
	return nil
}

// fail makes a storage failure: ErrEnvironment, naming the operation and
// the file.
func (s *Store) fail(op string, err error) error {
	return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: database %s: %w", op, s.path, err)
}

// write runs fn in a write transaction and commits it. An error fn returns
// that is already a *qualstate.Error (bad input, a missing run) is returned
// as it is; any other is a storage failure.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	select {
	case s.writing <- struct{}{}:
	case <-ctx.Done():
		return s.fail(op, ctx.Err())
	}
	defer func() { <-s.writing }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error that made us give up is the one to report
		var qe *qualstate.Error
		if errors.As(err, &qe) {
			return err
		}
		return s.fail(op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// querier is what reads need: the database or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// runExists returns ErrNotFound unless the run is recorded.
func runExists(ctx context.Context, q querier, runID string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = ?`, runID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFoundRun(runID)
	}
	return err
}

func notFoundRun(id string) error {
	return qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, "run %s not found", id)
}

func invalid(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, format, args...)
}

func notFound(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, format, args...)
}

func conflict(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{}, format, args...)
}
