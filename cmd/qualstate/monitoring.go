package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/aws"
	"qualstate/jobs"
	"qualstate/monitor"
	"qualstate/notify"
	"qualstate/policy"
	"qualstate/report"
)

// Files of a home directory for monitoring.
const jobsFile = "jobs.db" // the queue of background work (River on SQLite)

// monitoring is a home's monitor wired to its records, its clouds, its
// queue of background work and its notification targets, open for one
// command.
type monitoring struct {
	rec     *records
	target  targetFlags
	monitor *monitor.Monitor
	queue   *jobs.Queue
	targets []notify.Target
	http    *http.Client
	log     *slog.Logger
	// out, when set, is told of every change as it is recorded (the
	// monitor command prints them).
	out io.Writer

	mu     sync.Mutex
	clouds map[string]qualstate.Cloud
	// sandbox is the embedded sandbox, started when an instance lives in
	// it; its endpoint is where its event log is read.
	sandbox *target
	sbURL   string
}

// openMonitoring wires a monitor for a command. The queue is opened so
// that what the command changes is notified and treated, by this process
// when it runs the queue (qualstate monitor), else by the next that does.
func openMonitoring(ctx context.Context, r *records, f targetFlags, log *slog.Logger) (*monitoring, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	settings, err := r.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	targets, err := notify.Targets(presentSettings(settings))
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "notification settings: %w", err)
	}
	m := &monitoring{rec: r, target: f, targets: targets, http: &http.Client{Timeout: 30 * time.Second}, log: log, clouds: map[string]qualstate.Cloud{}}
	m.monitor = monitor.New(monitor.Options{
		Store: r.store,
		Cloud: m.cloud,
		Engine: func(ctx context.Context, run *qualstate.Run) (*policy.Engine, error) {
			set, err := report.RecordedSet(ctx, r.store, run)
			if err != nil {
				return nil, err
			}
			return policy.NewEngine(set)
		},
		Waivers:  r.sign.ActiveWaivers,
		Clock:    clock,
		OnChange: m.changed,
	})
	q, err := jobs.Open(ctx, jobs.Options{Path: filepath.Join(r.home, jobsFile), Logger: log, Clock: clock}, jobs.Handlers{
		Evaluate: m.evaluateJob,
		Notify:   m.notifyJob,
		Treat:    m.treatJob,
	})
	if err != nil {
		return nil, err
	}
	m.queue = q
	return m, nil
}

// close stops the queue and the embedded sandbox.
func (m *monitoring) close() error {
	var err error
	if m.queue != nil {
		err = m.queue.Close()
	}
	if m.sandbox != nil {
		err = errors.Join(err, m.sandbox.close())
	}
	return err
}

// cloud opens the cloud an instance lives in, once per environment: the
// embedded sandbox, or AWS (or the endpoint it was registered through).
func (m *monitoring) cloud(ctx context.Context, inst *qualstate.Instance) (qualstate.Cloud, error) {
	key := inst.Environment.Name + "|" + inst.Environment.Endpoint + "|" + inst.Environment.Region
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.clouds[key]; ok {
		return c, nil
	}
	var c qualstate.Cloud
	if inst.Environment.Name == "sandbox" && m.target.endpoint == "" {
		if m.sandbox == nil {
			t, err := startSandbox(ctx, filepath.Join(m.rec.home, sandboxDir), targetFlags{region: inst.Environment.Region})
			if err != nil {
				return nil, err
			}
			m.sandbox, m.sbURL = t, t.endpoint
		}
		c = m.sandbox.cloud
	} else {
		endpoint := m.target.endpoint
		if endpoint == "" {
			endpoint = inst.Environment.Endpoint
		}
		ac, err := aws.New(ctx, aws.Options{Region: inst.Environment.Region, Profile: m.target.profile, EndpointURL: endpoint})
		if err != nil {
			return nil, err
		}
		c = ac
	}
	m.clouds[key] = c
	return c, nil
}

// evaluateJob is the queue's evaluation of an instance.
func (m *monitoring) evaluateJob(ctx context.Context, a jobs.Evaluate) error {
	ctx = qualstate.WithActor(ctx, "system")
	_, err := m.monitor.Evaluate(ctx, a.Instance, a.LogicalIDs, a.Stack, a.Trigger)
	if err != nil {
		m.log.Warn("evaluation failed", "instance", a.Instance, "trigger", a.Trigger, "error", err)
	}
	return err
}

// treatJob is the queue's treatment of a deviation. A plan held by a
// guard rail is queued again for when it may go.
func (m *monitoring) treatJob(ctx context.Context, a jobs.Treat) error {
	ctx = qualstate.WithActor(ctx, "system")
	t, err := m.monitor.Treat(ctx, a.Deviation, monitor.TreatOptions{Actor: "system"})
	if err != nil {
		m.log.Warn("treatment failed", "deviation", a.Deviation, "error", err)
		if t == nil {
			return err
		}
		return nil
	}
	if !t.Retry.IsZero() {
		return m.queue.Treat(ctx, a, t.Retry)
	}
	return nil
}

