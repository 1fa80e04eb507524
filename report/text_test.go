package report

import (
	"errors"
	"io"
	"strings"
	"testing"

	"qualstate"
)

func TestTextOptions(t *testing.T) {
	tests := []struct {
		name      string
		opts      TextOptions
		wantPass  bool // passing findings listed
		wantColor bool
	}{
		{"default", TextOptions{}, false, false},
		{"verbose", TextOptions{Verbose: true}, true, false},
		{"colour", TextOptions{Color: true}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := Text(&b, fixtureCheck(), tt.opts); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if got := strings.Contains(out, "PASS S3.PUBLIC-ACCESS.BLOCKED"); got != tt.wantPass {
				t.Errorf("passing finding listed = %v, want %v", got, tt.wantPass)
			}
			// A waived finding is an accepted violation: listed whatever
			// the verbosity, unlike a pass.
			if !strings.Contains(out, "WAIVED") || !strings.Contains(out, "LOGS.RETENTION.MINIMUM [medium] DebugLogs") {
				t.Errorf("waived finding not listed:\n%s", out)
			}
			if got := strings.Contains(out, "\x1b["); got != tt.wantColor {
				t.Errorf("colour codes present = %v, want %v", got, tt.wantColor)
			}
			if !tt.wantColor && strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && unsafeRune(r) }) {
				t.Errorf("control characters from a reason reached the terminal:\n%q", out)
			}
		})
	}
}

// TestTextOrder: lines are grouped by file, files in order, and within a
// file follow the position of what they report.
func TestTextOrder(t *testing.T) {
	var b strings.Builder
	if err := Text(&b, fixtureCheck(), TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var prevFile string
	var prevLine int
	seen := map[string]bool{}
	for _, l := range lines {
		if strings.HasPrefix(l, "Summary:") || strings.Contains(l, ": skipped: ") {
			continue
		}
		file, line := splitLocation(t, l)
		if file != prevFile {
			if seen[file] {
				t.Errorf("lines for %s are not together", file)
			}
			if file < prevFile {
				t.Errorf("%s listed after %s", file, prevFile)
			}
			seen[file], prevFile, prevLine = true, file, 0
		}
		if line < prevLine {
			t.Errorf("line %d of %s listed after line %d", line, file, prevLine)
		}
		prevLine = line
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "Summary: 4 templates (2 with errors), 6 resources, 5 requirements: 1 pass, 3 fail, 2 indeterminate, 1 error, 1 waived; 3 diagnostics, 1 file skipped") {
		t.Errorf("summary line is %q", last)
	}
}

// splitLocation reads "file:line:col: …" or "file: …"; file names in the
// fixture hold no ": ".
func splitLocation(t *testing.T, l string) (string, int) {
	t.Helper()
	loc, _, ok := strings.Cut(l, ": ")
	if !ok {
		t.Fatalf("line without location: %q", l)
	}
	parts := strings.Split(loc, ":")
	if len(parts) < 3 {
		return loc, 0
	}
	var n int
	for _, r := range parts[len(parts)-2] {
		n = n*10 + int(r-'0')
	}
	return strings.Join(parts[:len(parts)-2], ":"), n
}

func TestTextSummaryWords(t *testing.T) {
	tests := []struct {
		name  string
		check *Check
		want  string
	}{
		{"nothing", &Check{}, "Summary: 0 templates, 0 resources, 0 requirements: 0 pass, 0 fail, 0 indeterminate, 0 error, 0 waived; 0 diagnostics\n"},
		{"singular", &Check{
			Templates:      []TemplateResult{{File: "a.yaml", Resources: 1, Diagnostics: []qualstate.Diagnostic{{Severity: qualstate.SeverityNote, Message: "n"}}}},
			Skipped:        []Skipped{{File: "b", Reason: "r"}},
			RequirementSet: &qualstate.RequirementSet{Requirements: []*qualstate.Requirement{{ID: "R"}}},
		}, "a.yaml: note: n\nSummary: 1 template, 1 resource, 1 requirement: 0 pass, 0 fail, 0 indeterminate, 0 error, 0 waived; 1 diagnostic, 1 file skipped\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := Text(&b, tt.check, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"données ✓ 日本", "données ✓ 日本"},
		{"two\nlines\r\n", `two\nlines\r\n`},
		{"tab\there", `tab\there`},
		{"\x1b[31mred", `\u001b[31mred`},
		{"bidi \u202eevil", `bidi \u202eevil`},
		{"line\u2028separator", `line\u2028separator`},
		{"bad \xff byte", `bad \xff byte`},
		{"c1 \u0085 control", `c1 \u0085 control`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := printable(tt.in); got != tt.want {
				t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestWritersRejectNil and TestWritersReportWriteErrors: failures come back
// as errors, never as panics or silently short output.
func TestWritersRejectNil(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			if err := w.write(io.Discard, nil); err == nil {
				t.Error("no error for a nil check")
			}
		})
	}
}

func TestWritersReportWriteErrors(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			err := w.write(failingWriter{}, fixtureCheck())
			if !errors.Is(err, errDiskFull) {
				t.Errorf("error %v, want one wrapping %v", err, errDiskFull)
			}
		})
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }
