package monitor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"qualstate"
	"qualstate/policy"
	"qualstate/treat"
)

// Options configure a Monitor.
type Options struct {
	// Store keeps the runs instances are bound to, waivers, settings, and
	// monitoring's own instances, deviations and evaluations.
	Store qualstate.Store
	// Cloud opens the cloud an instance lives in.
	Cloud func(ctx context.Context, inst *qualstate.Instance) (qualstate.Cloud, error)
	// Engine builds the requirement engine of a qualified run: the
	// requirement set as the run used it.
	Engine func(ctx context.Context, run *qualstate.Run) (*policy.Engine, error)
	// Waivers returns the waivers in force (verified); nil means none.
	Waivers func(ctx context.Context) ([]qualstate.Waiver, error)
	// Clock gives the time; default time.Now.
	Clock func() time.Time
	// OnChange is told, after they are recorded, of the deviations an
	// evaluation or a treatment opened, moved or closed, and of the
	// instance's status. It must not block: it queues notifications and
	// treatments.
	OnChange func(ctx context.Context, r Result)
}

// Result is what one evaluation or treatment changed.
type Result struct {
	Instance     *qualstate.Instance
	Evaluation   *qualstate.Evaluation
	Changes      []Change
	StatusBefore qualstate.QSStatus
}

// Monitor evaluates instances against their baselines and requirements and
// keeps their deviations. It is safe for concurrent use; evaluations of one
// instance run one at a time.
type Monitor struct {
	opts Options

	mu    sync.Mutex
	locks map[string]*sync.Mutex
	// latest keeps each instance's most recent live models, so that an
	// evaluation of the resources an event touched sees their neighbours as
	// they are, not as they were qualified.
	latest map[string]map[string]map[string]any
	// engines caches the engine of each run.
	engines map[string]*policy.Engine
}

// New returns a Monitor.
func New(opts Options) *Monitor {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Monitor{opts: opts, locks: map[string]*sync.Mutex{}, latest: map[string]map[string]map[string]any{}, engines: map[string]*policy.Engine{}}
}

