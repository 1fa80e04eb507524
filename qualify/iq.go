package qualify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"qualstate"
	"qualstate/cfn/schema"
	"qualstate/drift"
	"qualstate/jsonpatch"
	"qualstate/policy"
)

// liveResource is one stack resource and what was read of it.
type liveResource struct {
	sr       qualstate.StackResource
	schema   *schema.Schema
	tmpl     *qualstate.Resource // resolved template resource; nil when the template does not declare it
	id       string              // Cloud Control identifier
	model    map[string]any      // nil when it could not be read
	evidence string              // GetResource
	err      error               // why it could not be read
}

// resource is the live resource as checks see it.
func (lr *liveResource) resource() *qualstate.Resource {
	r := &qualstate.Resource{Type: lr.sr.Type, LogicalID: lr.sr.LogicalID, PhysicalID: lr.sr.PhysicalID, Properties: lr.model}
	if lr.tmpl != nil {
		r.Loc = lr.tmpl.Loc
	}
	if r.Properties == nil {
		r.Properties = map[string]any{}
	}
	return r
}

// deployedStatuses are the states of a resource that exists as deployed.
var deployedStatuses = map[string]bool{"CREATE_COMPLETE": true, "UPDATE_COMPLETE": true, "IMPORT_COMPLETE": true}

// iq deploys the stack and verifies it: installation qualification.
func (r *runner) iq(ctx context.Context) error {
	if err := r.deploy(ctx); err != nil {
		return err
	}
	listEvidence, err := r.read(ctx)
	if err != nil {
		return err
	}
	if err := r.verify(ctx, listEvidence); err != nil {
		return err
	}
	return r.baseline(ctx)
}

// deploy creates (or, on resume, updates) the stack.
func (r *runner) deploy(ctx context.Context) error {
	name := r.run.StackName
	r.opts.Progress.Stage(qualstate.StageIQ, "deploying stack "+name)
	end := r.rec.step(ctx, qualstate.StageIQ, stepDeploy, "stack "+name)
	// A stack left by an interrupted attempt in a state that cannot be
	// updated has to go before it is deployed again.
	if existing, _, err := r.opts.Cloud.DescribeStack(ctx, name); err != nil {
		return end("", err)
	} else if existing != nil && !updatable(existing.Status) {
		if err := r.opts.Cloud.DeleteStack(ctx, name, r.opts.Progress.StackEvent); err != nil {
			return end("", err)
		}
	}
	stack, captures, err := r.opts.Cloud.Deploy(ctx, qualstate.DeployRequest{
		StackName: name, TemplateBody: r.body, Parameters: r.params,
		Tags:     map[string]string{"qualstate:run": r.run.ID},
		Progress: r.opts.Progress.StackEvent,
	})
	if stack != nil {
		r.stack = stack
	}
	evidence, evErr := r.rec.evidenceAll(ctx, captures)
	if evErr != nil {
		return end("", evErr)
	}
	if err != nil {
		// A stack the service refused or rolled back means the template
		// does not install: a finding, not a failure of the tool.
		code := qualstate.CodeOf(err)
		refused := code == qualstate.ErrInvalidInput || code == qualstate.ErrUnsupported
		failed := stack != nil && stack.Status != "" && !deployedStatuses[stack.Status]
		if !refused && !failed {
			return end("", err)
		}
		actual := "refused"
		if stack != nil && stack.Status != "" {
			actual = stack.Status
		}
		if addErr := r.rec.add(ctx, qualstate.TestCase{
			Stage: qualstate.StageIQ, Kind: qualstate.CaseExists, Description: "the stack deploys",
			Expected: "CREATE_COMPLETE", Actual: actual, Result: qualstate.ResultFail,
			Reason: err.Error(), Evidence: evidence,
		}); addErr != nil {
			return end("", addErr)
		}
		stop := &stopRun{"the stack did not deploy: " + err.Error()}
		_ = end(actual, stop)
		return stop
	}
	return end(stack.Status, nil)
}

// updatable reports whether a stack in the status can be updated.
func updatable(status string) bool {
	switch status {
	case "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE":
		return true
	}
	return false
}

