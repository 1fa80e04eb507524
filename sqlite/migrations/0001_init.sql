-- Every record keeps its whole value in doc (JSON), so a field added to a
-- domain type needs no migration; the columns beside doc are only what
-- lookups, ordering and uniqueness need.

CREATE TABLE runs (
	id      TEXT NOT NULL PRIMARY KEY,
	status  TEXT NOT NULL,
	-- UTC in a fixed-width layout, so that text order is time order.
	started TEXT NOT NULL,
	doc     TEXT NOT NULL
) STRICT;
CREATE INDEX runs_started ON runs (started DESC, id);
CREATE INDEX runs_status ON runs (status, started DESC, id);

CREATE TABLE steps (
	run_id TEXT NOT NULL REFERENCES runs (id),
	seq    INTEGER NOT NULL,
	doc    TEXT NOT NULL,
	PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

-- seq records the order cases were added in; AUTOINCREMENT so that it
-- only ever grows.
CREATE TABLE test_cases (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	run_id TEXT NOT NULL REFERENCES runs (id),
	id     TEXT NOT NULL,
	doc    TEXT NOT NULL,
	UNIQUE (run_id, id)
) STRICT;
CREATE INDEX test_cases_run ON test_cases (run_id, seq);

CREATE TABLE evidence (
	digest TEXT NOT NULL PRIMARY KEY,
	blob   BLOB NOT NULL
) STRICT;

CREATE TABLE run_evidence (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	run_id TEXT NOT NULL REFERENCES runs (id),
	digest TEXT NOT NULL REFERENCES evidence (digest),
	UNIQUE (run_id, digest)
) STRICT;
CREATE INDEX run_evidence_run ON run_evidence (run_id, seq);

CREATE TABLE baselines (
	run_id     TEXT NOT NULL REFERENCES runs (id),
	logical_id TEXT NOT NULL,
	doc        TEXT NOT NULL,
	PRIMARY KEY (run_id, logical_id)
) STRICT, WITHOUT ROWID;
