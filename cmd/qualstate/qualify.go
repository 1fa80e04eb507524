package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/policy"
	"qualstate/qualify"
	"qualstate/report"
)

type qualifyFlags struct {
	home          string
	requirements  string
	parameters    []string
	parameterFile string
	challenge     string
	keep          bool
	stackName     string
	reportDir     string
	detect        time.Duration
	target        targetFlags
	auth          authFlags
}

func newQualifyCommand() *cobra.Command {
	var f qualifyFlags
	cmd := &cobra.Command{
		Use:   "qualify TEMPLATE",
		Short: "Qualify a template: design review, deploy to TEST and verify (IQ), challenge the monitors (OQ)",
		Long: `qualify runs a qualification of one CloudFormation template against a
requirement set in a TEST environment:

  static  the design review of ` + "`qualstate check`" + `;
  IQ      deploy the stack; every resource exists, every property the template
          sets has that value live, every requirement holds on the live model;
          the live state becomes the run's baseline;
  OQ      for each requirement with a challenge (high risk only by default),
          apply the violating change to the live resource, prove it is
          detected, revert it, prove the resource is back in its qualified state;
  then the stack is deleted (unless --keep).

Every step, test case and API response (as evidence, SHA-256 addressed, secrets
redacted) is recorded as it happens in HOME/qualstate.db. Without --env aws or
an endpoint, the embedded sandbox is started: no AWS account is needed. Ctrl-C
stops the run and deletes the stack; a run cut off otherwise can be resumed or
abandoned (qualstate runs resume|abandon RUN).

Exit codes: 0 the run passed, 1 it failed, 2 input error, 3 environment error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runQualify(cmd, args[0], f) },
	}
	fl := cmd.Flags()
	f.auth.register(fl)
	fl.StringVar(&f.home, "home", "", "directory of the records and the sandbox's state (default $QUALSTATE_HOME or ~/.qualstate)")
	fl.StringVarP(&f.requirements, "requirements", "r", builtinRequirements, `requirement set: "builtin", a YAML file or a directory`)
	fl.StringArrayVarP(&f.parameters, "parameter", "p", nil, "template parameter value `KEY=VALUE` (repeatable)")
	fl.StringVar(&f.parameterFile, "parameter-file", "", "parameter values in CloudFormation's JSON format")
	fl.StringVar(&f.challenge, "challenge", "high", "requirements challenged in OQ: high (high risk), all, or none")
	fl.BoolVar(&f.keep, "keep", false, "keep the stack deployed after the run")
	fl.StringVar(&f.stackName, "stack-name", "", "stack name (default qualstate-RUN)")
	fl.StringVar(&f.reportDir, "report-dir", "", "also write the report (HTML and PDF) to this directory")
	fl.DurationVar(&f.detect, "detect-timeout", qualify.DefaultDetectTimeout, "how long a challenge waits for its violation to be detected")
	f.target.register(fl)
	return cmd
}

func runQualify(cmd *cobra.Command, file string, f qualifyFlags) error {
	level := qualstate.ChallengeLevel(f.challenge)
	switch level {
	case qualstate.ChallengeHigh, qualstate.ChallengeAll, qualstate.ChallengeNone:
	default:
		return usagef("unknown --challenge %q (want high, all or none)", f.challenge)
	}
	if _, err := f.target.envName(); err != nil {
		return err
	}
	params, err := parameterValues(f.parameterFile, f.parameters)
	if err != nil {
		return err
	}
	body, err := readBounded(file)
	if err != nil {
		return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file}, "%w", err)
	}
	engine, err := requirementEngine(f.requirements)
	if err != nil {
		return err
	}
	home, err := homeDir(f.home)
	if err != nil {
		return err
	}
	return qualifyIn(cmd, home, f.target, f.auth, qualify.Options{
		Engine: engine, TemplateFile: file, TemplateBody: body, Parameters: params,
		StackName: f.stackName, Challenge: level, Keep: f.keep, DetectTimeout: f.detect,
	}, func(store qualstate.Store, run *qualstate.Run, err error) error {
		return concludeRun(cmd, store, run, f.reportDir, err)
	})
}

// qualifyIn opens the records and the TEST environment of a home, starts a
// qualification with opts (the store, cloud, progress, executor, waivers
// and tool filled in here) and hands its outcome to done while the records
// are open. done is not called when no run could be recorded. Once the
// home has qualstate users, only a signed-in engineer may qualify, and the
// run records the user as its executor.
func qualifyIn(cmd *cobra.Command, home string, target targetFlags, auth authFlags, opts qualify.Options,
	done func(store qualstate.Store, run *qualstate.Run, err error) error) error {
	return withRecords(cmd, home, func(r *records) error {
		ctx, err := runActor(cmd, r, auth)
		if err != nil {
			return err
		}
		waivers, err := r.sign.ActiveWaivers(ctx)
		if err != nil {
			return err
		}
		tgt, err := openTarget(ctx, home, target)
		if err != nil {
			return err
		}
		defer tgt.close()
		progress := newRunProgress(cmd.ErrOrStderr())
		opts.Store, opts.Cloud, opts.Progress, opts.Waivers = r.store, tgt.cloud, progress, waivers
		opts.Executor, opts.Tool = qualstate.ActorOf(ctx), toolVersion()
		run, err := qualify.Start(ctx, opts)
		progress.finish()
		if run == nil {
			return err
		}
		return done(r.store, run, err)
	})
}

// runActor decides who executes a run: where qualstate has users, a
// signed-in engineer; else the operating-system account. The context it
// returns records changes as theirs.
func runActor(cmd *cobra.Command, r *records, auth authFlags) (context.Context, error) {
	ctx := cmd.Context()
	users, err := hasUsers(ctx, r.store)
	if err != nil {
		return nil, err
	}
	if !users {
		if id := cmp.Or(auth.user, os.Getenv(userEnv)); id != "" {
			return nil, qualstate.Errorf(qualstate.ErrDenied, qualstate.Location{},
				"user %s: no qualstate user exists yet (add the first, an admin, with `qualstate user add`)", id)
		}
		return qualstate.WithActor(ctx, osActor()), nil
	}
	a, err := r.requireActor(cmd, auth)
	if err != nil {
		return nil, err
	}
	// A one-off session ends with the command; the run does not need it.
	a.end(ctx, r)
	if !a.id.User.Has(qualstate.RoleEngineer) {
		return nil, qualstate.Errorf(qualstate.ErrDenied, qualstate.Location{},
			"%s (%s) does not hold the engineer role, which executing a qualification needs", a.id.User.Name, a.id.User.ID)
	}
	return a.ctx(ctx), nil
}

// requirementEngine loads and compiles a requirement set.
func requirementEngine(spec string) (*policy.Engine, error) {
	set, err := loadRequirements(spec)
	if err != nil {
		return nil, err
	}
	return policy.NewEngine(set)
}

// concludeRun prints a run's outcome, writes its report when asked, and
// turns the outcome into the exit status.
func concludeRun(cmd *cobra.Command, store qualstate.Store, run *qualstate.Run, reportDir string, runErr error) error {
	ctx := context.WithoutCancel(cmd.Context())
	out := cmd.OutOrStdout()
	q, err := loadQualification(ctx, store, run.ID)
	if err != nil {
		return err
	}
	printRunSummary(out, q)
	if reportDir != "" {
		paths, err := writeReports(q, reportDir)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "\nreports:")
		for _, p := range paths {
			fmt.Fprintf(out, "  %s\n", p)
		}
	}
	if runErr != nil {
		return runErr
	}
	if run.Status != qualstate.RunPassed {
		return &findingsError{summary: fmt.Sprintf("run %s %s", run.ID, run.Status)}
	}
	return nil
}

// writeReports writes the HTML and PDF reports of a run into dir.
func writeReports(q *report.Qualification, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "report directory: %w", err)
	}
	var paths []string
	for _, ext := range []string{"html", "pdf"} {
		path := filepath.Join(dir, fmt.Sprintf("qualification-%s.%s", q.Run.ID, ext))
		write := reportWriters[ext]
		if err := writeOutput(nil, path, func(w io.Writer) error { return write(w, q) }); err != nil {
			return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "writing %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
