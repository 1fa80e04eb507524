package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"qualstate"
	"qualstate/policy"
	"qualstate/treat"
)

// TreatOptions say how far a treatment may go.
type TreatOptions struct {
	// DryRun works out and returns the plan without recording or changing
	// anything.
	DryRun bool
	// Apply is a person applying a proposed remediation: propose counts as
	// auto. The guard rails still hold, except the grace period.
	Apply bool
	// Actor is who treats: "system" for automatic treatment.
	Actor string
}

// Treatment is what a treatment did.
type Treatment struct {
	Plan      treat.Plan
	Deviation *qualstate.Deviation
	// Proposed is set when the plan was recorded as a proposal.
	Proposed bool
	// Applied is set when the patch was applied; Restored when the
	// re-verification found the qualified state back.
	Applied  bool
	Restored bool
	// Opened is the deviation of a remediation that did not restore the
	// qualified state.
	Opened *qualstate.Deviation
	// Retry is when a held plan is worth looking at again (zero when not
	// held).
	Retry time.Time
}

// Treat applies continuous risk treatment to an active deviation: it plans
// the remediation within the guard rails (treat.Config from the home's
// settings), records a proposal once, and applies an automatic one that is
// ready; then it re-reads the resource and re-verifies it. A remediation
// that does not restore the qualified state reopens the deviation and
// opens a deviation of its own.
func (m *Monitor) Treat(ctx context.Context, id string, opts TreatOptions) (*Treatment, error) {
	d, err := m.opts.Store.Deviation(ctx, id)
	if err != nil {
		return nil, err
	}
	unlock := m.lock(d.InstanceID)
	plan, d, err := m.plan(ctx, id, opts)
	if err != nil {
		unlock()
		return nil, err
	}
	t := &Treatment{Plan: plan, Deviation: d}
	now := m.now()
	switch {
	case opts.DryRun || plan.Refused != "" || plan.Mode == qualstate.RemediationOff:
		unlock()
		return t, nil
	case plan.Mode == qualstate.RemediationPropose:
		if !proposed(d) {
			note := "proposed remediation " + patchText(plan.Patch)
			if plan.Hold != "" {
				note += "; " + plan.Hold
			}
			d.Remediation = plan.Patch
			d.Move(now, actorOr(opts.Actor), d.State, "proposed", note)
			if err := m.opts.Store.PutDeviation(qualstate.WithReason(ctx, "proposed"), d); err != nil {
				unlock()
				return nil, err
			}
			t.Proposed = true
			if err := m.restatus(ctx, d.InstanceID, []Change{{Deviation: *d, Action: "proposed"}}); err != nil {
				unlock()
				return nil, err
			}
		}
		unlock()
		return t, nil
	case !plan.Ready(now):
		// Held by a guard rail: look again when it lifts.
		t.Retry = plan.HoldUntil
		if t.Retry.IsZero() {
			t.Retry = plan.NotBefore
		}
		if !t.Retry.After(now) {
			t.Retry = now.Add(time.Minute)
		}
		unlock()
		return t, nil
	}
	inst, err := m.opts.Store.Instance(ctx, d.InstanceID)
	if err != nil {
		unlock()
		return nil, err
	}
	cloud, err := m.opts.Cloud(ctx, inst)
	if err != nil {
		unlock()
		return nil, err
	}
	plan.Mode = qualstate.RemediationAuto
	capture, err := treat.Apply(ctx, cloud, plan)
	if err != nil {
		d.Move(m.now(), actorOr(opts.Actor), d.State, "treatment-failed", err.Error())
		if perr := m.opts.Store.PutDeviation(qualstate.WithReason(ctx, "treatment-failed"), d); perr != nil {
			unlock()
			return nil, perr
		}
		unlock()
		return t, err
	}
	e := qualstate.EvidenceFromCapture(capture, inst.Environment)
	digest, blob, err := e.Seal()
	if err != nil {
		unlock()
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "seal evidence: %w", err)
	}
	if err := m.opts.Store.PutInstanceEvidence(context.WithoutCancel(ctx), inst.ID, digest, blob); err != nil {
		unlock()
		return nil, err
	}
	d.Remediation = plan.Patch
	d.Evidence = append(d.Evidence, digest)
	d.Move(m.now(), actorOr(opts.Actor), qualstate.DeviationTreated, "treated", "applied "+patchText(plan.Patch))
	if err := m.opts.Store.PutDeviation(qualstate.WithReason(ctx, "treated"), d); err != nil {
		unlock()
		return nil, err
	}
	t.Applied = true
	if err := m.restatus(ctx, d.InstanceID, []Change{{Deviation: *d, Action: "treated"}}); err != nil {
		unlock()
		return nil, err
	}
	unlock()

	// Re-read and re-verify the resource: the evaluation closes the
	// deviation when the qualified state is back.
	if _, err := m.Evaluate(ctx, d.InstanceID, []string{d.LogicalID}, false, "remediation "+d.ID); err != nil {
		return t, err
	}
	after, err := m.opts.Store.Deviation(ctx, d.ID)
	if err != nil {
		return t, err
	}
	t.Deviation = after
	if after.State == qualstate.DeviationClosed {
		t.Restored = true
		return t, nil
	}
	opened, err := m.remediationFailed(ctx, after, plan, opts)
	t.Opened = opened
	return t, err
}

