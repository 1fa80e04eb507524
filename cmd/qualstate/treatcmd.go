package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/monitor"
)

func newTreatCommand() *cobra.Command {
	var f monitorFlags
	var dryRun, apply bool
	var instance string
	cmd := &cobra.Command{
		Use:   "treat [DEVIATION...] [--dry-run] [--apply] [--instance ID]",
		Short: "Treat deviations: propose or apply remediations within the guard rails",
		Long: `Continuous risk treatment. For each active deviation (those given, or every
one), treat works out its remediation: for a failed check, the requirement's
remediation patch; for drift, putting the property back to its baseline
value. What it does depends on the mode (off | propose | auto: the
requirement's remediation mode, treat.mode.REQ and treat.drift settings) and
the guard rails (treat.grace, treat.windows, treat.rate-limit,
treat.dry-run): it never acts outside the instance's own resources, never
touches a create-only or read-only property, never applies a patch that
would not make the check hold, and re-reads and re-verifies the resource
after every change. A remediation that does not restore the qualified state
opens a deviation of its own.

--dry-run prints the plans and changes nothing. --apply is a person applying
proposed remediations of the deviations named: the grace period is waived,
the other guard rails hold.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if apply && len(args) == 0 {
				return usagef("--apply: name the deviations whose remediation you apply")
			}
			if apply && dryRun {
				return usagef("--apply and --dry-run exclude each other")
			}
			return withMonitorActor(cmd, &f, func(m *monitoring, c contextWithActor) error {
				ids := args
				if len(ids) == 0 {
					devs, err := m.rec.store.Deviations(c.ctx, qualstate.DeviationFilter{InstanceID: instance, States: activeDeviationStates})
					if err != nil {
						return err
					}
					for _, d := range devs {
						ids = append(ids, d.ID)
					}
				}
				out := cmd.OutOrStdout()
				if len(ids) == 0 {
					fmt.Fprintln(out, "no active deviations")
					return nil
				}
				actor := c.actor
				if !apply {
					actor = "system"
				}
				var failed error
				for _, id := range ids {
					t, err := m.monitor.Treat(c.ctx, id, monitor.TreatOptions{DryRun: dryRun, Apply: apply, Actor: actor})
					if t == nil {
						return err
					}
					printTreatment(out, t, dryRun)
					if err != nil {
						fmt.Fprintf(out, "  failed: %v\n", err)
						failed = err
					}
				}
				return failed
			}, qualstate.RoleEngineer, qualstate.RoleAdmin)
		},
	}
	fl := cmd.Flags()
	cmd.Flags().StringVar(&f.home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	f.auth.register(fl)
	f.target.register(fl)
	fl.BoolVar(&dryRun, "dry-run", false, "print what would be done; change nothing")
	fl.BoolVar(&apply, "apply", false, "apply the proposed remediations of the deviations named")
	fl.StringVar(&instance, "instance", "", "only this instance's deviations")
	return cmd
}

// printTreatment says what treatment did, or would do, with a deviation.
func printTreatment(w io.Writer, t *monitor.Treatment, dryRun bool) {
	p, d := t.Plan, t.Deviation
	fmt.Fprintf(w, "%s %s %s %s: mode %s", d.ID, d.Kind, d.LogicalID, deviationWhat(d), p.Mode)
	switch {
	case p.Refused != "":
		fmt.Fprintf(w, ", not treatable: %s\n", p.Refused)
		return
	case p.Mode == qualstate.RemediationOff:
		fmt.Fprintln(w, ", nothing to do")
		return
	}
	fmt.Fprintf(w, ", patch %s on %s %s\n", patchJSON(p.Patch), p.TypeName, p.Identifier)
	if p.Hold != "" {
		fmt.Fprintf(w, "  held: %s\n", p.Hold)
	}
	switch {
	case dryRun:
		if p.Mode == qualstate.RemediationAuto && p.Hold == "" {
			fmt.Fprintln(w, "  would apply it now (dry run)")
		}
	case t.Restored:
		fmt.Fprintf(w, "  applied; re-verified: back in the qualified state, %s closed\n", d.ID)
	case t.Applied && t.Opened != nil:
		fmt.Fprintf(w, "  applied; re-verified: NOT restored, %s reopened and %s opened\n", d.ID, t.Opened.ID)
	case t.Applied:
		fmt.Fprintln(w, "  applied")
	case t.Proposed:
		fmt.Fprintln(w, "  proposed (recorded)")
	case !t.Retry.IsZero():
		fmt.Fprintf(w, "  waiting until %s\n", t.Retry.UTC().Format(time.RFC3339))
	}
}
