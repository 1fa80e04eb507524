package qualify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"qualstate"
	"qualstate/drift"
	"qualstate/jsonpatch"
	"qualstate/policy"
)

// detectPoll is how often a challenge re-reads the resource while waiting
// for its violation to be detected.
const detectPoll = 200 * time.Millisecond

// target is one requirement challenged on one resource.
type target struct {
	req *qualstate.Requirement
	lr  *liveResource
}

// challengeRecord is what a challenge step records before it changes
// anything, so that a run interrupted mid-challenge can put the resource
// back when it is resumed or abandoned.
type challengeRecord struct {
	Requirement string              `json:"requirement"`
	LogicalID   string              `json:"logicalId"`
	Type        string              `json:"type"`
	Identifier  string              `json:"identifier"`
	Revert      []qualstate.PatchOp `json:"revert"`
}

// oq runs the challenge tests: operational qualification.
func (r *runner) oq(ctx context.Context) error {
	if r.run.Challenge == qualstate.ChallengeNone {
		end := r.rec.step(ctx, qualstate.StageOQ, stepChallenges, "challenge level none: no challenge tests")
		return end("", nil)
	}
	if r.live == nil {
		// Resumed after IQ: read the live state again, and what IQ found.
		if _, err := r.read(ctx); err != nil {
			return err
		}
		if err := r.loadIQResults(ctx); err != nil {
			return err
		}
	}
	var targets []target
	for _, req := range r.opts.Engine.Set().Requirements {
		if len(req.Challenge) == 0 || (r.run.Challenge == qualstate.ChallengeHigh && req.Risk != qualstate.RiskHigh) {
			continue
		}
		for _, lr := range r.live {
			if req.AppliesTo(lr.sr.Type) && patchFits(lr, req.Challenge) {
				targets = append(targets, target{req, lr})
			}
		}
	}
	r.opts.Progress.Stage(qualstate.StageOQ, fmt.Sprintf("%d challenge tests", len(targets)))
	end := r.rec.step(ctx, qualstate.StageOQ, stepChallenges, fmt.Sprintf("%d challenge tests at level %s", len(targets), r.run.Challenge))
	var notRun []string
	for i, t := range targets {
		r.opts.Progress.Count(i, len(targets))
		if why := r.challengeable(t); why != "" {
			notRun = append(notRun, t.req.ID+" on "+t.lr.sr.LogicalID+": "+why)
			continue
		}
		if err := r.challenge(ctx, t); err != nil {
			return end("", err)
		}
	}
	r.opts.Progress.Count(len(targets), len(targets))
	detail := fmt.Sprintf("%d challenge tests", len(targets)-len(notRun))
	if len(notRun) > 0 {
		detail += fmt.Sprintf("; %d not run: %s", len(notRun), strings.Join(notRun, "; "))
	}
	return end(detail, nil)
}

// challengeable says why a challenge is not run on a resource, or "". A
// violation staged on a resource that does not meet the requirement in IQ
// proves nothing, nor one the requirement does not see: a queue that
// another resource uses as its dead-letter queue passes whatever its own
// redrive policy says. Both are decided on the baseline, without touching
// the resource.
func (r *runner) challengeable(t target) string {
	iq, ok := r.iqResults[[2]string{t.req.ID, t.lr.sr.LogicalID}]
	switch {
	case t.lr.model == nil:
		return readFailure(t.lr)
	case !ok:
		return "no IQ result"
	case iq.Result != qualstate.ResultPass:
		return "it does not meet the requirement in IQ (" + iq.ID + " " + string(iq.Result) + ")"
	}
	patched, err := jsonpatch.Apply(jsonpatch.Clone(t.lr.model), t.req.Challenge)
	if m, ok := patched.(map[string]any); err == nil && ok {
		if f := r.evaluate(t, m); f.Result == qualstate.ResultPass {
			return "the challenge does not violate the requirement here (" + f.Reason + ")"
		}
	}
	return ""
}