func (m *Monitor) lock(id string) func() {
	m.mu.Lock()
	l, ok := m.locks[id]
	if !ok {
		l = &sync.Mutex{}
		m.locks[id] = l
	}
	m.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (m *Monitor) now() time.Time { return m.opts.Clock().UTC() }

// engine returns the requirement engine of the run, built once: the run
// is read only the first time.
func (m *Monitor) engine(ctx context.Context, runID string) (*policy.Engine, error) {
	m.mu.Lock()
	e, ok := m.engines[runID]
	m.mu.Unlock()
	if ok {
		return e, nil
	}
	run, err := m.opts.Store.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	if e, err = m.opts.Engine(ctx, run); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.engines[runID] = e
	m.mu.Unlock()
	return e, nil
}

func (m *Monitor) waivers(ctx context.Context) ([]qualstate.Waiver, error) {
	if m.opts.Waivers == nil {
		return nil, nil
	}
	return m.opts.Waivers(ctx)
}

// RegisterRequest binds a deployed stack to a qualified run.
type RegisterRequest struct {
	// ID names the instance; default the stack's name.
	ID        string
	StackName string
	RunID     string
	// Schedule is a cron expression; empty for the monitor's default.
	Schedule string
	// Cloud is where the stack is deployed.
	Cloud qualstate.Cloud
	// Actor registers it (the signed-in user).
	Actor string
}

// instanceID is what an instance id may be.
var instanceID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Register binds a deployed stack to the qualified run whose template it
// runs: it refuses a stack whose template is not byte for byte the one the
// run qualified, reads every resource's live model, records them as the
// instance's baseline and evaluates every requirement on them (IQ on that
// environment). Failed checks are the instance's first deviations.
func (m *Monitor) Register(ctx context.Context, req RegisterRequest) (*qualstate.Instance, *Result, error) {
	id := cmp.Or(req.ID, req.StackName)
	if !instanceID.MatchString(id) {
		return nil, nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "instance id %q: use 1 to 64 letters, digits, '.', '_' or '-'", id)
	}
	store := m.opts.Store
	run, err := store.Run(ctx, req.RunID)
	if err != nil {
		return nil, nil, err
	}
	if run.Status != qualstate.RunPassed {
		return nil, nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "run %s %s: only a passed qualification run qualifies a template for use", run.ID, run.Status)
	}
	if rv, err := store.Review(ctx, run.ID); err == nil && rv.State == qualstate.ReviewRejected {
		return nil, nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "run %s was rejected in review: it qualifies nothing", run.ID)
	} else if err != nil && qualstate.CodeOf(err) != qualstate.ErrNotFound {
		return nil, nil, err
	}
	cloud := req.Cloud
	stack, _, err := cloud.DescribeStack(ctx, req.StackName)
	if err != nil {
		return nil, nil, err
	}
	if stack == nil {
		return nil, nil, qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, "stack %s does not exist", req.StackName)
	}
	if !strings.HasSuffix(stack.Status, "_COMPLETE") || strings.Contains(stack.Status, "ROLLBACK") || strings.HasPrefix(stack.Status, "DELETE") {
		return nil, nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "stack %s is %s: register a stack whose last operation completed", req.StackName, stack.Status)
	}
	body, tplCapture, err := cloud.StackTemplate(ctx, req.StackName)
	if err != nil {
		return nil, nil, err
	}
	if d := qualstate.Digest(body); d != run.TemplateDigest {
		return nil, nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"stack %s runs a template with SHA-256 %s, but run %s qualified %s (SHA-256 %s): only the qualified template can be registered; qualify this one, or deploy the qualified one",
			req.StackName, d, run.ID, run.TemplateFile, run.TemplateDigest)
	}
	if _, err := store.Instance(ctx, id); err == nil {
		return nil, nil, qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{}, "instance %s is already registered", id)
	} else if qualstate.CodeOf(err) != qualstate.ErrNotFound {
		return nil, nil, err
	}
	env, err := cloud.Environment(ctx)
	if err != nil {
		return nil, nil, err
	}
	runBaseline, err := store.Baseline(ctx, run.ID)
	if err != nil {
		return nil, nil, err
	}
	now := m.now()
	inst := &qualstate.Instance{
		ID: id, StackName: stack.Name, StackID: stack.ID, RunID: run.ID,
		TemplateFile: run.TemplateFile, TemplateDigest: run.TemplateDigest, RequirementSetDigest: run.RequirementSetDigest,
		Environment: env, Schedule: req.Schedule, Registered: now, RegisteredBy: req.Actor, Status: qualstate.QSUnknown,
	}
	srs, listCaptures, err := cloud.StackResources(ctx, stack.Name)
	if err != nil {
		return nil, nil, err
	}
	ids := identifiers(runBaseline, srs)
	var evidence []*qualstate.Evidence
	evidence = append(evidence, qualstate.EvidenceFromCapture(tplCapture, env))
	for _, c := range listCaptures {
		evidence = append(evidence, qualstate.EvidenceFromCapture(c, env))
	}
	var baseline []qualstate.BaselineResource
	for _, sr := range srs {
		if strings.HasPrefix(sr.Status, "DELETE") {
			continue
		}
		live, capture, err := cloud.GetResource(ctx, sr.Type, ids[sr.LogicalID])
		if err != nil {
			if c := qualstate.CodeOf(err); c == qualstate.ErrUnsupported || c == qualstate.ErrNotFound || c == qualstate.ErrInvalidInput {
				return nil, nil, qualstate.Errorf(c, qualstate.Location{}, "stack %s: resource %s (%s) cannot be read, so it cannot be baselined: %w", stack.Name, sr.LogicalID, sr.Type, err)
			}
			return nil, nil, err
		}
		e := qualstate.EvidenceFromCapture(capture, env)
		digest, _, err := e.Seal()
		if err != nil {
			return nil, nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "seal evidence: %w", err)
		}
		evidence = append(evidence, e)
		baseline = append(baseline, qualstate.BaselineResource{
			LogicalID: sr.LogicalID, ResourceType: sr.Type, PhysicalID: sr.PhysicalID, Identifier: live.Identifier,
			Properties: live.Properties, Evidence: digest,
		})
	}
	slices.SortFunc(baseline, func(a, b qualstate.BaselineResource) int { return strings.Compare(a.LogicalID, b.LogicalID) })
	if err := store.CreateInstance(ctx, inst, baseline); err != nil {
		return nil, nil, err
	}
	for _, e := range evidence {
		if err := m.putEvidence(ctx, inst.ID, e); err != nil {
			return nil, nil, err
		}
	}
	live := map[string]map[string]any{}
	digests := map[string]string{}
	for _, b := range baseline {
		live[b.LogicalID], digests[b.LogicalID] = b.Properties, b.Evidence
	}
	res, err := m.evaluate(ctx, inst, baseline, srs, live, nil, digests, nil, "register", time.Now())
	if err != nil {
		return inst, nil, err
	}
	return res.Instance, res, nil
}

