package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"qualstate"
)

func newDeviationsCommand() *cobra.Command {
	var f monitorFlags
	cmd := &cobra.Command{
		Use:   "deviations",
		Short: "List, show, acknowledge and accept deviations from the qualified state",
		Long: `A deviation is one departure of an instance from its qualified state: a
property that drifted from the baseline, a resource added or removed, a
requirement's check failing live, or a remediation that did not restore the
qualified state. Its life: open -> acknowledged -> treated (by remediation)
or accepted (by an approved waiver) -> closed, automatically, when the live
state is back in the qualified state. Every step is recorded with who and
when.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&f.home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	f.auth.register(cmd.PersistentFlags())
	cmd.AddCommand(newDeviationsListCommand(&f), newDeviationsShowCommand(&f), newDeviationsAckCommand(&f), newDeviationsAcceptCommand(&f))
	return cmd
}

func newDeviationsListCommand(f *monitorFlags) *cobra.Command {
	var instance, states string
	var all bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list [--instance ID] [--state S[,S]] [--all] [--format text|json]",
		Short: "List deviations (active ones unless --all or --state)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			filter := qualstate.DeviationFilter{InstanceID: instance, Limit: limit}
			switch {
			case states != "":
				st, err := parseStates(states)
				if err != nil {
					return err
				}
				filter.States = st
			case !all:
				filter.States = activeDeviationStates
			}
			return withRecords(cmd, f.home, func(r *records) error {
				devs, err := r.store.Deviations(cmd.Context(), filter)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if f.format == "json" {
					if devs == nil {
						devs = []qualstate.Deviation{}
					}
					return writeJSON(out, devs)
				}
				if len(devs) == 0 {
					fmt.Fprintln(out, "no deviations")
					return nil
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tINSTANCE\tSTATE\tKIND\tRESOURCE\tWHAT\tOPENED")
				for _, d := range devs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.InstanceID, d.State, d.Kind, d.LogicalID, deviationWhat(&d), timeText(d.Opened))
				}
				return tw.Flush()
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&instance, "instance", "", "only this instance's")
	fl.StringVar(&states, "state", "", "only these states: open, acknowledged, treated, accepted, closed")
	fl.BoolVar(&all, "all", false, "closed deviations too")
	fl.IntVar(&limit, "limit", 0, "at most N")
	fl.StringVar(&f.format, "format", "text", "text or json")
	return cmd
}

func newDeviationsShowCommand(f *monitorFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show DEVIATION [--format text|json]",
		Short: "Show a deviation with its evidence and history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRecords(cmd, f.home, func(r *records) error {
				d, err := r.store.Deviation(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if f.format == "json" {
					return writeJSON(out, d)
				}
				fmt.Fprintf(out, "deviation %s (%s) of instance %s\n", d.ID, d.State, d.InstanceID)
				fmt.Fprintf(out, "  kind        %s\n  resource    %s %s (%s)\n", d.Kind, d.LogicalID, d.ResourceType, d.PhysicalID)
				if d.RequirementID != "" {
					fmt.Fprintf(out, "  requirement %s (risk %s)\n", d.RequirementID, d.Risk)
				}
				if d.Path != "" {
					fmt.Fprintf(out, "  property    %s\n", d.Path)
				}
				fmt.Fprintf(out, "  expected    %s\n  actual      %s\n  reason      %s\n  detected by %s at %s\n",
					d.Expected, d.Actual, d.Reason, d.Trigger, timeText(d.Opened))
				if d.Waiver != nil {
					fmt.Fprintf(out, "  waiver      %s until %s\n", d.Waiver.ID, timeText(d.Waiver.Expires))
				}
				if len(d.Remediation) > 0 {
					fmt.Fprintf(out, "  remediation %s\n", patchJSON(d.Remediation))
				}
				for _, e := range d.Evidence {
					fmt.Fprintf(out, "  evidence    sha256:%s\n", e)
				}
				fmt.Fprintln(out, "\nhistory:")
				for _, h := range d.History {
					fmt.Fprintf(out, "  %s  %-17s %-12s by %s", timeText(h.Time), h.Action, h.To, h.Actor)
					if h.Note != "" {
						fmt.Fprintf(out, ": %s", h.Note)
					}
					fmt.Fprintln(out)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&f.format, "format", "text", "text or json")
	return cmd
}

func newDeviationsAckCommand(f *monitorFlags) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   "ack DEVIATION [--note TEXT]",
		Short: "Acknowledge an open deviation: you have seen it and own it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMonitorActor(cmd, f, func(m *monitoring, ctx contextWithActor) error {
				d, err := m.monitor.Acknowledge(ctx.ctx, args[0], ctx.actor, note)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "deviation %s acknowledged by %s\n", d.ID, ctx.actor)
				return nil
			}, qualstate.RoleEngineer, qualstate.RoleReviewer, qualstate.RoleApprover, qualstate.RoleAdmin)
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "what you will do about it")
	return cmd
}

func newDeviationsAcceptCommand(f *monitorFlags) *cobra.Command {
	var waiver, note string
	cmd := &cobra.Command{
		Use:   "accept DEVIATION --waiver W-0001 [--note TEXT]",
		Short: "Accept a deviation under an approved waiver that covers it",
		Long: `Accept a deviation under an approved waiver in force that covers it: the
waiver's requirement (for drift, added or removed resources: "baseline"),
stack or template, and resource. An accepted deviation stops counting against
the instance's status, and reopens by itself when the waiver expires or is
revoked. Deviations a waiver covers when they are found are accepted
automatically.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if waiver == "" {
				return usagef("--waiver: name the approved waiver that accepts the deviation")
			}
			return withMonitorActor(cmd, f, func(m *monitoring, ctx contextWithActor) error {
				d, err := m.monitor.Accept(ctx.ctx, args[0], waiver, ctx.actor, note)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "deviation %s accepted under waiver %s (until %s) by %s\n", d.ID, d.Waiver.ID, timeText(d.Waiver.Expires), ctx.actor)
				return nil
			}, qualstate.RoleEngineer, qualstate.RoleApprover, qualstate.RoleAdmin)
		},
	}
	cmd.Flags().StringVar(&waiver, "waiver", "", "the approved waiver")
	cmd.Flags().StringVar(&note, "note", "", "a note for the record")
	return cmd
}
