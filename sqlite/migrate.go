package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"qualstate"
)

// migrationFiles are the schema changes, named NNNN_what.sql and applied
// in number order. A released migration is never edited: a change is a
// new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, checking they are
// numbered 1, 2, 3 … without gaps.
func migrations() ([]migration, error) {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", e.Name())
		}
		body, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations the database lacks, each in its own
// transaction with its record in schema_migrations. Another process may be
// migrating the same file at the same time: each transaction holds the
// write lock from its start and looks again at what is applied, so every
// migration runs exactly once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return s.fail("migrate", err)
	}
	busy := 0
	for {
		done := false
		err := s.write(ctx, "migrate", func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY,
				name    TEXT NOT NULL,
				applied TEXT NOT NULL
			) STRICT`); err != nil {
				return err
			}
			var latest int
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&latest); err != nil {
				return err
			}
			if latest > len(ms) {
				return s.newerSchema(ctx, tx, latest, len(ms))
			}
			if latest == len(ms) {
				done = true
				return nil
			}
			m := ms[latest]
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.name, err)
			}
			if m.version == auditSchema {
				if err := s.adoptRecords(ctx, tx); err != nil {
					return fmt.Errorf("apply migration %s: %w", m.name, err)
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UTC().Format(time.RFC3339Nano))
			return err
		})
		// While several processes open a new file at once, one turning it
		// to WAL can refuse the others' write lock without SQLite's busy
		// handler being asked; the step is idempotent, so try it again.
		if err != nil && isBusy(err) && busy < migrateBusyRetries {
			busy++
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(busy) * 20 * time.Millisecond):
			}
			continue
		}
		if err != nil || done {
			return err
		}
	}
}

// migrateBusyRetries bounds how often a migration step refused as busy is
// tried again.
const migrateBusyRetries = 10

// isBusy reports whether SQLite refused the work because another
// connection held the file (SQLITE_BUSY, any extended code).
func isBusy(err error) bool {
	var se interface{ Code() int }
	return errors.As(err, &se) && se.Code()&0xff == 5
}

// auditSchema is the migration that brought the audit trail.
const auditSchema = 2

// adoptRecords appends a record.adopted event for every record written
// before the audit trail existed, in the migration's transaction: from
// then on each has an event vouching for its digest, so a later change
// made outside qualstate shows, as for any record.
func (s *Store) adoptRecords(ctx context.Context, tx *sql.Tx) error {
	a := s.trail(qualstate.WithReason(qualstate.WithActor(ctx, qualstate.ActorSystem),
		"recorded before the audit trail existed; adopted as found on upgrade"), tx)
	for _, dq := range digestQueries {
		var events []qualstate.AuditEvent
		rows, err := tx.QueryContext(ctx, dq.query)
		if err != nil {
			return err
		}
		for rows.Next() {
			var subject string
			var data []byte
			if err := rows.Scan(&subject, &data); err != nil {
				rows.Close()
				return err
			}
			d := string(data)
			if !dq.isDigest {
				d = qualstate.Digest(data)
			}
			events = append(events, qualstate.AuditEvent{Action: "record.adopted", Subject: subject, After: d})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, ev := range events {
			if _, err := a.append(ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrSchemaTooNew is in the chain of the error Open returns for a database
// migrated by a newer qualstate.
var ErrSchemaTooNew = errors.New("schema is newer than this qualstate")

// newerSchema is the error for a database whose schema is ahead of this
// binary: writing to it could break the qualstate that migrated it.
func (s *Store) newerSchema(ctx context.Context, tx *sql.Tx, latest, known int) error {
	var name string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM schema_migrations WHERE version = ?`, latest).Scan(&name); err != nil {
		return err
	}
	return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{},
		"open store: database %s: %w: it has migration %d (%s), this qualstate knows up to %d; use a newer qualstate",
		s.path, ErrSchemaTooNew, latest, name, known)
}
