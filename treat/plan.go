package treat

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"qualstate"
	"qualstate/cfn/schema"
	"qualstate/drift"
	"qualstate/jsonpatch"
)

// Plan is what treatment will do about one deviation, and why not more.
type Plan struct {
	// Deviation is the deviation's id.
	Deviation string `json:"deviation"`
	// Mode is what will be done: off (nothing; see Refused or Note),
	// propose (a person applies Patch) or auto (Apply may apply it once
	// Ready).
	Mode qualstate.RemediationMode `json:"mode"`
	// Patch is the remediation; on a refused plan, the one refused, if it
	// got that far. Added and removed resources have none: deleting or
	// re-creating a resource is a person's change to the stack.
	Patch []qualstate.PatchOp `json:"patch,omitempty"`
	// TypeName, Identifier and LogicalID name the resource, as the
	// instance's baseline records it.
	TypeName   string `json:"typeName"`
	Identifier string `json:"identifier,omitempty"`
	LogicalID  string `json:"logicalId"`
	// NotBefore is the end of the grace period; zero when nothing is to
	// be done.
	NotBefore time.Time `json:"notBefore"`
	// Hold says why an automatic plan may not go yet (grace period, change
	// window, rate limit) or why it became a proposal (dry-run); "" when
	// it may go.
	Hold string `json:"hold,omitempty"`
	// HoldUntil is when every hold known at planning time lifts; zero when
	// there is no hold or one with no known end. Plan again then, with
	// fresh facts: a new window or more changes may hold it further.
	HoldUntil time.Time `json:"holdUntil"`
	// Refused says why the deviation cannot be treated at all (outside
	// the instance, a create-only property, a patch that does not apply);
	// the mode is then off.
	Refused string `json:"refused,omitempty"`
	// Note says, for a person, what the plan does or proposes.
	Note string `json:"note,omitempty"`
}

// Facts are what planning the treatment of a deviation rests on.
type Facts struct {
	Deviation qualstate.Deviation
	// Requirement is the failed check's requirement; nil for drift kinds.
	Requirement *qualstate.Requirement
	// Baseline is the instance's baseline of the deviation's resource; nil
	// when the resource is not the instance's.
	Baseline *qualstate.BaselineResource
	// Live is the resource's live model; nil when it could not be read.
	Live map[string]any
	// Recent lists when remediations were applied in the last hour, across
	// the home, for the rate limit.
	Recent []time.Time
	// Now is the time the plan is made for.
	Now time.Time
}

// Ready reports whether an automatic plan may be applied at now: nothing
// refused or held, a patch, and the grace period over. A held plan is
// never ready; plan again at HoldUntil.
func (p Plan) Ready(now time.Time) bool {
	return p.Mode == qualstate.RemediationAuto && p.Refused == "" && p.Hold == "" &&
		len(p.Patch) > 0 && p.Identifier != "" && p.TypeName != "" && !now.Before(p.NotBefore)
}

// Plan decides what to do about a deviation and enforces every guard
// rail; see the package documentation.
func (c Config) Plan(f Facts) Plan {
	d, req := f.Deviation, f.Requirement
	p := Plan{Deviation: d.ID, TypeName: d.ResourceType, LogicalID: d.LogicalID}
	if why := settled(d); why != "" {
		p.Mode, p.Note = qualstate.RemediationOff, why
		return p
	}
	mode := ModeFor(c, d, req)
	if mode == qualstate.RemediationOff {
		p.Mode, p.Note = qualstate.RemediationOff, offNote(c, d, req)
		return p
	}
	grace, err := c.grace(req)
	if err != nil {
		return refuse(p, err.Error())
	}
	p.NotBefore = d.Opened.Add(grace)
	if d.Kind == qualstate.DeviationAdded || d.Kind == qualstate.DeviationRemoved {
		return c.proposeStackChange(p, f)
	}
	if why := outside(d, f.Baseline); why != "" {
		return refuse(p, why)
	}
	b := f.Baseline
	p.TypeName, p.Identifier, p.LogicalID = b.ResourceType, b.Identifier, b.LogicalID
	s, ok := schema.Lookup(p.TypeName)
	if !ok {
		return refuse(p, fmt.Sprintf("%s has no resource schema, so which properties would replace the resource is unknown", p.TypeName))
	}
	if f.Live == nil {
		return refuse(p, "the live model of "+p.LogicalID+" could not be read, so no patch can be checked against it")
	}
	switch d.Kind {
	case qualstate.DeviationDrift:
		p.Patch, p.Note = restorePatch(s, d.Path, b.Properties, f.Live)
		if p.Patch == nil {
			why := p.Note
			p.Note = ""
			return refuse(p, why)
		}
	case qualstate.DeviationCheck:
		p.Patch = clonePatch(req.Remediation)
		p.Note = "apply the remediation of " + req.ID + ": " + patchText(p.Patch)
	}
	if why := guard(s, p.Patch, f.Live); why != "" {
		return refuse(p, why)
	}
	p.Mode = mode
	if mode == qualstate.RemediationAuto {
		c.hold(&p, f)
	}
	return p
}

