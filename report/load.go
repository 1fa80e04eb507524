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
// against its digest), the baseline, and the run's review, electronic
// signatures and the certificate its approval issued (checked against its
// digest). A run still going is reported as of now.
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
	review, err := store.Review(ctx, run.ID)
	switch {
	case qualstate.CodeOf(err) == qualstate.ErrNotFound:
		review = nil
	case err != nil:
		return nil, err
	}
	signatures, err := store.Signatures(ctx, "run/"+run.ID)
	if err != nil {
		return nil, err
	}
	var cert *qualstate.Certificate
	if review != nil && review.CertificateDigest != "" {
		if cert, err = recordedCertificate(ctx, store, run.ID, review.CertificateDigest); err != nil {
			return nil, err
		}
	}
	generated := run.Finished
	if generated.IsZero() {
		generated = time.Now().UTC()
	}
	return &Qualification{
		Tool: tool, Run: run, RequirementSet: set, Steps: steps, TestCases: cases,
		Evidence: evidence, Baseline: baseline, Generated: generated,
		Review: review, Signatures: signatures, Certificate: cert,
	}, nil
}

// recordedCertificate reads the certificate stored under the digest,
// checking that the bytes are the ones the digest names.
func recordedCertificate(ctx context.Context, store qualstate.Store, runID, digest string) (*qualstate.Certificate, error) {
	blob, err := store.Record(ctx, digest)
	if err != nil {
		return nil, err
	}
	if d := qualstate.Digest(blob); d != digest {
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{},
			"the certificate of run %s: stored under %s but its SHA-256 is %s", runID, digest, d)
	}
	var cert qualstate.Certificate
	if err := json.Unmarshal(blob, &cert); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "the certificate of run %s: %w", runID, err)
	}
	return &cert, nil
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
