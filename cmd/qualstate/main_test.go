package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs the command line in-process and returns its exit code and output.
func cli(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCommands(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings that must appear
		stderr     []string
		notInOuput []string
	}{
		{name: "compliant template", args: []string{"check", "testdata/compliant-key.yaml"}, code: exitOK,
			stdout: []string{"1 template", "2 pass, 0 fail"}},
		{name: "findings give exit 1", args: []string{"check", "../../examples/legacy-lab.json"}, code: exitFindings,
			stdout: []string{
				"legacy-lab.json:53:31: FAIL RDS.INSTANCE.NOT-PUBLIC [high] LabDatabase (AWS::RDS::DBInstance)",
				"PubliclyAccessible = true",
				"INDETERMINATE S3.ENCRYPTION.CMK-ROTATION",
			}},
		{name: "indeterminate passes by default", args: []string{"check", "testdata/retention-parameter.yaml"}, code: exitOK,
			stdout: []string{"INDETERMINATE LOGS.RETENTION.ONE-YEAR", "parameter RetentionDays has no value"}},
		{name: "--fail-on indeterminate", args: []string{"check", "testdata/retention-parameter.yaml", "--fail-on", "indeterminate"}, code: exitFindings},
		{name: "a parameter decides it", args: []string{"check", "testdata/retention-parameter.yaml", "--fail-on", "indeterminate", "-p", "RetentionDays=3653"},
			code: exitOK, stdout: []string{"2 pass, 0 fail, 0 indeterminate"}},
		{name: "a parameter fails it", args: []string{"check", "testdata/retention-parameter.yaml", "-p", "RetentionDays=30"},
			code: exitFindings, stdout: []string{"RetentionInDays = 30"}},
		{name: "misspelt property is an input error", args: []string{"check", "testdata/misspelt.yaml"}, code: exitInput,
			stdout: []string{
				`misspelt.yaml:7:21: error: Records: Properties/AccesControl: unknown property "AccesControl" (did you mean "AccessControl"?)`,
				"ERROR S3.VERSIONING.ENABLED", "not decided: the resource has template errors",
			},
			stderr:     []string{"1 of 1 templates have errors"},
			notInOuput: []string{"PASS"}},
		{name: "invalid YAML names file and line", args: []string{"check", "testdata/broken.yaml"}, code: exitInput,
			stdout: []string{"broken.yaml:4: error: invalid YAML"}},
		{name: "a named non-template is an error", args: []string{"check", "testdata/notes.yaml"}, code: exitInput,
			stdout: []string{"notes.yaml"}},
		{name: "directory walk skips non-templates", args: []string{"check", "testdata", "-v"}, code: exitInput,
			stdout: []string{"notes.yaml", "not a CloudFormation template", "compliant-key.yaml"}},
		{name: "missing file", args: []string{"check", "testdata/absent.yaml"}, code: exitInput, stderr: []string{"absent.yaml"}},
		{name: "no arguments", args: []string{"check"}, code: exitInput},
		{name: "unknown format", args: []string{"check", "testdata/compliant-key.yaml", "--format", "pdf"}, code: exitInput,
			stderr: []string{`unknown --format "pdf"`}},
		{name: "unknown fail-on", args: []string{"check", "testdata/compliant-key.yaml", "--fail-on", "pass"}, code: exitInput},
		{name: "malformed parameter", args: []string{"check", "testdata/compliant-key.yaml", "-p", "NoEquals"}, code: exitInput,
			stderr: []string{"want KEY=VALUE"}},
		{name: "unknown flag", args: []string{"check", "--bogus"}, code: exitInput},
		{name: "custom requirement set", args: []string{"check", "../../examples/gxp-data-platform.yaml", "-r", "../../examples/requirements/site-requirements.yaml"},
			code: exitFindings, stdout: []string{"SITE.S3.DATA-CLASSIFICATION", "2 requirements: 4 pass, 3 fail"}},
		{name: "parameter file", args: []string{"check", "../../examples/gxp-data-platform.yaml", "--parameter-file", "../../examples/gxp-data-platform.params.json", "-r", "../../examples/requirements/site-requirements.yaml"},
			code: exitFindings},
		{name: "requirements list", args: []string{"requirements", "list"}, code: exitOK,
			stdout: []string{"S3.ENCRYPTION.KMS", "requirements in qualstate-builtin"}},
		{name: "requirements show", args: []string{"requirements", "show", "S3.ENCRYPTION.KMS"}, code: exitOK,
			stdout: []string{"risk:", "nist-800-53:SC-28", "check:", "examples:"}},
		{name: "requirements show unknown id", args: []string{"requirements", "show", "NOPE"}, code: exitInput},
		{name: "requirements test builtin", args: []string{"requirements", "test"}, code: exitOK, stdout: []string{"0 failed"}},
		{name: "requirements test a file", args: []string{"requirements", "test", "-r", "../../examples/requirements/site-requirements.yaml"},
			code: exitOK, stdout: []string{"site-gxp-data-platform: 7 passed, 0 failed"}},
		{name: "requirements lint", args: []string{"requirements", "lint"}, code: exitOK, stdout: []string{"qualstate-builtin:"}},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: []string{"qualstate "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			for _, s := range tt.notInOuput {
				if strings.Contains(stdout, s) {
					t.Errorf("stdout has %q:\n%s", s, stdout)
				}
			}
		})
	}
}