// identifiers gives each stack resource its Cloud Control identifier. A
// type whose identifier is one value uses the physical id; a compound one
// (a Lambda permission's FunctionName|Id) is made the way the qualified
// run's was, with each part that named a resource of the TEST stack
// replaced by the same resource of this stack.
func identifiers(runBaseline []qualstate.BaselineResource, srs []qualstate.StackResource) map[string]string {
	physical := map[string]string{} // run physical id -> logical id
	for _, b := range runBaseline {
		physical[b.PhysicalID] = b.LogicalID
	}
	here := map[string]string{} // logical id -> physical id in this stack
	for _, sr := range srs {
		here[sr.LogicalID] = sr.PhysicalID
	}
	out := map[string]string{}
	byLogical := map[string]qualstate.BaselineResource{}
	for _, b := range runBaseline {
		byLogical[b.LogicalID] = b
	}
	for _, sr := range srs {
		out[sr.LogicalID] = sr.PhysicalID
		b, ok := byLogical[sr.LogicalID]
		if !ok || b.Identifier == b.PhysicalID || !strings.Contains(b.Identifier, "|") {
			continue
		}
		parts := strings.Split(b.Identifier, "|")
		for i, p := range parts {
			if logical, ok := physical[p]; ok && here[logical] != "" {
				parts[i] = here[logical]
			}
		}
		out[sr.LogicalID] = strings.Join(parts, "|")
	}
	return out
}

// putEvidence seals and stores evidence of the instance; its digest.
func (m *Monitor) putEvidence(ctx context.Context, instanceID string, e *qualstate.Evidence) error {
	digest, blob, err := e.Seal()
	if err != nil {
		return qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "seal evidence: %w", err)
	}
	return m.opts.Store.PutInstanceEvidence(context.WithoutCancel(ctx), instanceID, digest, blob)
}

