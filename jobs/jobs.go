// Package jobs runs qualstate's background work on River with its SQLite
// driver: evaluations of instances, deliveries of notifications and
// treatments of deviations, queued or fired by cron schedules, retried with
// backoff, and kept in their own SQLite file so that work survives a
// restart.
//
// The same job kinds and arguments can later run on River's PostgreSQL
// driver, so that several worker processes share one queue.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	// The pure-Go SQLite driver registers itself as "sqlite".
	_ "modernc.org/sqlite"

	"qualstate"
)

// Job kinds as River records them.
const (
	KindEvaluate = "qualstate.evaluate"
	KindNotify   = "qualstate.notify"
	KindTreat    = "qualstate.treat"
)

// Defaults for Options.
const (
	DefaultWorkers        = 2
	DefaultPollInterval   = 50 * time.Millisecond
	DefaultNotifyAttempts = 8
	DefaultRetryBackoff   = time.Second
	// MaxRetryBackoff caps the doubling backoff between attempts.
	MaxRetryBackoff = 5 * time.Minute
	// JobTimeout bounds one attempt of any job.
	JobTimeout = 5 * time.Minute
	// Retention is how long completed jobs are kept, so Stats can count them.
	Retention = 24 * time.Hour
)

// Attempts of evaluate and treat jobs: a few quick retries ride out a
// passing network error; the next schedule or event will try again anyway.
const shortAttempts = 3

// busyTimeout is how long, in milliseconds, SQLite waits for another
// process (a second worker on the same file) to release its lock.
const busyTimeout = 10000

// ErrNoHandler is returned when a job is queued whose kind has no handler.
var ErrNoHandler = errors.New("no handler for this kind of job")

// Evaluate asks for an evaluation of an instance: of every resource, or of
// the resources named (those a change event touched). The queue sorts
// LogicalIDs and drops repeats, so that equal requests compare equal.
type Evaluate struct {
	Instance   string   `json:"instance"`
	LogicalIDs []string `json:"logicalIds,omitempty"`
	// Stack asks for the stack's resource list to be read too, for
	// resources added or removed (an event on the stack itself).
	Stack bool `json:"stack,omitempty"`
	// Trigger is what asked: "schedule", "event EVENT-ID", "manual"…
	Trigger string `json:"trigger,omitempty"`
}

// Notify asks for one notification to be delivered to one target.
type Notify struct {
	// Target names the configured receiver (a webhook, Slack, email).
	Target       string                 `json:"target"`
	Notification qualstate.Notification `json:"notification"`
}

// Treat asks for a deviation to be treated (remediated, within guard rails).
type Treat struct {
	Deviation string `json:"deviation"`
}

// Handlers do the work of each kind of job. A nil handler makes that kind
// unavailable: queueing it is an error and this process does not run it.
// A handler's error is retried with backoff unless it is permanent (see
// Permanent); the context is cancelled after JobTimeout.
type Handlers struct {
	Evaluate func(ctx context.Context, a Evaluate) error
	Notify   func(ctx context.Context, a Notify) error
	Treat    func(ctx context.Context, a Treat) error
}

// Options configure a Queue.
type Options struct {
	// Path is the queue's own SQLite file (e.g. HOME/jobs.db); it and its
	// directory are created when missing, and its schema migrated.
	Path string
	// Workers is how many jobs run at once; default 2.
	Workers int
	// PollInterval is how often workers look for new jobs, which bounds
	// the delay between queueing a job and its start; default 50ms.
	PollInterval time.Duration
	// NotifyAttempts is how many times a notification is tried; default 8.
	NotifyAttempts int
	// RetryBackoff is the wait before the first retry of a failed job,
	// doubled for each further retry up to MaxRetryBackoff; default 1s.
	RetryBackoff time.Duration
	// Logger receives the queue's and River's logs; default discards.
	Logger *slog.Logger
	// Clock is the time the queue schedules by; nil uses the system clock.
	Clock func() time.Time
}

// Queue is the background work of one process: River's client on the
// queue's SQLite file, with workers for each kind that has a handler.
type Queue struct {
	db     *sql.DB
	client *river.Client[*sql.Tx]
	opts   Options
	h      Handlers
	log    *slog.Logger
	// kinds lists the kinds with a handler: those this process runs.
	kinds []string

	// life guards running; Stop holds it while jobs finish.
	life    sync.Mutex
	running bool
	// mu guards schedules.
	mu        sync.Mutex
	schedules map[string]schedule
}

// Open opens the queue's file, brings River's schema up to date and makes
// the client. Jobs run once Start is called; they can be queued before.
func Open(ctx context.Context, opts Options, h Handlers) (*Queue, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, opts.Path)
	if err != nil {
		return nil, err
	}
	q := &Queue{db: db, opts: opts, h: h, log: opts.Logger, schedules: map[string]schedule{}}
	if err := q.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	q.client, err = river.NewClient(riversqlite.New(db), q.config())
	if err != nil {
		db.Close()
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "open job queue %s: %w", opts.Path, err)
	}
	return q, nil
}