// loadIQResults reads the IQ check results of the latest attempt that ran
// IQ.
func (r *runner) loadIQResults(ctx context.Context) error {
	cases, err := r.opts.Store.TestCases(ctx, r.run.ID)
	if err != nil {
		return err
	}
	latest := 0
	for _, c := range cases {
		if c.Stage == qualstate.StageIQ && c.Attempt > latest {
			latest = c.Attempt
		}
	}
	r.iqResults = map[[2]string]qualstate.TestCase{}
	for _, c := range cases {
		if c.Stage == qualstate.StageIQ && c.Attempt == latest && c.Kind == qualstate.CaseCheck {
			r.iqResults[[2]string{c.RequirementID, c.LogicalID}] = c
		}
	}
	return nil
}

// challenge applies a requirement's violating patch to a live resource,
// waits until the violation is detected, reverts it and proves the
// resource is back in its qualified state.
func (r *runner) challenge(ctx context.Context, t target) error {
	base := qualstate.TestCase{
		Stage: qualstate.StageOQ, Kind: qualstate.CaseChallenge, RequirementID: t.req.ID, Risk: t.req.Risk,
		Controls: t.req.Controls, ResourceType: t.lr.sr.Type, LogicalID: t.lr.sr.LogicalID, PhysicalID: t.lr.sr.PhysicalID,
		Description: "a violation of " + t.req.ID + " is detected: " + patchText(t.req.Challenge),
		Expected:    fmt.Sprintf("the check fails within %s", r.opts.DetectTimeout),
	}
	if t.lr.tmpl != nil {
		base.Loc = t.lr.tmpl.Loc
	}
	revert := revertPatch(t.lr.model, t.req.Challenge)
	record, _ := json.Marshal(challengeRecord{
		Requirement: t.req.ID, LogicalID: t.lr.sr.LogicalID, Type: t.lr.sr.Type, Identifier: t.lr.id, Revert: revert,
	})
	end := r.rec.step(ctx, qualstate.StageOQ, stepChallenge, string(record))

	applied := r.opts.Clock()
	capture, err := r.opts.Cloud.UpdateResource(ctx, t.lr.sr.Type, t.lr.id, t.req.Challenge)
	if err != nil {
		if ctx.Err() != nil || qualstate.CodeOf(err) == qualstate.ErrEnvironment {
			return end("", err)
		}
		// The service refused the violating change. Whether it prevents
		// the violation or the change is wrong for this resource, the
		// detection is not proven: undecided, with the service's reason.
		base.Actual, base.Result = "the change was refused", qualstate.ResultIndeterminate
		base.Reason = "the violation could not be staged, so its detection is not proven: " + err.Error()
		if err := r.rec.add(ctx, base); err != nil {
			return end("", err)
		}
		return end("", nil)
	}
	changeEvidence, err := r.rec.evidence(ctx, capture)
	if err != nil {
		return end("", err)
	}
	detected, finding, patched, detectEvidence, err := r.detect(ctx, t, applied)
	if err != nil {
		return r.restore(ctx, t, revert, end, err)
	}
	// The service may have changed more than the patch did (removing an
	// SQS queue's KMS key turns SSE-SQS on): revert to the baseline from
	// what is live, not from what the patch touched.
	if patched != nil {
		revert = revertTo(t.lr, patched)
	}
	base.Duration = r.opts.Clock().Sub(applied)
	base.Evidence = append([]string{changeEvidence}, detectEvidence...)
	if detected {
		base.Actual, base.Result = "fail: "+finding.Reason, qualstate.ResultPass
		base.Reason = fmt.Sprintf("detected in %s", base.Duration.Round(time.Millisecond))
	} else {
		base.Actual, base.Result = string(finding.Result)+": "+finding.Reason, qualstate.ResultFail
		base.Reason = fmt.Sprintf("not detected within %s", r.opts.DetectTimeout)
	}
	revertCase, err := r.revert(ctx, t, revert)
	if err != nil {
		return r.restore(ctx, t, revert, end, err)
	}
	if err := r.rec.add(ctx, base, revertCase); err != nil {
		return end("", err)
	}
	return end("", nil)
}

// stepChallenge names the step of one challenge.
const stepChallenge = "challenge"

