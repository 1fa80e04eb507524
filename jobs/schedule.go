package jobs

import (
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/robfig/cron/v3"

	"qualstate"
)

// Schedule is a named, recurring evaluation.
type Schedule struct {
	// Name identifies the schedule among those set (e.g. the instance id).
	Name string
	// Cron is a standard 5-field expression ("*/15 * * * *") or a
	// descriptor ("@hourly", "@daily", "@every 5m"), in the local time zone
	// unless it starts with CRON_TZ=Area/City.
	Cron string
	// Args is the evaluation queued each time; an empty Trigger becomes
	// "schedule".
	Args Evaluate
}

// Recurrence says when a schedule fires.
type Recurrence interface {
	// Next returns the first firing after t, or the zero time if none.
	Next(t time.Time) time.Time
}

// ParseSchedule parses a cron expression as Schedule.Cron takes it. The
// error names the expression and what is wrong with it.
func ParseSchedule(expr string) (Recurrence, error) {
	bad := func(format string, args ...any) (Recurrence, error) {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"schedule %q: "+format, append([]any{expr}, args...)...)
	}
	trimmed := strings.TrimSpace(expr)
	if trimmed == "" {
		return bad("empty; want 5 cron fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @every 5m…")
	}
	if d, ok := strings.CutPrefix(trimmed, "@every "); ok {
		// cron rounds shorter intervals up to a second without a word.
		if dur, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && dur < time.Second {
			return bad("@every needs an interval of at least 1s, got %s", dur)
		}
	}
	s, err := cron.ParseStandard(trimmed)
	if err != nil {
		return bad("%w", err)
	}
	if s.Next(time.Now()).IsZero() {
		return bad("never fires")
	}
	return s, nil
}

// schedule is a schedule set on the queue with its handle in River.
type schedule struct {
	Schedule
	handle rivertype.PeriodicJobHandle
}

func (s Schedule) equal(o Schedule) bool {
	return s.Name == o.Name && s.Cron == o.Cron && s.Args.Instance == o.Args.Instance &&
		s.Args.Trigger == o.Args.Trigger && slices.Equal(s.Args.LogicalIDs, o.Args.LogicalIDs)
}

// SetSchedules replaces the queue's schedules with ss, before or after
// Start. A schedule unchanged (same name, expression and arguments) keeps
// its timing; the others are removed or added. Nothing changes if any
// schedule is invalid. Only the leader among the processes sharing the
// queue fires schedules, each process from its own set.
func (q *Queue) SetSchedules(ss []Schedule) error {
	if len(ss) > 0 && q.h.Evaluate == nil {
		return q.noHandler(KindEvaluate)
	}
	want := make(map[string]Schedule, len(ss))
	recur := make(map[string]Recurrence, len(ss))
	for i, s := range ss {
		bad := func(format string, args ...any) error {
			return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
				"schedule %d (%q): "+format, append([]any{i + 1, s.Name}, args...)...)
		}
		switch {
		case s.Name == "":
			return bad("no name given")
		case s.Args.Instance == "":
			return bad("no instance given")
		}
		if _, dup := want[s.Name]; dup {
			return bad("name used twice")
		}
		r, err := ParseSchedule(s.Cron)
		if err != nil {
			return bad("%w", err)
		}
		s.Args = s.Args.normalized()
		if s.Args.Trigger == "" {
			s.Args.Trigger = "schedule"
		}
		want[s.Name], recur[s.Name] = s, r
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	periodic := q.client.PeriodicJobs()
	var gone []rivertype.PeriodicJobHandle
	for name, cur := range q.schedules {
		if w, ok := want[name]; !ok || !w.equal(cur.Schedule) {
			gone = append(gone, cur.handle)
			delete(q.schedules, name)
		}
	}
	periodic.RemoveMany(gone)
	var (
		names []string
		jobs  []*river.PeriodicJob
	)
	for name, s := range want {
		if _, kept := q.schedules[name]; kept {
			continue
		}
		args := evaluateArgs{Evaluate: s.Args}
		names = append(names, name)
		jobs = append(jobs, river.NewPeriodicJob(recur[name], func() (river.JobArgs, *river.InsertOpts) {
			return args, nil
		}, nil))
	}
	handles, err := periodic.AddManySafely(jobs)
	if err != nil {
		return qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "set schedules: %w", err)
	}
	for i, name := range names {
		q.schedules[name] = schedule{Schedule: want[name], handle: handles[i]}
	}
	q.log.Info("schedules set", "count", len(q.schedules), "added", len(jobs), "removed", len(gone))
	return nil
}
