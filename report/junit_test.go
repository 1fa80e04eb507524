package report

import (
	"encoding/xml"
	"strings"
	"testing"

	"qualstate"
)

// Types a JUnit consumer would use, independent of the writer's.
type parsedSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Skipped  int           `xml:"skipped,attr"`
	Time     float64       `xml:"time,attr"`
	Suites   []parsedSuite `xml:"testsuite"`
}

type parsedSuite struct {
	Name      string       `xml:"name,attr"`
	Tests     int          `xml:"tests,attr"`
	Failures  int          `xml:"failures,attr"`
	Errors    int          `xml:"errors,attr"`
	Skipped   int          `xml:"skipped,attr"`
	Time      float64      `xml:"time,attr"`
	Cases     []parsedCase `xml:"testcase"`
	SystemOut string       `xml:"system-out"`
}

type parsedCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Failure   *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Error *struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"error"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
}

func parseJUnit(t *testing.T, c *Check) parsedSuites {
	t.Helper()
	var doc parsedSuites
	if err := xml.Unmarshal(render(t, JUnit, c), &doc); err != nil {
		t.Fatalf("JUnit output is not well-formed XML: %v", err)
	}
	return doc
}

// TestJUnitRoundTrip parses the report back with encoding/xml: counts must
// agree with the test cases, and text must survive escaping.
func TestJUnitRoundTrip(t *testing.T) {
	doc := parseJUnit(t, fixtureCheck())
	tests := []struct {
		suite                                   string
		tests, failures, errors, skipped, cases int
	}{
		{labFile, 2, 1, 0, 1, 2},
		{appFile, 6, 2, 1, 2, 6},
		{brokenFile, 1, 0, 1, 0, 1},
		{missingFile, 1, 0, 1, 0, 1},
	}
	if len(doc.Suites) != len(tests) {
		t.Fatalf("%d suites, want one per template (%d)", len(doc.Suites), len(tests))
	}
	var total parsedSuite
	for i, tt := range tests {
		t.Run(tt.suite, func(t *testing.T) {
			s := doc.Suites[i]
			if s.Name != tt.suite {
				t.Fatalf("suite %d is %q, want %q", i, s.Name, tt.suite)
			}
			got := [5]int{s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases)}
			want := [5]int{tt.tests, tt.failures, tt.errors, tt.skipped, tt.cases}
			if got != want {
				t.Errorf("tests/failures/errors/skipped/cases = %v, want %v", got, want)
			}
			var failures, errs, skipped int
			for _, c := range s.Cases {
				if c.Classname != tt.suite {
					t.Errorf("case %q has classname %q", c.Name, c.Classname)
				}
				if c.Failure != nil {
					failures++
				}
				if c.Error != nil {
					errs++
				}
				if c.Skipped != nil {
					skipped++
				}
			}
			if [3]int{failures, errs, skipped} != [3]int{s.Failures, s.Errors, s.Skipped} {
				t.Errorf("elements %d/%d/%d disagree with the counts", failures, errs, skipped)
			}
		})
		s := doc.Suites[i]
		total.Tests += s.Tests
		total.Failures += s.Failures
		total.Errors += s.Errors
		total.Skipped += s.Skipped
	}
	if [4]int{doc.Tests, doc.Failures, doc.Errors, doc.Skipped} != [4]int{total.Tests, total.Failures, total.Errors, total.Skipped} {
		t.Errorf("testsuites counts %d/%d/%d/%d are not the sum of the suites'", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
	if doc.Time != 2.345 {
		t.Errorf("time %v, want the check's duration 2.345", doc.Time)
	}
}

func TestJUnitText(t *testing.T) {
	doc := parseJUnit(t, fixtureCheck())
	cases := map[string]parsedCase{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases[s.Name+" | "+c.Name] = c
		}
	}
	tests := []struct {
		name string
		key  string
		want func(parsedCase) (string, string)
	}{
		{"XML-special characters", appFile + " | S3.ENCRYPTION.AT-REST DataBucket", func(c parsedCase) (string, string) {
			return c.Failure.Message, `SSEAlgorithm is "AES256" & must be "aws:kms" <customer-managed>`
		}},
		{"newline and Unicode in an attribute", labFile + " | S3.ENCRYPTION.AT-REST LabBucket", func(c parsedCase) (string, string) {
			return c.Failure.Message, "BucketEncryption is absent\nles données ne sont pas chiffrées ✗"
		}},
		{"characters XML cannot hold", appFile + " | KMS.KEY-ROTATION AppKey", func(c parsedCase) (string, string) {
			return c.Error.Message, "evaluating check: no such key: EnableKeyRotation\uFFFD[2J\uFFFD"
		}},
		{"indeterminate is skipped with the reason", appFile + " | LOGS.RETENTION.MINIMUM AuditLogs", func(c parsedCase) (string, string) {
			return c.Skipped.Message, "RetentionInDays is !Ref RetentionParam, which has no value: known only after deployment"
		}},
		{"waived is skipped with the waiver", appFile + " | LOGS.RETENTION.MINIMUM DebugLogs", func(c parsedCase) (string, string) {
			return c.Skipped.Message, "RetentionInDays is 30 (waived by W-0001 until 2027-01-31T00:00:00Z)"
		}},
		{"failure type is the requirement", appFile + " | CUSTOM.TAGS.OWNER DataBucket", func(c parsedCase) (string, string) {
			return c.Failure.Type, "CUSTOM.TAGS.OWNER"
		}},
		{"fatal template error", brokenFile + " | template/invalid-template at 7:12", func(c parsedCase) (string, string) {
			return c.Error.Text, "templates/broken.yaml:7:12: mapping values are not allowed in this context"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := cases[tt.key]
			if !ok {
				t.Fatalf("no test case %q", tt.key)
			}
			if got, want := tt.want(c); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	if out := doc.Suites[1].SystemOut; !strings.Contains(out, "templates/app.yaml:14:7: warning: unknown property \"BucketEncription\" (did you mean \"BucketEncryption\"?) [unknown-property]") {
		t.Errorf("diagnostics missing from system-out:\n%s", out)
	}
}

// TestJUnitHostileText: CDATA sections must survive text that closes them,
// and control characters must not make the document ill-formed.
func TestJUnitHostileText(t *testing.T) {
	tests := []string{
		"]]>",
		"a]]>b]]]]><![CDATA[c",
		"\x00\x08\x0b\x0c\x1f\ufffe\uffff",
		"\xff\xfe invalid UTF-8",
		"</failure></testcase></testsuite>",
	}
	for _, reason := range tests {
		t.Run(reason, func(t *testing.T) {
			c := &Check{Findings: []qualstate.Finding{{RequirementID: "R", LogicalID: "X", Result: qualstate.ResultFail,
				Reason: reason, Controls: []qualstate.Control{qualstate.Control(reason)}, Loc: qualstate.Location{File: "t.yaml"}}}}
			doc := parseJUnit(t, c)
			if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 1 || doc.Suites[0].Cases[0].Failure == nil {
				t.Fatalf("structure lost: %+v", doc)
			}
			if got, want := doc.Suites[0].Cases[0].Failure.Message, xmlText(reason); got != want {
				t.Errorf("message %q, want %q", got, want)
			}
		})
	}
}