// read lists the stack's resources and reads each one's live model.
func (r *runner) read(ctx context.Context) ([]string, error) {
	r.opts.Progress.Stage(qualstate.StageIQ, "reading live resources")
	end := r.rec.step(ctx, qualstate.StageIQ, stepRead, "stack "+r.run.StackName)
	if r.stack == nil {
		stack, _, err := r.opts.Cloud.DescribeStack(ctx, r.run.StackName)
		if err != nil {
			return nil, end("", err)
		}
		if stack == nil {
			return nil, end("", qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, "stack %s does not exist", r.run.StackName))
		}
		r.stack = stack
	}
	srs, captures, err := r.opts.Cloud.StackResources(ctx, r.run.StackName)
	if err != nil {
		return nil, end("", err)
	}
	listEvidence, err := r.rec.evidenceAll(ctx, captures)
	if err != nil {
		return nil, end("", err)
	}
	exports, err := r.opts.Cloud.Exports(ctx)
	if err != nil {
		return nil, end("", err)
	}
	r.live = make([]*liveResource, 0, len(srs))
	byLogical := map[string]*liveResource{}
	for _, sr := range srs {
		lr := &liveResource{sr: sr}
		lr.schema, _ = schema.Lookup(sr.Type)
		r.live = append(r.live, lr)
		byLogical[sr.LogicalID] = lr
	}
	resolver := &liveResolver{stack: r.stack, byLogical: byLogical, exports: exports}
	// First with the physical ids alone, for the identifiers; then, once
	// the models are read, with their attributes for the expected values.
	first, err := r.doc.Resolve(r.parseOptions(resolver))
	if err != nil {
		return nil, end("", err)
	}
	for i, lr := range r.live {
		r.opts.Progress.Count(i, len(r.live))
		var props map[string]any
		if t := first.Resource(lr.sr.LogicalID); t != nil {
			props = t.Properties
		}
		if !deployedStatuses[lr.sr.Status] {
			lr.err = fmt.Errorf("%s is %s", lr.sr.LogicalID, lr.sr.Status)
			continue
		}
		lr.id, err = identifier(lr.sr.Type, lr.schema, lr.sr.PhysicalID, props)
		if err != nil {
			lr.err = err
			continue
		}
		if err := r.readModel(ctx, lr); err != nil {
			return nil, end("", err)
		}
	}
	r.opts.Progress.Count(len(r.live), len(r.live))
	resolved, err := r.doc.Resolve(r.parseOptions(resolver))
	if err != nil {
		return nil, end("", err)
	}
	r.tpl = resolved
	for _, lr := range r.live {
		lr.tmpl = resolved.Resource(lr.sr.LogicalID)
	}
	return listEvidence, end(fmt.Sprintf("%d resources", len(r.live)), nil)
}

// readModel reads one resource's live model. A resource the service cannot
// read is recorded on the resource, not returned: its tests become errors
// with the reason. Only failures of the environment are returned.
func (r *runner) readModel(ctx context.Context, lr *liveResource) error {
	live, capture, err := r.opts.Cloud.GetResource(ctx, lr.sr.Type, lr.id)
	if err != nil {
		switch qualstate.CodeOf(err) {
		case qualstate.ErrUnsupported, qualstate.ErrNotFound, qualstate.ErrInvalidInput:
			lr.err = err
			return nil
		}
		return err
	}
	digest, err := r.rec.evidence(ctx, capture)
	if err != nil {
		return err
	}
	lr.model, lr.evidence = live.Properties, digest
	return nil
}

