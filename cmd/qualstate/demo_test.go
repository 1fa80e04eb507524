package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"qualstate/policy/library"
)

// TestDemo is the first thing a new user runs: one command, no setup, a
// qualification in the embedded sandbox with its HTML and PDF reports.
func TestDemo(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	out := t.TempDir()
	code, stdout, stderr := cli(t, "demo", "--out", out)
	if code != exitOK {
		t.Fatalf("demo exit %d: %s\n%s", code, stderr, stdout)
	}
	id := regexp.MustCompile(`(?m)^run ([0-9a-f]{12}):`).FindStringSubmatch(stdout)
	if id == nil {
		t.Fatalf("no run id in the output:\n%s", stdout)
	}
	m := regexp.MustCompile(`challenges: (\d+) detected, (\d+) reverted`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no challenge summary in the output:\n%s", stdout)
	}
	if detected, _ := strconv.Atoi(m[1]); detected == 0 || m[1] != m[2] {
		t.Errorf("%s challenges detected, %s reverted; want at least one, all reverted", m[1], m[2])
	}
	html, err := os.ReadFile(filepath.Join(out, "qualification-"+id[1]+".html"))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile(filepath.Join(out, "qualification-"+id[1]+".pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("the PDF report starts %q", pdf[:min(8, len(pdf))])
	}
	// The traceability matrix covers every requirement of the set.
	set, err := library.Set()
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range set.Requirements {
		if !strings.Contains(string(html), req.ID) {
			t.Errorf("the HTML report does not mention requirement %s", req.ID)
		}
	}
	home := filepath.Join(out, homeDefault)
	if code, stdout, stderr := cli(t, "runs", "list", "--home", home); code != exitOK || !strings.Contains(stdout, id[1]) {
		t.Errorf("runs list exit %d: %s%s", code, stdout, stderr)
	}
	// Running it again into the same directory works.
	if code, _, stderr := cli(t, "demo", "--out", out); code != exitOK {
		t.Fatalf("second demo exit %d: %s", code, stderr)
	}
}
