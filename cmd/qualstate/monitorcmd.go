package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/aws"
	"qualstate/jobs"
	"qualstate/monitor"
)

// defaultSchedule is how often an instance is evaluated when neither it nor
// the monitor says otherwise.
const defaultSchedule = "@every 5m"

// indexRefresh is how often the running monitor looks for instances
// registered, changed or disabled since it started.
const indexRefresh = 30 * time.Second

type monitorCmdFlags struct {
	monitorFlags
	once      bool
	schedule  string
	events    string
	queueURL  string
	instances []string
	verbose   bool
}

func newMonitorCommand() *cobra.Command {
	var f monitorCmdFlags
	cmd := &cobra.Command{
		Use:   "monitor [--once] [--schedule CRON] [--events auto|none] [--queue URL]",
		Short: "Keep registered instances in their qualified state, lights-out",
		Long: `Monitor evaluates every registered instance against its baseline and its
requirements: on a schedule (cron; per instance, or --schedule for all) and
on change events — the sandbox's event log, or on AWS an SQS queue fed by an
EventBridge rule for CloudTrail management events (--queue; see
examples/monitoring). An event re-evaluates only the resources it touches.
Deviations are recorded, notified (webhook, Slack, email: see 'config set
notify.*') and treated within the guard rails of the treat.* settings. The
work runs on a job queue in HOME/jobs.db, so notifications and treatments
survive a restart.

With --once, every instance is evaluated once; the exit status is 0 when all
are in their qualified state, 1 when one is not: for cron and CI.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMonitor(cmd, f) },
	}
	fl := cmd.Flags()
	cmd.Flags().StringVar(&f.home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	fl.BoolVar(&f.once, "once", false, "evaluate every instance once and exit: 0 qualified, 1 not")
	fl.StringVar(&f.schedule, "schedule", defaultSchedule, "cron expression (5 fields, or @every 5m, @hourly) for instances without their own")
	fl.StringVar(&f.events, "events", "auto", "change events: auto (--queue when given, else the sandbox's event log where an instance lives in one) or none")
	fl.StringVar(&f.queueURL, "queue", "", "SQS queue `URL` receiving CloudTrail events from EventBridge")
	fl.StringSliceVar(&f.instances, "instance", nil, "monitor only these instances")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "log the monitor's work to stderr")
	f.target.register(fl)
	return cmd
}

func runMonitor(cmd *cobra.Command, f monitorCmdFlags) error {
	if _, err := jobs.ParseSchedule(f.schedule); err != nil {
		return usagef("--schedule: %v", err)
	}
	if f.events != "auto" && f.events != "none" {
		return usagef("--events %q: want auto or none", f.events)
	}
	return withRecords(cmd, f.home, func(r *records) error {
		ctx := qualstate.WithActor(cmd.Context(), "system")
		log := slog.New(slog.DiscardHandler)
		if f.verbose {
			log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		}
		m, err := openMonitoring(ctx, r, f.target, log)
		if err != nil {
			return err
		}
		defer m.close()
		m.out = cmd.OutOrStdout()
		insts, err := monitoredInstances(ctx, r, f.instances)
		if err != nil {
			return err
		}
		if f.once {
			return monitorOnce(ctx, cmd.OutOrStdout(), m, insts)
		}
		return monitorForever(ctx, cmd, m, insts, f)
	})
}

// monitoredInstances returns the instances to monitor: those asked, else
// every one not disabled.
func monitoredInstances(ctx context.Context, r *records, only []string) ([]qualstate.Instance, error) {
	all, err := r.store.Instances(ctx)
	if err != nil {
		return nil, err
	}
	var out []qualstate.Instance
	for _, i := range all {
		if i.Disabled || (len(only) > 0 && !slices.Contains(only, i.ID)) {
			continue
		}
		out = append(out, i)
	}
	for _, id := range only {
		if !slices.ContainsFunc(out, func(i qualstate.Instance) bool { return i.ID == id }) {
			return nil, qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, "instance %s is not registered, or is disabled", id)
		}
	}
	return out, nil
}

// monitorOnce evaluates every instance once through the queue, waits for
// the work it causes (notifications, treatments due now) and prints each
// instance's status.
func monitorOnce(ctx context.Context, out io.Writer, m *monitoring, insts []qualstate.Instance) error {
	if len(insts) == 0 {
		fmt.Fprintln(out, "no instances to monitor: register one with `qualstate instance register --stack NAME --run RUN`")
		return nil
	}
	for _, i := range insts {
		if err := m.queue.Evaluate(ctx, jobs.Evaluate{Instance: i.ID, Trigger: "once"}); err != nil {
			return err
		}
	}
	if err := m.queue.Start(ctx); err != nil {
		return err
	}
	idleErr := m.queue.Idle(ctx)
	stopErr := m.queue.Stop(context.WithoutCancel(ctx))
	if idleErr != nil {
		return idleErr
	}
	if stopErr != nil {
		return stopErr
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tSTACK\tSTATUS\tWHY")
	var notQualified []string
	for _, i := range insts {
		inst, err := m.rec.store.Instance(ctx, i.ID)
		if err != nil {
			return err
		}
		evals, err := m.rec.store.Evaluations(ctx, i.ID, 1)
		if err != nil {
			return err
		}
		why := inst.StatusReason
		if len(evals) > 0 && evals[0].Error != "" {
			inst.Status, why = qualstate.QSUnknown, "the evaluation failed: "+evals[0].Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", inst.ID, inst.StackName, inst.Status, why)
		if inst.Status != qualstate.QSQualified {
			notQualified = append(notQualified, inst.ID+" "+string(inst.Status))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(notQualified) > 0 {
		return &findingsError{summary: "not in the qualified state: " + strings.Join(notQualified, ", ")}
	}
	return nil
}

// monitorForever runs the queue with the schedules and the event sources
// until the command is interrupted.
func monitorForever(ctx context.Context, cmd *cobra.Command, m *monitoring, insts []qualstate.Instance, f monitorCmdFlags) error {
	errOut := cmd.ErrOrStderr()
	w := &watcher{m: m, only: f.instances, schedule: f.schedule}
	if err := w.refresh(ctx); err != nil {
		return err
	}
	var sources []eventSource
	if f.events == "auto" {
		// Open every instance's cloud now: an embedded sandbox starts, and
		// its event log becomes a source.
		endpoints := map[string]bool{}
		for i := range insts {
			if _, err := m.cloud(ctx, &insts[i]); err != nil {
				return err
			}
			endpoint := insts[i].Environment.Endpoint
			if insts[i].Environment.Name == "sandbox" && f.target.endpoint == "" {
				endpoint = m.sbURL
			} else if f.target.endpoint != "" {
				endpoint = f.target.endpoint
			}
			// With a queue, the queue is the one source of events: the
			// sandbox's log would only repeat them.
			if f.queueURL == "" && endpoint != "" && !endpoints[endpoint] && isSandbox(ctx, endpoint) {
				endpoints[endpoint] = true
				src := &monitor.SandboxEvents{URL: endpoint}
				if err := src.Latest(ctx); err != nil {
					return err
				}
				sources = append(sources, sandboxSource{src})
			}
		}
		if f.queueURL != "" {
			c, err := aws.New(ctx, aws.Options{Region: f.target.region, Profile: f.target.profile, EndpointURL: f.target.endpoint})
			if err != nil {
				return err
			}
			sources = append(sources, &queueSource{q: c.Queue(f.queueURL)})
		}
	}
	if err := m.queue.Start(ctx); err != nil {
		return err
	}
	// Every instance is evaluated at start: whatever changed while no
	// monitor ran is found now, not at the next scheduled time.
	for _, i := range insts {
		if err := m.queue.Evaluate(ctx, jobs.Evaluate{Instance: i.ID, Trigger: "start"}); err != nil {
			return err
		}
	}
	// Announce only once the start is evaluated, so what happens from now
	// on is the events' and the schedules' doing.
	if err := m.queue.Idle(ctx); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "monitoring %d instance(s); events from %d source(s); Ctrl-C stops\n", len(insts), len(sources))
	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.follow(ctx, s)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(indexRefresh)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := w.refresh(ctx); err != nil {
					m.log.Warn("refreshing instances failed", "error", err)
				}
			}
		}
	}()
	<-ctx.Done()
	wg.Wait()
	return m.queue.Stop(context.WithoutCancel(ctx))
}

// isSandbox reports whether an endpoint is a qualstate sandbox, whose
// event log can be followed.
func isSandbox(ctx context.Context, endpoint string) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/_sandbox/health", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// eventSource is where change events come from.
type eventSource interface {
	// next waits for events; done is called once they are acted on.
	next(ctx context.Context) (evs []qualstate.ChangeEvent, done func(context.Context) error, err error)
	name() string
}

type sandboxSource struct{ s *monitor.SandboxEvents }

func (s sandboxSource) next(ctx context.Context) ([]qualstate.ChangeEvent, func(context.Context) error, error) {
	evs, err := s.s.Next(ctx, 20*time.Second)
	return evs, nil, err
}

func (s sandboxSource) name() string { return "sandbox event log " + s.s.URL }

// queueSource receives EventBridge events from SQS; a message is deleted
// once the evaluations it calls for are queued.
type queueSource struct{ q *aws.Queue }

func (s *queueSource) next(ctx context.Context) ([]qualstate.ChangeEvent, func(context.Context) error, error) {
	msgs, err := s.q.Receive(ctx, 20*time.Second, 10)
	if err != nil {
		return nil, nil, err
	}
	var evs []qualstate.ChangeEvent
	for _, msg := range msgs {
		ev, err := monitor.ParseEvent(msg.Body)
		if err != nil {
			// A message that is not a CloudTrail event is dropped, not
			// retried forever; the log says which.
			continue
		}
		evs = append(evs, ev)
	}
	return evs, func(ctx context.Context) error { return s.q.Delete(ctx, msgs) }, nil
}

func (s *queueSource) name() string { return "queue" }

// watcher turns change events into evaluations of the resources they touch.
type watcher struct {
	m        *monitoring
	only     []string
	schedule string

	mu    sync.Mutex
	index *monitor.Index
}

// refresh rebuilds the index of monitored resources and the schedules.
func (w *watcher) refresh(ctx context.Context) error {
	insts, err := monitoredInstances(ctx, w.m.rec, w.only)
	if err != nil {
		return err
	}
	idx := monitor.NewIndex()
	var schedules []jobs.Schedule
	for _, i := range insts {
		baseline, err := w.m.rec.store.InstanceBaseline(ctx, i.ID)
		if err != nil {
			return err
		}
		idx.Add(i.ID, i.StackName, i.StackID, baseline)
		schedules = append(schedules, jobs.Schedule{
			Name: "evaluate " + i.ID, Cron: orText(i.Schedule, w.schedule),
			Args: jobs.Evaluate{Instance: i.ID, Trigger: "schedule"},
		})
	}
	w.mu.Lock()
	w.index = idx
	w.mu.Unlock()
	return w.m.queue.SetSchedules(schedules)
}

// follow reads a source until the context ends, queueing an evaluation
// for every instance an event touches.
func (w *watcher) follow(ctx context.Context, s eventSource) {
	backoff := time.Second
	for ctx.Err() == nil {
		evs, done, err := s.next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.m.log.Warn("reading change events failed", "source", s.name(), "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Minute)
			continue
		}
		backoff = time.Second
		for _, ev := range evs {
			w.mu.Lock()
			targets := w.index.Match(ev)
			w.mu.Unlock()
			for _, t := range targets {
				a := jobs.Evaluate{Instance: t.Instance, LogicalIDs: t.LogicalIDs, Stack: t.Stack, Trigger: "event " + ev.Name + " " + ev.ID}
				if err := w.m.queue.Evaluate(ctx, a); err != nil {
					w.m.log.Warn("queueing an evaluation failed", "instance", t.Instance, "error", err)
				}
			}
		}
		if done != nil {
			if err := done(ctx); err != nil {
				w.m.log.Warn("acknowledging change events failed", "source", s.name(), "error", err)
			}
		}
	}
}