// Evaluate reads the instance's live state and compares it with its
// baseline and requirements: every resource when only is empty (and the
// stack's resource list, for resources added or removed), else just the
// resources with those logical ids. listStack lists the stack even then
// (an event on the stack itself may have added or removed resources).
// Deviations are opened, accepted, reopened and closed; the evaluation is
// recorded.
func (m *Monitor) Evaluate(ctx context.Context, id string, only []string, listStack bool, trigger string) (*Result, error) {
	started := time.Now()
	unlock := m.lock(id)
	defer unlock()
	store := m.opts.Store
	inst, err := store.Instance(ctx, id)
	if err != nil {
		return nil, err
	}
	if inst.Disabled {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "instance %s is disabled", id)
	}
	baseline, err := store.InstanceBaseline(ctx, id)
	if err != nil {
		return nil, err
	}
	cloud, err := m.opts.Cloud(ctx, inst)
	if err != nil {
		return nil, m.failed(ctx, inst, trigger, started, err)
	}
	byLogical := map[string]qualstate.BaselineResource{}
	for _, b := range baseline {
		byLogical[b.LogicalID] = b
	}
	var onlySet map[string]bool
	if len(only) > 0 {
		onlySet = map[string]bool{}
		for _, l := range only {
			onlySet[l] = true
		}
	}
	var srs []qualstate.StackResource
	if onlySet == nil || listStack {
		srs, _, err = cloud.StackResources(ctx, inst.StackName)
		if err != nil {
			if qualstate.CodeOf(err) != qualstate.ErrNotFound {
				return nil, m.failed(ctx, inst, trigger, started, err)
			}
			// The stack is gone: every resource is removed.
			srs = []qualstate.StackResource{}
		}
	}
	// What to read: the baseline's resources (all, or those asked), and any
	// resource the stack has that the baseline has not.
	toRead := map[string]qualstate.StackResource{}
	for _, b := range baseline {
		if onlySet == nil || onlySet[b.LogicalID] {
			toRead[b.LogicalID] = qualstate.StackResource{LogicalID: b.LogicalID, PhysicalID: b.PhysicalID, Type: b.ResourceType}
		}
	}
	if srs != nil {
		inStack := map[string]bool{}
		for _, sr := range srs {
			inStack[sr.LogicalID] = true
			if _, ok := byLogical[sr.LogicalID]; !ok {
				toRead[sr.LogicalID] = sr
			}
		}
		if onlySet != nil {
			// A stack-level event: resources that came or went are
			// evaluated too.
			for l := range toRead {
				onlySet[l] = true
			}
			for _, b := range baseline {
				if !inStack[b.LogicalID] {
					onlySet[b.LogicalID] = true
				}
			}
		}
	}
	live := map[string]map[string]any{}
	m.mu.Lock()
	maps.Copy(live, m.latest[id])
	m.mu.Unlock()
	for _, b := range baseline {
		if _, ok := live[b.LogicalID]; !ok {
			live[b.LogicalID] = b.Properties
		}
	}
	gone := map[string]bool{}
	reads := map[string]*qualstate.Evidence{}
	for _, l := range slices.Sorted(maps.Keys(toRead)) {
		sr := toRead[l]
		ident := sr.PhysicalID
		if b, ok := byLogical[l]; ok {
			ident = b.Identifier
		}
		if ident == "" {
			gone[l] = true
			delete(live, l)
			continue
		}
		lr, capture, err := cloud.GetResource(ctx, sr.Type, ident)
		if err != nil {
			if qualstate.CodeOf(err) == qualstate.ErrNotFound {
				gone[l] = true
				delete(live, l)
				continue
			}
			if qualstate.CodeOf(err) == qualstate.ErrUnsupported {
				continue
			}
			return nil, m.failed(ctx, inst, trigger, started, err)
		}
		live[l] = lr.Properties
		reads[l] = qualstate.EvidenceFromCapture(capture, inst.Environment)
	}
	digests := map[string]string{}
	sealed := map[string][]byte{}
	for l, e := range reads {
		d, blob, err := e.Seal()
		if err != nil {
			return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "seal evidence: %w", err)
		}
		digests[l], sealed[d] = d, blob
	}
	res, err := m.evaluate(ctx, inst, baseline, srs, live, gone, digests, onlySet, trigger, started)
	if err != nil {
		return nil, err
	}
	// Only the reads a deviation rests on are kept: a read that found the
	// qualified state is proven by the evaluation's record.
	for _, c := range res.Changes {
		for _, d := range c.Deviation.Evidence {
			if blob, ok := sealed[d]; ok {
				if err := store.PutInstanceEvidence(context.WithoutCancel(ctx), inst.ID, d, blob); err != nil {
					return nil, err
				}
				delete(sealed, d)
			}
		}
	}
	return res, nil
}