// notifyJob delivers one notification to one target.
func (m *monitoring) notifyJob(ctx context.Context, a jobs.Notify) error {
	for _, t := range m.targets {
		if t.Name == a.Target {
			return notify.Send(ctx, m.http, t, a.Notification)
		}
	}
	// The target was removed from the settings since: nothing to do.
	return nil
}

// changed queues what a change of the qualified state calls for: a
// notification to every target that wants it, and the treatment of new
// deviations. It never blocks on delivery.
func (m *monitoring) changed(ctx context.Context, r monitor.Result) {
	ctx = context.WithoutCancel(ctx)
	var notes []qualstate.Notification
	for _, c := range r.Changes {
		d := c.Deviation
		notes = append(notes, qualstate.Notification{
			Event: "deviation." + c.Action, Instance: r.Instance.ID, Stack: r.Instance.StackName, Status: r.Instance.Status,
			Summary:   deviationSummary(r.Instance, &d, c.Action),
			Deviation: &d,
		})
		if c.Action == "opened" || c.Action == "reopened" {
			if err := m.queue.Treat(ctx, jobs.Treat{Deviation: d.ID}, clock()); err != nil {
				m.log.Warn("queueing treatment failed", "deviation", d.ID, "error", err)
			}
		}
	}
	if r.Instance.Status != r.StatusBefore {
		notes = append(notes, qualstate.Notification{
			Event: "instance.status", Instance: r.Instance.ID, Stack: r.Instance.StackName, Status: r.Instance.Status,
			Summary: fmt.Sprintf("instance %s (stack %s) is %s (was %s): %s", r.Instance.ID, r.Instance.StackName, r.Instance.Status, r.StatusBefore, r.Instance.StatusReason),
		})
	}
	if m.out != nil {
		m.mu.Lock()
		for _, n := range notes {
			fmt.Fprintf(m.out, "%s  %s\n", clock().UTC().Format(time.RFC3339), n.Summary)
		}
		m.mu.Unlock()
	}
	for _, n := range notes {
		n.ID, n.Time = newNotificationID(), clock().UTC()
		for _, t := range m.targets {
			if !t.Wants(n.Event) {
				continue
			}
			if err := m.queue.Notify(ctx, jobs.Notify{Target: t.Name, Notification: n}); err != nil {
				m.log.Warn("queueing notification failed", "target", t.Name, "error", err)
			}
		}
	}
}

// deviationSummary says in one line what happened to a deviation.
func deviationSummary(inst *qualstate.Instance, d *qualstate.Deviation, action string) string {
	what := string(d.Kind)
	switch d.Kind {
	case qualstate.DeviationCheck, qualstate.DeviationRemediation:
		what += " " + d.RequirementID
	case qualstate.DeviationDrift:
		what += " " + d.Path
	}
	return fmt.Sprintf("%s %s %s: %s on %s (%s) of stack %s — %s", inst.ID, d.ID, action, what, d.LogicalID, d.ResourceType, inst.StackName, d.Reason)
}

// newNotificationID returns a random id receivers can drop duplicates by.
func newNotificationID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "N-" + hex.EncodeToString(b[:])
}

// instanceActor returns the context to change monitoring records with:
// where qualstate has users, a signed-in user holding one of the roles;
// else the operating-system account.
func instanceActor(ctx context.Context, r *records, a *actor, roles ...qualstate.Role) (context.Context, string, error) {
	if a == nil {
		return qualstate.WithActor(ctx, osActor()), osActor(), nil
	}
	for _, role := range roles {
		if a.id.User.Has(role) {
			return a.ctx(ctx), a.id.User.ID, nil
		}
	}
	names := make([]string, len(roles))
	for i, role := range roles {
		names[i] = string(role)
	}
	return nil, "", qualstate.Errorf(qualstate.ErrDenied, qualstate.Location{},
		"%s (%s) holds none of the roles this needs: %s", a.id.User.Name, a.id.User.ID, strings.Join(names, ", "))
}

// contextWithActor is a command's context with who acts in it.
type contextWithActor struct {
	ctx   context.Context
	actor string
}

// withMonitorActor opens a home's records and monitoring for a command
// that changes monitoring records, as a signed-in user holding one of the
// roles (the operating-system account where qualstate has no users).
func withMonitorActor(cmd *cobra.Command, f *monitorFlags, fn func(m *monitoring, c contextWithActor) error, roles ...qualstate.Role) error {
	return withRecords(cmd, f.home, func(r *records) error {
		ctx := cmd.Context()
		var a *actor
		users, err := hasUsers(ctx, r.store)
		if err != nil {
			return err
		}
		if users {
			if a, err = r.requireActor(cmd, f.auth); err != nil {
				return err
			}
			defer a.end(ctx, r)
		}
		actx, who, err := instanceActor(ctx, r, a, roles...)
		if err != nil {
			return err
		}
		m, err := openMonitoring(actx, r, f.target, nil)
		if err != nil {
			return err
		}
		defer m.close()
		return fn(m, contextWithActor{ctx: actx, actor: who})
	})
}

// patchJSON renders a JSON patch on one line.
func patchJSON(p []qualstate.PatchOp) string {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprint(p)
	}
	return string(b)
}
