package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/ledger"
	"qualstate/report"
	"qualstate/sign"
)

// signFlags are the flags of review, approve and reject.
type signFlags struct {
	home    string
	comment string
	auth    authFlags
}

func (f *signFlags) register(cmd *cobra.Command, commentFlag, commentHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&f.home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	fl.StringVar(&f.comment, commentFlag, "", commentHelp)
	f.auth.register(fl)
}

// withSigner opens the records, establishes the signed-in user, loads the
// run and asks for the signature's components.
func withSigner(cmd *cobra.Command, f *signFlags, runID string, fn func(r *records, a *actor, c sign.Components, q *report.Qualification) error) error {
	return withRecords(cmd, f.home, func(r *records) error {
		a, err := r.requireActor(cmd, f.auth)
		if err != nil {
			return err
		}
		defer a.end(cmd.Context(), r)
		q, err := loadQualification(cmd.Context(), r.store, runID)
		if err != nil {
			return err
		}
		c, err := a.components()
		if err != nil {
			return err
		}
		return fn(r, a, c, q)
	})
}

func newReviewCommand() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "review RUN",
		Short: "Sign a qualification run as reviewed (reviewer; never the run's executor)",
		Long: `review signs a finished run with the meaning "reviewed". The first review
freezes the run's qualification record — the qualstate.run/v1 JSON of
every test case, its evidence and the baseline — and every signature on
the run signs that record's SHA-256: a signature cannot be moved to another
record (21 CFR 11.70). Read the run first with 'qualstate runs show RUN -v'
or its report.

Signing asks for your password (and, at the first signature of a session,
your user id): 21 CFR 11.200.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSigner(cmd, &f, args[0], func(r *records, a *actor, c sign.Components, q *report.Qualification) error {
				record, err := report.QualificationRecord(q)
				if err != nil {
					return err
				}
				sig, err := r.sign.ReviewRun(a.ctx(cmd.Context()), a.id, c, q.Run, record, f.comment)
				if err != nil {
					return err
				}
				printSigned(cmd.OutOrStdout(), q.Run.ID, sig)
				return nil
			})
		},
	}
	f.register(cmd, "comment", "what the review found (recorded with the signature)")
	return cmd
}

func newApproveCommand() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "approve RUN",
		Short: "Approve (certify) a reviewed run that passed (approver; not its executor, nor, by default, its reviewer)",
		Long: `approve signs a reviewed run with the meaning "approved" and issues its
certificate: the signed statement that the template (by digest) met the
requirement set (by digest) in the run. Only a run that passed (waived
failures count as passed while their waivers are in force) can be
approved; the approver is never the executor, and by default never a
reviewer of the run (setting review.distinct-approver).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSigner(cmd, &f, args[0], func(r *records, a *actor, c sign.Components, q *report.Qualification) error {
				sig, cert, err := r.sign.ApproveRun(a.ctx(cmd.Context()), a.id, c, q.Run, f.comment)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				printSigned(out, q.Run.ID, sig)
				fmt.Fprintf(out, "certificate: %s\n", cert.Statement)
				fmt.Fprintf(out, "  qualstate certificate show %s > certificate.json\n", q.Run.ID)
				return nil
			})
		},
	}
	f.register(cmd, "comment", "comment recorded with the signature")
	return cmd
}

func newRejectCommand() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "reject RUN --reason TEXT",
		Short: "Reject a run, with the reason (reviewer or approver; never the run's executor)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.comment == "" {
				return usagef("--reason: say why the run is rejected")
			}
			return withSigner(cmd, &f, args[0], func(r *records, a *actor, c sign.Components, q *report.Qualification) error {
				record, err := report.QualificationRecord(q)
				if err != nil {
					return err
				}
				ctx := qualstate.WithReason(a.ctx(cmd.Context()), f.comment)
				sig, err := r.sign.RejectRun(ctx, a.id, c, q.Run, record, f.comment)
				if err != nil {
					return err
				}
				printSigned(cmd.OutOrStdout(), q.Run.ID, sig)
				return nil
			})
		},
	}
	f.register(cmd, "reason", "why the run is rejected (required; recorded with the signature)")
	return cmd
}

// printSigned shows a signature's manifestation as 21 CFR 11.50 asks:
// printed name, date and time, meaning.
func printSigned(w io.Writer, runID string, s *qualstate.Signature) {
	fmt.Fprintf(w, "run %s %s by %s (%s) at %s\n", runID, s.Meaning, s.SignerName, s.SignerID, s.Time.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "  signature %s over record sha256:%s\n", s.ID, s.RecordDigest)
}

