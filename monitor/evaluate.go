package monitor

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"qualstate"
	"qualstate/drift"
	"qualstate/policy"
)

// Input is what one evaluation of an instance looks at.
type Input struct {
	Instance *qualstate.Instance
	Baseline []qualstate.BaselineResource
	// Stack is the stack's resources as listed now; nil when not listed
	// (then no added/removed detection from the listing).
	Stack []qualstate.StackResource
	// Live maps logical id -> live model read now. A baseline resource
	// missing from Live whose id is in Gone was read as not found
	// (removed).
	Live map[string]map[string]any
	Gone map[string]bool
	// Evidence maps logical id -> digest of the read that gave Live[id].
	// When Evidence is not nil, a model in Live without a digest is a
	// neighbour's last known model, not a read: checks on other resources
	// see it, but it is neither compared nor checked.
	Evidence map[string]string
	// Only restricts the resources diffed and checked (logical ids); nil
	// means all. Live still holds every resource's latest model so
	// cross-resource checks see their neighbours. Resources added to or
	// removed from a listed Stack are found whatever Only says.
	Only    map[string]bool
	Engine  *policy.Engine
	Waivers []qualstate.Waiver
	Now     time.Time
}

// Observation is one departure from the qualified state seen by an
// evaluation: what Reconcile turns into a deviation.
type Observation struct {
	// Key is the departure's identity, qualstate.DeviationKey.
	Key           string
	Kind          qualstate.DeviationKind
	LogicalID     string
	ResourceType  string
	PhysicalID    string
	RequirementID string
	Risk          qualstate.Risk
	Controls      []qualstate.Control
	// Path is the drifted top-level property, a JSON pointer.
	Path     string
	Expected string
	Actual   string
	Reason   string
	// Evidence lists the digests of the reads the observation rests on.
	Evidence []string
	// Waiver is set when an active waiver covers the observation.
	Waiver *qualstate.WaiverRef
}

// Outcome is what an evaluation saw.
type Outcome struct {
	// Observations are sorted by logical id and key.
	Observations []Observation
	// Resources is how many resources were compared and checked; Checks
	// how many checks ran.
	Resources, Checks int
	// Evaluated holds the logical ids fully evaluated: read, compared with
	// the baseline and checked. Deviations of other resources are left as
	// they are.
	Evaluated map[string]bool
	// Listed is set when the stack's resources were listed, so a resource
	// outside the baseline that is no longer observed as added is known to
	// be gone from the stack.
	Listed bool
	// Undecided holds the keys of checks that were indeterminate: whether
	// they hold is not known, so their deviations are neither opened nor
	// closed.
	Undecided map[string]bool
	// Evidence maps logical id -> digest of the read, from the input.
	Evidence map[string]string
}

// absent is how a missing value or resource is shown.
const absent = "(absent)"

// Evaluate compares the live state of an instance with its baseline and
// runs its requirements' checks on it: every departure is an observation.
func Evaluate(in Input) Outcome {
	out := Outcome{
		Evaluated: map[string]bool{}, Undecided: map[string]bool{},
		Listed: in.Stack != nil, Evidence: in.Evidence,
	}
	e := evaluation{in: &in}
	if in.Instance != nil {
		e.target = in.Instance.WaiverTarget()
	}
	var inStack map[string]bool
	if in.Stack != nil {
		inStack = make(map[string]bool, len(in.Stack))
		for _, sr := range in.Stack {
			if present(sr.Status) {
				inStack[sr.LogicalID] = true
			}
		}
	}
	inBaseline := make(map[string]bool, len(in.Baseline))
	// scope is every resource a check may look at, held in one block;
	// checked the indexes of those checked now.
	block := make([]qualstate.Resource, 0, len(in.Baseline)+len(in.Stack))
	scope := make([]*qualstate.Resource, 0, cap(block))
	resource := func(typeName, logicalID, physicalID string, model map[string]any) *qualstate.Resource {
		block = append(block, qualstate.Resource{Type: typeName, LogicalID: logicalID, PhysicalID: physicalID, Properties: nonNil(model)})
		return &block[len(block)-1]
	}
	var checked []int
	for i := range in.Baseline {
		b := &in.Baseline[i]
		inBaseline[b.LogicalID] = true
		switch {
		case inStack != nil && !inStack[b.LogicalID]:
			e.removed(b, "it is no longer in stack "+e.stackName())
			continue
		case in.Gone[b.LogicalID]:
			if e.selected(b.LogicalID) {
				e.removed(b, "reading it found nothing: it was deleted")
			}
			continue
		}
		model, ok := in.Live[b.LogicalID]
		if !ok {
			continue
		}
		r := resource(b.ResourceType, b.LogicalID, b.PhysicalID, model)
		if e.selected(b.LogicalID) && e.read(b.LogicalID) {
			out.Evaluated[b.LogicalID] = true
			checked = append(checked, len(scope))
			for _, d := range Compare(b.ResourceType, b.Properties, model) {
				e.drifted(b, d)
			}
		}
		scope = append(scope, r)
	}
	for _, sr := range in.Stack {
		if inBaseline[sr.LogicalID] || !present(sr.Status) {
			continue
		}
		e.added(sr)
		model, ok := in.Live[sr.LogicalID]
		if !ok || in.Gone[sr.LogicalID] {
			continue
		}
		if e.selected(sr.LogicalID) && e.read(sr.LogicalID) {
			out.Evaluated[sr.LogicalID] = true
			checked = append(checked, len(scope))
		}
		scope = append(scope, resource(sr.Type, sr.LogicalID, sr.PhysicalID, model))
	}
	out.Resources = len(checked)
	for _, f := range e.findings(scope, checked) {
		out.Checks++
		e.checked(f, out.Undecided)
	}
	slices.SortFunc(e.obs, func(a, b Observation) int {
		return cmp.Or(strings.Compare(a.LogicalID, b.LogicalID), strings.Compare(a.Key, b.Key))
	})
	out.Observations = e.obs
	return out
}

