package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/sign"
)

func newWaiverCommand() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "waiver",
		Short: "Request, approve, reject, revoke and list waivers (approved, expiring exceptions)",
		Long: `A waiver exempts one requirement within a scope — a template (file name,
path or sha256:DIGEST) and/or a stack, and a logical-id pattern — with a
justification, a risk assessment and an expiry. It applies only once an
approver other than its author has signed it, and stops applying on its own
when it expires or is revoked. A failed check a waiver covers is reported as
"waived", naming the waiver and its expiry, in check, qualify, reports,
JSON, SARIF and JUnit.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&f.home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	f.auth.register(cmd.PersistentFlags())
	cmd.AddCommand(newWaiverRequestCommand(&f), newWaiverListCommand(&f), newWaiverShowCommand(&f),
		newWaiverDecideCommand(&f, "approve", "Approve a waiver: it applies from now until it expires (approver; not its author)"),
		newWaiverDecideCommand(&f, "reject", "Reject a requested waiver, with the reason (approver)"),
		newWaiverDecideCommand(&f, "revoke", "Revoke an approved waiver before it expires, with the reason (approver or admin)"))
	return cmd
}

// withWaiverSigner opens the records for a signed waiver action.
func withWaiverSigner(cmd *cobra.Command, f *signFlags, fn func(r *records, a *actor, c sign.Components) error) error {
	return withRecords(cmd, f.home, func(r *records) error {
		a, err := r.requireActor(cmd, f.auth)
		if err != nil {
			return err
		}
		defer a.end(cmd.Context(), r)
		c, err := a.components()
		if err != nil {
			return err
		}
		return fn(r, a, c)
	})
}

func newWaiverRequestCommand(f *signFlags) *cobra.Command {
	var w qualstate.Waiver
	var expires string
	cmd := &cobra.Command{
		Use:   "request --requirement ID (--template PATTERN | --stack PATTERN) --justification TEXT --risk TEXT --expires WHEN",
		Short: "Request a waiver (signed by you as its author)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exp, err := parseExpiry(expires, clock())
			if err != nil {
				return err
			}
			w.Expires = exp
			return withWaiverSigner(cmd, f, func(r *records, a *actor, c sign.Components) error {
				got, err := r.sign.RequestWaiver(a.ctx(cmd.Context()), a.id, c, w)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "waiver %s requested: %s on %s until %s; an approver must approve it:\n  qualstate waiver approve %s\n",
					got.ID, got.RequirementID, got.Scope, got.Expires.UTC().Format(time.RFC3339), got.ID)
				return nil
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&w.RequirementID, "requirement", "", "the requirement waived")
	fl.StringVar(&w.Scope.Template, "template", "", "template file name, path or sha256:DIGEST (a pattern: * ? [..])")
	fl.StringVar(&w.Scope.Stack, "stack", "", "stack name (a pattern)")
	fl.StringVar(&w.Scope.Resource, "resource", "", "logical ids (a pattern; default every resource)")
	fl.StringVar(&w.Justification, "justification", "", "why the requirement cannot be met")
	fl.StringVar(&w.RiskAssessment, "risk", "", "the risk accepted and how it is controlled meanwhile")
	fl.StringVar(&expires, "expires", "", "expiry: a date (2027-03-31), a time (RFC 3339) or a duration from now (90d, 720h)")
	return cmd
}

// parseExpiry reads an expiry: a date (the end of that day, UTC), an RFC
// 3339 time, or a duration from now in days or Go units.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, usagef("--expires: a waiver must expire (a date, a time or a duration such as 90d)")
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(24 * time.Hour).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 {
			return now.Add(time.Duration(n) * 24 * time.Hour).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d).UTC(), nil
	}
	return time.Time{}, usagef("--expires %q: want a date (2027-03-31), a time (RFC 3339) or a duration (90d, 720h)", s)
}

func newWaiverDecideCommand(f *signFlags, verb, short string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   verb + " WAIVER",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if verb != "approve" && reason == "" {
				return usagef("--reason: say why the waiver is %sed", strings.TrimSuffix(verb, "e"))
			}
			return withWaiverSigner(cmd, f, func(r *records, a *actor, c sign.Components) error {
				ctx := qualstate.WithReason(a.ctx(cmd.Context()), reason)
				var w *qualstate.Waiver
				var err error
				switch verb {
				case "approve":
					w, err = r.sign.ApproveWaiver(ctx, a.id, c, args[0], reason)
				case "reject":
					w, err = r.sign.RejectWaiver(ctx, a.id, c, args[0], reason)
				default:
					w, err = r.sign.RevokeWaiver(ctx, a.id, c, args[0], reason)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "waiver %s %s by %s (%s) at %s\n", w.ID, w.Status, a.id.User.Name, a.id.User.ID, w.Decided.UTC().Format(time.RFC3339))
				return nil
			})
		},
	}
	help := "comment recorded with the signature"
	if verb != "approve" {
		help = "why (required; recorded with the signature)"
	}
	cmd.Flags().StringVar(&reason, "reason", "", help)
	return cmd
}

func newWaiverListCommand(f *signFlags) *cobra.Command {
	var format string
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List waivers in force and requested (--all: also expired, rejected and revoked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(&f.home, func(store qualstate.Store, _ string) error {
				ws, err := store.Waivers(cmd.Context())
				if err != nil {
					return err
				}
				now := clock()
				var shown []qualstate.Waiver
				for _, w := range ws {
					if all || w.State(now) == string(qualstate.WaiverApproved) || w.Status == qualstate.WaiverRequested {
						shown = append(shown, w)
					}
				}
				return printWaivers(cmd.OutOrStdout(), shown, format, now)
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	cmd.Flags().BoolVar(&all, "all", false, "also expired, rejected and revoked waivers")
	return cmd
}

func newWaiverShowCommand(f *signFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show WAIVER",
		Short: "Show a waiver with its signatures",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(&f.home, func(store qualstate.Store, _ string) error {
				w, err := store.Waiver(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				sigs, err := store.Signatures(cmd.Context(), "waiver/"+w.ID)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				now := clock()
				fmt.Fprintf(out, "waiver %s: %s\n  requirement    %s\n  scope          %s\n  expires        %s\n  justification  %s\n  risk           %s\n  requested by   %s at %s\n",
					w.ID, w.State(now), w.RequirementID, w.Scope, w.Expires.UTC().Format(time.RFC3339), w.Justification,
					w.RiskAssessment, w.RequestedBy, w.Requested.UTC().Format(time.RFC3339))
				if w.Reason != "" {
					fmt.Fprintf(out, "  reason         %s\n", w.Reason)
				}
				for _, s := range sigs {
					fmt.Fprintf(out, "  signed %-9s by %s (%s) at %s  [%s]\n", s.Meaning, s.SignerName, s.SignerID, s.Time.UTC().Format(time.RFC3339), s.ID)
				}
				return nil
			})
		},
	}
}

// printWaivers writes waivers as a table or JSON.
func printWaivers(w io.Writer, ws []qualstate.Waiver, format string, now time.Time) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if ws == nil {
			ws = []qualstate.Waiver{}
		}
		return enc.Encode(ws)
	case "text":
	default:
		return usagef("unknown --format %q (want text or json)", format)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WAIVER\tSTATE\tREQUIREMENT\tSCOPE\tEXPIRES (UTC)\tREQUESTED BY")
	for _, x := range ws {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.State(now), x.RequirementID, x.Scope, x.Expires.UTC().Format("2006-01-02 15:04"), x.RequestedBy)
	}
	return tw.Flush()
}
