package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/ledger"
	"qualstate/sign"
)

func newAuditCommand() *cobra.Command {
	var home string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the audit trail: log, verify, checkpoint, prove, consistency, key",
		Long: `Every change to the records — runs, steps, test cases, evidence,
baselines, users, sign-ins, settings, signatures, reviews, waivers — appends
an event (who, what, when in UTC, why, and the SHA-256 of the record before
and after) in the same transaction as the change. The events form a
Merkle tree (RFC 6962, as in Go's checksum database); its checkpoints are
signed with the instance's Ed25519 key in the signed-note format, and the
newest is also written to HOME/` + witnessFile + `, outside the database.

Keep checkpoints elsewhere ('audit checkpoint > somewhere'): 'audit verify
--checkpoint FILE' and 'audit consistency FILE' then prove that nothing
recorded up to that checkpoint was changed, removed or reordered since.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	cmd.AddCommand(newAuditLogCommand(&home), newAuditVerifyCommand(&home), newAuditCheckpointCommand(&home),
		newAuditProveCommand(&home), newAuditConsistencyCommand(&home), newAuditKeyCommand(&home))
	return cmd
}

func newAuditLogCommand(home *string) *cobra.Command {
	var since, until, subject, actor, action, format string
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Print audit events, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var f ledger.Filter
			var err error
			if f.Since, err = parseWhen("--since", since, time.Now()); err != nil {
				return err
			}
			if f.Until, err = parseWhen("--until", until, time.Now()); err != nil {
				return err
			}
			f.Subject, f.Actor, f.Action = subject, actor, action
			if format != "text" && format != "json" {
				return usagef("unknown --format %q (want text or json)", format)
			}
			return withRecords(cmd, *home, func(r *records) error {
				out := cmd.OutOrStdout()
				enc := json.NewEncoder(out)
				return r.log.Events(cmd.Context(), f, func(e qualstate.AuditEvent) error {
					if format == "json" {
						return enc.Encode(e)
					}
					line := fmt.Sprintf("%7d  %s  %-14s %-20s %s", e.Seq, e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), e.Actor, e.Action, e.Subject)
					if e.Reason != "" {
						line += "  — " + e.Reason
					}
					_, err := fmt.Fprintln(out, line)
					return err
				})
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "", "only events at or after this time (RFC 3339, a date, or a duration ago such as 24h)")
	fl.StringVar(&until, "until", "", "only events before this time")
	fl.StringVar(&subject, "subject", "", "only events whose subject starts with this (run/ID, user/ID, waiver/W-0001 …)")
	fl.StringVar(&actor, "actor", "", "only events by this actor")
	fl.StringVar(&action, "action", "", "only events whose action starts with this (run., signature. …)")
	fl.StringVarP(&format, "format", "f", "text", "text or json (one event per line)")
	return cmd
}

// parseWhen reads a time filter: RFC 3339, a date, or a duration ago.
func parseWhen(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usagef("%s %q: want RFC 3339 (2026-11-23T10:00:00Z), a date or a duration ago (24h)", flag, s)
}

func newAuditVerifyCommand(home *string) *cobra.Command {
	var kept []string
	var format string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the whole trail and every signature; exit 1 if anything was altered",
		Long: `verify reads every event and recomputes the Merkle tree: each stored
checkpoint (and the one in HOME/` + witnessFile + `, and any given with
--checkpoint) must be signed by the instance key and match the recomputed
tree, events must follow each other without gaps, and every record must be
as its last event left it. It then verifies every electronic signature on
runs and waivers. Any changed, removed, reordered or truncated event, and
any record changed outside qualstate, is reported; exit code 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var notes []string
			for _, file := range kept {
				b, err := os.ReadFile(file)
				if err != nil {
					return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file}, "%w", err)
				}
				notes = append(notes, string(b))
			}
			dir, err := homeDir(*home)
			if err != nil {
				return err
			}
			if b, err := os.ReadFile(filepath.Join(dir, witnessFile)); err == nil {
				notes = append(notes, string(b))
			}
			return withStore(home, func(store qualstate.Store, dir string) error {
				key, err := qualstate.LoadKey(filepath.Join(dir, keyFile))
				if err != nil {
					return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%w", err)
				}
				started := time.Now()
				rep, err := ledger.Open(store, key, ledger.Options{}).Verify(cmd.Context(), notes...)
				if err != nil {
					return err
				}
				sigProblems, signed := verifyAllSignatures(cmd, store, key)
				out := cmd.OutOrStdout()
				if format == "json" {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					if err := enc.Encode(map[string]any{"trail": rep, "signatures": signed, "signatureProblems": sigProblems, "ok": rep.OK() && len(sigProblems) == 0}); err != nil {
						return err
					}
				} else {
					fmt.Fprintf(out, "%d events, %d sealed under %d signed checkpoint(s); %d records; %d signatures (%s)\n",
						rep.Events, rep.Sealed, rep.Checkpoints, rep.Records, signed, time.Since(started).Round(time.Millisecond))
					if rep.Unsealed > 0 {
						fmt.Fprintf(out, "%d events recorded since the last checkpoint (sealed by the next command)\n", rep.Unsealed)
					}
					for _, p := range rep.Problems {
						fmt.Fprintf(out, "PROBLEM %s: %s\n", p.Kind, p.Detail)
					}
					for _, p := range sigProblems {
						fmt.Fprintf(out, "PROBLEM signature: %s\n", p)
					}
				}
				if n := len(rep.Problems) + len(sigProblems); n > 0 {
					return &findingsError{summary: fmt.Sprintf("the audit trail does not verify: %d problems", n)}
				}
				if format != "json" {
					fmt.Fprintln(out, "the audit trail verifies: nothing recorded was changed, removed or reordered")
				}
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&kept, "checkpoint", nil, "a checkpoint kept elsewhere (file from 'audit checkpoint'; repeatable)")
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

// verifyAllSignatures verifies the signatures on every reviewed run and
// every waiver, returning the problems and how many signatures verified.
func verifyAllSignatures(cmd *cobra.Command, store qualstate.Store, key *qualstate.InstanceKey) ([]string, int) {
	ctx := cmd.Context()
	svc := sign.New(store, key, clock)
	var problems []string
	n := 0
	runs, err := store.Runs(ctx, qualstate.RunFilter{})
	if err != nil {
		return []string{err.Error()}, 0
	}
	for _, run := range runs {
		if _, err := store.Review(ctx, run.ID); qualstate.CodeOf(err) == qualstate.ErrNotFound {
			continue
		}
		q, err := loadQualification(ctx, store, run.ID)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		sigs, err := verifyRunRecord(cmd, svc, store, q)
		if err != nil {
			problems = append(problems, err.Error())
		}
		n += len(sigs)
	}
	ws, err := store.Waivers(ctx)
	if err != nil {
		return append(problems, err.Error()), n
	}
	for _, w := range ws {
		if _, err := svc.VerifyWaiver(ctx, w.ID); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		sigs, err := store.Signatures(ctx, "waiver/"+w.ID)
		if err != nil {
			problems = append(problems, err.Error())
		}
		n += len(sigs)
	}
	return problems, n
}

func newAuditCheckpointCommand(home *string) *cobra.Command {
	return &cobra.Command{
		Use:   "checkpoint",
		Short: "Seal the trail and print its signed checkpoint, to keep elsewhere",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRecords(cmd, *home, func(r *records) error {
				cp, err := r.log.Seal(cmd.Context())
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(cmd.OutOrStdout(), cp.Note)
				return err
			})
		},
	}
}

