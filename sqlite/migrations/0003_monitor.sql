-- Continuous monitoring: deployed instances, their baselines and evidence,
-- the deviations found in them and the evaluations that found them.

CREATE TABLE instances (
	id  TEXT NOT NULL PRIMARY KEY,
	doc TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- An instance's baseline, apart from its run's: a re-registration or a
-- rebase replaces it without touching what the run recorded.
CREATE TABLE instance_baselines (
	instance_id TEXT NOT NULL REFERENCES instances (id),
	logical_id  TEXT NOT NULL,
	doc         TEXT NOT NULL,
	PRIMARY KEY (instance_id, logical_id)
) STRICT, WITHOUT ROWID;

-- Blobs live in evidence, shared with runs: a read both a run and a
-- monitor made is stored once.
CREATE TABLE instance_evidence (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	instance_id TEXT NOT NULL REFERENCES instances (id),
	digest      TEXT NOT NULL REFERENCES evidence (digest),
	UNIQUE (instance_id, digest)
) STRICT;
CREATE INDEX instance_evidence_instance ON instance_evidence (instance_id, seq);

-- opened is UTC in a fixed-width layout, so that text order is time
-- order. num is the number of an id of the form D-NNNNNN (NULL for any
-- other id), so that the next free one is found through an index, not by
-- reading every id.
CREATE TABLE deviations (
	id          TEXT NOT NULL PRIMARY KEY,
	num         INTEGER,
	instance_id TEXT NOT NULL REFERENCES instances (id),
	key         TEXT NOT NULL,
	state       TEXT NOT NULL,
	opened      TEXT NOT NULL,
	doc         TEXT NOT NULL
) STRICT;
CREATE INDEX deviations_opened ON deviations (opened, id);
CREATE INDEX deviations_instance ON deviations (instance_id, opened, id);
CREATE INDEX deviations_num ON deviations (num);
-- A departure seen again is the deviation already active for it: at most
-- one deviation per (instance, key) is not closed.
CREATE UNIQUE INDEX deviations_active_key ON deviations (instance_id, key) WHERE state <> 'closed';
-- The monitor reads an instance's active deviations at every evaluation,
-- and people list the active ones; closed ones pile up for ever, so these
-- hold only the few that are not. A query uses them when its condition
-- says state <> 'closed' in these very words.
CREATE INDEX deviations_active ON deviations (instance_id, opened, id) WHERE state <> 'closed';
CREATE INDEX deviations_active_opened ON deviations (opened, id) WHERE state <> 'closed';

-- time is UTC in a fixed-width layout; id only ever grows.
CREATE TABLE evaluations (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	instance_id TEXT NOT NULL REFERENCES instances (id),
	time        TEXT NOT NULL,
	doc         TEXT NOT NULL
) STRICT;
CREATE INDEX evaluations_instance ON evaluations (instance_id, time DESC, id DESC);
