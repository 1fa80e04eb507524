package qualify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"qualstate"
	"qualstate/cfn"
)

// staleAfter is how old a running run's heartbeat must be for the run to
// count as interrupted when its process cannot be looked up (another host).
const staleAfter = time.Minute

// Interrupted reports whether a run recorded as running has lost the
// process running it: that process is gone from this host, or the run's
// heartbeat stopped (the only sign from another host, and the sign when
// the process id has been reused).
func Interrupted(run *qualstate.Run, now time.Time) bool {
	if run.Status != qualstate.RunRunning {
		return false
	}
	if now.Sub(run.Heartbeat) > staleAfter {
		return true
	}
	host, pid, ok := splitOwner(run.Owner)
	me, _ := os.Hostname()
	return ok && host == me && !alive(pid)
}

func splitOwner(owner string) (string, int, bool) {
	i := strings.LastIndexByte(owner, ':')
	if i < 0 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(owner[i+1:])
	return owner[:i], pid, err == nil && pid > 0
}

// alive reports whether a process with the pid runs on this host.
func alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// checkResumable refuses runs that are finished or still running.
func checkResumable(run *qualstate.Run, now time.Time, verb string) error {
	switch {
	case run.Status == qualstate.RunRunning && !Interrupted(run, now):
		return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"run %s is still running (process %s); it can be %s only once that process is gone", run.ID, run.Owner, verb)
	case run.Status == qualstate.RunRunning, run.Status == qualstate.RunAborted:
		return nil
	}
	return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
		"run %s is %s; only an interrupted or aborted run can be %s", run.ID, run.Status, verb)
}

// Resume continues an interrupted or aborted run as a new attempt: the
// stages an earlier attempt completed are kept; the first one not
// completed runs again from its start. Everything recorded before stays.
// opts.Engine must be built from the run's requirement set (same digest),
// opts.Cloud must reach the run's account and region, and opts.Parameters
// must give the values of NoEcho parameters, which are never stored.
func Resume(ctx context.Context, runID string, opts Options) (*qualstate.Run, error) {
	opts.defaults()
	run, err := opts.Store.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	if err := checkResumable(run, opts.Clock(), "resumed"); err != nil {
		return run, err
	}
	if d := opts.Engine.Set().Digest; d != run.RequirementSetDigest {
		return run, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"run %s was made with requirement set %s (sha256 %s); the set given has sha256 %s", run.ID, run.RequirementSet, short(run.RequirementSetDigest), short(d))
	}
	env, err := opts.Cloud.Environment(ctx)
	if err != nil {
		return run, err
	}
	if env.Account != run.Environment.Account || env.Region != run.Environment.Region {
		return run, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"run %s deployed to account %s in %s; the environment given is account %s in %s", run.ID,
			run.Environment.Account, run.Environment.Region, env.Account, env.Region)
	}
	body, err := templateBody(ctx, opts.Store, run)
	if err != nil {
		return run, err
	}
	doc, err := cfn.Load(run.TemplateFile, body)
	if err != nil {
		return run, err
	}
	params := map[string]string{}
	for k, v := range run.Parameters {
		if v != qualstate.Mask {
			params[k] = v
		}
	}
	for k, v := range opts.Parameters {
		params[k] = v
	}
	opts.TemplateBody = body
	r, err := newRunner(opts, run, doc, params)
	if err != nil {
		return run, err
	}
	for k := range r.noEcho {
		if _, ok := params[k]; !ok && run.Parameters[k] == qualstate.Mask {
			return run, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
				"parameter %s is NoEcho, so its value was not stored: give it again with --parameter %s=VALUE", k, k)
		}
	}
	if err := r.rec.load(ctx); err != nil {
		return run, err
	}
	if err := r.rec.closeInterrupted(ctx, opts.Cloud); err != nil {
		return run, err
	}
	if r.rec.completed(stepBaseline) && !r.rec.completed(stepChallenges) && run.Challenge != qualstate.ChallengeNone {
		// OQ needs the stack IQ verified; when it is gone (an aborted
		// run is torn down), IQ runs again.
		stack, _, err := opts.Cloud.DescribeStack(ctx, run.StackName)
		if err != nil {
			return run, err
		}
		r.redoIQ = stack == nil || !updatable(stack.Status)
	}
	run.Attempt++
	run.Owner, run.Heartbeat = owner(), opts.Clock().UTC()
	run.Status, run.Result, run.Reason, run.Finished = qualstate.RunRunning, "", "", time.Time{}
	if err := r.rec.saveRun(ctx); err != nil {
		return run, err
	}
	return run, r.execute(ctx)
}

// Abandon gives up an interrupted or aborted run: a challenge left applied
// is reverted, the stack is deleted, steps left running are closed as
// interrupted, and the run is recorded as abandoned with the reason.
func Abandon(ctx context.Context, store qualstate.Store, cloud qualstate.Cloud, runID, reason string, progress Progress) (*qualstate.Run, error) {
	opts := Options{Store: store, Cloud: cloud, Progress: progress}
	opts.defaults()
	run, err := store.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	if err := checkResumable(run, opts.Clock(), "abandoned"); err != nil {
		return run, err
	}
	rec := newRecorder(opts, run, nil)
	if err := rec.load(ctx); err != nil {
		return run, err
	}
	if err := rec.closeInterrupted(ctx, cloud); err != nil {
		return run, err
	}
	end := rec.step(ctx, qualstate.StageTeardown, stepTeardown, "abandoned: stack "+run.StackName)
	if err := end("deleted", cloud.DeleteStack(ctx, run.StackName, opts.Progress.StackEvent)); err != nil {
		return run, err
	}
	rec.end(ctx, qualstate.RunAbandoned, run.Result, strings.TrimSpace("abandoned: "+reason))
	return run, nil
}

// closeInterrupted ends the steps an interrupted attempt left running; a
// challenge among them is reverted first, so the resource is back in its
// qualified state before anything else happens.
func (r *recorder) closeInterrupted(ctx context.Context, cloud qualstate.Cloud) error {
	for i := range r.steps {
		s := &r.steps[i]
		if s.Status != qualstate.StepRunning {
			continue
		}
		detail := "interrupted: the process running it stopped"
		if s.Name == stepChallenge {
			var cr challengeRecord
			if err := json.Unmarshal([]byte(s.Detail), &cr); err == nil && len(cr.Revert) > 0 {
				if _, err := cloud.UpdateResource(ctx, cr.Type, cr.Identifier, cr.Revert); err != nil && qualstate.CodeOf(err) != qualstate.ErrNotFound {
					return fmt.Errorf("revert the interrupted challenge of %s on %s: %w", cr.Requirement, cr.LogicalID, err)
				}
				detail += "; the challenge was reverted"
			}
		}
		s.Status, s.Finished = qualstate.StepFailed, r.now()
		s.Detail = detail + " (" + s.Detail + ")"
		if err := r.store.PutStep(ctx, *s); err != nil {
			return err
		}
	}
	return nil
}

// templateBody reads the run's template from its evidence and checks it is
// the template the run recorded.
func templateBody(ctx context.Context, store qualstate.Store, run *qualstate.Run) ([]byte, error) {
	blob, err := store.Evidence(ctx, run.TemplateEvidence)
	if err != nil {
		return nil, err
	}
	e, err := qualstate.OpenEvidence(run.TemplateEvidence, blob)
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "the template of run %s: %w", run.ID, err)
	}
	body := []byte(e.Body)
	if d, err := cfn.Load(run.TemplateFile, body); err != nil || d.Digest() != run.TemplateDigest {
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "the template stored with run %s does not match its digest", run.ID)
	}
	return body, nil
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}
