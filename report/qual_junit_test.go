package report

import (
	"encoding/xml"
	"strings"
	"testing"
)

type parsedQualSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestQualificationJUnit(t *testing.T) {
	q := newQualFixture(t).q
	var doc parsedQualSuites
	if err := xml.Unmarshal(renderQual(t, QualificationJUnit, q), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != len(q.TestCases) {
		t.Errorf("%d test cases, want one per recorded case (%d)", doc.Tests, len(q.TestCases))
	}
	var names []string
	for _, s := range doc.Suites {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "static iq oq" {
		t.Errorf("suites %q, want one per stage", got)
	}
	// Static: 2 pass, 1 waived and 1 indeterminate (skipped), 1 error. IQ:
	// 2 superseded and 1 waived (skipped), 8 pass, 1 fail. OQ: 4 pass, 1
	// fail.
	for i, want := range [][4]int{{5, 0, 1, 2}, {12, 1, 0, 3}, {5, 1, 0, 0}} {
		s := doc.Suites[i]
		if got := [4]int{s.Tests, s.Failures, s.Errors, s.Skipped}; got != want {
			t.Errorf("suite %s counts tests/failures/errors/skipped %v, want %v", s.Name, got, want)
		}
	}
	if got := [4]int{doc.Tests, doc.Failures, doc.Errors, doc.Skipped}; got != [4]int{22, 2, 1, 5} {
		t.Errorf("totals %v, want [22 2 1 5]", got)
	}
	cases := map[string]int{}
	for si, s := range doc.Suites {
		for ci, c := range s.Cases {
			cases[strings.Fields(c.Name)[0]] = si*1000 + ci
		}
	}
	for _, tc := range []struct {
		id, name, classname string
		check               func(t *testing.T, failure, errText, skipped string)
	}{
		{"ST-0004", "ST-0004 AuditLogs keeps records ≥ 365 days", "LOGS.RETENTION.MINIMUM", func(t *testing.T, failure, _, skipped string) {
			if failure != "" || !strings.HasSuffix(skipped, "(waived by W-0001 until 2027-01-31T00:00:00Z)") {
				t.Errorf("waived case: failure %q, skipped %q; want it skipped naming its waiver", failure, skipped)
			}
		}},
		{"OQ-0022", "OQ-0022 Suspending DataBucket's versioning is detected", "S3.VERSIONING.ENABLED", func(t *testing.T, failure, _, _ string) {
			for _, w := range []string{"Expected: detected within 60 s", "Actual: not detected", "Controls: 21-cfr-11:11.10(e), eu-gmp-annex-11:7.1"} {
				if !strings.Contains(failure, w) {
					t.Errorf("failure text lacks %q:\n%s", w, failure)
				}
			}
		}},
		{"ST-0005", "ST-0005 AppKey rotates yearly", "KMS.KEY-ROTATION", func(t *testing.T, _, errText, _ string) {
			if !strings.Contains(errText, "Actual: error") || !strings.Contains(errText, "Location: templates/app.yaml:15:5") {
				t.Errorf("error text %q", errText)
			}
		}},
		{"ST-0002", "ST-0002 DataBucket blocks public access", "S3.PUBLIC-ACCESS.BLOCKED", func(t *testing.T, _, _, skipped string) {
			if !strings.Contains(skipped, "known only after deployment") {
				t.Errorf("indeterminate case skipped with %q", skipped)
			}
		}},
		{"IQ-0006", "IQ-0006 DataBucket was created", "installation.DataBucket", func(t *testing.T, _, _, skipped string) {
			if skipped != "superseded by attempt 2 (this case: attempt 1, pass)" {
				t.Errorf("superseded case skipped with %q", skipped)
			}
		}},
		{"IQ-0011", "IQ-0011 AuditLogs has the RetentionInDays the template sets", "installation.AuditLogs", func(t *testing.T, failure, _, _ string) {
			if !strings.Contains(failure, "Property: /RetentionInDays") {
				t.Errorf("failure text %q", failure)
			}
		}},
		{"OQ-0021", "OQ-0021 DataBucket is back in its qualified state", "oq.DataBucket", nil},
	} {
		t.Run(tc.id, func(t *testing.T) {
			at, ok := cases[tc.id]
			if !ok {
				t.Fatal("no such test case")
			}
			c := doc.Suites[at/1000].Cases[at%1000]
			if c.Name != tc.name || c.Classname != tc.classname {
				t.Errorf("name %q classname %q, want %q %q", c.Name, c.Classname, tc.name, tc.classname)
			}
			var failure, errText, skipped string
			if c.Failure != nil {
				failure = c.Failure.Text
			}
			if c.Error != nil {
				errText = c.Error.Text
			}
			if c.Skipped != nil {
				skipped = c.Skipped.Message
			}
			if tc.check != nil {
				tc.check(t, failure, errText, skipped)
			}
		})
	}
}
