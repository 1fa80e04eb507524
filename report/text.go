package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"qualstate"
)

// TextOptions tunes the text report.
type TextOptions struct {
	// Color adds ANSI colours; the caller decides (NO_COLOR, a terminal).
	Color bool
	// Verbose lists passing findings and skipped files too. Waived findings
	// are always listed: each is a known violation someone accepted.
	Verbose bool
}

// ANSI SGR sequences used to colour the text report.
const (
	sgrReset  = "\x1b[0m"
	sgrRed    = "\x1b[1;31m"
	sgrYellow = "\x1b[33m"
	sgrGreen  = "\x1b[32m"
	sgrCyan   = "\x1b[36m"
	sgrBold   = "\x1b[1m"
)

// Text writes the report for people: one line per problem, grouped by file
// in order and by position within a file, then a summary line.
//
//	templates/app.yaml:12:5: FAIL S3.ENCRYPTION.AT-REST [high] Bucket (AWS::S3::Bucket): title — reason
//	templates/app.yaml:20:5: WAIVED LOGS.RETENTION [medium] Logs (AWS::Logs::LogGroup): title — reason (waived W-0001 until 2027-01-31T00:00:00Z)
//	templates/app.yaml:30:7: warning: message [unknown-property]
//	templates/broken.yaml:7:12: error: message [invalid-template]
func Text(w io.Writer, c *Check, opts TextOptions) error {
	if c == nil {
		return errors.New("writing text report: no check")
	}
	bw := bufio.NewWriter(w)
	t := textWriter{w: bw, color: opts.Color}
	for _, g := range groupByFile(c) {
		for _, l := range fileLines(c, g, opts.Verbose) {
			t.line(l)
		}
	}
	if opts.Verbose {
		for _, s := range sortedSkipped(c) {
			fmt.Fprintf(bw, "%s: %s: %s\n", printable(s.File), t.paint(sgrCyan, "skipped"), printable(s.Reason))
		}
	}
	t.summary(c.Summary())
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing text report: %w", err)
	}
	return nil
}

// textLine is one line of the text report before it is written.
type textLine struct {
	loc qualstate.Location
	// order puts fatal errors before diagnostics before findings at the same
	// position, and keeps input order among equals.
	order, seq int
	// label is the coloured word after the location ("FAIL", "warning").
	label, labelColor string
	// sep parts label and rest: a result reads as part of the sentence
	// ("FAIL S3.X …"), a severity introduces a message ("warning: …").
	sep, rest string
}

// plain renders the line without colour.
func (l textLine) plain() string {
	return printable(l.loc.String()) + ": " + l.label + l.sep + l.rest
}

// fileLines returns the lines for one file, ordered by position.
func fileLines(c *Check, g fileGroup, verbose bool) []textLine {
	var lines []textLine
	if g.template != nil {
		for i, d := range g.template.Errors {
			lines = append(lines, diagnosticLine(d, g.file, 0, i))
		}
		for i, d := range g.template.Diagnostics {
			lines = append(lines, diagnosticLine(d, g.file, 1, i))
		}
	}
	for i, f := range g.findings {
		if f.Result == qualstate.ResultPass && !verbose {
			continue
		}
		lines = append(lines, findingLine(c, f, g.file, i))
	}
	sort.SliceStable(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		if a.loc.Line != b.loc.Line {
			return a.loc.Line < b.loc.Line
		}
		if a.loc.Column != b.loc.Column {
			return a.loc.Column < b.loc.Column
		}
		if a.order != b.order {
			return a.order < b.order
		}
		return a.seq < b.seq
	})
	return lines
}

// diagnosticLine renders "severity: message [code]".
func diagnosticLine(d qualstate.Diagnostic, file string, order, seq int) textLine {
	label := string(d.Severity)
	if label == "" {
		label = string(qualstate.SeverityError)
	}
	rest := printable(d.Message)
	if d.Code != "" {
		// At the end, as compilers put a warning's flag, so the message
		// reads first and a search for the code still finds the line.
		rest += " [" + printable(d.Code) + "]"
	}
	return textLine{
		loc: inFile(d.Loc, file), order: order, seq: seq,
		label: label, labelColor: severityColor(d.Severity),
		sep: ": ", rest: rest,
	}
}

