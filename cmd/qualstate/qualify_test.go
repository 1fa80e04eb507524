package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestQualifyExportVerify qualifies a template with the CLI in the embedded
// sandbox, writes every report format and the evidence bundle, and
// verifies the bundle.
func TestQualifyExportVerify(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	t.Setenv("AWS_ENDPOINT_URL", "")
	home, out := t.TempDir(), t.TempDir()
	code, stdout, stderr := cli(t, "qualify", "../../qualify/testdata/stack.yaml", "-r", "../../qualify/testdata/requirements.yaml",
		"--home", home, "--challenge", "all", "--report-dir", out)
	if code != exitOK {
		t.Fatalf("qualify exit %d:\n%s%s", code, stdout, stderr)
	}
	m := regexp.MustCompile(`(?m)^run ([0-9a-f]{12}): passed`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no passed run in the output:\n%s", stdout)
	}
	id := m[1]
	for _, f := range []string{"qualification-" + id + ".html", "qualification-" + id + ".pdf"} {
		if info, err := os.Stat(filepath.Join(out, f)); err != nil || info.Size() == 0 {
			t.Errorf("report %s: %v", f, err)
		}
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"runs", "show", id[:6]}, "challenges: 3 detected, 3 reverted"},
		{[]string{"runs", "list", "--format", "json"}, `"id": "` + id + `"`},
		{[]string{"runs", "report", id, "--format", "json"}, "qualstate.run/v1"},
		{[]string{"runs", "report", id, "--format", "junit"}, "<testsuites"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:2], " ")+" "+tt.want[:8], func(t *testing.T) {
			code, stdout, stderr := cli(t, append(tt.args, "--home", home)...)
			if code != exitOK || !strings.Contains(stdout, tt.want) {
				t.Errorf("%v: exit %d, want %q in:\n%s%s", tt.args, code, tt.want, stdout, stderr)
			}
		})
	}
	t.Run("json report reads back", func(t *testing.T) {
		_, stdout, _ := cli(t, "runs", "report", id, "--format", "json", "--home", home)
		var doc map[string]any
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("the JSON report: %v", err)
		}
	})
	t.Run("bundle", func(t *testing.T) {
		bundle := filepath.Join(out, "bundle.zip")
		if code, stdout, stderr := cli(t, "runs", "export", id, "-o", bundle, "--home", home); code != exitOK {
			t.Fatalf("export exit %d:\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr := cli(t, "runs", "verify", bundle)
		if code != exitOK || !strings.Contains(stdout, "verified: run "+id) {
			t.Fatalf("verify exit %d:\n%s%s", code, stdout, stderr)
		}
		// One piece of evidence changed and the bundle no longer verifies.
		tampered := filepath.Join(out, "tampered.zip")
		rewriteZip(t, bundle, tampered, func(name string, body []byte) []byte {
			if strings.HasPrefix(name, "evidence/") && strings.Contains(string(body), "cloudcontrol:GetResource") {
				return []byte(strings.Replace(string(body), "cloudcontrol:GetResource", "cloudcontrol:GetResourcE", 1))
			}
			return body
		})
		if code, _, stderr := cli(t, "runs", "verify", tampered); code == exitOK || !strings.Contains(stderr, "evidence/") {
			t.Errorf("a tampered bundle: exit %d, %s", code, stderr)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"runs", "show", "ffffffffffff"},
			{"runs", "resume", id},
			{"qualify", "../../qualify/testdata/stack.yaml", "--challenge", "some"},
			{"qualify", "../../qualify/testdata/stack.yaml", "--env", "moon"},
		} {
			if code, _, stderr := cli(t, append(args, "--home", home)...); code != exitInput || stderr == "" {
				t.Errorf("%v: exit %d (%s), want %d with a message", args, code, stderr, exitInput)
			}
		}
	})
}

// rewriteZip copies a zip, passing every entry's body through edit.
func rewriteZip(t *testing.T, from, to string, edit func(name string, body []byte) []byte) {
	t.Helper()
	r, err := zip.OpenReader(from)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := zip.NewWriter(f)
	for _, e := range r.File {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		ew, err := w.Create(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ew.Write(edit(e.Name, body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
