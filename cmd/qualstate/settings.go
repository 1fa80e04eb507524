package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/notify"
	"qualstate/sign"
)

func newConfigCommand() *cobra.Command {
	var f userFlags
	cmd := &cobra.Command{
		Use:   "config",
		Short: "List or change settings (kept in the records; every change is audited)",
		Args:  cobra.NoArgs,
	}
	f.register(cmd)
	list := &cobra.Command{
		Use:   "list",
		Short: "List every setting with its value and default",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(&f.home, func(store qualstate.Store, _ string) error {
				set, err := store.Settings(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SETTING\tVALUE\tDEFAULT\tMEANING")
				for _, s := range sign.Settings {
					v, ok := set[s.Key]
					if !ok {
						v = s.Default
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Key, v, s.Default, s.Doc)
				}
				// Monitoring's settings (notify.*, treat.*) as set; secrets
				// are never shown.
				for _, k := range slices.Sorted(maps.Keys(set)) {
					if !strings.HasPrefix(k, "notify.") && !strings.HasPrefix(k, "treat.") || set[k] == "" {
						continue
					}
					v := set[k]
					if notify.IsSecret(k) {
						v = qualstate.Mask
					}
					fmt.Fprintf(tw, "%s\t%s\t\t\n", k, v)
				}
				return tw.Flush()
			})
		},
	}
	var reason string
	set := &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Change a setting (admin; anyone before qualstate has users)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAdmin(cmd, &f, true, func(r *records, by *sign.Identity) error {
				ctx := qualstate.WithReason(cmd.Context(), reason)
				if err := r.sign.SetSetting(ctx, by, args[0], args[1]); err != nil {
					return err
				}
				v := args[1]
				if notify.IsSecret(args[0]) {
					v = qualstate.Mask
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s = %s\n", args[0], v)
				return nil
			})
		},
	}
	set.Flags().StringVar(&reason, "reason", "", "why (recorded in the audit trail)")
	cmd.AddCommand(list, set)
	return cmd
}
