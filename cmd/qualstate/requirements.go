package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/cfn"
	"qualstate/cfn/schema"
	"qualstate/policy"
	"qualstate/policy/library"
)

func newRequirementsCommand() *cobra.Command {
	var spec string
	cmd := &cobra.Command{
		Use:     "requirements",
		Aliases: []string{"reqs"},
		Short:   "List, show, lint and test requirement sets",
		Args:    cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVarP(&spec, "requirements", "r", builtinRequirements, `requirement set: "builtin", a YAML file or a directory`)

	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the requirements of a set",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := loadRequirements(spec)
			if err != nil {
				return err
			}
			return listRequirements(cmd.OutOrStdout(), set, format)
		},
	}
	list.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one requirement: check, controls, examples",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := loadRequirements(spec)
			if err != nil {
				return err
			}
			req := set.Requirement(args[0])
			if req == nil {
				return qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, "no requirement %q in %s", args[0], set.Name)
			}
			return showRequirement(cmd.OutOrStdout(), req)
		},
	}

	lint := &cobra.Command{
		Use:   "lint",
		Short: "Report problems in a requirement set that do not stop it loading",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := loadRequirements(spec)
			if err != nil {
				return err
			}
			diags := policy.Lint(set, func(t string) bool { _, ok := schema.Lookup(t); return ok })
			out := cmd.OutOrStdout()
			errs := 0
			for _, d := range diags {
				fmt.Fprintln(out, d)
				if d.Severity == qualstate.SeverityError {
					errs++
				}
			}
			fmt.Fprintf(out, "%s: %d requirements, %d problems\n", set.Name, len(set.Requirements), len(diags))
			if errs > 0 {
				return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "%d errors in %s", errs, set.Source)
			}
			return nil
		},
	}

	var verbose bool
	test := &cobra.Command{
		Use:   "test",
		Short: "Run every requirement's examples: each check must give the result its example wants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := loadRequirements(spec)
			if err != nil {
				return err
			}
			return testRequirements(cmd.OutOrStdout(), set, spec, verbose)
		},
	}
	test.Flags().BoolVarP(&verbose, "verbose", "v", false, "list passing examples too")

	cmd.AddCommand(list, show, lint, test)
	return cmd
}

func listRequirements(w io.Writer, set *qualstate.RequirementSet, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(set)
	case "text":
	default:
		return usagef("unknown --format %q (want text or json)", format)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRISK\tRESOURCE TYPES\tTITLE")
	for _, r := range set.Requirements {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Risk, strings.Join(r.ResourceTypes, ","), r.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d requirements in %s %s\n", len(set.Requirements), set.Name, set.Version)
	return err
}

func showRequirement(w io.Writer, r *qualstate.Requirement) error {
	titles := controlTitles()
	fmt.Fprintf(w, "%s — %s\n", r.ID, r.Title)
	fmt.Fprintf(w, "risk:           %s\n", r.Risk)
	fmt.Fprintf(w, "resource types: %s\n", strings.Join(r.ResourceTypes, ", "))
	if !r.Loc.IsZero() {
		fmt.Fprintf(w, "defined at:     %s\n", r.Loc)
	}
	if r.Description != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(r.Description))
	}
	if len(r.Controls) > 0 {
		fmt.Fprintln(w, "\ncontrols:")
		for _, c := range r.Controls {
			if t := titles[c]; t != "" {
				fmt.Fprintf(w, "  %s  %s\n", c, t)
			} else {
				fmt.Fprintf(w, "  %s\n", c)
			}
		}
	}
	fmt.Fprintf(w, "\ncheck:\n  %s\n", strings.ReplaceAll(strings.TrimSpace(r.Check), "\n", "\n  "))
	if len(r.Examples) > 0 {
		fmt.Fprintln(w, "\nexamples:")
		for _, e := range r.Examples {
			name := e.Name
			if name == "" {
				name = "(unnamed)"
			}
			fmt.Fprintf(w, "  %-13s %s\n", e.Want, name)
		}
	}
	for _, p := range []struct {
		label string
		ops   []qualstate.PatchOp
	}{{"challenge", r.Challenge}, {"remediation", r.Remediation}} {
		if len(p.ops) == 0 {
			continue
		}
		b, err := json.Marshal(p.ops)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%s: %s\n", p.label, b)
	}
	return nil
}

// controlTitles indexes the titles of every control in the built-in
// framework catalogs.
func controlTitles() map[qualstate.Control]string {
	titles := map[qualstate.Control]string{}
	frameworks, err := library.Frameworks()
	if err != nil {
		return titles
	}
	for _, f := range frameworks {
		for _, c := range f.Controls {
			titles[qualstate.Control(f.ID+":"+c.ID)] = c.Title
		}
	}
	return titles
}

// exampleLoader parses example templates with the default resolution
// options, as `check` would.
func exampleLoader(file string, body []byte) (*qualstate.Template, error) {
	return cfn.Parse(file, body, cfn.Options{})
}

func testRequirements(w io.Writer, set *qualstate.RequirementSet, spec string, verbose bool) error {
	engine, err := policy.NewEngine(set)
	if err != nil {
		return err
	}
	var results []policy.ExampleResult
	switch info, err := os.Stat(spec); {
	case spec == builtinRequirements || spec == "":
		results = policy.RunExamplesFS(engine, set, library.FS(), ".", exampleLoader)
	case err == nil && info.IsDir():
		results = policy.RunExamplesFS(engine, set, os.DirFS(spec), ".", exampleLoader)
	default:
		// Template files are named relative to the set's file.
		results = policy.RunExamples(engine, set, filepath.Dir(spec), exampleLoader)
	}
	failed := 0
	for _, r := range results {
		if r.OK && !verbose {
			continue
		}
		status := "ok  "
		if !r.OK {
			status = "FAIL"
			failed++
		}
		name := r.Example.Name
		if name == "" {
			name = "want " + string(r.Example.Want)
		}
		fmt.Fprintf(w, "%s %s %s: %s", status, r.Example.Loc, r.Requirement.ID, name)
		if r.Problem != "" {
			fmt.Fprintf(w, ": %s", r.Problem)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s: %d passed, %d failed\n", set.Name, len(results)-failed, failed)
	if failed > 0 {
		return &findingsError{summary: fmt.Sprintf("%d examples failed", failed)}
	}
	return nil
}
