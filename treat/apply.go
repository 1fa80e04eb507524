package treat

import (
	"context"
	"encoding/json"
	"fmt"

	"qualstate"
	"qualstate/jsonpatch"
)

// Verify applies the plan's patch to a copy of the live model and returns
// the result, so that a caller can prove before acting that the patched
// model passes the requirement's check (check may be nil: then only that
// the patch applies). When the check does not pass, the patched model is
// returned with the error, for the record.
func Verify(check func(model map[string]any) qualstate.Result, live map[string]any, p Plan) (map[string]any, error) {
	if live == nil {
		return nil, fmt.Errorf("verifying the plan of %s: the live model could not be read", p.Deviation)
	}
	if len(p.Patch) == 0 {
		return nil, fmt.Errorf("verifying the plan of %s: it has no patch", p.Deviation)
	}
	v, err := jsonpatch.Apply(jsonpatch.Clone(map[string]any(live)), p.Patch)
	if err != nil {
		return nil, fmt.Errorf("verifying the plan of %s: the patch does not apply to the live model: %w", p.Deviation, err)
	}
	patched, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("verifying the plan of %s: the patch turns the model into %T", p.Deviation, v)
	}
	if check == nil {
		return patched, nil
	}
	if r := check(patched); !r.Passed() {
		return patched, fmt.Errorf("verifying the plan of %s: the patched model does not pass the check (%s)", p.Deviation, r)
	}
	return patched, nil
}

// Apply performs an automatic plan through Cloud Control's UpdateResource
// and returns the response as evidence. A plan that is not automatic, is
// refused or held, or has no patch or resource is refused with ErrDenied
// saying why; nothing is sent then. Whether the change restored the
// qualified state is for a fresh read and evaluation to tell.
func Apply(ctx context.Context, cloud qualstate.Cloud, p Plan) (qualstate.Capture, error) {
	if why := notApplicable(p); why != "" {
		return qualstate.Capture{}, qualstate.Errorf(qualstate.ErrDenied, qualstate.Location{}, "not treating %s: %s", p.Deviation, why)
	}
	capture, err := cloud.UpdateResource(ctx, p.TypeName, p.Identifier, p.Patch)
	if err != nil {
		return capture, fmt.Errorf("treating %s: updating %s %s: %w", p.Deviation, p.TypeName, p.Identifier, err)
	}
	return capture, nil
}

// notApplicable says why Apply may not perform a plan, or "".
func notApplicable(p Plan) string {
	switch {
	case p.Refused != "":
		return "refused: " + p.Refused
	case p.Mode != qualstate.RemediationAuto:
		return fmt.Sprintf("the plan's mode is %s, not auto", p.Mode)
	case p.Hold != "":
		return "held: " + p.Hold
	case len(p.Patch) == 0:
		return "the plan has no patch"
	case p.TypeName == "" || p.Identifier == "":
		return "the plan names no resource"
	}
	return ""
}

// clonePatch copies a patch so that a plan shares no value with the
// requirement it came from.
func clonePatch(patch []qualstate.PatchOp) []qualstate.PatchOp {
	out := make([]qualstate.PatchOp, len(patch))
	for i, op := range patch {
		op.Value = jsonpatch.Clone(op.Value)
		out[i] = op
	}
	return out
}

// patchText renders a patch in one line for a note.
func patchText(patch []qualstate.PatchOp) string {
	b, err := json.Marshal(patch)
	if err != nil {
		return fmt.Sprint(patch)
	}
	return string(b)
}
