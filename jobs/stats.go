package jobs

import (
	"context"
	"strings"
	"time"

	"qualstate"
)

// Stats counts the queue's jobs by state.
type Stats struct {
	// Available jobs wait for a worker (some for a retry due within
	// seconds); Running ones have one.
	Available, Running int
	// Scheduled jobs wait for their time; Retryable ones for their retry.
	Scheduled, Retryable int
	// Completed jobs are kept for Retention.
	Completed int
	// Discarded jobs were given up on: attempts used up, or a permanent
	// error.
	Discarded int
}

// Stats counts the jobs in the queue's file, of every kind.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT state, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return Stats{}, q.readFailed("count jobs", err)
	}
	defer rows.Close()
	var s Stats
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return Stats{}, q.readFailed("count jobs", err)
		}
		switch state {
		case "available", "pending":
			s.Available += n
		case "running":
			s.Running += n
		case "scheduled":
			s.Scheduled += n
		case "retryable":
			s.Retryable += n
		case "completed":
			s.Completed += n
		case "discarded", "cancelled":
			s.Discarded += n
		}
	}
	if err := rows.Err(); err != nil {
		return Stats{}, q.readFailed("count jobs", err)
	}
	return s, nil
}

// Idle waits until no job this process runs is running or due: none
// running, and none available, scheduled or awaiting a retry with its time
// come. Jobs whose time is still to come do not count. Idle waits for
// ever on a queue not started, unless ctx ends.
func (q *Queue) Idle(ctx context.Context) error {
	if len(q.kinds) == 0 {
		return nil
	}
	query := `SELECT count(*) FROM river_job WHERE kind IN (?` + strings.Repeat(`, ?`, len(q.kinds)-1) + `)
		AND (state = 'running' OR (state IN ('available', 'scheduled', 'retryable') AND scheduled_at <= ?))`
	ticker := time.NewTicker(q.opts.PollInterval)
	defer ticker.Stop()
	for {
		args := make([]any, 0, len(q.kinds)+1)
		for _, k := range q.kinds {
			args = append(args, k)
		}
		args = append(args, sqliteTime(q.now()))
		var n int
		if err := q.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			if ctx.Err() != nil {
				return q.waitEnded(ctx)
			}
			return q.readFailed("wait for idle", err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return q.waitEnded(ctx)
		case <-ticker.C:
		}
	}
}

// sqliteTime renders t as River's SQLite driver stores times; the text
// compares in time order only in exactly this form.
func sqliteTime(t time.Time) string {
	return t.UTC().Round(time.Millisecond).Format("2006-01-02 15:04:05.000")
}

func (q *Queue) waitEnded(ctx context.Context) error {
	return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "wait for job queue %s to be idle: %w", q.opts.Path, context.Cause(ctx))
}

func (q *Queue) readFailed(op string, err error) error {
	return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s in %s: %w", op, q.opts.Path, err)
}
