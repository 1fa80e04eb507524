package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/jobs"
	"qualstate/monitor"
)

// monitorFlags are the flags of the monitoring commands.
type monitorFlags struct {
	home   string
	auth   authFlags
	target targetFlags
	format string
}

func newInstanceCommand() *cobra.Command {
	var f monitorFlags
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Register deployed stacks for monitoring, list and show them",
		Long: `An instance is a deployed stack bound to the qualification run whose
template it runs. Registering one verifies that the stack's template is byte
for byte the qualified one, reads every resource's live model, evaluates every
requirement on it (IQ on that environment) and records the instance's
baseline: the qualified state that monitoring keeps it in.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&f.home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	f.auth.register(cmd.PersistentFlags())
	cmd.AddCommand(newInstanceRegisterCommand(&f), newInstanceListCommand(&f), newInstanceShowCommand(&f))
	return cmd
}

func newInstanceRegisterCommand(f *monitorFlags) *cobra.Command {
	var req monitor.RegisterRequest
	cmd := &cobra.Command{
		Use:   "register --stack NAME --run RUN [--id ID] [--schedule CRON]",
		Short: "Bind a deployed stack to the qualified run of its template and record its baseline",
		Long: `Register a deployed stack as an instance of a qualified template. The stack
is read in the environment the run qualified in (the embedded sandbox, or
AWS), unless --env or --endpoint-url say otherwise. Exit 0 when the instance
is in its qualified state, 1 when a check fails on it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.StackName == "" || req.RunID == "" {
				return usagef("give the stack (--stack) and the qualification run (--run)")
			}
			if req.Schedule != "" {
				if _, err := jobs.ParseSchedule(req.Schedule); err != nil {
					return usagef("--schedule: %v", err)
				}
			}
			return withRecords(cmd, f.home, func(r *records) error {
				ctx, err := runActor(cmd, r, f.auth)
				if err != nil {
					return err
				}
				run, err := r.store.Run(ctx, req.RunID)
				if err != nil {
					return err
				}
				m, err := openMonitoring(ctx, r, environmentOf(run, f.target), nil)
				if err != nil {
					return err
				}
				defer m.close()
				probe := &qualstate.Instance{Environment: run.Environment}
				if f.target.env != "" || f.target.endpoint != "" {
					tgt, err := openTarget(ctx, r.home, environmentOf(run, f.target))
					if err != nil {
						return err
					}
					defer tgt.close()
					req.Cloud = tgt.cloud
				} else if req.Cloud, err = m.cloud(ctx, probe); err != nil {
					return err
				}
				req.RunID, req.Actor = run.ID, qualstate.ActorOf(ctx)
				inst, res, err := m.monitor.Register(ctx, req)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				baseline, err := r.store.InstanceBaseline(ctx, inst.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "instance %s registered: stack %s runs the template run %s qualified (%s, sha256:%s)\n",
					inst.ID, inst.StackName, run.ID, inst.TemplateFile, short(inst.TemplateDigest))
				fmt.Fprintf(out, "baseline: %d resources; %d checks evaluated\n", len(baseline), res.Evaluation.Checks)
				printInstanceStatus(out, inst, res.Changes)
				return statusError(inst)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&req.StackName, "stack", "", "the deployed stack's name")
	fl.StringVar(&req.RunID, "run", "", "the passed qualification run of the stack's template")
	fl.StringVar(&req.ID, "id", "", "the instance's id (default: the stack's name)")
	fl.StringVar(&req.Schedule, "schedule", "", "cron expression for scheduled evaluations (default: the monitor's --schedule)")
	f.target.register(fl)
	return cmd
}

// statusError turns an instance out of its qualified state into exit 1.
func statusError(inst *qualstate.Instance) error {
	if inst.Status == qualstate.QSQualified {
		return nil
	}
	return &findingsError{summary: fmt.Sprintf("instance %s is %s", inst.ID, inst.Status)}
}

// printInstanceStatus prints an instance's status and the deviations an
// evaluation opened or closed.
func printInstanceStatus(w io.Writer, inst *qualstate.Instance, changes []monitor.Change) {
	fmt.Fprintf(w, "status: %s", inst.Status)
	if inst.StatusReason != "" {
		fmt.Fprintf(w, " (%s)", inst.StatusReason)
	}
	fmt.Fprintln(w)
	for _, c := range changes {
		d := c.Deviation
		fmt.Fprintf(w, "  %s %-9s %-11s %s %s: %s\n", d.ID, c.Action, d.Kind, d.LogicalID, deviationWhat(&d), d.Reason)
	}
}

// deviationWhat names the requirement or property of a deviation.
func deviationWhat(d *qualstate.Deviation) string {
	switch {
	case d.RequirementID != "":
		return d.RequirementID
	case d.Path != "":
		return d.Path
	}
	return d.ResourceType
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

func newInstanceListCommand(f *monitorFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [--format text|json]",
		Short: "List instances with their qualified-state status",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRecords(cmd, f.home, func(r *records) error {
				insts, err := r.store.Instances(cmd.Context())
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if f.format == "json" {
					return writeJSON(out, insts)
				}
				if len(insts) == 0 {
					fmt.Fprintln(out, "no instances: register one with `qualstate instance register --stack NAME --run RUN`")
					return nil
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTACK\tRUN\tENV\tSTATUS\tLAST EVALUATED")
				for _, i := range insts {
					status := string(i.Status)
					if i.Disabled {
						status += " (disabled)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", i.ID, i.StackName, i.RunID, i.Environment.Name, status, timeText(i.LastEvaluated))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&f.format, "format", "text", "text or json")
	return cmd
}

func newInstanceShowCommand(f *monitorFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show INSTANCE [--format text|json]",
		Short: "Show an instance: binding, status, active deviations, latest evaluations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRecords(cmd, f.home, func(r *records) error {
				ctx := cmd.Context()
				inst, err := r.store.Instance(ctx, args[0])
				if err != nil {
					return err
				}
				devs, err := r.store.Deviations(ctx, qualstate.DeviationFilter{InstanceID: inst.ID, States: activeDeviationStates})
				if err != nil {
					return err
				}
				evals, err := r.store.Evaluations(ctx, inst.ID, 10)
				if err != nil {
					return err
				}
				baseline, err := r.store.InstanceBaseline(ctx, inst.ID)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if f.format == "json" {
					return writeJSON(out, map[string]any{"instance": inst, "deviations": devs, "evaluations": evals, "baseline": len(baseline)})
				}
				fmt.Fprintf(out, "instance %s\n  stack        %s (%s)\n  run          %s\n  template     %s (sha256:%s)\n  environment  %s %s %s\n  registered   %s by %s\n  schedule     %s\n  baseline     %d resources\n  status       %s %s\n",
					inst.ID, inst.StackName, inst.StackID, inst.RunID, inst.TemplateFile, short(inst.TemplateDigest),
					inst.Environment.Name, inst.Environment.Account, inst.Environment.Region,
					timeText(inst.Registered), inst.RegisteredBy, orText(inst.Schedule, "the monitor's default"), len(baseline),
					inst.Status, inst.StatusReason)
				fmt.Fprintf(out, "\nactive deviations: %d\n", len(devs))
				for _, d := range devs {
					fmt.Fprintf(out, "  %s %-12s %-11s %s %s: %s\n", d.ID, d.State, d.Kind, d.LogicalID, deviationWhat(&d), d.Reason)
				}
				fmt.Fprintf(out, "\nlatest evaluations:\n")
				for _, e := range evals {
					line := fmt.Sprintf("  %s  %-24s %-13s %d resources, %d checks, %s", timeText(e.Time), e.Trigger, e.Status, e.Resources, e.Checks, e.Duration.Round(time.Millisecond))
					if e.Error != "" {
						line += "  error: " + e.Error
					}
					fmt.Fprintln(out, line)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&f.format, "format", "text", "text or json")
	return cmd
}

// activeDeviationStates are every state but closed.
var activeDeviationStates = []qualstate.DeviationState{
	qualstate.DeviationOpen, qualstate.DeviationAcknowledged, qualstate.DeviationTreated, qualstate.DeviationAccepted,
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseStates reads a comma-separated list of deviation states.
func parseStates(s string) ([]qualstate.DeviationState, error) {
	var out []qualstate.DeviationState
	for _, p := range strings.Split(s, ",") {
		switch st := qualstate.DeviationState(strings.TrimSpace(p)); st {
		case qualstate.DeviationOpen, qualstate.DeviationAcknowledged, qualstate.DeviationTreated, qualstate.DeviationAccepted, qualstate.DeviationClosed:
			out = append(out, st)
		default:
			return nil, usagef("--state %q: want open, acknowledged, treated, accepted or closed", p)
		}
	}
	return out, nil
}