func TestCheckFormats(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"json", "sarif", "junit"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(dir, "report."+format)
			code, stdout, stderr := cli(t, "check", "../../examples/", "--format", format, "--output", out)
			if code != exitFindings {
				t.Fatalf("exit code %d, want %d: %s", code, exitFindings, stderr)
			}
			if stdout != "" {
				t.Errorf("with --output, stdout should be empty, got %q", stdout)
			}
			body, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			switch format {
			case "json":
				var r struct {
					Version  string            `json:"version"`
					Findings []json.RawMessage `json:"findings"`
					Skipped  []json.RawMessage `json:"skipped"`
				}
				if err := json.Unmarshal(body, &r); err != nil {
					t.Fatal(err)
				}
				if r.Version != "qualstate.check/v1" || len(r.Findings) == 0 || len(r.Skipped) != 2 {
					t.Errorf("json: version %q, %d findings, %d skipped (want the params file and the requirement set)",
						r.Version, len(r.Findings), len(r.Skipped))
				}
			case "sarif":
				var log struct {
					Version string `json:"version"`
					Runs    []struct {
						Tool struct {
							Driver struct {
								Rules []json.RawMessage `json:"rules"`
							} `json:"driver"`
						} `json:"tool"`
						Results []struct {
							RuleID string `json:"ruleId"`
						} `json:"results"`
					} `json:"runs"`
				}
				if err := json.Unmarshal(body, &log); err != nil {
					t.Fatal(err)
				}
				if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 || len(log.Runs[0].Tool.Driver.Rules) < 60 {
					t.Errorf("sarif: version %q, runs %d", log.Version, len(log.Runs))
				}
			case "junit":
				var suites struct {
					Suites []struct {
						Name     string `xml:"name,attr"`
						Failures int    `xml:"failures,attr"`
					} `xml:"testsuite"`
				}
				if err := xml.Unmarshal(body, &suites); err != nil {
					t.Fatal(err)
				}
				failures := 0
				for _, s := range suites.Suites {
					failures += s.Failures
				}
				if len(suites.Suites) != 3 || failures == 0 {
					t.Errorf("junit: %d suites, %d failures", len(suites.Suites), failures)
				}
			}
		})
	}
}

// TestCheckIsDeterministic runs the same check on one and on many workers:
// the output must not depend on the order work finished in.
func TestCheckIsDeterministic(t *testing.T) {
	_, one, _ := cli(t, "check", "../../examples/", "testdata/", "--format", "json", "-j", "1")
	_, many, _ := cli(t, "check", "../../examples/", "testdata/", "--format", "json", "-j", "8")
	strip := func(s string) string { // the timestamps differ
		var lines []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, `"started"`) && !strings.Contains(l, `"finished"`) {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	if strip(one) != strip(many) {
		t.Error("output with -j 1 differs from -j 8")
	}
}
