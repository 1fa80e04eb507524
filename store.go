package qualstate

import "context"

// Store keeps qualification runs and everything recorded about them. Every
// write is durable when the call returns, so a run cut off by a crash keeps
// all it recorded. Records are never deleted; a step is rewritten only to
// record its end. Implementations must pass the storetest suite.
//
// Lookups of something that does not exist return an *Error with
// ErrNotFound; storage failures are ErrEnvironment.
type Store interface {
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
