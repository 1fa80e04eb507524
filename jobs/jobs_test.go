package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"qualstate"
)

// waitLimit bounds every wait in these tests so that a broken queue fails
// the test instead of hanging it; it is not an assertion on speed.
const waitLimit = 30 * time.Second

// testOptions are fast settings for tests: short polls and backoffs.
func testOptions(t *testing.T) Options {
	return Options{
		Path:         filepath.Join(t.TempDir(), "jobs.db"),
		PollInterval: 10 * time.Millisecond,
		RetryBackoff: 10 * time.Millisecond,
	}
}

func openQueue(t *testing.T, opts Options, h Handlers) *Queue {
	t.Helper()
	q, err := Open(t.Context(), opts, h)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := q.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return q
}

func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

func idle(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Idle(waitCtx(t)); err != nil {
		t.Fatalf("Idle: %v", err)
	}
}

// receive takes the next value from ch, failing the test after waitLimit.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-waitCtx(t).Done():
		t.Fatalf("no %s within %s", what, waitLimit)
		panic("unreachable")
	}
}

// waitStats polls the queue's counts until ok accepts them.
func waitStats(t *testing.T, q *Queue, ok func(Stats) bool) Stats {
	t.Helper()
	ctx := waitCtx(t)
	for {
		s, err := q.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if ok(s) {
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("stats never reached the expected counts; last %+v", s)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// counter counts handler calls by key.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
}

func (c *counter) all() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func TestHandlersGetTheirArgs(t *testing.T) {
	got := make(chan any, 10)
	q := openQueue(t, testOptions(t), Handlers{
		Evaluate: func(_ context.Context, a Evaluate) error { got <- a; return nil },
		Notify:   func(_ context.Context, a Notify) error { got <- a; return nil },
		Treat:    func(_ context.Context, a Treat) error { got <- a; return nil },
	})
	start(t, q)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	note := qualstate.Notification{
		ID: "N-1", Time: at, Event: "deviation.opened", Instance: "web", Stack: "web-stack",
		Status: qualstate.QSNonCompliant, Summary: "bucket encryption removed",
		Deviation: &qualstate.Deviation{ID: "D-000001", InstanceID: "web", Kind: qualstate.DeviationCheck,
			State: qualstate.DeviationOpen, Opened: at, Updated: at,
			History: []qualstate.DeviationChange{{Time: at, Actor: "monitor", To: qualstate.DeviationOpen, Action: "opened"}}},
	}
	tests := []struct {
		name   string
		insert func(context.Context) error
		want   any
	}{
		{
			name: "evaluate with resources sorted and repeats dropped",
			insert: func(ctx context.Context) error {
				return q.Evaluate(ctx, Evaluate{Instance: "web", LogicalIDs: []string{"Queue", "Bucket", "Queue"}, Trigger: "event E1"})
			},
			want: Evaluate{Instance: "web", LogicalIDs: []string{"Bucket", "Queue"}, Trigger: "event E1"},
		},
		{
			name:   "evaluate everything",
			insert: func(ctx context.Context) error { return q.Evaluate(ctx, Evaluate{Instance: "web", Trigger: "manual"}) },
			want:   Evaluate{Instance: "web", Trigger: "manual"},
		},
		{
			name: "notify",
			insert: func(ctx context.Context) error {
				return q.Notify(ctx, Notify{Target: "ops-webhook", Notification: note})
			},
			want: Notify{Target: "ops-webhook", Notification: note},
		},
		{
			name:   "treat now",
			insert: func(ctx context.Context) error { return q.Treat(ctx, Treat{Deviation: "D-000001"}, time.Time{}) },
			want:   Treat{Deviation: "D-000001"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.insert(t.Context()); err != nil {
				t.Fatalf("insert: %v", err)
			}
			if v := receive(t, got, "handler call"); !reflect.DeepEqual(v, tt.want) {
				t.Errorf("handler got %#v\nwant %#v", v, tt.want)
			}
		})
	}
}

func TestPendingEvaluationsAreNotQueuedTwice(t *testing.T) {
	tests := []struct {
		name    string
		inserts []Evaluate
		want    int // handler calls
	}{
		{
			name:    "equal",
			inserts: []Evaluate{{Instance: "web", Trigger: "schedule"}, {Instance: "web", Trigger: "schedule"}},
			want:    1,
		},
		{
			name: "same resources in another order",
			inserts: []Evaluate{
				{Instance: "web", LogicalIDs: []string{"A", "B"}, Trigger: "event E1"},
				{Instance: "web", LogicalIDs: []string{"B", "A", "A"}, Trigger: "event E1"},
			},
			want: 1,
		},
		{
			name:    "other trigger",
			inserts: []Evaluate{{Instance: "web", Trigger: "event E1"}, {Instance: "web", Trigger: "event E2"}},
			want:    2,
		},
		{
			name: "other resources",
			inserts: []Evaluate{
				{Instance: "web", LogicalIDs: []string{"A"}, Trigger: "event E1"},
				{Instance: "web", LogicalIDs: []string{"B"}, Trigger: "event E1"},
			},
			want: 2,
		},
		{
			name:    "other instance",
			inserts: []Evaluate{{Instance: "web", Trigger: "schedule"}, {Instance: "db", Trigger: "schedule"}},
			want:    2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls counter
			q := openQueue(t, testOptions(t), Handlers{Evaluate: func(context.Context, Evaluate) error {
				calls.add("")
				return nil
			}})
			for _, a := range tt.inserts {
				if err := q.Evaluate(t.Context(), a); err != nil {
					t.Fatalf("Evaluate: %v", err)
				}
			}
			start(t, q)
			idle(t, q)
			if got := calls.get(""); got != tt.want {
				t.Errorf("handler called %d times, want %d", got, tt.want)
			}
		})
	}
}

func TestEvaluationEqualToARunningOneIsQueuedBehindIt(t *testing.T) {
	var (
		calls   counter
		started = make(chan struct{}, 3)
		release = make(chan struct{})
	)
	opts := testOptions(t)
	opts.Workers = 1
	q := openQueue(t, opts, Handlers{Evaluate: func(context.Context, Evaluate) error {
		calls.add("")
		started <- struct{}{}
		<-release
		return nil
	}})
	a := Evaluate{Instance: "web", Trigger: "schedule"}
	if err := q.Evaluate(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	receive(t, started, "first evaluation")
	// The first is running: one more is queued behind it, and a third
	// equal one is absorbed by that pending one.
	for range 2 {
		if err := q.Evaluate(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	s, err := q.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.Running != 1 || s.Available != 1 {
		t.Errorf("while the first runs: %+v, want 1 running and 1 available", s)
	}
	close(release)
	idle(t, q)
	if got := calls.get(""); got != 2 {
		t.Errorf("handler called %d times, want 2", got)
	}
}

// deliveryRefused is a delivery package's own permanent error.
type deliveryRefused struct{ status int }

func (e deliveryRefused) Error() string   { return fmt.Sprintf("receiver answered %d", e.status) }
func (e deliveryRefused) Permanent() bool { return e.status < 500 }

func TestNotifyRetries(t *testing.T) {
	errDown := errors.New("connection refused")
	tests := []struct {
		name     string
		attempts int // Options.NotifyAttempts
		// fail returns the error of the n-th attempt (from 1).
		fail          func(n int) error
		wantAttempts  int
		wantCompleted bool
	}{
		{
			name: "until delivered",
			fail: func(n int) error {
				if n < 3 {
					return errDown
				}
				return nil
			},
			wantAttempts:  3,
			wantCompleted: true,
		},
		{
			name:         "not after a permanent error",
			fail:         func(int) error { return Permanent(errors.New("no such channel")) },
			wantAttempts: 1,
		},
		{
			name:         "not after the receiver's own permanent error",
			fail:         func(int) error { return fmt.Errorf("post: %w", deliveryRefused{status: 404}) },
			wantAttempts: 1,
		},
		{
			name: "after the receiver's own temporary error",
			fail: func(n int) error {
				if n == 1 {
					return deliveryRefused{status: 503}
				}
				return nil
			},
			wantAttempts:  2,
			wantCompleted: true,
		},
		{
			name:         "until attempts are used up",
			attempts:     4,
			fail:         func(int) error { return errDown },
			wantAttempts: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls counter
			opts := testOptions(t)
			opts.NotifyAttempts = tt.attempts
			q := openQueue(t, opts, Handlers{Notify: func(context.Context, Notify) error {
				calls.add("")
				return tt.fail(calls.get(""))
			}})
			start(t, q)
			if err := q.Notify(t.Context(), Notify{Target: "ops", Notification: qualstate.Notification{ID: "N-1"}}); err != nil {
				t.Fatal(err)
			}
			s := waitStats(t, q, func(s Stats) bool { return s.Completed+s.Discarded == 1 })
			if got := calls.get(""); got != tt.wantAttempts {
				t.Errorf("%d attempts, want %d", got, tt.wantAttempts)
			}
			if (s.Completed == 1) != tt.wantCompleted {
				t.Errorf("stats %+v, want completed %v", s, tt.wantCompleted)
			}
		})
	}
}

func TestNotificationIsDeliveredOncePerTarget(t *testing.T) {
	var calls counter
	q := openQueue(t, testOptions(t), Handlers{Notify: func(_ context.Context, a Notify) error {
		calls.add(a.Target + " " + a.Notification.ID)
		return nil
	}})
	start(t, q)
	for _, n := range []Notify{
		{Target: "ops", Notification: qualstate.Notification{ID: "N-1", Summary: "first"}},
		{Target: "ops", Notification: qualstate.Notification{ID: "N-1", Summary: "retold"}},
		{Target: "qa", Notification: qualstate.Notification{ID: "N-1"}},
		{Target: "ops", Notification: qualstate.Notification{ID: "N-2"}},
	} {
		if err := q.Notify(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
	idle(t, q)
	// Delivered already: the completed job keeps it from being repeated.
	if err := q.Notify(t.Context(), Notify{Target: "ops", Notification: qualstate.Notification{ID: "N-1"}}); err != nil {
		t.Fatal(err)
	}
	idle(t, q)
	for key, want := range map[string]int{"ops N-1": 1, "qa N-1": 1, "ops N-2": 1} {
		if got := calls.get(key); got != want {
			t.Errorf("%s delivered %d times, want %d", key, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, time.Second},
		{2, 2 * time.Second},
		{3, 4 * time.Second},
		{8, 128 * time.Second},
		{9, 256 * time.Second},
		{10, MaxRetryBackoff},
		{100, MaxRetryBackoff},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("attempt ", tt.attempt), func(t *testing.T) {
			if got := backoff(time.Second, tt.attempt); got != tt.want {
				t.Errorf("backoff after attempt %d = %s, want %s", tt.attempt, got, tt.want)
			}
		})
	}
}

func TestTreatStartsNotBeforeItsTime(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration // from now
	}{
		{"past", -time.Hour},
		{"now", 0},
		{"soon", 300 * time.Millisecond},
		{"after the scheduler's interval", schedulerInterval + 500*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := make(chan time.Time, 1)
			q := openQueue(t, testOptions(t), Handlers{Treat: func(context.Context, Treat) error {
				started <- time.Now()
				return nil
			}})
			start(t, q)
			at := time.Now().Add(tt.in)
			if err := q.Treat(t.Context(), Treat{Deviation: "D-000001"}, at); err != nil {
				t.Fatal(err)
			}
			if got := receive(t, started, "treatment"); got.Before(at) {
				t.Errorf("treatment started at %s, before %s", got.Format(time.StampMicro), at.Format(time.StampMicro))
			}
		})
	}
}

func TestTreatLaterWaitsAndIsNotQueuedTwice(t *testing.T) {
	var calls counter
	q := openQueue(t, testOptions(t), Handlers{
		Treat:    func(context.Context, Treat) error { calls.add("treat"); return nil },
		Evaluate: func(context.Context, Evaluate) error { calls.add("evaluate"); return nil },
	})
	start(t, q)
	later := time.Now().Add(time.Hour)
	for _, at := range []time.Time{later, later.Add(time.Minute)} {
		if err := q.Treat(t.Context(), Treat{Deviation: "D-000001"}, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Evaluate(t.Context(), Evaluate{Instance: "web"}); err != nil {
		t.Fatal(err)
	}
	// Idle waits for the evaluation but not for the treatment an hour away.
	idle(t, q)
	if calls.get("evaluate") != 1 || calls.get("treat") != 0 {
		t.Errorf("calls %v, want the evaluation only", calls.all())
	}
	s, err := q.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.Scheduled != 1 || s.Completed != 1 {
		t.Errorf("stats %+v, want 1 scheduled and 1 completed", s)
	}
}

func TestSchedulesFireAndAreReplaced(t *testing.T) {
	fired := make(chan string, 100)
	q := openQueue(t, testOptions(t), Handlers{Evaluate: func(_ context.Context, a Evaluate) error {
		if a.Trigger != "schedule" {
			t.Errorf("trigger %q, want schedule", a.Trigger)
		}
		fired <- a.Instance
		return nil
	}})
	every := func(name string) Schedule {
		return Schedule{Name: name, Cron: "@every 1s", Args: Evaluate{Instance: name}}
	}
	if err := q.SetSchedules([]Schedule{every("a")}); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	if got := receive(t, fired, "scheduled evaluation"); got != "a" {
		t.Fatalf("fired %q, want a", got)
	}

	// Setting the same schedule again keeps it as it is.
	before := q.schedules["a"].handle
	if err := q.SetSchedules([]Schedule{every("a")}); err != nil {
		t.Fatal(err)
	}
	if after := q.schedules["a"].handle; after != before {
		t.Errorf("unchanged schedule re-added: handle %d, was %d", after, before)
	}

	if err := q.SetSchedules([]Schedule{every("b")}); err != nil {
		t.Fatal(err)
	}
	// An evaluation of a queued before the change may still run; after b
	// has fired, a must not fire again while b fires twice more.
	for got := ""; got != "b"; {
		got = receive(t, fired, "evaluation of b")
	}
	for range 2 {
		if got := receive(t, fired, "evaluation of b"); got != "b" {
			t.Errorf("removed schedule a fired")
		}
	}
}

func TestSetSchedulesRejects(t *testing.T) {
	valid := Schedule{Name: "web", Cron: "@hourly", Args: Evaluate{Instance: "web"}}
	tests := []struct {
		name string
		ss   []Schedule
		want string
	}{
		{"no name", []Schedule{{Cron: "@hourly", Args: Evaluate{Instance: "web"}}}, `schedule 1 (""): no name given`},
		{"no instance", []Schedule{{Name: "web", Cron: "@hourly"}}, "no instance given"},
		{"a name twice", []Schedule{valid, valid}, `schedule 2 ("web"): name used twice`},
		{"a bad expression", []Schedule{valid, {Name: "db", Cron: "every day", Args: Evaluate{Instance: "db"}}}, `schedule 2 ("db"): schedule "every day"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := openQueue(t, testOptions(t), Handlers{Evaluate: func(context.Context, Evaluate) error { return nil }})
			if err := q.SetSchedules([]Schedule{{Name: "kept", Cron: "@daily", Args: Evaluate{Instance: "kept"}}}); err != nil {
				t.Fatal(err)
			}
			err := q.SetSchedules(tt.ss)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if code := qualstate.CodeOf(err); code != qualstate.ErrInvalidInput {
				t.Errorf("code %s, want %s", code, qualstate.ErrInvalidInput)
			}
			if _, ok := q.schedules["kept"]; !ok || len(q.schedules) != 1 {
				t.Errorf("schedules changed by a rejected set: %v", q.schedules)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	from := time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)
	tests := []struct {
		expr     string
		wantNext time.Time // for valid expressions
		wantErr  string    // for invalid ones
	}{
		{expr: "CRON_TZ=UTC */20 * * * *", wantNext: from.Add(5 * time.Minute)},
		{expr: "CRON_TZ=UTC @hourly", wantNext: from.Add(45 * time.Minute)},
		{expr: "CRON_TZ=UTC 0 6 * * 1-5", wantNext: time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)},
		{expr: "@every 5m", wantNext: from.Add(5 * time.Minute)},
		{expr: "", wantErr: `schedule "": empty`},
		{expr: "* * *", wantErr: `schedule "* * *": expected exactly 5 fields, found 3`},
		{expr: "61 * * * *", wantErr: `schedule "61 * * * *": end of range (61) above maximum (59)`},
		{expr: "@every 100ms", wantErr: `schedule "@every 100ms": @every needs an interval of at least 1s`},
		{expr: "@every soon", wantErr: `schedule "@every soon": failed to parse duration`},
		{expr: "@fortnightly", wantErr: `schedule "@fortnightly": unrecognized descriptor`},
		{expr: "0 0 30 2 *", wantErr: `schedule "0 0 30 2 *": never fires`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			r, err := ParseSchedule(tt.expr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Next(from); !got.Equal(tt.wantNext) {
				t.Errorf("next after %s = %s, want %s", from, got, tt.wantNext)
			}
		})
	}
}

func TestQueueingRefuses(t *testing.T) {
	none := openQueue(t, testOptions(t), Handlers{})
	ok := func(context.Context, Evaluate) error { return nil }
	all := openQueue(t, testOptions(t), Handlers{
		Evaluate: ok,
		Notify:   func(context.Context, Notify) error { return nil },
		Treat:    func(context.Context, Treat) error { return nil },
	})
	tests := []struct {
		name     string
		insert   func(context.Context) error
		wantIs   error
		wantCode qualstate.ErrorCode
	}{
		{"evaluate without handler", func(ctx context.Context) error { return none.Evaluate(ctx, Evaluate{Instance: "web"}) }, ErrNoHandler, qualstate.ErrInternal},
		{"notify without handler", func(ctx context.Context) error {
			return none.Notify(ctx, Notify{Target: "ops", Notification: qualstate.Notification{ID: "N-1"}})
		}, ErrNoHandler, qualstate.ErrInternal},
		{"treat without handler", func(ctx context.Context) error { return none.Treat(ctx, Treat{Deviation: "D-1"}, time.Time{}) }, ErrNoHandler, qualstate.ErrInternal},
		{"schedules without evaluate handler", func(context.Context) error {
			return none.SetSchedules([]Schedule{{Name: "web", Cron: "@hourly", Args: Evaluate{Instance: "web"}}})
		}, ErrNoHandler, qualstate.ErrInternal},
		{"evaluate without instance", func(ctx context.Context) error { return all.Evaluate(ctx, Evaluate{Trigger: "manual"}) }, nil, qualstate.ErrInvalidInput},
		{"notify without target", func(ctx context.Context) error {
			return all.Notify(ctx, Notify{Notification: qualstate.Notification{ID: "N-1"}})
		}, nil, qualstate.ErrInvalidInput},
		{"notify without notification id", func(ctx context.Context) error { return all.Notify(ctx, Notify{Target: "ops"}) }, nil, qualstate.ErrInvalidInput},
		{"treat without deviation", func(ctx context.Context) error { return all.Treat(ctx, Treat{}, time.Time{}) }, nil, qualstate.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.insert(t.Context())
			if err == nil {
				t.Fatal("queued, want an error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v, want %v", err, tt.wantIs)
			}
			if code := qualstate.CodeOf(err); code != tt.wantCode {
				t.Errorf("code %s, want %s (%v)", code, tt.wantCode, err)
			}
		})
	}
	for _, q := range []*Queue{none, all} {
		if s, err := q.Stats(t.Context()); err != nil || s != (Stats{}) {
			t.Errorf("after refusals: stats %+v, %v; want none", s, err)
		}
	}
}

func TestOpenChecksOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no path", Options{}, "no database path given"},
		{"negative workers", Options{Path: "x.db", Workers: -1}, "workers must not be negative"},
		{"poll interval under a millisecond", Options{Path: "x.db", PollInterval: time.Microsecond}, "poll interval must be at least 1ms"},
		{"negative attempts", Options{Path: "x.db", NotifyAttempts: -2}, "notify attempts must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(t.Context(), tt.opts, Handlers{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if code := qualstate.CodeOf(err); code != qualstate.ErrInvalidInput {
				t.Errorf("code %s, want %s", code, qualstate.ErrInvalidInput)
			}
		})
	}
}

func TestIdle(t *testing.T) {
	var calls counter
	opts := testOptions(t)
	opts.Path = filepath.Join(t.TempDir(), "new", "dir", "jobs.db")
	q := openQueue(t, opts, Handlers{Evaluate: func(context.Context, Evaluate) error {
		calls.add("")
		return nil
	}})
	if err := q.Evaluate(t.Context(), Evaluate{Instance: "web"}); err != nil {
		t.Fatal(err)
	}
	// Not started: the job waits, so the queue is not idle.
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := q.Idle(ctx); err == nil {
		t.Fatal("Idle returned nil with a job waiting and no worker")
	}
	start(t, q)
	idle(t, q)
	if calls.get("") != 1 {
		t.Errorf("Idle returned before the job ran")
	}
	if s, err := q.Stats(t.Context()); err != nil || s != (Stats{Completed: 1}) {
		t.Errorf("stats %+v, %v; want 1 completed", s, err)
	}
}

// logSignal closes a channel when a record with the message is logged.
type logSignal struct {
	slog.Handler
	msg  string
	once *sync.Once
	seen chan struct{}
}

func (h logSignal) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.once.Do(func() { close(h.seen) })
	}
	return nil
}

func (h logSignal) Enabled(context.Context, slog.Level) bool { return true }

func (h logSignal) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logSignal) WithGroup(string) slog.Handler      { return h }

func TestStopLetsRunningJobsFinish(t *testing.T) {
	stopping := logSignal{Handler: slog.DiscardHandler, msg: "stopping job queue: waiting for running jobs",
		once: new(sync.Once), seen: make(chan struct{})}
	opts := testOptions(t)
	opts.Logger = slog.New(stopping)
	var (
		started  = make(chan struct{})
		release  = make(chan struct{})
		finished = make(chan error, 1)
	)
	q := openQueue(t, opts, Handlers{Evaluate: func(ctx context.Context, _ Evaluate) error {
		close(started)
		<-release
		finished <- ctx.Err()
		return nil
	}})
	start(t, q)
	if err := q.Evaluate(t.Context(), Evaluate{Instance: "web"}); err != nil {
		t.Fatal(err)
	}
	receive(t, started, "evaluation start")
	stopped := make(chan error, 1)
	go func() { stopped <- q.Stop(waitCtx(t)) }()
	// Let the job finish only once Stop is waiting for it.
	receive(t, stopping.seen, "stop")
	close(release)
	if err := receive(t, stopped, "Stop's return"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case err := <-finished:
		if err != nil {
			t.Errorf("running job's context ended: %v", err)
		}
	default:
		t.Fatal("Stop returned before the running job finished")
	}
	if s, err := q.Stats(t.Context()); err != nil || s != (Stats{Completed: 1}) {
		t.Errorf("after Stop: stats %+v, %v; want 1 completed", s, err)
	}
}

func TestReopenKeepsPendingJobs(t *testing.T) {
	opts := testOptions(t)
	var calls counter
	h := Handlers{
		Evaluate: func(context.Context, Evaluate) error { calls.add("evaluate"); return nil },
		Notify:   func(context.Context, Notify) error { calls.add("notify"); return nil },
		Treat:    func(context.Context, Treat) error { calls.add("treat"); return nil },
	}
	first, err := Open(t.Context(), opts, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, err := range []error{
		first.Evaluate(ctx, Evaluate{Instance: "web"}),
		first.Notify(ctx, Notify{Target: "ops", Notification: qualstate.Notification{ID: "N-1"}}),
		first.Treat(ctx, Treat{Deviation: "D-000001"}, time.Now().Add(time.Hour)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	q := openQueue(t, opts, h)
	if s, err := q.Stats(ctx); err != nil || s != (Stats{Available: 2, Scheduled: 1}) {
		t.Fatalf("reopened: stats %+v, %v; want 2 available and 1 scheduled", s, err)
	}
	start(t, q)
	idle(t, q)
	if calls.get("evaluate") != 1 || calls.get("notify") != 1 || calls.get("treat") != 0 {
		t.Errorf("calls %v, want one evaluation and one notification", calls.all())
	}
}

func TestQueueKeepsItsClock(t *testing.T) {
	// The queue's clock runs an hour ahead: a treatment due in an hour by
	// the system clock is due at once by the queue's, in River's queries
	// too.
	ahead := func() time.Time { return time.Now().Add(time.Hour) }
	opts := testOptions(t)
	opts.Clock = ahead
	done := make(chan struct{}, 2)
	q := openQueue(t, opts, Handlers{
		Treat:    func(context.Context, Treat) error { done <- struct{}{}; return nil },
		Evaluate: func(context.Context, Evaluate) error { done <- struct{}{}; return nil },
	})
	start(t, q)
	if err := q.Treat(t.Context(), Treat{Deviation: "D-000001"}, time.Now().Add(time.Hour+200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	receive(t, done, "treatment")
	if err := q.Evaluate(t.Context(), Evaluate{Instance: "web"}); err != nil {
		t.Fatal(err)
	}
	receive(t, done, "evaluation")
	idle(t, q)
}