func newAuditProveCommand(home *string) *cobra.Command {
	return &cobra.Command{
		Use:   "prove EVENT",
		Short: "Print the inclusion proof of an event (by seq) in the newest checkpoint, verified",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seq, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
			if err != nil || seq < 0 {
				return usagef("EVENT: want an event number (the first column of 'audit log'), not %q", args[0])
			}
			return withRecords(cmd, *home, func(r *records) error {
				proof, err := r.log.Prove(cmd.Context(), seq)
				if err != nil {
					return err
				}
				if err := ledger.VerifyInclusion(ledger.VerifierKey(r.key), proof); err != nil {
					return notVerified(cmd.ErrOrStderr(), err)
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(proof)
			})
		},
	}
}

func newAuditConsistencyCommand(home *string) *cobra.Command {
	return &cobra.Command{
		Use:   "consistency CHECKPOINT-FILE",
		Short: "Prove the trail today extends a checkpoint kept earlier: nothing before it changed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := os.ReadFile(args[0])
			if err != nil {
				return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: args[0]}, "%w", err)
			}
			return withRecords(cmd, *home, func(r *records) error {
				proof, err := r.log.ProveConsistency(cmd.Context(), string(old))
				if err == nil {
					err = ledger.VerifyConsistency(ledger.VerifierKey(r.key), proof)
				}
				if err != nil {
					return notVerified(cmd.ErrOrStderr(), err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "consistent: the trail today extends the checkpoint in %s\n", args[0])
				return nil
			})
		},
	}
}

func newAuditKeyCommand(home *string) *cobra.Command {
	return &cobra.Command{
		Use:   "key",
		Short: "Print the instance's verifier key, for checking checkpoints and certificates elsewhere",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRecords(cmd, *home, func(r *records) error {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), ledger.VerifierKey(r.key))
				return err
			})
		},
	}
}

// notVerified reports what did not verify and ends the command with exit
// code 1: the command ran, and its answer is no.
func notVerified(w io.Writer, err error) error {
	fmt.Fprintf(w, "NOT VERIFIED: %v\n", err)
	return &findingsError{summary: err.Error()}
}
