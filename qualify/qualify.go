package qualify

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"time"

	"qualstate"
	"qualstate/cfn"
	"qualstate/policy"
)

// Defaults for Options.
const (
	DefaultDetectTimeout = 30 * time.Second
	DefaultHeartbeat     = 5 * time.Second
	// teardownTimeout bounds the teardown after the run's context is
	// cancelled (Ctrl-C): the stack must still go, but not forever.
	teardownTimeout = 15 * time.Minute
)

// Options configure a run.
type Options struct {
	Store  qualstate.Store
	Cloud  qualstate.Cloud
	Engine *policy.Engine
	// TemplateFile names the template; TemplateBody is what it holds.
	// Resume reads the body from the run's evidence instead.
	TemplateFile string
	TemplateBody []byte
	// Parameters are the template's parameter values. On resume, only
	// NoEcho values are needed (the others are in the run's record).
	Parameters map[string]string
	// StackName defaults to "qualstate-" and the run id.
	StackName string
	// Challenge chooses the requirements challenged in OQ; default high.
	Challenge qualstate.ChallengeLevel
	// Keep leaves the stack deployed after the run.
	Keep     bool
	Executor string
	// Tool is the qualstate version, recorded with the run.
	Tool     string
	Progress Progress
	// Clock gives the time; default time.Now.
	Clock func() time.Time
	// DetectTimeout bounds how long a challenge waits for its violation to
	// be detected.
	DetectTimeout time.Duration
	// Heartbeat is how often a running run records that its process is
	// alive.
	Heartbeat time.Duration
	// Waivers are the approved waivers; a failed check one covers, and in
	// force when the check is recorded, is recorded as waived.
	Waivers []qualstate.Waiver
}

func (o *Options) defaults() {
	o.Challenge = cmp.Or(o.Challenge, qualstate.ChallengeHigh)
	o.Progress = cmp.Or[Progress](o.Progress, quiet{})
	if o.Clock == nil {
		o.Clock = time.Now
	}
	o.DetectTimeout = cmp.Or(o.DetectTimeout, DefaultDetectTimeout)
	o.Heartbeat = cmp.Or(o.Heartbeat, DefaultHeartbeat)
	o.Executor = cmp.Or(o.Executor, "unknown")
}

// Start records a new run and executes it. The run is returned whatever
// happened, with its final status; the error says why it did not finish
// (an environment failure, a cancelled context), not whether requirements
// passed — that is Run.Status.
func Start(ctx context.Context, opts Options) (*qualstate.Run, error) {
	opts.defaults()
	switch opts.Challenge {
	case qualstate.ChallengeHigh, qualstate.ChallengeAll, qualstate.ChallengeNone:
	default:
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "challenge level %q: want high, all or none", opts.Challenge)
	}
	doc, err := cfn.Load(opts.TemplateFile, opts.TemplateBody)
	if err != nil {
		return nil, err
	}
	env, err := opts.Cloud.Environment(ctx)
	if err != nil {
		return nil, err
	}
	set := opts.Engine.Set()
	id := newRunID()
	now := opts.Clock().UTC()
	run := &qualstate.Run{
		ID:                    id,
		TemplateFile:          opts.TemplateFile,
		TemplateDigest:        doc.Digest(),
		RequirementSet:        set.Name,
		RequirementSetVersion: set.Version,
		RequirementSetSource:  set.Source,
		RequirementSetDigest:  set.Digest,
		Environment:           env,
		StackName:             cmp.Or(opts.StackName, "qualstate-"+id),
		Challenge:             opts.Challenge,
		Keep:                  opts.Keep,
		Executor:              opts.Executor,
		Owner:                 owner(),
		Heartbeat:             now,
		Attempt:               1,
		Status:                qualstate.RunRunning,
		Stage:                 qualstate.StageStatic,
		Started:               now,
		Tool:                  opts.Tool,
	}
	r, err := newRunner(opts, run, doc, opts.Parameters)
	if err != nil {
		return nil, err
	}
	run.Parameters = r.recordedParameters()
	if err := opts.Store.CreateRun(ctx, run); err != nil {
		return nil, err
	}
	digest, err := r.rec.input("input:Template", opts.TemplateFile, opts.TemplateBody)
	if err != nil {
		return run, err
	}
	run.TemplateEvidence = digest
	setJSON, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return run, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "encode the requirement set: %w", err)
	}
	if run.RequirementSetEvidence, err = r.rec.input("input:RequirementSet", set.Source, setJSON); err != nil {
		return run, err
	}
	if err := r.rec.saveRun(ctx); err != nil {
		return run, err
	}
	return run, r.execute(ctx)
}