// settled says why a deviation's state leaves nothing to treat, or "": an
// accepted deviation is covered by a waiver someone approved, a treated one
// waits for the re-verification that closes it or opens a deviation of
// its own, and a closed one is history.
func settled(d qualstate.Deviation) string {
	switch d.State {
	case qualstate.DeviationAccepted:
		return "accepted under a waiver: not treated"
	case qualstate.DeviationTreated:
		return "already treated: waiting for re-verification"
	case qualstate.DeviationClosed:
		return "closed: nothing to treat"
	}
	return ""
}

// grace is how long a deviation stays untreated: the home's grace period
// or the requirement's tolerance, whichever is longer.
func (c Config) grace(req *qualstate.Requirement) (time.Duration, error) {
	g := c.Grace
	if req != nil && req.Tolerance != "" {
		t, err := time.ParseDuration(req.Tolerance)
		if err != nil || t < 0 {
			return 0, fmt.Errorf("the tolerance %q of %s is not a duration, so its grace period is unknown", req.Tolerance, req.ID)
		}
		g = max(g, t)
	}
	return g, nil
}

// proposeStackChange plans a resource added to or removed from the stack:
// a proposal for a person at most, never a patch.
func (c Config) proposeStackChange(p Plan, f Facts) Plan {
	p.Mode = qualstate.RemediationPropose
	if f.Deviation.Kind == qualstate.DeviationAdded {
		p.Note = fmt.Sprintf("%s (%s) is not in the qualified template: delete it from the stack, or qualify a template version that has it", p.LogicalID, p.TypeName)
		return p
	}
	if b := f.Baseline; b != nil && outside(f.Deviation, b) == "" {
		p.TypeName, p.Identifier = b.ResourceType, b.Identifier
	}
	p.Note = fmt.Sprintf("%s (%s) is gone: update the stack with its qualified template to re-create it", p.LogicalID, p.TypeName)
	return p
}

// outside says why the baseline does not make the deviation's resource
// one of the instance's, or "".
func outside(d qualstate.Deviation, b *qualstate.BaselineResource) string {
	switch {
	case b == nil:
		return d.LogicalID + " is not one of the instance's resources (it has no baseline)"
	case b.LogicalID != d.LogicalID:
		return fmt.Sprintf("the baseline given is of %s, not of %s", b.LogicalID, d.LogicalID)
	case d.ResourceType != "" && b.ResourceType != d.ResourceType:
		return fmt.Sprintf("the baseline of %s is a %s, not a %s", b.LogicalID, b.ResourceType, d.ResourceType)
	case b.Identifier == "":
		return "the baseline of " + b.LogicalID + " records no identifier"
	}
	return ""
}