// detect re-reads the challenged resource and evaluates the requirement
// until it fails or the detection time runs out. This is the detection
// continuous monitoring runs: a live read through Cloud Control and the
// requirement's check.
func (r *runner) detect(ctx context.Context, t target, since time.Time) (bool, qualstate.Finding, map[string]any, []string, error) {
	deadline := since.Add(r.opts.DetectTimeout)
	var evidence []string
	for {
		live, capture, err := r.opts.Cloud.GetResource(ctx, t.lr.sr.Type, t.lr.id)
		if err != nil {
			return false, qualstate.Finding{}, nil, evidence, err
		}
		digest, err := r.rec.evidence(ctx, capture)
		if err != nil {
			return false, qualstate.Finding{}, nil, evidence, err
		}
		evidence = append(evidence[:0], digest)
		f := r.evaluate(t, live.Properties)
		if f.Result == qualstate.ResultFail {
			return true, f, live.Properties, evidence, nil
		}
		if !r.opts.Clock().Before(deadline) {
			return false, f, live.Properties, evidence, nil
		}
		select {
		case <-ctx.Done():
			return false, f, live.Properties, evidence, ctx.Err()
		case <-time.After(detectPoll):
		}
	}
}

// evaluate runs one requirement on a resource's model, in the scope of the
// stack's other live resources.
func (r *runner) evaluate(t target, model map[string]any) qualstate.Finding {
	var scope []*qualstate.Resource
	var self *qualstate.Resource
	for _, lr := range r.live {
		if lr.model == nil {
			continue
		}
		res := lr.resource()
		if lr == t.lr {
			res.Properties = model
			self = res
		}
		scope = append(scope, res)
	}
	for _, f := range r.opts.Engine.EvaluateResource(policy.Scope{Resources: scope, Stage: qualstate.StageOQ}, self) {
		if f.RequirementID == t.req.ID {
			return f
		}
	}
	return qualstate.Finding{Result: qualstate.ResultError, Reason: "the requirement was not evaluated"}
}

// revert puts the resource back and proves it is in its qualified state:
// the check holds and the model equals the baseline.
func (r *runner) revert(ctx context.Context, t target, revert []qualstate.PatchOp) (qualstate.TestCase, error) {
	c := qualstate.TestCase{
		Stage: qualstate.StageOQ, Kind: qualstate.CaseRevert, RequirementID: t.req.ID, Risk: t.req.Risk,
		Controls: t.req.Controls, ResourceType: t.lr.sr.Type, LogicalID: t.lr.sr.LogicalID, PhysicalID: t.lr.sr.PhysicalID,
		Description: "after the challenge of " + t.req.ID + " is reverted, the resource is back in its qualified state",
		Expected:    "the check holds and the live model equals the baseline",
	}
	if t.lr.tmpl != nil {
		c.Loc = t.lr.tmpl.Loc
	}
	started := r.opts.Clock()
	// A challenge that leaves nothing changed (it added a property and
	// removed it again) needs no revert, only the proof.
	if len(revert) > 0 {
		capture, err := r.opts.Cloud.UpdateResource(ctx, t.lr.sr.Type, t.lr.id, revert)
		if err != nil {
			return c, err
		}
		revertEvidence, err := r.rec.evidence(ctx, capture)
		if err != nil {
			return c, err
		}
		c.Evidence = append(c.Evidence, revertEvidence)
	}
	live, capture, err := r.opts.Cloud.GetResource(ctx, t.lr.sr.Type, t.lr.id)
	if err != nil {
		return c, err
	}
	readEvidence, err := r.rec.evidence(ctx, capture)
	if err != nil {
		return c, err
	}
	c.Duration = r.opts.Clock().Sub(started)
	c.Evidence = append(c.Evidence, readEvidence)
	f := r.evaluate(t, live.Properties)
	diffs := modelDifferences(t.lr, live.Properties)
	switch {
	case f.Result != qualstate.ResultPass:
		c.Actual, c.Result, c.Reason = string(f.Result)+": "+f.Reason, qualstate.ResultFail, "the check does not hold after the revert"
	case len(diffs) > 0:
		c.Actual, c.Result, c.Reason = "differs from the baseline", qualstate.ResultFail, differences(diffs)
	default:
		c.Actual, c.Result, c.Reason = "pass: "+f.Reason+"; equal to the baseline", qualstate.ResultPass, "restored"
	}
	return c, nil
}

// restore reverts a challenge after an error left it applied, so the tool's
// own test never leaves a resource out of its qualified state, then ends
// the step with the error.
func (r *runner) restore(ctx context.Context, t target, revert []qualstate.PatchOp, end func(string, error) error, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if len(revert) == 0 {
		return end("", cause)
	}
	if _, err := r.opts.Cloud.UpdateResource(rctx, t.lr.sr.Type, t.lr.id, revert); err != nil {
		cause = fmt.Errorf("%w; reverting the challenge also failed: %v", cause, err)
	}
	return end("", cause)
}