// verify records the IQ test cases: every template resource exists, every
// property it sets has its value live, every requirement holds live.
func (r *runner) verify(ctx context.Context, listEvidence []string) error {
	r.opts.Progress.Stage(qualstate.StageIQ, "verifying the live resources")
	end := r.rec.step(ctx, qualstate.StageIQ, stepVerify, "")
	plan, err := r.doc.Plan(r.parseOptions(nil))
	if err != nil {
		return end("", err)
	}
	byLogical := map[string]*liveResource{}
	for _, lr := range r.live {
		byLogical[lr.sr.LogicalID] = lr
	}
	var cases []qualstate.TestCase
	for _, id := range plan.Order {
		lr := byLogical[id]
		tr := r.tpl.Resource(id)
		cases = append(cases, existsCase(id, tr, lr, listEvidence))
		if lr != nil && tr != nil {
			cases = append(cases, propertyCases(tr, lr)...)
		}
	}
	cases = append(cases, r.liveChecks()...)
	r.waive(cases)
	if err := r.rec.add(ctx, cases...); err != nil {
		return end("", err)
	}
	// After add, which numbered them: a challenge not run names the case.
	r.iqResults = map[[2]string]qualstate.TestCase{}
	for _, c := range cases {
		if c.Kind == qualstate.CaseCheck {
			r.iqResults[[2]string{c.RequirementID, c.LogicalID}] = c
		}
	}
	return end(fmt.Sprintf("%d test cases", len(cases)), nil)
}

func existsCase(id string, tr *qualstate.Resource, lr *liveResource, evidence []string) qualstate.TestCase {
	c := qualstate.TestCase{
		Stage: qualstate.StageIQ, Kind: qualstate.CaseExists, LogicalID: id,
		Description: "the resource exists as deployed", Expected: "CREATE_COMPLETE", Evidence: evidence,
	}
	if tr != nil {
		c.ResourceType, c.Loc = tr.Type, tr.Loc
	}
	switch {
	case lr == nil:
		c.Actual, c.Result, c.Reason = "not in the stack", qualstate.ResultFail, "the stack has no resource "+id
	case !deployedStatuses[lr.sr.Status]:
		c.PhysicalID, c.Actual, c.Result = lr.sr.PhysicalID, lr.sr.Status, qualstate.ResultFail
		c.Reason = lr.sr.StatusReason
	default:
		c.PhysicalID, c.Actual, c.Result = lr.sr.PhysicalID, lr.sr.Status, qualstate.ResultPass
		c.Reason = "physical id " + lr.sr.PhysicalID
		if lr.evidence != "" {
			c.Evidence = append(slices.Clone(evidence), lr.evidence)
		}
	}
	return c
}

// propertyCases compares every property the template sets with the live
// model.
func propertyCases(tr *qualstate.Resource, lr *liveResource) []qualstate.TestCase {
	var out []qualstate.TestCase
	for _, name := range slices.Sorted(maps.Keys(tr.Properties)) {
		expected := tr.Properties[name]
		pointer := "/" + jsonpatch.EscapeToken(name)
		c := qualstate.TestCase{
			Stage: qualstate.StageIQ, Kind: qualstate.CaseProperty, ResourceType: tr.Type, LogicalID: tr.LogicalID,
			PhysicalID: lr.sr.PhysicalID, Property: pointer, Loc: tr.PropertyLoc(pointer),
			Description: name + " is as the template sets it", Expected: drift.Text(expected),
		}
		if lr.evidence != "" {
			c.Evidence = []string{lr.evidence}
		}
		if reason, unknown := hasUnknown(expected); unknown {
			c.Actual, c.Result = drift.Text(lr.model[name]), qualstate.ResultIndeterminate
			c.Reason = "the expected value depends on " + reason + ", which the deployment did not reveal"
			c.Expected = "(" + reason + ")"
			out = append(out, c)
			continue
		}
		if lr.model == nil {
			c.Actual, c.Result, c.Reason = "not read", qualstate.ResultError, readFailure(lr)
			out = append(out, c)
			continue
		}
		res := drift.Compare(lr.schema, map[string]any{name: expected}, withoutSystemTags(lr.model))
		if len(res.WriteOnly) > 0 {
			// A write-only value is never returned: there is nothing to
			// compare, and saying it passed would be false.
			continue
		}
		c.Actual = drift.Text(lr.model[name])
		if len(res.Differences) == 0 {
			c.Result, c.Reason = qualstate.ResultPass, "equal"
		} else {
			c.Result, c.Reason = qualstate.ResultFail, differences(res.Differences)
		}
		out = append(out, c)
	}
	return out
}

