package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/examples"
	"qualstate/policy"
	"qualstate/report"
)

func newDemoCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Check the example templates against the built-in library; no setup, no AWS account",
		Long: `demo writes the example templates and requirement sets to a directory,
checks every template against the built-in requirement library (design
review), prints the findings and writes the report as text, JSON, SARIF and
JUnit beside them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd, out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the examples and reports (default: a new temporary directory)")
	return cmd
}

func runDemo(cmd *cobra.Command, out string) error {
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
	set, err := loadRequirements(builtinRequirements)
	if err != nil {
		return err
	}
	engine, err := policy.NewEngine(set)
	if err != nil {
		return err
	}
	cands, err := findCandidates([]string{exampleDir})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "qualstate demo: design review of %s against %s %s (%d requirements)\n\n",
		exampleDir, set.Name, set.Version, len(set.Requirements))
	started := time.Now().UTC()
	templates, skipped, findings, err := scan(cmd.Context(), cands, scanOptions{engine: engine})
	if err != nil {
		return err
	}
	check := &report.Check{
		Tool:           report.Tool{Name: "qualstate", Version: toolVersion(), InformationURI: informationURI},
		RequirementSet: set,
		Templates:      templates,
		Skipped:        skipped,
		Findings:       findings,
		FailOn:         qualstate.ResultFail,
		Started:        started,
		Finished:       time.Now().UTC(),
	}
	if err := report.Text(stdout, check, report.TextOptions{Color: colorAllowed(stdout)}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nreports:")
	for _, r := range []struct {
		name  string
		write func(io.Writer, *report.Check) error
	}{
		{"report.json", report.JSON},
		{"report.sarif", report.SARIF},
		{"report.junit.xml", report.JUnit},
	} {
		path := filepath.Join(out, r.name)
		if err := writeOutput(nil, path, func(w io.Writer) error { return r.write(w, check) }); err != nil {
			return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "writing %s: %w", path, err)
		}
		fmt.Fprintf(stdout, "  %s\n", path)
	}
	fmt.Fprintf(stdout, "\nnext: qualstate check %s --format sarif\n", filepath.Join(exampleDir, "gxp-data-platform.yaml"))
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
