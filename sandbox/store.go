package sandbox

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the pure-Go driver: the sandbox must run without cgo
)

// Object kinds in the store. Each is a JSON document under (kind, id).
const (
	kindStack     = "stack"
	kindStackRes  = "stack-resource"
	kindResource  = "resource"
	kindChangeSet = "change-set"
	kindRequest   = "request"
	kindDrift     = "drift"
)

// schemaSQL creates the sandbox's tables. Objects are JSON documents
// because their shapes follow AWS's and change with it; what is appended
// (stack events, the CloudTrail log) has its own tables so that writing one
// event never rewrites its stack.
const schemaSQL = `
CREATE TABLE IF NOT EXISTS objects (
	kind TEXT NOT NULL,
	id   TEXT NOT NULL,
	doc  BLOB NOT NULL,
	PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS stack_events (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	stack_id TEXT NOT NULL,
	doc      BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS stack_events_stack ON stack_events (stack_id, seq);
CREATE TABLE IF NOT EXISTS trail (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	doc BLOB NOT NULL
);
`

// store persists the sandbox's state in SQLite. The sandbox keeps the
// state in memory and writes through: reads never touch the database.
type store struct {
	db *sql.DB
}

// openStore opens the state file in dir, or an in-memory database when
// dir is "".
func openStore(dir string) (*store, error) {
	dsn := "file::memory:?_pragma=foreign_keys(1)"
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create sandbox data directory: %w", err)
		}
		// WAL with synchronous=NORMAL: a crash may lose the last
		// transactions but never corrupts the file, which is the
		// durability a TEST environment needs; FULL costs an fsync per
		// resource.
		dsn = "file:" + filepath.Join(dir, "sandbox.db") +
			"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sandbox state: %w", err)
	}
	// One connection: the sandbox serialises its writes anyway, and an
	// in-memory database exists per connection.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schemaSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sandbox state %s: %w", dir, err)
	}
	return &store{db: db}, nil
}

func (st *store) close() error { return st.db.Close() }

// put writes an object, replacing what was under its id.
func (st *store) put(kind, id string, v any) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	if _, err := st.db.Exec(`INSERT INTO objects (kind, id, doc) VALUES (?, ?, ?)
		ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc`, kind, id, doc); err != nil {
		return fmt.Errorf("save %s %s: %w", kind, id, err)
	}
	return nil
}

// remove deletes an object.
func (st *store) remove(kind, id string) error {
	if _, err := st.db.Exec(`DELETE FROM objects WHERE kind = ? AND id = ?`, kind, id); err != nil {
		return fmt.Errorf("delete %s %s: %w", kind, id, err)
	}
	return nil
}

// each calls fn with every object of a kind.
func (st *store) each(kind string, fn func(id string, doc []byte) error) error {
	rows, err := st.db.Query(`SELECT id, doc FROM objects WHERE kind = ? ORDER BY rowid`, kind)
	if err != nil {
		return fmt.Errorf("load %s: %w", kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return fmt.Errorf("load %s: %w", kind, err)
		}
		if err := fn(id, doc); err != nil {
			return fmt.Errorf("load %s %s: %w", kind, id, err)
		}
	}
	return rows.Err()
}

// appendStackEvent stores a stack event.
func (st *store) appendStackEvent(stackID string, ev any) error {
	doc, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode stack event: %w", err)
	}
	if _, err := st.db.Exec(`INSERT INTO stack_events (stack_id, doc) VALUES (?, ?)`, stackID, doc); err != nil {
		return fmt.Errorf("save stack event: %w", err)
	}
	return nil
}

// stackEvents calls fn with every stored stack event, oldest first.
func (st *store) stackEvents(fn func(stackID string, doc []byte) error) error {
	rows, err := st.db.Query(`SELECT stack_id, doc FROM stack_events ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("load stack events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return fmt.Errorf("load stack events: %w", err)
		}
		if err := fn(id, doc); err != nil {
			return fmt.Errorf("load stack events of %s: %w", id, err)
		}
	}
	return rows.Err()
}

// appendTrail stores a CloudTrail record and returns its sequence number.
func (st *store) appendTrail(doc []byte) (int64, error) {
	res, err := st.db.Exec(`INSERT INTO trail (doc) VALUES (?)`, doc)
	if err != nil {
		return 0, fmt.Errorf("save event: %w", err)
	}
	return res.LastInsertId()
}

// trail returns up to limit records after seq, with their sequence numbers.
func (st *store) trail(after int64, limit int) ([]int64, []json.RawMessage, error) {
	rows, err := st.db.Query(`SELECT seq, doc FROM trail WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var seqs []int64
	var docs []json.RawMessage
	for rows.Next() {
		var seq int64
		var doc []byte
		if err := rows.Scan(&seq, &doc); err != nil {
			return nil, nil, fmt.Errorf("read events: %w", err)
		}
		seqs = append(seqs, seq)
		docs = append(docs, doc)
	}
	return seqs, docs, rows.Err()
}
