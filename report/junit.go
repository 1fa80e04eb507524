package report

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"qualstate"
)

// The JUnit XML dialect CI services read (Jenkins, GitLab, Azure DevOps,
// GitHub test reporters): <testsuites> of <testsuite> of <testcase>.
type junitSuites struct {
	XMLName   xml.Name     `xml:"testsuites"`
	Name      string       `xml:"name,attr"`
	Tests     int          `xml:"tests,attr"`
	Failures  int          `xml:"failures,attr"`
	Errors    int          `xml:"errors,attr"`
	Skipped   int          `xml:"skipped,attr"`
	Time      string       `xml:"time,attr"`
	Timestamp string       `xml:"timestamp,attr,omitempty"`
	Suites    []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
	// SystemOut lists the template's non-fatal diagnostics: worth seeing
	// beside the results, but not tests that passed or failed.
	SystemOut *junitText `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	// Time is set by the qualification report, which measures each case;
	// a design review does not.
	Time    string        `xml:"time,attr,omitempty"`
	Failure *junitProblem `xml:"failure,omitempty"`
	Error   *junitProblem `xml:"error,omitempty"`
	Skipped *junitSkipped `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// junitText is multi-line text kept readable in the file: CDATA keeps line
// breaks as they are where character data would write "&#xA;".
type junitText struct {
	Text string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes the check as JUnit XML: a test suite per template (named by
// its file), a test case per finding ("REQUIREMENT-ID LogicalID") failing,
// erring or skipped (indeterminate, or waived with the waiver in the
// message) as the finding did, and a test case in error per fatal template
// error.
func JUnit(w io.Writer, c *Check) error {
	if c == nil {
		return errors.New("writing JUnit report: no check")
	}
	doc := junitSuites{Name: "qualstate", Time: seconds(c.Finished.Sub(c.Started)), Timestamp: junitTime(c.Started)}
	if c.Tool.Name != "" {
		doc.Name = c.Tool.Name
	}
	for _, g := range groupByFile(c) {
		s := junitSuiteOf(c, g)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	return writeJUnitXML(w, doc)
}

func junitSuiteOf(c *Check, g fileGroup) junitSuite {
	s := junitSuite{Name: g.file, Time: seconds(0), Timestamp: junitTime(c.Started)}
	if t := g.template; t != nil {
		s.Time = seconds(t.Elapsed)
		if t.Digest != "" {
			s.Properties = append(s.Properties, junitProperty{Name: "sha-256", Value: t.Digest})
		}
		s.Properties = append(s.Properties, junitProperty{Name: "resources", Value: fmt.Sprint(t.Resources)})
		for _, d := range t.Errors {
			loc := inFile(d.Loc, g.file)
			name := templateRuleID(d)
			if loc.Line > 0 {
				name += " at " + strings.TrimPrefix(loc.String(), loc.File+":")
			}
			s.Cases = append(s.Cases, junitCase{Name: name, Classname: g.file, Error: &junitProblem{
				Message: d.Message, Type: templateRuleID(d), Text: xmlText(loc.String() + ": " + d.Message),
			}})
			s.Errors++
		}
		var out strings.Builder
		for _, d := range t.Diagnostics {
			out.WriteString(diagnosticLine(d, g.file, 0, 0).plain() + "\n")
		}
		if out.Len() > 0 {
			s.SystemOut = &junitText{Text: xmlText(out.String())}
		}
	}
	for _, f := range g.findings {
		tc := junitCase{Name: f.RequirementID + " " + f.LogicalID, Classname: g.file}
		switch f.Result {
		case qualstate.ResultPass:
		case qualstate.ResultFail:
			tc.Failure = &junitProblem{Message: findingMessage(f), Type: f.RequirementID, Text: xmlText(findingDetail(c, f, g.file))}
			s.Failures++
		case qualstate.ResultIndeterminate:
			tc.Skipped = &junitSkipped{Message: findingMessage(f)}
			s.Skipped++
		case qualstate.ResultWaived:
			// Skipped, not passed: the check failed, and a dashboard
			// should show that something was let through, and why.
			tc.Skipped = &junitSkipped{Message: waivedReason(findingMessage(f), f.Waiver)}
			s.Skipped++
		default:
			// An evaluation error, or a result this version does not
			// know, which must not pass unnoticed.
			tc.Error = &junitProblem{Message: findingMessage(f), Type: f.RequirementID, Text: xmlText(findingDetail(c, f, g.file))}
			s.Errors++
		}
		s.Cases = append(s.Cases, tc)
	}
	s.Tests = len(s.Cases)
	return s
}

// findingMessage is the one-line message of a test case.
func findingMessage(f qualstate.Finding) string {
	if f.Reason != "" {
		return f.Reason
	}
	return f.Title
}

// findingDetail is the body of a failure or error: everything a reader of
// a CI log needs without opening another report.
func findingDetail(c *Check, f qualstate.Finding, file string) string {
	var b strings.Builder
	b.WriteString(findingLine(c, f, file, 0).plain() + "\n")
	if len(f.Controls) > 0 {
		controls := make([]string, len(f.Controls))
		for i, ctl := range f.Controls {
			controls[i] = string(ctl)
		}
		fmt.Fprintf(&b, "Controls: %s\n", strings.Join(controls, ", "))
	}
	if f.Stage != "" {
		fmt.Fprintf(&b, "Stage: %s\n", f.Stage)
	}
	return b.String()
}

// seconds renders a duration as JUnit's decimal seconds.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", max(d, 0).Seconds())
}

// junitTime renders t as JUnit's timestamp: ISO 8601 without a zone, in UTC.
func junitTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

// xmlText replaces what XML 1.0 cannot hold (most C0 controls, U+FFFE,
// U+FFFF, invalid UTF-8) with U+FFFD. encoding/xml does so for attributes
// and character data, but writes CDATA as given.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return utf8.RuneError
	}, s) // strings.Map sees each invalid byte as U+FFFD, as encoding/xml does.
}

// writeJUnitXML writes a JUnit document with its XML header, indented.
func writeJUnitXML(w io.Writer, doc any) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	return nil
}