// restorePatch puts a drifted top-level property back as the baseline has
// it, or removes it when the baseline has none. A nil patch comes with
// the reason there is nothing to restore.
func restorePatch(s *schema.Schema, path string, base, live map[string]any) ([]qualstate.PatchOp, string) {
	tokens, err := jsonpatch.ParsePointer(path)
	if err != nil || len(tokens) == 0 {
		return nil, fmt.Sprintf("the drift names no property (%q)", path)
	}
	name := tokens[0]
	ptr := jsonpatch.Pointer(name)
	want, inBase := base[name]
	got, inLive := live[name]
	if inBase {
		// The service may return a value in another form than it was
		// written ("30" for 30); drift.Compare knows those forms.
		if inLive && len(drift.Compare(s, map[string]any{name: want}, map[string]any{name: got}).Differences) == 0 {
			return nil, "nothing to restore: " + name + " equals its baseline live"
		}
		return []qualstate.PatchOp{{Op: "add", Path: ptr, Value: jsonpatch.Clone(want)}},
			"put " + name + " back to its baseline value " + drift.Text(want)
	}
	if !inLive {
		return nil, "nothing to restore: " + name + " is neither in the baseline nor live"
	}
	return []qualstate.PatchOp{{Op: "remove", Path: ptr}}, "remove " + name + ", which the baseline does not have"
}

// guard says why a patch may not be applied to the resource, or "": it
// must be well formed, touch only properties of the type, never write a
// read-only or create-only property (a remediation must not replace a
// resource), and apply to the live model, changing it.
func guard(s *schema.Schema, patch []qualstate.PatchOp, live map[string]any) string {
	if len(patch) == 0 {
		return "the patch is empty"
	}
	if err := jsonpatch.Validate(patch); err != nil {
		return "the patch is malformed: " + err.Error()
	}
	protected := protectedProperties(s)
	for _, op := range patch {
		for _, w := range written(op) {
			tokens, _ := jsonpatch.ParsePointer(w)
			if len(tokens) == 0 {
				return "the patch replaces the whole model"
			}
			if !s.HasProperty(tokens[0]) {
				return fmt.Sprintf("the patch touches %s, which %s does not have", tokens[0], s.TypeName)
			}
			for _, pp := range protected {
				if hasPrefix(tokens, pp.tokens) {
					return fmt.Sprintf("the patch writes %s, %s of %s", w, pp.what, s.TypeName)
				}
			}
		}
	}
	patched, err := jsonpatch.Apply(map[string]any(live), patch)
	if err != nil {
		return "the patch does not apply to the live model: " + err.Error()
	}
	// Replacing a parent replaces what is below it: compare what the
	// protected properties hold before and after.
	for _, pp := range protected {
		if !jsonpatch.Equal(collect(live, pp.tokens), collect(patched, pp.tokens)) {
			return fmt.Sprintf("the patch changes %s, %s of %s", pp.pointer, pp.what, s.TypeName)
		}
	}
	if jsonpatch.Equal(any(live), patched) {
		return "the patch changes nothing on the live model"
	}
	return ""
}

// written lists the pointers an operation changes.
func written(op qualstate.PatchOp) []string {
	switch op.Op {
	case "add", "remove", "replace", "copy":
		return []string{op.Path}
	case "move":
		return []string{op.Path, op.From}
	}
	return nil
}

// protected is a property a patch may not change, as reference tokens
// below the model where "*" stands for any array item.
type protected struct {
	pointer string
	tokens  []string
	what    string
}

func protectedProperties(s *schema.Schema) []protected {
	var out []protected
	for _, list := range []struct {
		pointers []string
		what     string
	}{
		{s.ReadOnlyProperties(), "a read-only property"},
		{s.CreateOnlyProperties(), "a create-only property (changing it replaces the resource)"},
		{s.ConditionalCreateOnlyProperties(), "a conditionally create-only property (changing it may replace the resource)"},
	} {
		for _, p := range list.pointers {
			rest, ok := strings.CutPrefix(p, "/properties")
			if !ok {
				continue
			}
			tokens, err := jsonpatch.ParsePointer(rest)
			if err != nil || len(tokens) == 0 {
				continue
			}
			out = append(out, protected{pointer: rest, tokens: tokens, what: list.what})
		}
	}
	return out
}

// hasPrefix reports whether path lies at or below the pattern.
func hasPrefix(path, pattern []string) bool {
	if len(path) < len(pattern) {
		return false
	}
	for i, t := range pattern {
		if t != "*" && t != path[i] {
			return false
		}
	}
	return true
}