// evaluate compares the live models with the baseline and requirements,
// records what changed and tells OnChange.
func (m *Monitor) evaluate(ctx context.Context, inst *qualstate.Instance, baseline []qualstate.BaselineResource,
	srs []qualstate.StackResource, live map[string]map[string]any, gone map[string]bool, digests map[string]string,
	only map[string]bool, trigger string, started time.Time) (*Result, error) {
	store := m.opts.Store
	engine, err := m.engine(ctx, inst.RunID)
	if err != nil {
		return nil, err
	}
	waivers, err := m.waivers(ctx)
	if err != nil {
		return nil, err
	}
	now := m.now()
	out := Evaluate(Input{
		Instance: inst, Baseline: baseline, Stack: srs, Live: live, Gone: gone, Evidence: digests,
		Only: only, Engine: engine, Waivers: waivers, Now: now,
	})
	m.mu.Lock()
	m.latest[inst.ID] = live
	m.mu.Unlock()
	active, err := store.Deviations(ctx, qualstate.DeviationFilter{InstanceID: inst.ID, States: activeStates})
	if err != nil {
		return nil, err
	}
	changes := Reconcile(active, out, inst, now, trigger)
	if err := m.record(ctx, changes); err != nil {
		return nil, err
	}
	before := inst.Status
	status, reason := Status(applied(active, changes))
	ev := &qualstate.Evaluation{
		InstanceID: inst.ID, Time: now, Trigger: trigger, Resources: out.Resources, Checks: out.Checks,
		Status: status, Duration: time.Since(started),
	}
	for _, c := range changes {
		switch c.Action {
		case "opened", "reopened":
			ev.Opened = append(ev.Opened, c.Deviation.ID)
		case "closed":
			ev.Closed = append(ev.Closed, c.Deviation.ID)
		}
	}
	if err := store.AddEvaluation(ctx, ev); err != nil {
		return nil, err
	}
	inst.Status, inst.StatusReason, inst.LastEvaluated = status, reason, now
	if err := m.updateStatus(ctx, inst); err != nil {
		return nil, err
	}
	res := &Result{Instance: inst, Evaluation: ev, Changes: changes, StatusBefore: before}
	if m.opts.OnChange != nil {
		m.opts.OnChange(ctx, *res)
	}
	return res, nil
}

// applied returns the active deviations as the changes leave them: the
// changed ones replaced, new ones added, closed ones gone.
func applied(active []qualstate.Deviation, changes []Change) []qualstate.Deviation {
	byID := make(map[string]int, len(active))
	out := slices.Clone(active)
	for i, d := range out {
		byID[d.ID] = i
	}
	for _, c := range changes {
		if i, ok := byID[c.Deviation.ID]; ok {
			out[i] = c.Deviation
		} else {
			out = append(out, c.Deviation)
		}
	}
	return slices.DeleteFunc(out, func(d qualstate.Deviation) bool { return !d.State.Active() })
}

// updateStatus records the instance's status when it changed. The time of
// the last evaluation alone is not worth a record: the evaluation is one.
func (m *Monitor) updateStatus(ctx context.Context, inst *qualstate.Instance) error {
	stored, err := m.opts.Store.Instance(ctx, inst.ID)
	if err != nil {
		return err
	}
	if stored.Status == inst.Status && stored.StatusReason == inst.StatusReason {
		inst.LastEvaluated = stored.LastEvaluated
		return nil
	}
	return m.opts.Store.UpdateInstance(qualstate.WithReason(ctx, "status "+string(inst.Status)), inst)
}

// activeStates are the states of deviations not closed.
var activeStates = []qualstate.DeviationState{
	qualstate.DeviationOpen, qualstate.DeviationAcknowledged, qualstate.DeviationTreated, qualstate.DeviationAccepted,
}

// record writes the changes, each as the system's doing.
func (m *Monitor) record(ctx context.Context, changes []Change) error {
	ctx = qualstate.WithActor(ctx, qualstate.ActorOf(ctx))
	for i := range changes {
		d := &changes[i].Deviation
		if err := m.opts.Store.PutDeviation(qualstate.WithReason(ctx, changes[i].Action), d); err != nil {
			return err
		}
	}
	return nil
}

// failed records an evaluation that could not complete, so the record
// shows the gap, and returns the cause.
func (m *Monitor) failed(ctx context.Context, inst *qualstate.Instance, trigger string, started time.Time, cause error) error {
	ev := &qualstate.Evaluation{
		InstanceID: inst.ID, Time: m.now(), Trigger: trigger, Status: qualstate.QSUnknown,
		Duration: time.Since(started), Error: cause.Error(),
	}
	if err := m.opts.Store.AddEvaluation(context.WithoutCancel(ctx), ev); err != nil {
		return errors.Join(cause, err)
	}
	return fmt.Errorf("evaluate instance %s: %w", inst.ID, cause)
}

