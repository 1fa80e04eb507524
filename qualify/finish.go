package qualify

import (
	"context"
	"fmt"
	"strings"

	"qualstate"
)

// teardown deletes the stack unless the run keeps it.
func (r *runner) teardown(ctx context.Context) error {
	if !r.deployed() {
		return nil
	}
	if r.run.Keep {
		end := r.rec.step(ctx, qualstate.StageTeardown, stepTeardown, "kept: stack "+r.run.StackName+" stays deployed")
		return end("", nil)
	}
	r.opts.Progress.Stage(qualstate.StageTeardown, "deleting stack "+r.run.StackName)
	end := r.rec.step(ctx, qualstate.StageTeardown, stepTeardown, "stack "+r.run.StackName)
	return end("deleted", r.deleteStack(ctx))
}

// deployed reports whether this run (in any attempt) set out to deploy.
func (r *runner) deployed() bool {
	if r.stack != nil {
		return true
	}
	for _, s := range r.rec.steps {
		if s.Name == stepDeploy {
			return true
		}
	}
	return false
}

func (r *runner) deleteStack(ctx context.Context) error {
	return r.opts.Cloud.DeleteStack(ctx, r.run.StackName, r.opts.Progress.StackEvent)
}

// finish decides the run's result from its test cases and records it.
func (r *runner) finish(ctx context.Context) error {
	cases, err := r.opts.Store.TestCases(ctx, r.run.ID)
	if err != nil {
		return err
	}
	result, counts := Outcome(cases)
	status := qualstate.RunPassed
	var reason []string
	if r.stopReason != "" {
		reason = append(reason, r.stopReason)
	}
	switch result {
	case qualstate.ResultPass, qualstate.ResultWaived:
		if r.stopReason != "" {
			status, result = qualstate.RunFailed, qualstate.ResultFail
		} else if n := counts[qualstate.ResultWaived]; n > 0 {
			reason = append(reason, fmt.Sprintf("%d failed checks waived", n))
		}
	case qualstate.ResultIndeterminate:
		status = qualstate.RunFailed
		reason = append(reason, fmt.Sprintf("%d test cases indeterminate", counts[qualstate.ResultIndeterminate]))
	default:
		status = qualstate.RunFailed
		if n := counts[qualstate.ResultFail]; n > 0 {
			reason = append(reason, fmt.Sprintf("%d test cases failed", n))
		}
		if n := counts[qualstate.ResultError]; n > 0 {
			reason = append(reason, fmt.Sprintf("%d test cases in error", n))
		}
	}
	r.rec.end(ctx, status, result, strings.Join(reason, "; "))
	return nil
}

// Outcome is the result of a run's test cases: the worst result among the
// cases of the latest attempt of each stage. A static check that was
// indeterminate and decided live (an IQ case for the same requirement and
// resource) does not count: IQ decided it. counts holds how many cases
// counted had each result.
func Outcome(cases []qualstate.TestCase) (qualstate.Result, map[qualstate.Result]int) {
	latest := LatestAttempts(cases)
	decided := map[[2]string]bool{}
	for _, c := range cases {
		if c.Stage == qualstate.StageIQ && c.Attempt == latest[c.Stage] && c.Kind == qualstate.CaseCheck {
			decided[[2]string{c.RequirementID, c.LogicalID}] = true
		}
	}
	result := qualstate.ResultPass
	counts := map[qualstate.Result]int{}
	for _, c := range cases {
		if c.Attempt != latest[c.Stage] {
			continue
		}
		if c.Stage == qualstate.StageStatic && c.Result == qualstate.ResultIndeterminate && decided[[2]string{c.RequirementID, c.LogicalID}] {
			continue
		}
		counts[c.Result]++
		if c.Result.Rank() > result.Rank() {
			result = c.Result
		}
	}
	return result, counts
}

// LatestAttempts returns, for each stage, the latest attempt that recorded
// test cases in it: a resumed run re-runs a stage from its start, and only
// that attempt's cases count.
func LatestAttempts(cases []qualstate.TestCase) map[qualstate.Stage]int {
	latest := map[qualstate.Stage]int{}
	for _, c := range cases {
		if c.Attempt > latest[c.Stage] {
			latest[c.Stage] = c.Attempt
		}
	}
	return latest
}
