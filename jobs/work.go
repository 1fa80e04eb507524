package jobs

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"qualstate"
)

// pendingUnique makes a job unique by its arguments among jobs not yet
// finished. River requires running among the states; insertPending works
// around it.
var pendingUnique = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{
		rivertype.JobStateAvailable,
		rivertype.JobStatePending,
		rivertype.JobStateRetryable,
		rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	},
}

// pendingArgs are the arguments of a job unique among pending jobs.
type pendingArgs interface {
	river.JobArgs
	// following returns the arguments marked as queued behind the running
	// job with the id, so that they differ from that job's.
	following(id int64) pendingArgs
}

// evaluateArgs is an evaluation as River stores it.
type evaluateArgs struct {
	Evaluate
	// After is the id of the running job this one was queued behind.
	After int64 `json:"after,omitempty"`
}

func (evaluateArgs) Kind() string { return KindEvaluate }

func (evaluateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: shortAttempts, UniqueOpts: pendingUnique}
}

func (a evaluateArgs) following(id int64) pendingArgs {
	a.After = id
	return a
}

// normalized sorts the logical ids and drops repeats, so that evaluations
// of the same resources are equal.
func (a Evaluate) normalized() Evaluate {
	if len(a.LogicalIDs) == 0 {
		a.LogicalIDs = nil
		return a
	}
	ids := slices.Clone(a.LogicalIDs)
	slices.Sort(ids)
	a.LogicalIDs = slices.Compact(ids)
	return a
}

// treatArgs is a treatment as River stores it.
type treatArgs struct {
	Treat
	After int64 `json:"after,omitempty"`
}

func (treatArgs) Kind() string { return KindTreat }

func (treatArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: shortAttempts, UniqueOpts: pendingUnique}
}

func (a treatArgs) following(id int64) pendingArgs {
	a.After = id
	return a
}

// notifyArgs is a delivery as River stores it; the unique tags make the
// target and the notification's id its identity.
type notifyArgs struct {
	Target       string                 `json:"target" river:"unique"`
	ID           string                 `json:"id" river:"unique"`
	Notification qualstate.Notification `json:"notification"`
}

func (notifyArgs) Kind() string { return KindNotify }

// InsertOpts keeps River's default states: a delivery that completed is
// not repeated while the job is kept.
func (notifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// worker runs one kind of job with its handler.
type worker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	q    *Queue
	work func(context.Context, T) error
}

func (w *worker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	err := w.work(ctx, job.Args)
	if err == nil {
		return nil
	}
	if IsPermanent(err) {
		w.q.log.Warn("job failed, not retried", "kind", job.Kind, "job", job.ID, "attempt", job.Attempt, "error", err)
		// A cancelled job is never retried; Stats counts it as discarded.
		return river.JobCancel(err)
	}
	w.q.log.Warn("job failed", "kind", job.Kind, "job", job.ID, "attempt", job.Attempt, "attempts", job.MaxAttempts, "error", err)
	return err
}

func (w *worker[T]) NextRetry(job *river.Job[T]) time.Time {
	return w.q.now().Add(backoff(w.q.opts.RetryBackoff, job.Attempt))
}

// backoff is the wait after the attempt-th failed attempt: base, doubled for
// each attempt after the first, at most MaxRetryBackoff.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < MaxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, MaxRetryBackoff)
}

// Permanent marks err as permanent: a job whose handler returns it is not
// retried. Nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() error   { return e.err }
func (e permanentError) Permanent() bool { return true }

// IsPermanent reports whether err says it is permanent: errors.As finds in
// its chain a Permanent() bool method that returns true (Permanent's, or a
// delivery package's own).
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