// modelDifferences compares a live model with the resource's baseline in
// both directions — what changed, went or appeared — over the properties a
// user configures. Read-only properties are the service's to change (an
// RDS instance's LatestRestorableTime moves every second) and are left out.
func modelDifferences(lr *liveResource, now map[string]any) []drift.Difference {
	readOnly := map[string]bool{}
	for _, p := range lr.schema.ReadOnlyProperties() {
		if name, ok := strings.CutPrefix(p, "/properties/"); ok && !strings.Contains(name, "/") {
			readOnly[name] = true
		}
	}
	configured := func(m map[string]any) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			if !readOnly[k] {
				out[k] = v
			}
		}
		return out
	}
	base, live := configured(lr.model), configured(now)
	diffs := drift.Compare(lr.schema, base, live).Differences
	for k, v := range live {
		if _, ok := base[k]; !ok && v != nil {
			diffs = append(diffs, drift.Difference{Path: "/" + jsonpatch.EscapeToken(k), Actual: v, Kind: drift.Added})
		}
	}
	return diffs
}

// patchFits reports whether every property a patch touches is one the
// resource's type has: a requirement over several types (a policy
// document on AWS::IAM::Policy and AWS::IAM::ManagedPolicy) may carry a
// challenge written for only some of them.
func patchFits(lr *liveResource, patch []qualstate.PatchOp) bool {
	if lr.schema == nil {
		return false
	}
	for _, op := range patch {
		for _, p := range []string{op.Path, op.From} {
			if p == "" {
				continue
			}
			tokens, err := jsonpatch.ParsePointer(p)
			if err != nil || len(tokens) == 0 || !lr.schema.HasProperty(tokens[0]) {
				return false
			}
		}
	}
	return true
}

// revertPatch undoes a challenge: each top-level property it touches is
// put back as the baseline had it, or removed when the baseline had none
// and the challenge left one (a challenge may add a property and remove it
// again, and removing what is not there fails).
func revertPatch(model map[string]any, challenge []qualstate.PatchOp) []qualstate.PatchOp {
	patched := map[string]any{}
	if v, err := jsonpatch.Apply(jsonpatch.Clone(model), challenge); err == nil {
		patched, _ = v.(map[string]any)
	}
	seen := map[string]bool{}
	var out []qualstate.PatchOp
	for _, op := range challenge {
		for _, p := range []string{op.Path, op.From} {
			tokens, err := jsonpatch.ParsePointer(p)
			if err != nil || len(tokens) == 0 || seen[tokens[0]] {
				continue
			}
			seen[tokens[0]] = true
			path := jsonpatch.Pointer(tokens[0])
			if v, ok := model[tokens[0]]; ok {
				out = append(out, qualstate.PatchOp{Op: "add", Path: path, Value: jsonpatch.Clone(v)})
			} else if _, ok := patched[tokens[0]]; ok {
				out = append(out, qualstate.PatchOp{Op: "remove", Path: path})
			}
		}
	}
	return out
}

// revertTo is the patch that brings a live model back to the resource's
// baseline over the properties a user configures: what differs is put
// back, what appeared is removed.
func revertTo(lr *liveResource, live map[string]any) []qualstate.PatchOp {
	var out []qualstate.PatchOp
	seen := map[string]bool{}
	for _, d := range modelDifferences(lr, live) {
		tokens, err := jsonpatch.ParsePointer(d.Path)
		if err != nil || len(tokens) == 0 || seen[tokens[0]] {
			continue
		}
		seen[tokens[0]] = true
		path := jsonpatch.Pointer(tokens[0])
		if v, ok := lr.model[tokens[0]]; ok {
			out = append(out, qualstate.PatchOp{Op: "add", Path: path, Value: jsonpatch.Clone(v)})
		} else {
			out = append(out, qualstate.PatchOp{Op: "remove", Path: path})
		}
	}
	return out
}

// patchText renders a patch briefly for a test case's description.
func patchText(patch []qualstate.PatchOp) string {
	b, err := json.Marshal(patch)
	if err != nil {
		return fmt.Sprint(patch)
	}
	return string(b)
}