// remediationFailed reopens a deviation a remediation did not cure and
// opens one for the remediation itself, so the failure is a departure of
// its own that a person must look at.
func (m *Monitor) remediationFailed(ctx context.Context, d *qualstate.Deviation, plan treat.Plan, opts TreatOptions) (*qualstate.Deviation, error) {
	unlock := m.lock(d.InstanceID)
	defer unlock()
	now := m.now()
	if d.State == qualstate.DeviationTreated {
		d.Move(now, actorOr(opts.Actor), qualstate.DeviationOpen, "reopened", "the remediation did not restore the qualified state")
		if err := m.opts.Store.PutDeviation(qualstate.WithReason(ctx, "reopened"), d); err != nil {
			return nil, err
		}
	}
	key := qualstate.DeviationKey(qualstate.DeviationRemediation, d.LogicalID, d.ID)
	active, err := m.opts.Store.Deviations(ctx, qualstate.DeviationFilter{InstanceID: d.InstanceID, States: activeStates})
	if err != nil {
		return nil, err
	}
	for i := range active {
		if active[i].Key == key {
			return &active[i], nil
		}
	}
	rd := &qualstate.Deviation{
		InstanceID: d.InstanceID, Key: key, Kind: qualstate.DeviationRemediation, LogicalID: d.LogicalID,
		ResourceType: d.ResourceType, PhysicalID: d.PhysicalID, RequirementID: d.RequirementID, Risk: d.Risk,
		Controls: d.Controls, Path: d.Path, Expected: d.Expected, Actual: d.Actual,
		Reason:  fmt.Sprintf("remediation of %s (%s) was applied but the resource is still not in its qualified state", d.ID, patchText(plan.Patch)),
		Trigger: "remediation " + d.ID, Opened: now, Updated: now, Remediation: plan.Patch, Evidence: d.Evidence,
	}
	rd.Move(now, "system", qualstate.DeviationOpen, "opened", rd.Reason)
	if err := m.opts.Store.PutDeviation(qualstate.WithReason(ctx, "opened"), rd); err != nil {
		return nil, err
	}
	return rd, m.restatus(ctx, d.InstanceID, []Change{{Deviation: *rd, Action: "opened"}})
}

// Plan works out, without changing anything, what treatment would do with
// the deviation now.
func (m *Monitor) Plan(ctx context.Context, id string) (treat.Plan, *qualstate.Deviation, error) {
	return m.plan(ctx, id, TreatOptions{DryRun: true})
}