// present reports whether a listed stack resource exists: it is not
// deleted or being deleted.
func present(status string) bool {
	return status != "DELETE_COMPLETE" && status != "DELETE_IN_PROGRESS" && status != "DELETE_SKIPPED"
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// evaluation collects the observations of one Evaluate.
type evaluation struct {
	in     *Input
	target qualstate.WaiverTarget
	obs    []Observation
}

func (e *evaluation) selected(id string) bool { return e.in.Only == nil || e.in.Only[id] }

// read reports whether the live model of a resource was read now.
func (e *evaluation) read(id string) bool {
	return e.in.Evidence == nil || e.in.Evidence[id] != ""
}

func (e *evaluation) stackName() string {
	if e.in.Instance == nil {
		return "(unnamed)"
	}
	return e.in.Instance.StackName
}

func (e *evaluation) evidence(id string) []string {
	if d := e.in.Evidence[id]; d != "" {
		return []string{d}
	}
	return nil
}

// waiver returns the ref of an active waiver of the requirement on the
// resource, or nil.
func (e *evaluation) waiver(requirementID, logicalID string) *qualstate.WaiverRef {
	if w := qualstate.FindWaiver(e.in.Waivers, e.in.Now, e.target, requirementID, logicalID); w != nil {
		return w.Ref()
	}
	return nil
}

func (e *evaluation) drifted(b *qualstate.BaselineResource, d PropertyDrift) {
	e.obs = append(e.obs, Observation{
		Key: qualstate.DeviationKey(qualstate.DeviationDrift, b.LogicalID, d.Path), Kind: qualstate.DeviationDrift,
		LogicalID: b.LogicalID, ResourceType: b.ResourceType, PhysicalID: b.PhysicalID, Path: d.Path,
		Expected: valueText(d.Expected), Actual: valueText(d.Actual),
		Reason:   d.Path[1:] + " differs from the baseline: " + describe(d.Differences),
		Evidence: e.evidence(b.LogicalID),
		Waiver:   e.waiver(qualstate.DriftRequirement, b.LogicalID),
	})
}

func (e *evaluation) removed(b *qualstate.BaselineResource, why string) {
	e.obs = append(e.obs, Observation{
		Key: qualstate.DeviationKey(qualstate.DeviationRemoved, b.LogicalID, ""), Kind: qualstate.DeviationRemoved,
		LogicalID: b.LogicalID, ResourceType: b.ResourceType, PhysicalID: b.PhysicalID,
		Expected: resourceText(b.ResourceType, b.PhysicalID), Actual: absent,
		Reason:   fmt.Sprintf("%s (%s) of the baseline is gone: %s", b.LogicalID, b.ResourceType, why),
		Evidence: e.evidence(b.LogicalID),
		Waiver:   e.waiver(qualstate.DriftRequirement, b.LogicalID),
	})
}

func (e *evaluation) added(sr qualstate.StackResource) {
	e.obs = append(e.obs, Observation{
		Key: qualstate.DeviationKey(qualstate.DeviationAdded, sr.LogicalID, ""), Kind: qualstate.DeviationAdded,
		LogicalID: sr.LogicalID, ResourceType: sr.Type, PhysicalID: sr.PhysicalID,
		Expected: absent, Actual: resourceText(sr.Type, sr.PhysicalID),
		Reason:   fmt.Sprintf("stack %s has %s (%s), which its baseline does not", e.stackName(), sr.LogicalID, sr.Type),
		Evidence: e.evidence(sr.LogicalID),
		Waiver:   e.waiver(qualstate.DriftRequirement, sr.LogicalID),
	})
}

// checked records a finding: a failure or an error is an observation, an
// indeterminate result a key left undecided.
func (e *evaluation) checked(f qualstate.Finding, undecided map[string]bool) {
	key := qualstate.DeviationKey(qualstate.DeviationCheck, f.LogicalID, f.RequirementID)
	switch f.Result {
	case qualstate.ResultFail, qualstate.ResultError:
	case qualstate.ResultIndeterminate:
		undecided[key] = true
		return
	default:
		return
	}
	o := Observation{
		Key: key, Kind: qualstate.DeviationCheck,
		LogicalID: f.LogicalID, ResourceType: f.ResourceType, PhysicalID: f.PhysicalID,
		RequirementID: f.RequirementID, Risk: f.Risk, Controls: f.Controls,
		Expected: string(qualstate.ResultPass), Actual: string(f.Result),
		Reason:   f.RequirementID + " (" + f.Title + "): " + f.Reason,
		Evidence: e.evidence(f.LogicalID),
	}
	// An error is not a known violation a waiver could accept.
	if f.Result == qualstate.ResultFail {
		o.Waiver = e.waiver(f.RequirementID, f.LogicalID)
	}
	e.obs = append(e.obs, o)
}

// findings runs the checks on the resources at the checked indexes of the
// scope. The whole scope is evaluated in one pass, so that what the
// checks share (each resource's converted model, the indexes
// cross-resource functions build) is built once; when only a few
// resources are checked, each is evaluated alone against the scope.
func (e *evaluation) findings(scope []*qualstate.Resource, checked []int) []qualstate.Finding {
	if e.in.Engine == nil || len(checked) == 0 {
		return nil
	}
	s := policy.Scope{Resources: scope, Stage: qualstate.StageLive}
	if len(checked)*8 < len(scope) {
		var out []qualstate.Finding
		for _, i := range checked {
			out = append(out, e.in.Engine.EvaluateResource(s, scope[i])...)
		}
		return out
	}
	all := e.in.Engine.Evaluate(s)
	if len(checked) == len(scope) {
		return all
	}
	want := make(map[string]bool, len(checked))
	for _, i := range checked {
		want[scope[i].LogicalID] = true
	}
	return slices.DeleteFunc(all, func(f qualstate.Finding) bool { return !want[f.LogicalID] })
}

// resourceText names a resource in an observation's expected or actual.
func resourceText(typeName, physicalID string) string {
	return strings.TrimSpace(typeName + " " + physicalID)
}

// maxValueText bounds a value shown in a reason, so that one large policy
// document does not make every deviation about it unreadable.
const maxValueText = 300

// valueText renders a top-level value for a deviation.
func valueText(v any) string {
	if v == nil {
		return absent
	}
	return drift.Text(v)
}

func shortText(v any) string {
	s := valueText(v)
	if len(s) > maxValueText {
		cut := maxValueText
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// maxDescribed bounds the differences a reason names.
const maxDescribed = 5

// describe names the differences, the first few of them.
func describe(ds []drift.Difference) string {
	parts := make([]string, 0, min(len(ds), maxDescribed)+1)
	for i, d := range ds {
		if i == maxDescribed {
			parts = append(parts, fmt.Sprintf("and %d more", len(ds)-maxDescribed))
			break
		}
		switch d.Kind {
		case drift.Removed:
			parts = append(parts, fmt.Sprintf("%s: expected %s, missing", d.Path, shortText(d.Expected)))
		case drift.Added:
			parts = append(parts, fmt.Sprintf("%s: unexpected %s", d.Path, shortText(d.Actual)))
		default:
			parts = append(parts, fmt.Sprintf("%s: expected %s, got %s", d.Path, shortText(d.Expected), shortText(d.Actual)))
		}
	}
	return strings.Join(parts, "; ")
}