// Acknowledge records that a person has seen an open deviation and owns it.
func (m *Monitor) Acknowledge(ctx context.Context, id, actor, note string) (*qualstate.Deviation, error) {
	return m.move(ctx, id, func(d *qualstate.Deviation) error {
		if d.State != qualstate.DeviationOpen {
			return qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{}, "deviation %s is %s: only an open deviation can be acknowledged", d.ID, d.State)
		}
		d.Move(m.now(), actor, qualstate.DeviationAcknowledged, "acknowledged", note)
		return nil
	})
}

// Accept links an active deviation to an approved waiver in force that
// covers it; it stops counting against the instance while the waiver
// holds, and reopens when the waiver expires or is revoked.
func (m *Monitor) Accept(ctx context.Context, id, waiverID, actor, note string) (*qualstate.Deviation, error) {
	waivers, err := m.waivers(ctx)
	if err != nil {
		return nil, err
	}
	return m.move(ctx, id, func(d *qualstate.Deviation) error {
		if !d.State.Active() || d.State == qualstate.DeviationAccepted {
			return qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{}, "deviation %s is %s: only an open, acknowledged or treated deviation can be accepted", d.ID, d.State)
		}
		inst, err := m.opts.Store.Instance(ctx, d.InstanceID)
		if err != nil {
			return err
		}
		req := d.RequirementID
		if d.Kind != qualstate.DeviationCheck {
			req = qualstate.DriftRequirement
		}
		var w *qualstate.Waiver
		for i := range waivers {
			if waivers[i].ID == waiverID {
				w = &waivers[i]
			}
		}
		switch {
		case w == nil:
			return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "waiver %s is not approved and in force", waiverID)
		case !w.Active(m.now()):
			return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "waiver %s is %s", waiverID, w.State(m.now()))
		case !w.Covers(inst.WaiverTarget(), req, d.LogicalID):
			return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "waiver %s (%s, %s) does not cover %s on %s of stack %s",
				w.ID, w.RequirementID, w.Scope, req, d.LogicalID, inst.StackName)
		}
		d.Waiver = w.Ref()
		d.Move(m.now(), actor, qualstate.DeviationAccepted, "accepted", cmp.Or(note, "accepted by waiver "+w.ID))
		return nil
	})
}

// move changes one deviation and the instance's status with it.
func (m *Monitor) move(ctx context.Context, id string, change func(d *qualstate.Deviation) error) (*qualstate.Deviation, error) {
	d, err := m.opts.Store.Deviation(ctx, id)
	if err != nil {
		return nil, err
	}
	unlock := m.lock(d.InstanceID)
	defer unlock()
	if d, err = m.opts.Store.Deviation(ctx, id); err != nil {
		return nil, err
	}
	if err := change(d); err != nil {
		return nil, err
	}
	last := d.History[len(d.History)-1]
	if err := m.opts.Store.PutDeviation(qualstate.WithReason(ctx, last.Action), d); err != nil {
		return nil, err
	}
	return d, m.restatus(ctx, d.InstanceID, []Change{{Deviation: *d, Action: last.Action}})
}

// restatus works out an instance's status from its active deviations,
// records it when it changed and tells OnChange.
func (m *Monitor) restatus(ctx context.Context, id string, changes []Change) error {
	inst, err := m.opts.Store.Instance(ctx, id)
	if err != nil {
		return err
	}
	active, err := m.opts.Store.Deviations(ctx, qualstate.DeviationFilter{InstanceID: id, States: activeStates})
	if err != nil {
		return err
	}
	before := inst.Status
	inst.Status, inst.StatusReason = Status(active)
	if err := m.updateStatus(ctx, inst); err != nil {
		return err
	}
	if m.opts.OnChange != nil {
		m.opts.OnChange(ctx, Result{Instance: inst, Changes: changes, StatusBefore: before})
	}
	return nil
}

// TreatmentConfig reads the home's treatment settings.
func (m *Monitor) TreatmentConfig(ctx context.Context) (treat.Config, error) {
	settings, err := m.opts.Store.Settings(ctx)
	if err != nil {
		return treat.Config{}, err
	}
	return treat.ParseConfig(settings)
}
