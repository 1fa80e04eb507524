package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/policy"
	"qualstate/qualify"
	"qualstate/report"
)

func newRunsCommand() *cobra.Command {
	var home string
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List, show, report, export, resume or abandon qualification runs",
		Args:  cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	cmd.AddCommand(
		newRunsListCommand(&home), newRunsShowCommand(&home), newRunsReportCommand(&home),
		newRunsExportCommand(&home), newRunsVerifyCommand(), newRunsResumeCommand(&home), newRunsAbandonCommand(&home),
	)
	return cmd
}

// withStore opens the record store for the length of fn.
func withStore(home *string, fn func(store qualstate.Store, home string) error) error {
	dir, err := homeDir(*home)
	if err != nil {
		return err
	}
	store, err := openStore(dir)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store, dir)
}

// withQualification opens the records and loads everything about one run
// (an id or a unique prefix) for fn.
func withQualification(cmd *cobra.Command, home *string, id string, fn func(store qualstate.Store, q *report.Qualification) error) error {
	return withStore(home, func(store qualstate.Store, _ string) error {
		q, err := loadQualification(cmd.Context(), store, id)
		if err != nil {
			return err
		}
		return fn(store, q)
	})
}

// shownStatus is the status as people need it: a running run whose process
// is gone is "interrupted".
func shownStatus(run *qualstate.Run) string {
	if qualify.Interrupted(run, time.Now()) {
		return "interrupted"
	}
	return string(run.Status)
}

func newRunsListCommand(home *string) *cobra.Command {
	var status, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(home, func(store qualstate.Store, _ string) error {
				runs, err := store.Runs(cmd.Context(), qualstate.RunFilter{Status: qualstate.RunStatus(status), Limit: limit})
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if format == "json" {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(runs)
				}
				if format != "text" {
					return usagef("unknown --format %q (want text or json)", format)
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "RUN\tSTATUS\tRESULT\tSTAGE\tTEMPLATE\tENV\tSTARTED (UTC)")
				for _, r := range runs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, shownStatus(r), cmp.Or(string(r.Result), "-"), r.Stage,
						r.TemplateFile, r.Environment.Name, r.Started.UTC().Format("2006-01-02 15:04:05"))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only runs with this status")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many runs")
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

func newRunsShowCommand(home *string) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "Show a run: header, summary per stage, failed test cases (all with -v)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withQualification(cmd, home, args[0], func(_ qualstate.Store, q *report.Qualification) error {
				out := cmd.OutOrStdout()
				printRunSummary(out, q)
				printCases(out, q, verbose)
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test case, not only those that did not pass")
	return cmd
}

// reportWriters maps report formats to writers.
var reportWriters = map[string]func(io.Writer, *report.Qualification) error{
	"html":  report.QualificationHTML,
	"pdf":   report.QualificationPDF,
	"json":  report.QualificationJSON,
	"junit": report.QualificationJUnit,
}

func newRunsReportCommand(home *string) *cobra.Command {
	var format, output string
	cmd := &cobra.Command{
		Use:   "report RUN",
		Short: "Write a run's report: html, pdf, json or junit",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, ok := reportWriters[format]
			if !ok {
				return usagef("unknown --format %q (want html, pdf, json or junit)", format)
			}
			return withQualification(cmd, home, args[0], func(_ qualstate.Store, q *report.Qualification) error {
				if output == "" && (format == "html" || format == "pdf") {
					output = fmt.Sprintf("qualification-%s.%s", q.Run.ID, format)
				}
				if err := writeOutput(cmd.OutOrStdout(), output, func(w io.Writer) error { return write(w, q) }); err != nil {
					return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "writing the report: %w", err)
				}
				if output != "" {
					fmt.Fprintln(cmd.OutOrStdout(), output)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "html", "html, pdf, json or junit")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default: qualification-RUN.html|pdf; standard output for json and junit)")
	return cmd
}

func newRunsExportCommand(home *string) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export RUN",
		Short: "Write a run's evidence bundle: a zip of the reports, every piece of evidence and a SHA-256 manifest",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withQualification(cmd, home, args[0], func(store qualstate.Store, q *report.Qualification) error {
				if output == "" {
					output = fmt.Sprintf("qualification-%s.zip", q.Run.ID)
				}
				evidence := func(digest string) ([]byte, error) { return store.Evidence(cmd.Context(), digest) }
				if err := writeOutput(nil, output, func(w io.Writer) error { return report.WriteBundle(w, q, evidence) }); err != nil {
					return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "writing %s: %w", output, err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), output)
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "zip file to write (default qualification-RUN.zip)")
	return cmd
}

func newRunsVerifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify BUNDLE.zip",
		Short: "Verify an evidence bundle offline: every file against the manifest, every piece of evidence against its digest",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "%w", err)
			}
			defer f.Close()
			info, err := f.Stat()
			if err != nil {
				return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "%w", err)
			}
			m, err := report.VerifyBundle(f, info.Size())
			if err != nil {
				return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: args[0]}, "%w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: verified: run %s, %d files\n", args[0], m.RunID, len(m.Files))
			return nil
		},
	}
}

// resumeFlags are the options of `runs resume`.
type resumeFlags struct {
	requirements  string
	parameters    []string
	parameterFile string
	reportDir     string
	target        targetFlags
	auth          authFlags
}

func newRunsResumeCommand(home *string) *cobra.Command {
	var f resumeFlags
	cmd := &cobra.Command{
		Use:   "resume RUN",
		Short: "Continue an interrupted or aborted run: completed stages are kept, the first one not completed runs again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			params, err := parameterValues(f.parameterFile, f.parameters)
			if err != nil {
				return err
			}
			return withRecords(cmd, *home, func(r *records) error {
				ctx, err := runActor(cmd, r, f.auth)
				if err != nil {
					return err
				}
				store := r.store
				run, err := store.Run(ctx, args[0])
				if err != nil {
					return err
				}
				engine, err := resumeEngine(ctx, store, run, f.requirements)
				if err != nil {
					return err
				}
				waivers, err := r.sign.ActiveWaivers(ctx)
				if err != nil {
					return err
				}
				tgt, err := openTarget(ctx, r.home, environmentOf(run, f.target))
				if err != nil {
					return err
				}
				defer tgt.close()
				progress := newRunProgress(cmd.ErrOrStderr())
				resumed, err := qualify.Resume(ctx, run.ID, qualify.Options{
					Store: store, Cloud: tgt.cloud, Engine: engine, Parameters: params, Waivers: waivers,
					Executor: qualstate.ActorOf(ctx), Tool: toolVersion(), Progress: progress,
				})
				progress.finish()
				if resumed == nil || resumed.Status == qualstate.RunRunning && err != nil && resumed.Attempt == run.Attempt {
					return err
				}
				return concludeRun(cmd, store, resumed, f.reportDir, err)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.requirements, "requirements", "r", "", "the run's requirement set, if it is not the one recorded with the run")
	fl.StringArrayVarP(&f.parameters, "parameter", "p", nil, "value of a NoEcho parameter `KEY=VALUE` (never stored, so given again)")
	fl.StringVar(&f.parameterFile, "parameter-file", "", "parameter values in CloudFormation's JSON format")
	fl.StringVar(&f.reportDir, "report-dir", "", "also write the report (HTML and PDF) to this directory")
	f.target.register(fl)
	f.auth.register(fl)
	return cmd
}

// resumeEngine compiles the requirement set a run used: the one recorded
// with it, or the one given, which must have the same digest.
func resumeEngine(ctx context.Context, store qualstate.Store, run *qualstate.Run, spec string) (*policy.Engine, error) {
	if spec != "" {
		return requirementEngine(spec)
	}
	set, err := report.RecordedSet(ctx, store, run)
	if err != nil {
		return nil, err
	}
	return policy.NewEngine(set)
}

func newRunsAbandonCommand(home *string) *cobra.Command {
	var reason string
	var target targetFlags
	var auth authFlags
	cmd := &cobra.Command{
		Use:   "abandon RUN",
		Short: "Give up an interrupted or aborted run: delete its stack and record it as abandoned",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRecords(cmd, *home, func(r *records) error {
				ctx, err := runActor(cmd, r, auth)
				if err != nil {
					return err
				}
				run, err := r.store.Run(ctx, args[0])
				if err != nil {
					return err
				}
				tgt, err := openTarget(ctx, r.home, environmentOf(run, target))
				if err != nil {
					return err
				}
				defer tgt.close()
				progress := newRunProgress(cmd.ErrOrStderr())
				abandoned, err := qualify.Abandon(qualstate.WithReason(ctx, reason), r.store, tgt.cloud, run.ID, reason, progress)
				progress.finish()
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "run %s abandoned; stack %s deleted\n", abandoned.ID, abandoned.StackName)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the run is abandoned (recorded)")
	target.register(cmd.Flags())
	auth.register(cmd.Flags())
	return cmd
}

// loadQualification gathers everything recorded about a run for a report.
func loadQualification(ctx context.Context, store qualstate.Store, id string) (*report.Qualification, error) {
	return report.LoadQualification(ctx, store, id, report.Tool{Name: "qualstate", Version: toolVersion(), InformationURI: informationURI})
}

// printRunSummary prints a run's header and its results per stage.
func printRunSummary(w io.Writer, q *report.Qualification) {
	run := q.Run
	fmt.Fprintf(w, "run %s: %s", run.ID, shownStatus(run))
	if run.Result != "" {
		fmt.Fprintf(w, " (%s)", run.Result)
	}
	if run.Reason != "" {
		fmt.Fprintf(w, " — %s", run.Reason)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  template      %s (sha256 %s)\n", run.TemplateFile, run.TemplateDigest)
	fmt.Fprintf(w, "  requirements  %s %s (sha256 %s)\n", run.RequirementSet, run.RequirementSetVersion, run.RequirementSetDigest)
	fmt.Fprintf(w, "  environment   %s, account %s, %s", run.Environment.Name, run.Environment.Account, run.Environment.Region)
	if run.Environment.Endpoint != "" {
		fmt.Fprintf(w, ", %s", run.Environment.Endpoint)
	}
	fmt.Fprintf(w, "\n  stack         %s\n", run.StackName)
	fmt.Fprintf(w, "  executed by   %s, attempt %d, %s", run.Executor, run.Attempt, run.Started.UTC().Format(time.RFC3339))
	if !run.Finished.IsZero() {
		fmt.Fprintf(w, " to %s (%s)", run.Finished.UTC().Format(time.RFC3339), run.Finished.Sub(run.Started).Round(time.Millisecond))
	}
	fmt.Fprintln(w)
	latest := qualify.LatestAttempts(q.TestCases)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tpass\twaived\tfail\tindeterminate\terror\t")
	for _, stage := range []qualstate.Stage{qualstate.StageStatic, qualstate.StageIQ, qualstate.StageOQ} {
		counts := map[qualstate.Result]int{}
		for _, c := range q.TestCases {
			if c.Stage == stage && c.Attempt == latest[stage] {
				counts[c.Result]++
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", stage, counts[qualstate.ResultPass], counts[qualstate.ResultWaived], counts[qualstate.ResultFail],
			counts[qualstate.ResultIndeterminate], counts[qualstate.ResultError])
	}
	tw.Flush()
	detected, reverted := 0, 0
	for _, c := range q.TestCases {
		if c.Stage == qualstate.StageOQ && c.Attempt == latest[qualstate.StageOQ] && c.Result == qualstate.ResultPass {
			switch c.Kind {
			case qualstate.CaseChallenge:
				detected++
			case qualstate.CaseRevert:
				reverted++
			}
		}
	}
	fmt.Fprintf(w, "\nchallenges: %d detected, %d reverted to the qualified state; evidence: %d responses; baseline: %d resources\n",
		detected, reverted, len(q.Evidence), len(q.Baseline))
}

// printCases lists test cases: those that did not pass, or all.
func printCases(w io.Writer, q *report.Qualification, all bool) {
	latest := qualify.LatestAttempts(q.TestCases)
	var shown []qualstate.TestCase
	for _, c := range q.TestCases {
		if c.Attempt == latest[c.Stage] && (all || c.Result != qualstate.ResultPass) {
			shown = append(shown, c)
		}
	}
	if len(shown) == 0 {
		return
	}
	fmt.Fprintln(w)
	for _, c := range shown {
		subject := strings.TrimSpace(c.RequirementID + " " + c.LogicalID)
		fmt.Fprintf(w, "%s %-13s %s: %s\n", c.ID, c.Result, subject, c.Description)
		if c.Result != qualstate.ResultPass {
			fmt.Fprintf(w, "    expected: %s\n    actual:   %s\n", c.Expected, c.Actual)
			if c.Reason != "" && c.Reason != c.Actual {
				fmt.Fprintf(w, "    reason:   %s\n", c.Reason)
			}
		}
	}
}
