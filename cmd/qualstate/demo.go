package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/cfn"
	"qualstate/examples"
	"qualstate/qualify"
)

// demoTemplate is the example the demo qualifies, with its parameters.
const (
	demoDetectTimeout = 3 * time.Second
	demoTemplate      = "gxp-data-platform.yaml"
	demoParameters    = "gxp-data-platform.params.json"
)

func newDemoCommand() *cobra.Command {
	var out, challenge string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Qualify the example GxP template in the embedded sandbox; no setup, no AWS account",
		Long: `demo writes the example templates and requirement sets to a directory, starts
the embedded sandbox (an AWS-compatible TEST environment in this process),
qualifies examples/` + demoTemplate + ` against the built-in requirement
library — design review, deployment and installation qualification,
challenge tests, teardown — and writes the HTML and PDF reports and the
evidence bundle beside them. The records are kept in DIR/.qualstate.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd, out, challenge)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the examples, records and reports (default: a new temporary directory)")
	cmd.Flags().StringVar(&challenge, "challenge", "all", "requirements challenged in OQ: high, all or none")
	return cmd
}

func runDemo(cmd *cobra.Command, out, challenge string) error {
	stdout := cmd.OutOrStdout()
	if out == "" {
		dir, err := os.MkdirTemp("", "qualstate-demo-")
		if err != nil {
			return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "demo directory: %w", err)
		}
		out = dir
	}
	exampleDir := filepath.Join(out, "examples")
	if err := copyFS(exampleDir, examples.FS); err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "writing examples: %w", err)
	}
	home := filepath.Join(out, homeDefault)
	file := filepath.Join(exampleDir, demoTemplate)
	body, err := readBounded(file)
	if err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{File: file}, "%w", err)
	}
	params, err := cfn.LoadParameterFile(filepath.Join(exampleDir, demoParameters))
	if err != nil {
		return err
	}
	engine, err := requirementEngine(builtinRequirements)
	if err != nil {
		return err
	}
	set := engine.Set()
	fmt.Fprintf(stdout, "qualstate demo: qualifying %s against %s %s (%d requirements) in the embedded sandbox\n\n",
		file, set.Name, set.Version, len(set.Requirements))
	return qualifyIn(cmd, home, targetFlags{env: "sandbox"}, authFlags{}, qualify.Options{
		Engine: engine, TemplateFile: file, TemplateBody: body, Parameters: params,
		Challenge: qualstate.ChallengeLevel(challenge),
		// The sandbox applies a change before it answers, so a violation
		// not seen at once is not coming.
		DetectTimeout: demoDetectTimeout,
	}, func(store qualstate.Store, run *qualstate.Run, err error) error {
		if err != nil {
			return err
		}
		return demoReports(cmd, store, run, out, home)
	})
}

// demoReports prints the demo run's summary and writes its reports.
func demoReports(cmd *cobra.Command, store qualstate.Store, run *qualstate.Run, out, home string) error {
	stdout := cmd.OutOrStdout()
	q, err := loadQualification(cmd.Context(), store, run.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	printRunSummary(stdout, q)
	paths, err := writeReports(q, out)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nreports:")
	for _, p := range paths {
		fmt.Fprintf(stdout, "  %s\n", p)
	}
	n, err := store.AuditSize(cmd.Context())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\naudit trail: %d events, sealed under a signed checkpoint when the demo ends\n", n)
	fmt.Fprintf(stdout, "\nnext:\n  qualstate runs show %s --home %s\n  qualstate runs export %s --home %s\n  qualstate audit verify --home %s\n",
		run.ID, home, run.ID, home, home)
	return nil
}

// copyFS writes every file of fsys below dir, replacing files already there
// (os.CopyFS refuses to), so a demo can be run again into the same --out.
func copyFS(dir string, fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		body, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, body, 0o644)
	})
}