// runner executes one attempt of a run.
type runner struct {
	opts   Options
	run    *qualstate.Run
	doc    *cfn.Document
	body   []byte
	params map[string]string // every value, secrets included; never stored
	noEcho map[string]bool
	rec    *recorder

	// What the stages work out, for the stages after them.
	tpl   *qualstate.Template // resolved with parameters, before deployment
	stack *qualstate.Stack
	live  []*liveResource
	// iqResults maps requirement id and logical id to the check's IQ result,
	// so OQ challenges only resources that met the requirement.
	iqResults map[[2]string]qualstate.TestCase
	// stopReason says why a stage ended the run early.
	stopReason string
	// redoIQ makes a resumed run deploy and verify again although an
	// earlier attempt completed IQ, because the stack is gone.
	redoIQ bool
}

func newRunner(opts Options, run *qualstate.Run, doc *cfn.Document, params map[string]string) (*runner, error) {
	r := &runner{opts: opts, run: run, doc: doc, body: opts.TemplateBody, params: maps.Clone(params), noEcho: map[string]bool{}}
	if r.params == nil {
		r.params = map[string]string{}
	}
	// A first parse, only to learn which parameters are NoEcho and which
	// write-only values the template writes literally: both are secrets.
	tpl, err := doc.Resolve(r.parseOptions(nil))
	if err != nil {
		return nil, err
	}
	var secrets []string
	for _, p := range tpl.Parameters {
		if p.NoEcho {
			r.noEcho[p.Name] = true
			if v, ok := r.params[p.Name]; ok {
				secrets = append(secrets, v)
			} else if s, ok := p.Value.(string); ok {
				secrets = append(secrets, s)
			}
		}
	}
	secrets = append(secrets, writeOnlyLiterals(tpl)...)
	r.rec = newRecorder(opts, run, qualstate.NewRedactor(secrets...))
	return r, nil
}

// recordedParameters are the parameters as the run's record keeps them:
// NoEcho values masked.
func (r *runner) recordedParameters() map[string]string {
	if len(r.params) == 0 {
		return nil
	}
	out := make(map[string]string, len(r.params))
	for k, v := range r.params {
		if r.noEcho[k] {
			v = qualstate.Mask
		}
		out[k] = v
	}
	return out
}

// parseOptions are the options the template is resolved with in this run.
func (r *runner) parseOptions(resolver cfn.Resolver) cfn.Options {
	return cfn.Options{
		Parameters: r.params,
		Region:     r.run.Environment.Region,
		AccountID:  r.run.Environment.Account,
		StackName:  r.run.StackName,
		Resolver:   resolver,
		NoValidate: resolver != nil,
	}
}

// execute runs the stages not yet completed by an earlier attempt, then
// finishes the run. Cancellation aborts the run and tears the stack down.
func (r *runner) execute(ctx context.Context) (err error) {
	stop := r.rec.startHeartbeat()
	defer stop()
	defer func() {
		if p := recover(); p != nil {
			err = qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "run %s: internal error: %v", r.run.ID, p)
			r.fail(ctx, err)
		}
	}()
	stages := []struct {
		stage qualstate.Stage
		last  string // the step whose completion completes the stage
		run   func(context.Context) error
	}{
		{qualstate.StageStatic, stepStatic, r.static},
		{qualstate.StageIQ, stepBaseline, r.iq},
		{qualstate.StageOQ, stepChallenges, r.oq},
	}
	for _, s := range stages {
		if r.rec.completed(s.last) && !(s.stage == qualstate.StageIQ && r.redoIQ) {
			continue
		}
		r.rec.setStage(ctx, s.stage)
		if err := s.run(ctx); err != nil {
			var stop *stopRun
			if errors.As(err, &stop) {
				// The stage decided the run cannot go on (a template
				// with errors, a stack that failed): finish it.
				r.stopReason = stop.reason
				break
			}
			return r.fail(ctx, err)
		}
	}
	if err := r.teardown(ctx); err != nil {
		return r.fail(ctx, err)
	}
	return r.finish(ctx)
}

// stopRun ends a run early without it being an error of the tool: the
// reason is in the recorded test cases and steps.
type stopRun struct{ reason string }

func (s *stopRun) Error() string { return s.reason }

// fail records why the run did not finish: aborted when the context was
// cancelled, error otherwise. A cancelled run's stack is torn down unless
// it is kept.
func (r *runner) fail(ctx context.Context, cause error) error {
	status := qualstate.RunError
	if ctx.Err() != nil {
		status = qualstate.RunAborted
		cause = fmt.Errorf("stopped by the user: %w", cause)
	}
	if status == qualstate.RunAborted && !r.run.Keep && r.deployed() {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
		if err := r.deleteStack(tctx); err != nil {
			cause = errors.Join(cause, err)
		}
		cancel()
	}
	r.rec.end(context.WithoutCancel(ctx), status, "", r.rec.redact.String(cause.Error()))
	return cause
}

// newRunID returns 12 random hex digits: short enough to type, and a
// six-digit prefix is unique among millions of runs.
func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// owner names this process as "host:pid".
func owner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}