func newSignaturesCommand() *cobra.Command {
	var home, format string
	cmd := &cobra.Command{
		Use:   "signatures RUN",
		Short: "List and verify a run's signatures, its review state and its certificate",
		Long: `signatures verifies every signature on a run: that it signs the run's
frozen record, that the record is stored unchanged, that the record still
agrees with the run's test cases as stored, and the instance key's Ed25519
signature. Exit code 1 when any check fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(&home, func(store qualstate.Store, dir string) error {
				key, err := qualstate.LoadKey(filepath.Join(dir, keyFile))
				if err != nil {
					return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%w", err)
				}
				q, err := loadQualification(cmd.Context(), store, args[0])
				if err != nil {
					return err
				}
				svc := sign.New(store, key, clock)
				review, err := svc.ReviewOf(cmd.Context(), q.Run)
				if err != nil {
					return err
				}
				sigs, verr := verifyRunRecord(cmd, svc, store, q)
				out := cmd.OutOrStdout()
				if format == "json" {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					res := map[string]any{"run": q.Run.ID, "review": review, "signatures": q.Signatures, "verified": verr == nil}
					if verr != nil {
						res["problem"] = verr.Error()
					}
					if err := enc.Encode(res); err != nil {
						return err
					}
				} else {
					fmt.Fprintf(out, "run %s: %s", q.Run.ID, review.State)
					if review.RecordDigest != "" {
						fmt.Fprintf(out, ", record sha256:%s", review.RecordDigest)
					}
					fmt.Fprintln(out)
					tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "SIGNATURE\tMEANING\tSIGNER\tNAME\tTIME (UTC)\tREASON")
					for _, s := range q.Signatures {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Meaning, s.SignerID, s.SignerName, s.Time.UTC().Format(time.RFC3339), s.Reason)
					}
					tw.Flush()
					if verr == nil {
						fmt.Fprintf(out, "%d signatures verified\n", len(sigs))
					}
				}
				if verr != nil {
					return notVerified(cmd.ErrOrStderr(), verr)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

// verifyRunRecord verifies a run's signatures and that the record they
// sign still describes the run as stored: the same test cases with the same
// results and evidence. A changed test case after signing is a record
// that no longer matches its signatures.
func verifyRunRecord(cmd *cobra.Command, svc *sign.Service, store qualstate.Store, q *report.Qualification) ([]qualstate.Signature, error) {
	sigs, err := svc.VerifyRun(cmd.Context(), q.Run)
	if err != nil || q.Review == nil || q.Review.RecordDigest == "" {
		return sigs, err
	}
	frozen, err := store.Record(cmd.Context(), q.Review.RecordDigest)
	if err != nil {
		return sigs, err
	}
	now, err := report.QualificationRecord(q)
	if err != nil {
		return sigs, err
	}
	if qualstate.Digest(now) != q.Review.RecordDigest {
		signed, rerr := report.ReadQualificationJSON(bytes.NewReader(frozen))
		if rerr != nil {
			return sigs, fmt.Errorf("run %s: the signed record cannot be read: %w", q.Run.ID, rerr)
		}
		if d := firstCaseDifference(signed.TestCases, q.TestCases); d != "" {
			return sigs, fmt.Errorf("run %s: the records changed after they were signed: %s: %w", q.Run.ID, d, qualstate.ErrBadSignature)
		}
	}
	return sigs, nil
}

// firstCaseDifference names the first test case that differs between the
// signed record and the store, or returns "".
func firstCaseDifference(signed, stored []qualstate.TestCase) string {
	byID := map[string]qualstate.TestCase{}
	for _, c := range stored {
		byID[c.ID] = c
	}
	for _, s := range signed {
		c, ok := byID[s.ID]
		switch {
		case !ok:
			return "test case " + s.ID + " is gone"
		case c.Result != s.Result || c.Actual != s.Actual || c.Expected != s.Expected || fmt.Sprint(c.Evidence) != fmt.Sprint(s.Evidence):
			return fmt.Sprintf("test case %s was %s (%s), is now %s (%s)", s.ID, s.Result, s.Actual, c.Result, c.Actual)
		}
		delete(byID, s.ID)
	}
	for id := range byID {
		return "test case " + id + " was added"
	}
	return ""
}

func newCertificateCommand() *cobra.Command {
	var home string
	cmd := &cobra.Command{
		Use:   "certificate",
		Short: "Show or verify the certificate of an approved run",
		Args:  cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	show := &cobra.Command{
		Use:   "show RUN",
		Short: "Print the certificate (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(&home, func(store qualstate.Store, dir string) error {
				key, err := qualstate.LoadKey(filepath.Join(dir, keyFile))
				if err != nil {
					return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%w", err)
				}
				run, err := store.Run(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				cert, err := sign.New(store, key, clock).Certificate(cmd.Context(), run.ID)
				if err != nil {
					return err
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(cert)
			})
		},
	}
	var vkey string
	verify := &cobra.Command{
		Use:   "verify FILE",
		Short: "Verify a certificate with the instance's public key (of --home, or --key)",
		Long: `verify checks a certificate's signature and the signatures it carries with
the instance's public key: from --key (the verifier key 'qualstate audit
key' prints, so a certificate can be checked anywhere), else from the
home's instance key. Exit code 1 when it does not verify.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: args[0]}, "%w", err)
			}
			var cert qualstate.Certificate
			if err := json.Unmarshal(b, &cert); err != nil {
				return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: args[0]}, "not a certificate: %w", err)
			}
			pub, err := publicKey(home, vkey)
			if err != nil {
				return err
			}
			if err := cert.Verify(pub); err != nil {
				if errors.Is(err, qualstate.ErrBadSignature) {
					return notVerified(cmd.ErrOrStderr(), err)
				}
				return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: args[0]}, "%w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "certificate verified: %s\n", cert.Statement)
			return nil
		},
	}
	verify.Flags().StringVar(&vkey, "key", "", "the instance's verifier key (from 'qualstate audit key')")
	cmd.AddCommand(show, verify)
	return cmd
}

// publicKey returns the instance public key from a verifier key, or from
// the home's instance key file.
func publicKey(home, vkey string) ([]byte, error) {
	if vkey != "" {
		_, pub, err := ledger.ParseVerifierKey(vkey)
		if err != nil {
			return nil, usagef("--key: %w", err)
		}
		return pub, nil
	}
	dir, err := homeDir(home)
	if err != nil {
		return nil, err
	}
	key, err := qualstate.LoadKey(filepath.Join(dir, keyFile))
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%w (give the verifier key with --key)", err)
	}
	return key.Public(), nil
}
