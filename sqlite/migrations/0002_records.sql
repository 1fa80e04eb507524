-- The audit trail, users and electronic signatures.

-- Each event is kept as the exact bytes of its canonical encoding: the
-- ledger hashes those bytes into the Merkle tree, so they must never be
-- re-encoded. seq is the rowid, so appending and scanning in order need
-- no other index.
CREATE TABLE audit_events (
	seq INTEGER PRIMARY KEY,
	doc BLOB NOT NULL
) STRICT;

-- The Merkle tree's stored hashes, at the storage indexes of
-- golang.org/x/mod/sumdb/tlog; written only by a seal, with its checkpoint.
CREATE TABLE audit_hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
) STRICT;

-- One signed checkpoint per seal, by tree size: a seal that lost a race
-- to another finds the newest size moved and stores nothing.
CREATE TABLE audit_checkpoints (
	size INTEGER PRIMARY KEY,
	doc  TEXT NOT NULL
) STRICT;

-- key is the id folded to lower case: ids are unique without regard to
-- case, so "JDoe" can never be given to someone after "jdoe". Rows are
-- never deleted, which is what keeps an id from being reused.
CREATE TABLE users (
	key TEXT NOT NULL PRIMARY KEY,
	id  TEXT NOT NULL,
	doc TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Kept apart from users so that nothing reading users reads a hash.
CREATE TABLE credentials (
	user_key TEXT NOT NULL PRIMARY KEY REFERENCES users (key),
	doc      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
	id       TEXT NOT NULL PRIMARY KEY,
	user_key TEXT NOT NULL REFERENCES users (key),
	doc      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- A value is stored as given: its bytes are what its audit digest covers.
CREATE TABLE settings (
	key   TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The exact bytes signatures sign, under their SHA-256; subject says what
-- the record is of, for a person reading the table.
CREATE TABLE records (
	digest  TEXT NOT NULL PRIMARY KEY,
	subject TEXT NOT NULL,
	blob    BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- time is UTC in a fixed-width layout, so that text order is time order.
CREATE TABLE signatures (
	id      TEXT NOT NULL PRIMARY KEY,
	subject TEXT NOT NULL,
	time    TEXT NOT NULL,
	doc     TEXT NOT NULL
) STRICT;
CREATE INDEX signatures_subject ON signatures (subject, time);

CREATE TABLE reviews (
	run_id TEXT NOT NULL PRIMARY KEY REFERENCES runs (id),
	doc    TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE waivers (
	id  TEXT NOT NULL PRIMARY KEY,
	doc TEXT NOT NULL
) STRICT, WITHOUT ROWID;
