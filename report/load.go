package report

import (
	"context"
	"encoding/json"
	"time"

	"qualstate"
)

// LoadQualification gathers everything a store recorded about a run for
// its report: the run, the requirement set it used (from the run's own
// evidence, so the report never depends on files changed since), steps,
// test cases, the metadata of every piece of evidence (each checked
// against its digest) and the baseline. A run still going is reported as
// of now.
func LoadQualification(ctx context.Context, store qualstate.Store, id string, tool Tool) (*Qualification, error) {
	run, err := store.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	set, err := RecordedSet(ctx, store, run)
	if err != nil {
		return nil, err
	}
	steps, err := store.Steps(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	cases, err := store.TestCases(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	digests, err := store.RunEvidence(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	evidence := make(map[string]*qualstate.Evidence, len(digests))
	for _, d := range digests {
		blob, err := store.Evidence(ctx, d)
		if err != nil {
			return nil, err
		}
		e, err := qualstate.OpenEvidence(d, blob)
		if err != nil {
			return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "run %s: %w", run.ID, err)
		}
		e.Body = ""
		evidence[d] = e
	}
	baseline, err := store.Baseline(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	generated := run.Finished
	if generated.IsZero() {
		generated = time.Now().UTC()
	}
	return &Qualification{
		Tool: tool, Run: run, RequirementSet: set, Steps: steps, TestCases: cases,
		Evidence: evidence, Baseline: baseline, Generated: generated,
	}, nil
}

// RecordedSet reads the requirement set recorded with a run.
func RecordedSet(ctx context.Context, store qualstate.Store, run *qualstate.Run) (*qualstate.RequirementSet, error) {
	blob, err := store.Evidence(ctx, run.RequirementSetEvidence)
	if err != nil {
		return nil, err
	}
	e, err := qualstate.OpenEvidence(run.RequirementSetEvidence, blob)
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "the requirement set of run %s: %w", run.ID, err)
	}
	var set qualstate.RequirementSet
	if err := json.Unmarshal([]byte(e.Body), &set); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "the requirement set of run %s: %w", run.ID, err)
	}
	return &set, nil
}