// withoutSystemTags drops the tags AWS adds itself (aws:cloudformation:…),
// which a template cannot set and so never lists.
func withoutSystemTags(model map[string]any) map[string]any {
	tags, ok := model["Tags"].([]any)
	if !ok {
		return model
	}
	kept := make([]any, 0, len(tags))
	for _, t := range tags {
		if m, ok := t.(map[string]any); ok {
			if k, _ := m["Key"].(string); strings.HasPrefix(k, "aws:") {
				continue
			}
		}
		kept = append(kept, t)
	}
	out := maps.Clone(model)
	out["Tags"] = kept
	return out
}

func differences(ds []drift.Difference) string {
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		switch d.Kind {
		case drift.Removed:
			parts = append(parts, fmt.Sprintf("%s: expected %s, missing", d.Path, drift.Text(d.Expected)))
		case drift.Added:
			parts = append(parts, fmt.Sprintf("%s: unexpected %s", d.Path, drift.Text(d.Actual)))
		default:
			parts = append(parts, fmt.Sprintf("%s: expected %s, got %s", d.Path, drift.Text(d.Expected), drift.Text(d.Actual)))
		}
	}
	return strings.Join(parts, "; ")
}

func readFailure(lr *liveResource) string {
	if lr.err == nil {
		return "the live model was not read"
	}
	var qe *qualstate.Error
	if errors.As(lr.err, &qe) && qe.Code == qualstate.ErrUnsupported {
		return "Cloud Control cannot read " + lr.sr.Type + ": " + qe.Msg
	}
	return "the live model could not be read: " + lr.err.Error()
}

// liveChecks evaluates every requirement on the live models.
func (r *runner) liveChecks() []qualstate.TestCase {
	var readable []*qualstate.Resource
	var out []qualstate.TestCase
	// The resource each readable live resource is in the scope, so that
	// EvaluateResource finds it there rather than adding a copy.
	inScope := map[*liveResource]*qualstate.Resource{}
	for _, lr := range r.live {
		if lr.model != nil {
			inScope[lr] = lr.resource()
			readable = append(readable, inScope[lr])
		}
	}
	scope := policy.Scope{Resources: readable, Stage: qualstate.StageIQ}
	for _, lr := range r.live {
		if lr.model == nil {
			for _, req := range r.opts.Engine.Set().Requirements {
				if req.AppliesTo(lr.sr.Type) {
					out = append(out, qualstate.TestCase{
						Stage: qualstate.StageIQ, Kind: qualstate.CaseCheck, RequirementID: req.ID, Risk: req.Risk,
						Controls: req.Controls, ResourceType: lr.sr.Type, LogicalID: lr.sr.LogicalID,
						PhysicalID: lr.sr.PhysicalID, Description: req.Title, Expected: "the check holds on the live resource",
						Actual: "not evaluated", Result: qualstate.ResultError, Reason: readFailure(lr),
					})
				}
			}
			continue
		}
		for _, f := range r.opts.Engine.EvaluateResource(scope, inScope[lr]) {
			out = append(out, findingCase(f, "the check holds on the live resource", lr.evidence))
		}
	}
	return out
}

// baseline records the full live model of every resource read.
func (r *runner) baseline(ctx context.Context) error {
	end := r.rec.step(ctx, qualstate.StageIQ, stepBaseline, "")
	var base []qualstate.BaselineResource
	for _, lr := range r.live {
		if lr.model == nil {
			continue
		}
		base = append(base, qualstate.BaselineResource{
			LogicalID: lr.sr.LogicalID, ResourceType: lr.sr.Type, PhysicalID: lr.sr.PhysicalID,
			Identifier: lr.id, Properties: r.rec.redactValue(lr.model).(map[string]any), Evidence: lr.evidence,
		})
	}
	if err := r.opts.Store.PutBaseline(ctx, r.run.ID, base); err != nil {
		return end("", err)
	}
	return end(fmt.Sprintf("%d resources", len(base)), nil)
}