// findingLine renders "RESULT ID [risk] LogicalID (Type): title — reason".
func findingLine(c *Check, f qualstate.Finding, file string, seq int) textLine {
	title, risk := f.Title, f.Risk
	if req := requirement(c, f.RequirementID); req != nil {
		if title == "" {
			title = req.Title
		}
		if risk == "" {
			risk = req.Risk
		}
	}
	var b strings.Builder
	b.WriteString(printable(f.RequirementID))
	if risk != "" {
		fmt.Fprintf(&b, " [%s]", printable(string(risk)))
	}
	fmt.Fprintf(&b, " %s", printable(f.LogicalID))
	if f.ResourceType != "" {
		fmt.Fprintf(&b, " (%s)", printable(f.ResourceType))
	}
	b.WriteString(":")
	if title != "" {
		b.WriteString(" " + printable(title))
	}
	if reason := waivedReason(f.Reason, f.Waiver); reason != "" {
		b.WriteString(" — " + printable(reason))
	}
	return textLine{
		loc: inFile(f.Loc, file), order: 2, seq: seq,
		label: strings.ToUpper(printable(string(f.Result))), labelColor: resultColor(f.Result),
		sep: " ", rest: b.String(),
	}
}

// requirement finds a requirement of the check's set, or nil.
func requirement(c *Check, id string) *qualstate.Requirement {
	if c.RequirementSet == nil {
		return nil
	}
	return c.RequirementSet.Requirement(id)
}

func severityColor(s qualstate.Severity) string {
	switch s {
	case qualstate.SeverityWarning:
		return sgrYellow
	case qualstate.SeverityNote:
		return sgrCyan
	}
	return sgrRed
}

func resultColor(r qualstate.Result) string {
	switch r {
	case qualstate.ResultPass:
		return sgrGreen
	case qualstate.ResultIndeterminate:
		return sgrYellow
	case qualstate.ResultWaived:
		return sgrCyan
	}
	return sgrRed
}

// textWriter writes lines, coloured or not.
type textWriter struct {
	w     *bufio.Writer
	color bool
}

func (t textWriter) paint(sgr, s string) string {
	if !t.color {
		return s
	}
	return sgr + s + sgrReset
}

func (t textWriter) line(l textLine) {
	fmt.Fprintf(t.w, "%s: %s%s%s\n", printable(l.loc.String()), t.paint(l.labelColor, l.label), l.sep, l.rest)
}

// summary writes e.g. "2 templates (1 with errors), 7 resources, 4
// requirements: 3 pass, 2 fail, 1 indeterminate, 1 error, 1 waived; 2
// diagnostics, 1 file skipped".
func (t textWriter) summary(s Summary) {
	var b strings.Builder
	b.WriteString(plural(s.Templates, "template", "templates"))
	if s.TemplatesWithErrors > 0 {
		fmt.Fprintf(&b, " (%d with errors)", s.TemplatesWithErrors)
	}
	fmt.Fprintf(&b, ", %s, %s: ", plural(s.Resources, "resource", "resources"),
		plural(s.Requirements, "requirement", "requirements"))
	counts := []struct {
		n     int
		name  string
		color string
	}{
		{s.Pass, "pass", sgrGreen},
		{s.Fail, "fail", sgrRed},
		{s.Indeterminate, "indeterminate", sgrYellow},
		{s.Error, "error", sgrRed},
		{s.Waived, "waived", sgrCyan},
	}
	for i, n := range counts {
		if i > 0 {
			b.WriteString(", ")
		}
		text := fmt.Sprintf("%d %s", n.n, n.name)
		if n.n > 0 {
			text = t.paint(n.color, text)
		}
		b.WriteString(text)
	}
	fmt.Fprintf(&b, "; %s", plural(s.Diagnostics, "diagnostic", "diagnostics"))
	if s.Skipped > 0 {
		fmt.Fprintf(&b, ", %s skipped", plural(s.Skipped, "file", "files"))
	}
	fmt.Fprintln(t.w, t.paint(sgrBold, "Summary:")+" "+b.String())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