func (o Options) withDefaults() (Options, error) {
	bad := func(format string, args ...any) (Options, error) {
		return o, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "job queue: "+format, args...)
	}
	switch {
	case o.Path == "":
		return bad("no database path given")
	case o.Workers < 0:
		return bad("workers must not be negative, got %d", o.Workers)
	case o.PollInterval < 0:
		return bad("poll interval must not be negative, got %s", o.PollInterval)
	case o.PollInterval > 0 && o.PollInterval < time.Millisecond:
		return bad("poll interval must be at least 1ms, got %s", o.PollInterval)
	case o.NotifyAttempts < 0:
		return bad("notify attempts must not be negative, got %d", o.NotifyAttempts)
	case o.RetryBackoff < 0:
		return bad("retry backoff must not be negative, got %s", o.RetryBackoff)
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.NotifyAttempts == 0 {
		o.NotifyAttempts = DefaultNotifyAttempts
	}
	if o.RetryBackoff == 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

func openDB(ctx context.Context, path string) (*sql.DB, error) {
	fail := func(err error) (*sql.DB, error) {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "open job queue %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return fail(err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return fail(err)
	}
	// SQLite runs one statement at a time; River's services run in
	// parallel, and one connection queues them in Go instead of failing
	// with SQLITE_BUSY (riversqlite's advice).
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fail(err)
	}
	return db, nil
}

// dsn makes the driver's name for the file; pragmas go in the name so a
// connection reopened by the pool gets them too.
func dsn(abs string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	if !strings.HasPrefix(esc, "/") {
		esc = "/" + esc // a Windows drive letter
	}
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous(FULL)&_txlock=immediate", esc, busyTimeout)
}

func (q *Queue) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(riversqlite.New(q.db), &rivermigrate.Config{Logger: q.log})
	if err == nil {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "migrate job queue %s: %w", q.opts.Path, err)
	}
	return nil
}

func (q *Queue) config() *river.Config {
	workers := river.NewWorkers()
	if q.h.Evaluate != nil {
		river.AddWorker(workers, &worker[evaluateArgs]{q: q, work: func(ctx context.Context, a evaluateArgs) error {
			return q.h.Evaluate(ctx, a.Evaluate)
		}})
		q.kinds = append(q.kinds, KindEvaluate)
	}
	if q.h.Notify != nil {
		river.AddWorker(workers, &worker[notifyArgs]{q: q, work: func(ctx context.Context, a notifyArgs) error {
			return q.h.Notify(ctx, Notify{Target: a.Target, Notification: a.Notification})
		}})
		q.kinds = append(q.kinds, KindNotify)
	}
	if q.h.Treat != nil {
		river.AddWorker(workers, &worker[treatArgs]{q: q, work: func(ctx context.Context, a treatArgs) error {
			return q.h.Treat(ctx, a.Treat)
		}})
		q.kinds = append(q.kinds, KindTreat)
	}
	cfg := &river.Config{
		CompletedJobRetentionPeriod: Retention,
		FetchCooldown:               max(q.opts.PollInterval/2, time.Millisecond),
		FetchPollInterval:           q.opts.PollInterval,
		// Jobs of a kind without a handler here wait for a process that
		// has one, instead of failing.
		FetchOnlyKnownKinds: true,
		JobTimeout:          JobTimeout,
		Logger:              q.log,
		Middleware:          []rivertype.Middleware{&soonAvailable{now: q.now}},
		Queues:              map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.opts.Workers}},
		Workers:             workers,
	}
	if q.opts.Clock != nil {
		cfg.Test.Time = clock(q.opts.Clock)
	}
	return cfg
}

func (q *Queue) now() time.Time {
	if q.opts.Clock != nil {
		return q.opts.Clock()
	}
	return time.Now()
}

// Start starts the workers and the schedules; it returns once they run.
// Cancelling ctx stops the queue and cancels running jobs; Stop is the
// graceful way.
func (q *Queue) Start(ctx context.Context) error {
	q.life.Lock()
	defer q.life.Unlock()
	if err := q.client.Start(ctx); err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "start job queue %s: %w", q.opts.Path, err)
	}
	q.running = true
	q.log.Info("job queue started", "path", q.opts.Path, "workers", q.opts.Workers, "kinds", q.kinds)
	return nil
}

// Stop stops taking jobs and waits for the running ones to finish; jobs not
// started stay queued in the file. If ctx ends first, Stop returns its
// error and the jobs keep running.
func (q *Queue) Stop(ctx context.Context) error {
	q.life.Lock()
	defer q.life.Unlock()
	if !q.running {
		return nil
	}
	q.log.Info("stopping job queue: waiting for running jobs")
	if err := q.client.Stop(ctx); err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "stop job queue %s: %w", q.opts.Path, err)
	}
	q.running = false
	q.log.Info("job queue stopped")
	return nil
}

// Close stops the queue if it runs, cancelling the running jobs (they are
// retried later), and closes the file. Call Stop first to let them finish.
func (q *Queue) Close() error {
	q.life.Lock()
	defer q.life.Unlock()
	var errs []error
	if q.running {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		errs = append(errs, q.client.StopAndCancel(ctx))
		q.running = false
	}
	errs = append(errs, q.db.Close())
	if err := errors.Join(errs...); err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "close job queue %s: %w", q.opts.Path, err)
	}
	return nil
}

// Evaluate queues an evaluation. An equal evaluation (same instance,
// resources and trigger) that has not started yet absorbs this one; one
// already running does not, so a change made during an evaluation is still
// looked at after it.
func (q *Queue) Evaluate(ctx context.Context, a Evaluate) error {
	if q.h.Evaluate == nil {
		return q.noHandler(KindEvaluate)
	}
	if a.Instance == "" {
		return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "queue evaluation: no instance given")
	}
	return q.insertPending(ctx, evaluateArgs{Evaluate: a.normalized()}, nil)
}

// Notify queues a delivery. A notification is delivered to a target once:
// queueing the same notification id for the same target again, while the
// first is queued, running or kept after completing, does nothing.
func (q *Queue) Notify(ctx context.Context, a Notify) error {
	if q.h.Notify == nil {
		return q.noHandler(KindNotify)
	}
	if a.Target == "" || a.Notification.ID == "" {
		return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"queue notification: target %q and notification id %q must both be given", a.Target, a.Notification.ID)
	}
	args := notifyArgs{Target: a.Target, ID: a.Notification.ID, Notification: a.Notification}
	if _, err := q.client.Insert(ctx, args, &river.InsertOpts{MaxAttempts: q.opts.NotifyAttempts}); err != nil {
		return q.insertFailed(KindNotify, err)
	}
	return nil
}

// Treat queues the treatment of a deviation, to start not before at (the
// grace period's end). A treatment of the same deviation that has not
// started yet absorbs this one.
func (q *Queue) Treat(ctx context.Context, a Treat, at time.Time) error {
	if q.h.Treat == nil {
		return q.noHandler(KindTreat)
	}
	if a.Deviation == "" {
		return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "queue treatment: no deviation given")
	}
	var opts *river.InsertOpts
	if at.After(q.now()) {
		// SQLite keeps milliseconds: round up so the job cannot start
		// before at.
		if r := at.Truncate(time.Millisecond); !r.Equal(at) {
			at = r.Add(time.Millisecond)
		}
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	return q.insertPending(ctx, treatArgs{Treat: a}, opts)
}

// insertPending inserts a job unique among pending jobs. River's uniqueness
// also counts running jobs; a duplicate of a running job is inserted again
// marked as following it, so it is unique among the jobs queued behind
// that one. Once that job has finished, an unmarked equal job can join the
// marked one: at worst one extra run, never a lost one.
func (q *Queue) insertPending(ctx context.Context, args pendingArgs, opts *river.InsertOpts) error {
	res, err := q.client.Insert(ctx, args, opts)
	if err == nil && res.UniqueSkippedAsDuplicate && res.Job.State == rivertype.JobStateRunning {
		q.log.Debug("job equal to a running one queued behind it", "kind", args.Kind(), "running", res.Job.ID)
		_, err = q.client.Insert(ctx, args.following(res.Job.ID), opts)
	}
	if err != nil {
		return q.insertFailed(args.Kind(), err)
	}
	return nil
}

func (q *Queue) noHandler(kind string) error {
	return qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "queue %s job: %w", kind, ErrNoHandler)
}

func (q *Queue) insertFailed(kind string, err error) error {
	return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "queue %s job in %s: %w", kind, q.opts.Path, err)
}

// clock gives River the queue's time.
type clock func() time.Time

func (c clock) Now() time.Time { return c() }

func (c clock) NowOrNil() *time.Time {
	t := c()
	return &t
}

// soonAvailable makes a job scheduled to start within River's scheduler
// interval available at once, with its start time kept: workers skip it
// until then. Otherwise it would wait for the scheduler's next pass (every
// 5s) — River treats short retries the same way.
type soonAvailable struct {
	river.MiddlewareDefaults
	now func() time.Time
}

// schedulerInterval is River's (unexported) interval between passes that
// make scheduled jobs available.
const schedulerInterval = 5 * time.Second

func (m *soonAvailable) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	limit := m.now().Add(schedulerInterval)
	for _, p := range params {
		if p.State == rivertype.JobStateScheduled && p.ScheduledAt != nil && p.ScheduledAt.Before(limit) {
			p.State = rivertype.JobStateAvailable
		}
	}
	return doInner(ctx)
}
