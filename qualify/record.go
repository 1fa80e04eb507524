package qualify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"qualstate"
)

// Step names. A stage is complete when its last step is done.
const (
	stepStatic     = "static"
	stepDeploy     = "deploy"
	stepRead       = "read"
	stepVerify     = "verify"
	stepBaseline   = "baseline"
	stepChallenges = "challenges"
	stepTeardown   = "teardown"
)

// recorder writes what a run does to the Store as it happens.
type recorder struct {
	store  qualstate.Store
	clock  func() time.Time
	redact *qualstate.Redactor
	beat   time.Duration

	// mu guards the run record, which the heartbeat writes too, and the
	// counters.
	mu    sync.Mutex
	run   *qualstate.Run
	steps []qualstate.Step // every attempt's, in Seq order
	cases map[qualstate.Stage]int
}

func newRecorder(opts Options, run *qualstate.Run, redact *qualstate.Redactor) *recorder {
	return &recorder{
		store: opts.Store, clock: opts.Clock, redact: redact, beat: opts.Heartbeat,
		run: run, cases: map[qualstate.Stage]int{},
	}
}

// load reads what earlier attempts recorded, so numbering continues and
// completed stages are known.
func (r *recorder) load(ctx context.Context) error {
	steps, err := r.store.Steps(ctx, r.run.ID)
	if err != nil {
		return err
	}
	cases, err := r.store.TestCases(ctx, r.run.ID)
	if err != nil {
		return err
	}
	r.steps = steps
	for _, c := range cases {
		r.cases[c.Stage]++
	}
	return nil
}

func (r *recorder) now() time.Time { return r.clock().UTC() }

// saveRun writes the run record.
func (r *recorder) saveRun(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.store.UpdateRun(ctx, r.run)
}

// setStage records the stage the run is in.
func (r *recorder) setStage(ctx context.Context, s qualstate.Stage) {
	r.mu.Lock()
	r.run.Stage = s
	r.mu.Unlock()
	_ = r.saveRun(ctx)
}

// startHeartbeat records, until stopped, that this process still runs the
// run; a run whose heartbeat stops while running was interrupted.
func (r *recorder) startHeartbeat() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.beat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.mu.Lock()
				r.run.Heartbeat = r.now()
				_ = r.store.UpdateRun(context.Background(), r.run)
				r.mu.Unlock()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// completed reports whether an attempt completed the named step.
func (r *recorder) completed(name string) bool {
	for _, s := range r.steps {
		if s.Name == name && s.Status == qualstate.StepDone {
			return true
		}
	}
	return false
}

// step records that a step starts; the returned function records its end
// — done with a detail, or failed with the error — and returns that error,
// joined with any failure to record.
func (r *recorder) step(ctx context.Context, stage qualstate.Stage, name, detail string) func(detail string, err error) error {
	r.mu.Lock()
	s := qualstate.Step{
		RunID: r.run.ID, Seq: len(r.steps) + 1, Attempt: r.run.Attempt, Stage: stage, Name: name,
		Status: qualstate.StepRunning, Detail: r.redact.String(detail), Started: r.now(),
	}
	r.steps = append(r.steps, s)
	idx := len(r.steps) - 1
	r.mu.Unlock()
	startErr := r.store.PutStep(ctx, s)
	return func(detail string, err error) error {
		r.mu.Lock()
		s := &r.steps[idx]
		s.Finished = r.now()
		s.Status = qualstate.StepDone
		if detail != "" {
			s.Detail = r.redact.String(detail)
		}
		if err != nil {
			s.Status = qualstate.StepFailed
			s.Detail = r.redact.String(err.Error())
		}
		cp := *s
		r.mu.Unlock()
		if startErr != nil {
			return errors.Join(err, startErr)
		}
		// The end of a step is recorded even when the run's context is
		// cancelled: it is what happened.
		return errors.Join(err, r.store.PutStep(context.WithoutCancel(ctx), cp))
	}
}

// evidence stores an API response as evidence of this run and returns its
// digest.
func (r *recorder) evidence(ctx context.Context, c qualstate.Capture) (string, error) {
	e := qualstate.EvidenceFromCapture(c, r.run.Environment)
	r.redact.Redact(e)
	return r.put(ctx, e)
}

// evidenceAll stores several responses; digests in the same order.
func (r *recorder) evidenceAll(ctx context.Context, cs []qualstate.Capture) ([]string, error) {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		d, err := r.evidence(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// input stores an input of the run (the template body) as evidence, not
// redacted, so that it hashes to the digest the run records.
func (r *recorder) input(operation, request string, body []byte) (string, error) {
	e := &qualstate.Evidence{
		Operation: operation, Request: request, Time: r.now(), ContentType: "text/plain; charset=utf-8",
		Body: string(body),
	}
	return r.put(context.Background(), e)
}

func (r *recorder) put(ctx context.Context, e *qualstate.Evidence) (string, error) {
	digest, blob, err := e.Seal()
	if err != nil {
		return "", err
	}
	if err := r.store.PutEvidence(context.WithoutCancel(ctx), r.run.ID, digest, blob); err != nil {
		return "", err
	}
	return digest, nil
}

// add numbers test cases ("IQ-0007"), stamps them with the run, attempt
// and time, redacts them and records them in one transaction.
func (r *recorder) add(ctx context.Context, cases ...qualstate.TestCase) error {
	if len(cases) == 0 {
		return nil
	}
	r.mu.Lock()
	now := r.now()
	for i := range cases {
		c := &cases[i]
		r.cases[c.Stage]++
		c.RunID, c.Attempt = r.run.ID, r.run.Attempt
		c.ID = fmt.Sprintf("%s-%04d", stagePrefix(c.Stage), r.cases[c.Stage])
		if c.Time.IsZero() {
			c.Time = now
		}
		c.Expected = r.redact.String(c.Expected)
		c.Actual = r.redact.String(c.Actual)
		c.Reason = r.redact.String(c.Reason)
	}
	r.mu.Unlock()
	return r.store.AddTestCases(context.WithoutCancel(ctx), cases)
}

func stagePrefix(s qualstate.Stage) string {
	switch s {
	case qualstate.StageStatic:
		return "ST"
	case qualstate.StageIQ:
		return "IQ"
	case qualstate.StageOQ:
		return "OQ"
	}
	return string(s)
}

// end records the run's final status.
func (r *recorder) end(ctx context.Context, status qualstate.RunStatus, result qualstate.Result, reason string) {
	r.mu.Lock()
	r.run.Status, r.run.Result, r.run.Reason = status, result, reason
	r.run.Finished = r.now()
	r.run.Heartbeat = r.run.Finished
	r.mu.Unlock()
	_ = r.saveRun(ctx)
}

// redactValue copies a JSON value with every secret in its strings masked.
func (r *recorder) redactValue(v any) any {
	switch v := v.(type) {
	case string:
		return r.redact.String(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = r.redactValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = r.redactValue(x)
		}
		return out
	}
	return v
}