func (m *Monitor) plan(ctx context.Context, id string, opts TreatOptions) (treat.Plan, *qualstate.Deviation, error) {
	store := m.opts.Store
	d, err := store.Deviation(ctx, id)
	if err != nil {
		return treat.Plan{}, nil, err
	}
	if !d.State.Active() {
		return treat.Plan{Deviation: d.ID, Mode: qualstate.RemediationOff, Refused: "the deviation is closed"}, d, nil
	}
	if d.State == qualstate.DeviationAccepted {
		return treat.Plan{Deviation: d.ID, Mode: qualstate.RemediationOff, Refused: "the deviation is accepted by waiver " + d.Waiver.ID}, d, nil
	}
	cfg, err := m.TreatmentConfig(ctx)
	if err != nil {
		return treat.Plan{}, nil, err
	}
	if opts.Apply {
		// A person applying the remediation is the decision the grace
		// period waits for; the other guard rails still hold.
		cfg.Grace, cfg.DryRun = 0, false
		cfg.DriftMode = qualstate.RemediationAuto
		if d.RequirementID != "" {
			cfg.Modes = maps.Clone(cfg.Modes)
			if cfg.Modes == nil {
				cfg.Modes = map[string]qualstate.RemediationMode{}
			}
			cfg.Modes[d.RequirementID] = qualstate.RemediationAuto
		}
	}
	inst, err := store.Instance(ctx, d.InstanceID)
	if err != nil {
		return treat.Plan{}, nil, err
	}
	engine, err := m.engine(ctx, inst.RunID)
	if err != nil {
		return treat.Plan{}, nil, err
	}
	baseline, err := store.InstanceBaseline(ctx, inst.ID)
	if err != nil {
		return treat.Plan{}, nil, err
	}
	var base *qualstate.BaselineResource
	for i := range baseline {
		if baseline[i].LogicalID == d.LogicalID {
			base = &baseline[i]
		}
	}
	var req *qualstate.Requirement
	if d.RequirementID != "" {
		req = engine.Set().Requirement(d.RequirementID)
	}
	recent, err := m.recentTreatments(ctx, m.now())
	if err != nil {
		return treat.Plan{}, nil, err
	}
	// The plan is made on the resource as it is now, read afresh; its
	// neighbours, for checks that look at them, as last read.
	live := map[string]map[string]any{}
	for _, b := range baseline {
		live[b.LogicalID] = b.Properties
	}
	m.mu.Lock()
	maps.Copy(live, m.latest[inst.ID])
	m.mu.Unlock()
	if base != nil {
		cloud, err := m.opts.Cloud(ctx, inst)
		if err != nil {
			return treat.Plan{}, nil, err
		}
		lr, _, err := cloud.GetResource(ctx, base.ResourceType, base.Identifier)
		switch {
		case err == nil:
			live[d.LogicalID] = lr.Properties
		case qualstate.CodeOf(err) == qualstate.ErrNotFound:
			delete(live, d.LogicalID)
		default:
			return treat.Plan{}, nil, err
		}
	}
	plan := cfg.Plan(treat.Facts{Deviation: *d, Requirement: req, Baseline: base, Live: live[d.LogicalID], Recent: recent, Now: m.now()})
	if plan.Mode == qualstate.RemediationAuto && !opts.Apply && failedBefore(d) {
		// Applying again what did not cure would only loop until the rate
		// limit: from now on a person decides.
		plan.Mode = qualstate.RemediationPropose
		plan.Hold = "a remediation of this deviation did not restore the qualified state; a person must apply it"
	}
	if plan.Refused == "" && req != nil && len(plan.Patch) > 0 && d.Kind == qualstate.DeviationCheck {
		// Before acting, prove on a copy that the patched model meets the
		// requirement: a remediation that cannot cure is not applied.
		if why := m.cures(engine, req, d.LogicalID, baseline, live, plan); why != "" {
			plan.Refused = why
		}
	}
	return plan, d, nil
}

// cures says why the plan's patch would not make the requirement hold on
// the resource, or "".
func (m *Monitor) cures(engine *policy.Engine, req *qualstate.Requirement, logicalID string, baseline []qualstate.BaselineResource, live map[string]map[string]any, plan treat.Plan) string {
	var scope []*qualstate.Resource
	var self *qualstate.Resource
	for _, b := range baseline {
		model, ok := live[b.LogicalID]
		if !ok {
			continue
		}
		res := &qualstate.Resource{LogicalID: b.LogicalID, Type: b.ResourceType, PhysicalID: b.PhysicalID, Properties: model}
		scope = append(scope, res)
		if b.LogicalID == logicalID {
			self = res
		}
	}
	if self == nil {
		return "the resource's live model is not known"
	}
	check := func(model map[string]any) qualstate.Result {
		self.Properties = model
		for _, f := range engine.EvaluateResource(policy.Scope{Resources: scope, Stage: qualstate.StageLive}, self) {
			if f.RequirementID == req.ID {
				return f.Result
			}
		}
		return qualstate.ResultError
	}
	patched, err := treat.Verify(check, live[logicalID], plan)
	if err != nil {
		return "the remediation does not apply to the live model: " + err.Error()
	}
	if r := check(patched); r != qualstate.ResultPass {
		return fmt.Sprintf("the remediation would not make %s hold (the patched model gives %s)", req.ID, r)
	}
	return ""
}

// recentTreatments returns when remediations were applied in the hour
// before now, across every instance: the rate limit counts them.
func (m *Monitor) recentTreatments(ctx context.Context, now time.Time) ([]time.Time, error) {
	all, err := m.opts.Store.Deviations(ctx, qualstate.DeviationFilter{})
	if err != nil {
		return nil, err
	}
	var out []time.Time
	for _, d := range all {
		if !d.Updated.IsZero() && now.Sub(d.Updated) > time.Hour {
			continue
		}
		for _, h := range d.History {
			if h.Action == "treated" && now.Sub(h.Time) <= time.Hour {
				out = append(out, h.Time)
			}
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out, nil
}

// failedBefore reports whether a remediation was applied to the deviation
// and did not cure it.
func failedBefore(d *qualstate.Deviation) bool {
	treated := false
	for _, h := range d.History {
		switch {
		case h.Action == "treated":
			treated = true
		case treated && (h.Action == "reopened" || h.Action == "treatment-failed"):
			return true
		}
	}
	return false
}

func proposed(d *qualstate.Deviation) bool {
	for _, h := range d.History {
		if h.Action == "proposed" {
			return true
		}
	}
	return false
}

func actorOr(a string) string {
	if a == "" {
		return "system"
	}
	return a
}

func patchText(p []qualstate.PatchOp) string {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprint(p)
	}
	return string(b)
}
