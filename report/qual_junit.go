package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"qualstate"
)

// QualificationJUnit writes the run as JUnit XML for CI dashboards: a test
// suite per stage (static, iq, oq), a test case per recorded test case,
// named by its id and description and classed by its requirement (or
// "installation.<logical id>" for a template-level case). Failures and
// errors carry the expected and actual values; indeterminate cases are
// skipped, waived ones too with their waiver in the message, and so are
// cases a later attempt superseded, so that only the latest attempt
// decides whether the build passes.
func QualificationJUnit(w io.Writer, q *Qualification) error {
	if err := checkQualification(q); err != nil {
		return fmt.Errorf("writing JUnit report: %w", err)
	}
	v := newQualView(q)
	doc := junitSuites{Name: "qualification " + q.Run.ID, Timestamp: junitTime(q.Run.Started)}
	var total time.Duration
	index := map[qualstate.Stage]int{}
	for _, s := range v.stages {
		index[s.Stage] = len(doc.Suites)
		doc.Suites = append(doc.Suites, junitSuite{
			Name: string(s.Stage), Time: seconds(s.duration), Timestamp: junitTime(s.firstTime),
			Properties: []junitProperty{
				{Name: "run", Value: q.Run.ID},
				{Name: "attempt", Value: fmt.Sprint(s.Attempt)},
				{Name: "template-sha-256", Value: q.Run.TemplateDigest},
				{Name: "requirement-set-sha-256", Value: q.Run.RequirementSetDigest},
			},
		})
		total += s.duration
	}
	for i := range v.cases {
		c := &v.cases[i]
		at, ok := index[c.Stage]
		if !ok {
			// Superseded cases of a stage with no current case: their
			// stage has a suite like any other.
			at = len(doc.Suites)
			index[c.Stage] = at
			doc.Suites = append(doc.Suites, junitSuite{Name: string(c.Stage), Time: seconds(0)})
		}
		s := &doc.Suites[at]
		tc := junitCase{Name: strings.TrimSpace(c.ID + " " + c.Description), Classname: junitClassname(c), Time: seconds(c.Duration)}
		switch {
		case !c.Current:
			tc.Skipped = &junitSkipped{Message: fmt.Sprintf("superseded by attempt %d (this case: attempt %d, %s)", c.SupersededBy, attemptOf(c.Attempt), c.Result)}
			s.Skipped++
		case c.Result == qualstate.ResultPass:
		case c.Result == qualstate.ResultIndeterminate:
			tc.Skipped = &junitSkipped{Message: cmpOr(c.Reason, "indeterminate")}
			s.Skipped++
		case c.Result == qualstate.ResultWaived:
			tc.Skipped = &junitSkipped{Message: waivedReason(c.Reason, c.Waiver)}
			s.Skipped++
		case c.Result == qualstate.ResultFail:
			tc.Failure = &junitProblem{Message: cmpOr(c.Reason, "failed"), Type: c.Kind, Text: xmlText(junitCaseDetail(c))}
			s.Failures++
		default:
			// An error, or a result this version does not know, which
			// must not pass unnoticed.
			tc.Error = &junitProblem{Message: cmpOr(c.Reason, "error"), Type: c.Kind, Text: xmlText(junitCaseDetail(c))}
			s.Errors++
		}
		s.Cases = append(s.Cases, tc)
	}
	for i := range doc.Suites {
		s := &doc.Suites[i]
		s.Tests = len(s.Cases)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	doc.Time = seconds(total)
	return writeJUnitXML(w, doc)
}

// junitClassname groups a test case under its requirement, or under the
// resource for template-level cases.
func junitClassname(c *caseView) string {
	switch {
	case c.RequirementID != "":
		return c.RequirementID
	case installationCase(&c.TestCase):
		return "installation." + c.LogicalID
	}
	return string(c.Stage) + "." + c.LogicalID
}

// junitCaseDetail is the body of a failure or error: everything a reader of
// a CI log needs without opening another report.
func junitCaseDetail(c *caseView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected: %s\nActual: %s\n", c.Expected, c.Actual)
	fmt.Fprintf(&b, "Resource: %s\n", resourceText(c.LogicalID, c.ResourceType, c.PhysicalID))
	if c.Property != "" {
		fmt.Fprintf(&b, "Property: %s\n", c.Property)
	}
	if !c.Loc.IsZero() {
		fmt.Fprintf(&b, "Location: %s\n", c.Loc)
	}
	if len(c.Controls) > 0 {
		fmt.Fprintf(&b, "Controls: %s\n", controlsText(c.Controls))
	}
	if len(c.Evidence) > 0 {
		fmt.Fprintf(&b, "Evidence: %s\n", strings.Join(c.Evidence, ", "))
	}
	fmt.Fprintf(&b, "Time: %s\n", utcText(c.Time))
	return b.String()
}
