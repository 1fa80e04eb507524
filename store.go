package qualstate

import "context"

// Store keeps qualification runs and everything recorded about them. Every
// write is durable when the call returns, so a run cut off by a crash keeps
// all it recorded. Records are never deleted; a step is rewritten only to
// record its end. Implementations must pass the storetest suite.
//
// Every write appends, in the same transaction, an AuditEvent per record
// it creates or changes (sessions excepted: they are access state, not
// records), with the actor and reason of the context (ActorOf, ReasonOf),
// the time from the store's clock, and the SHA-256 of the record's stored
// form before and after. RecordDigests gives the same digests back, so
// the audit trail can prove every record is as its last event left it.
//
// Lookups of something that does not exist return an *Error with
// ErrNotFound; storage failures are ErrEnvironment; a write that breaks a
// uniqueness rule is ErrConflict.
type Store interface {
	AuditStore
	UserStore
	SignatureStore
	MonitorStore

	// CreateRun records a new run; its ID must be unused.
	CreateRun(ctx context.Context, run *Run) error
	// UpdateRun rewrites a run's record (status, stage, result, heartbeat …).
	UpdateRun(ctx context.Context, run *Run) error
	// Run returns the run with the id; a unique prefix of at least six
	// characters is accepted too.
	Run(ctx context.Context, id string) (*Run, error)
	// Runs lists runs, newest first.
	Runs(ctx context.Context, filter RunFilter) ([]*Run, error)

	// PutStep records a step: inserted on first sight of (RunID, Seq),
	// rewritten after.
	PutStep(ctx context.Context, step Step) error
	// Steps returns a run's steps in Seq order.
	Steps(ctx context.Context, runID string) ([]Step, error)

	// AddTestCases records test cases in one transaction; a (RunID, ID)
	// already recorded is an error and nothing is written.
	AddTestCases(ctx context.Context, cases []TestCase) error
	// TestCases returns a run's test cases in the order they were added.
	TestCases(ctx context.Context, runID string) ([]TestCase, error)

	// PutEvidence stores a sealed evidence blob under its digest (the
	// store checks the digest) and links it to the run. Storing the same
	// blob again only adds the link.
	PutEvidence(ctx context.Context, runID, digest string, blob []byte) error
	// Evidence returns the blob stored under the digest.
	Evidence(ctx context.Context, digest string) ([]byte, error)
	// RunEvidence returns the digests linked to the run, in the order first
	// linked.
	RunEvidence(ctx context.Context, runID string) ([]string, error)

	// PutBaseline records a run's baseline, replacing one recorded by an
	// earlier attempt of the same run.
	PutBaseline(ctx context.Context, runID string, resources []BaselineResource) error
	// Baseline returns a run's baseline in logical-id order (empty when
	// none was recorded).
	Baseline(ctx context.Context, runID string) ([]BaselineResource, error)

	Close() error
}

// RunFilter narrows Store.Runs.
type RunFilter struct {
	Status RunStatus // empty for any
	Limit  int       // 0 for no limit
}

// AuditStore is the audit trail as stored: the events every write appends,
// and the Merkle tree and signed checkpoints the ledger keeps over them.
type AuditStore interface {
	// AppendAudit records an event no other write records (a failed
	// sign-in, a verification). Seq, Time and an empty Actor or Reason
	// are filled in as for any write; the event as recorded is returned.
	AppendAudit(ctx context.Context, ev AuditEvent) (AuditEvent, error)
	// AuditSize returns the number of events recorded.
	AuditSize(ctx context.Context) (int64, error)
	// ScanAudit calls fn with the seq and the bytes, exactly as stored, of
	// every event from seq from on, in seq order, until fn returns an
	// error (returned as it is) or the events end.
	ScanAudit(ctx context.Context, from int64, fn func(seq int64, data []byte) error) error
	// AuditHashes returns the stored tree hashes at the storage indexes.
	AuditHashes(ctx context.Context, indexes []int64) ([][32]byte, error)
	// SealAudit stores a seal's hashes and checkpoint in one transaction,
	// only if the tree stored is still seal.Size events (the size of the
	// newest checkpoint, 0 when none): ErrConflict otherwise.
	SealAudit(ctx context.Context, seal AuditSeal) error
	// AuditCheckpoints returns every checkpoint stored, in size order.
	AuditCheckpoints(ctx context.Context) ([]AuditCheckpoint, error)
	// RecordDigests calls fn with the subject and hex SHA-256 of every
	// record that audit events vouch for, as the events name them.
	RecordDigests(ctx context.Context, fn func(subject, digest string) error) error
}

// UserStore keeps users, their credentials and sessions, and settings.
type UserStore interface {
	// CreateUser records a new user with the credential. An id recorded
	// before, disabled or not, is ErrConflict: ids are never reused.
	CreateUser(ctx context.Context, u User, c Credential) error
	// UpdateUser rewrites a user (name, roles, disabled).
	UpdateUser(ctx context.Context, u User) error
	User(ctx context.Context, id string) (*User, error)
	// Users lists every user, disabled ones too, by id.
	Users(ctx context.Context) ([]User, error)
	Credential(ctx context.Context, userID string) (*Credential, error)
	PutCredential(ctx context.Context, c Credential) error
	// PutSession records a session, or rewrites it. Only its start and
	// end are audited.
	PutSession(ctx context.Context, s Session) error
	Session(ctx context.Context, id string) (*Session, error)
	// Setting returns a setting's value and whether it is set.
	Setting(ctx context.Context, key string) (string, bool, error)
	PutSetting(ctx context.Context, key, value string) error
	Settings(ctx context.Context) (map[string]string, error)
}

// SignatureStore keeps electronic signatures with the records they sign,
// and the reviews and waivers they move on.
type SignatureStore interface {
	// Sign records a signature and its change in one transaction. Each
	// record in the change is stored under its SHA-256 unless already
	// stored; the signature's RecordDigest must name a stored record (or
	// one of the change's). A signature id used before is ErrConflict, so
	// is a new waiver whose id is taken.
	Sign(ctx context.Context, sig Signature, change SignedChange) error
	// Record returns the bytes stored under the digest.
	Record(ctx context.Context, digest string) ([]byte, error)
	// Signatures returns the signatures on the subject in time order.
	Signatures(ctx context.Context, subject string) ([]Signature, error)
	// Review returns a run's review; ErrNotFound when none began.
	Review(ctx context.Context, runID string) (*Review, error)
	Waiver(ctx context.Context, id string) (*Waiver, error)
	// Waivers lists every waiver by id.
	Waivers(ctx context.Context) ([]Waiver, error)
	// NextWaiverID returns the id the next waiver may take ("W-0001" …).
	NextWaiverID(ctx context.Context) (string, error)
}