// collect returns the values of the document at the pattern, by concrete
// pointer, so two documents can be compared there.
func collect(doc any, pattern []string) map[string]any {
	out := map[string]any{}
	var walk func(v any, i int, at []string)
	walk = func(v any, i int, at []string) {
		if i == len(pattern) {
			out[jsonpatch.Pointer(at...)] = v
			return
		}
		switch c := v.(type) {
		case map[string]any:
			if pattern[i] == "*" {
				for k, child := range c {
					walk(child, i+1, append(slices.Clip(at), k))
				}
			} else if child, ok := c[pattern[i]]; ok {
				walk(child, i+1, append(slices.Clip(at), pattern[i]))
			}
		case []any:
			for n, child := range c {
				if t := fmt.Sprint(n); pattern[i] == "*" || pattern[i] == t {
					walk(child, i+1, append(slices.Clip(at), t))
				}
			}
		}
	}
	walk(doc, 0, nil)
	return out
}

// hold works out why an automatic plan may not go now, and when it may.
func (c Config) hold(p *Plan, f Facts) {
	var holds []string
	var until time.Time
	known := true
	later := func(t time.Time) {
		if t.After(until) {
			until = t
		}
	}
	if c.DryRun {
		p.Mode = qualstate.RemediationPropose
		holds = append(holds, "dry-run: proposed instead of applied")
	}
	if f.Now.Before(p.NotBefore) {
		holds = append(holds, fmt.Sprintf("grace period until %s", p.NotBefore.UTC().Format(time.RFC3339)))
		later(p.NotBefore)
	}
	if w, ok := InWindow(c.Windows, f.Now); ok {
		end := w.Until(f.Now)
		holds = append(holds, fmt.Sprintf("change window %s in force until %s", w, end.UTC().Format(time.RFC3339)))
		later(end)
	}
	if c.RatePerHour <= 0 {
		holds = append(holds, "rate limit is 0: no change may be made automatically")
		known = false
	} else if next, n := nextSlot(f.Recent, f.Now, c.RatePerHour); !next.IsZero() {
		holds = append(holds, fmt.Sprintf("rate limit: %d changes in the last hour (limit %d); next slot at %s",
			n, c.RatePerHour, next.UTC().Format(time.RFC3339)))
		later(next)
	}
	p.Hold = strings.Join(holds, "; ")
	if known && p.Mode == qualstate.RemediationAuto && p.Hold != "" {
		p.HoldUntil = until.UTC()
	}
}

// nextSlot returns when a change may next be made under the limit, zero
// when one may be made now, and how many changes count in the last hour.
func nextSlot(recent []time.Time, now time.Time, limit int) (time.Time, int) {
	var in []time.Time
	for _, t := range recent {
		if t.Add(time.Hour).After(now) {
			in = append(in, t)
		}
	}
	if len(in) < limit {
		return time.Time{}, len(in)
	}
	slices.SortFunc(in, func(a, b time.Time) int { return a.Compare(b) })
	// A slot frees when enough changes leave the hour to go under the limit.
	return in[len(in)-limit].Add(time.Hour), len(in)
}

// refuse turns a plan into a refusal.
func refuse(p Plan, why string) Plan {
	p.Mode, p.Refused, p.Hold, p.HoldUntil, p.NotBefore = qualstate.RemediationOff, why, "", time.Time{}, time.Time{}
	return p
}

// offNote says why nothing is done about a deviation.
func offNote(c Config, d qualstate.Deviation, req *qualstate.Requirement) string {
	switch d.Kind {
	case qualstate.DeviationDrift, qualstate.DeviationAdded, qualstate.DeviationRemoved:
		return "treatment of drift is off (" + KeyDrift + ")"
	case qualstate.DeviationCheck:
		switch {
		case req == nil:
			return "the requirement " + d.RequirementID + " is not known, so it has no remediation"
		case len(req.Remediation) == 0:
			return req.ID + " has no remediation"
		case c.Modes[req.ID] == qualstate.RemediationOff:
			return "treatment of " + req.ID + " is off (" + KeyModePrefix + req.ID + ")"
		}
		return "treatment of " + req.ID + " is off in its requirement set"
	case qualstate.DeviationRemediation:
		return "a remediation that failed is never remediated automatically"
	}
	return fmt.Sprintf("deviations of kind %q are not treated", d.Kind)
}
