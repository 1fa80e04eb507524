package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"qualstate"
)

// htmlDoc is what the tests read of an HTML report: its text, the ids it
// defines and the fragment links it holds.
type htmlDoc struct {
	text  string
	ids   map[string]int
	links []string
}

// parseHTML reads the report with encoding/xml in its lenient HTML mode,
// which fails on unbalanced markup the escaping would have let through.
func parseHTML(t *testing.T, body []byte) htmlDoc {
	t.Helper()
	doc := htmlDoc{text: string(body), ids: map[string]int{}}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("HTML does not parse: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok {
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "id":
					doc.ids[a.Value]++
				case "href":
					doc.links = append(doc.links, a.Value)
				}
			}
		}
	}
	return doc
}

func TestQualificationHTMLSelfContained(t *testing.T) {
	body := renderQual(t, QualificationHTML, newQualFixture(t).q)
	doc := parseHTML(t, body)
	lower := strings.ToLower(doc.text)
	for _, banned := range []string{"<script", "src=", "url(", "@import", "<link", "<iframe", "<object", "javascript:"} {
		if strings.Contains(lower, banned) {
			t.Errorf("report contains %q: it must be self-contained and script-free", banned)
		}
	}
	for _, l := range doc.links {
		if !strings.HasPrefix(l, "#") {
			t.Errorf("link %q leaves the document", l)
		}
	}
	for _, head := range []string{"<title>Qualification report " + qualRunID + "</title>", "<h1>Qualification report</h1>"} {
		if !strings.Contains(doc.text, head) {
			t.Errorf("report lacks %q", head)
		}
	}
	if !strings.Contains(doc.text, `http-equiv="Content-Security-Policy" content="default-src 'none'`) {
		t.Error("no content security policy forbidding fetches and scripts")
	}
	// The fixture's reasons and details carry markup; it must arrive as text.
	for _, escaped := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "&lt;b&gt;monitor&lt;/b&gt; &amp; queue idle"} {
		if !strings.Contains(doc.text, escaped) {
			t.Errorf("escaped text %q missing", escaped)
		}
	}
}

func TestQualificationHTMLLinks(t *testing.T) {
	q := newQualFixture(t).q
	doc := parseHTML(t, renderQual(t, QualificationHTML, q))
	for id, n := range doc.ids {
		if n > 1 {
			t.Errorf("id %q defined %d times", id, n)
		}
	}
	for _, l := range doc.links {
		if doc.ids[strings.TrimPrefix(l, "#")] == 0 {
			t.Errorf("link %q points nowhere", l)
		}
	}
	for _, c := range q.TestCases {
		if doc.ids["tc-"+anchorText(c.ID)] == 0 {
			t.Errorf("test case %s has no anchor", c.ID)
		}
	}
	for d := range q.Evidence {
		if doc.ids["ev-"+d] == 0 {
			t.Errorf("evidence %s has no row in the index", d)
		}
	}
}

// TestQualificationHTMLMatrix: every requirement of the set has a row, in
// set order, with the outcome the rules give.
func TestQualificationHTMLMatrix(t *testing.T) {
	q := newQualFixture(t).q
	text := string(renderQual(t, QualificationHTML, q))
	last := -1
	for _, r := range q.RequirementSet.Requirements {
		at := strings.Index(text, `<tr id="req-`+anchorText(r.ID)+`">`)
		if at < 0 {
			t.Fatalf("requirement %s has no row", r.ID)
		}
		if at < last {
			t.Errorf("requirement %s is out of set order", r.ID)
		}
		last = at
	}
	for _, tc := range []struct {
		req, why string
		outcome  string
		contains []string
	}{
		{"S3.ENCRYPTION.AT-REST", "every case passed", "pass", []string{"ST-0001", "IQ-0013", "OQ-0018", "OQ-0019"}},
		{"S3.PUBLIC-ACCESS.BLOCKED", "the IQ check decides the static indeterminate", "pass", []string{"ST-0002", "INDETERMINATE", "IQ-0014"}},
		{"S3.VERSIONING.ENABLED", "its challenge was not detected", "fail", []string{"OQ-0022"}},
		{"LOGS.RETENTION.MINIMUM", "its only failures are waived; its challenge is below the level", "waived",
			[]string{"ST-0004", "IQ-0016", "WAIVED", "challenge not run: challenge level high, risk medium"}},
		{"KMS.KEY-ROTATION", "the static check erred", "error", []string{"no challenge defined"}},
		{"DYNAMODB.PITR", "no table in the template", "na", []string{"not applicable — no AWS::DynamoDB::Table in the template"}},
	} {
		t.Run(tc.req, func(t *testing.T) {
			start := strings.Index(text, `<tr id="req-`+anchorText(tc.req)+`">`)
			row := text[start : start+strings.Index(text[start:], "</tr>")]
			want := `<td><span class="result ` + tc.outcome + `">`
			if !strings.Contains(row, want) {
				t.Errorf("outcome is not %s (%s):\n%s", tc.outcome, tc.why, row)
			}
			for _, s := range tc.contains {
				if !strings.Contains(row, s) {
					t.Errorf("row lacks %q:\n%s", s, row)
				}
			}
			// The superseded IQ cases of attempt 1 are not in the matrix.
			if strings.Contains(row, "IQ-0007") {
				t.Errorf("row shows a superseded case:\n%s", row)
			}
		})
	}
}

// TestQualificationHTMLSections checks what each section must say about
// the fixture.
func TestQualificationHTMLSections(t *testing.T) {
	text := string(renderQual(t, QualificationHTML, newQualFixture(t).q))
	section := func(id string) string {
		start := strings.Index(text, `<section`+map[bool]string{true: ` class="first"`, false: ""}[id == "run"]+` id="`+id+`">`)
		if start < 0 {
			t.Fatalf("no section %s", id)
		}
		return text[start : start+strings.Index(text[start:], "</section>")]
	}
	for _, tc := range []struct {
		section string
		want    []string
		not     []string
	}{
		{"run", []string{
			"failed, result fail", "2 test cases failed, 1 erred, 2 waived", "templates/app.yaml",
			`<th scope="row">Review</th><td>rejected</td>`,
			"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
			"gxp-baseline 2.1.0 (requirements/gxp.yaml)", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			"sandbox, endpoint http://127.0.0.1:4566, account 123456789012, region eu-west-1", "qs-app-7f3a9c21",
			"jdoe", "qualstate v1.4.0", "<th scope=\"row\">Attempt</th><td>2</td>",
			"2026-11-23 09:00:00 UTC", "2026-11-23 09:10:10 UTC",
			`<td class="mono">DbPassword</td><td class="mono">****</td>`,
		}, nil},
		{"summary", []string{
			"<svg", `<title>Static: 2 pass</title>`, `<title>IQ: 1 fail</title>`, `<title>Static: 1 indeterminate</title>`, `<title>Static: 1 error</title>`,
			`<title>Static: 1 waived</title>`, `<title>IQ: 1 waived</title>`, `<rect class="waived"`,
			// Stage, attempt, pass, waived, fail, indeterminate, error, total.
			`<tr><td>Static</td><td class="num">1</td><td class="num">2</td><td class="num">1</td><td class="num">0</td><td class="num">1</td><td class="num">1</td><td class="num">5</td></tr>`,
			`<tr><td>IQ</td><td class="num">2</td><td class="num">8</td><td class="num">1</td><td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">10</td></tr>`,
			`<tr><td>OQ</td><td class="num">2</td><td class="num">4</td><td class="num">0</td><td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">5</td></tr>`,
			`<tr><th scope="row">Total</th><td class="num"></td><td class="num">14</td><td class="num">2</td><td class="num">2</td>`,
			`<span class="result waived">WAIVED</span></td><td class="num">1</td>`,
			`<span class="result na">NOT APPLICABLE</span></td><td class="num">1</td>`,
		}, nil},
		{"installation", []string{"IQ-0008", "IQ-0009", "IQ-0010", "IQ-0011", "IQ-0012", "/RetentionInDays"},
			[]string{"IQ-0006", "OQ-0021"}},
		{"test-cases", []string{
			"detected in 1.2 s", "not detected after 1 min 00 s", "superseded by attempt 2", "templates/app.yaml:14:5",
			`<span class="result waived">WAIVED</span><br><strong>waiver W-0001, expires 2027-01-31 00:00:00 UTC</strong>`,
			`title="9d26d1a7a4fffb608f5b035bd85fedd48ed6e71684bfb8ef73ebf5caa876b24a"`,
			// Control characters are escaped by html/template as they are, never interpreted.
			`no such key: EnableKeyRotation\u001b[2J\u0001`,
		}, nil},
		{"deviations", []string{
			"the run failed: at least one test case did not pass: 2 test cases failed, 1 erred, 2 waived",
			"ST-0005", "IQ-0011", "OQ-0022", "challenge S3.VERSIONING.ENABLED",
			"<h3>Test cases waived</h3>", `<a href="#tc-ST-0004" class="mono"><strong>ST-0004</strong></a>`, `<a href="#tc-IQ-0016" class="mono"><strong>IQ-0016</strong></a>`,
			"Attempt 1 was interrupted and resumed: 7 test cases (4 pass, 1 waived, 0 fail, 1 indeterminate, 1 error), 4 steps; last step IQ read resources (running)",
		}, []string{"ST-0001", "IQ-0013"}},
		{"evidence", []string{"cloudcontrol:GetResource", "TypeName=AWS::S3::Bucket Identifier=app-data-1a2b", "2 secrets redacted", "input:Template"}, nil},
		{"steps", []string{"parse template", "read resources", "--keep", "running"}, nil},
		{"baseline", []string{"DataBucket", "AuditLogs", "AppKey", "/app/audit"}, nil},
		{"review", []string{
			"<h2>Review and approval</h2>", `<tr><th scope="row">Review state</th><td><span class="result fail">rejected</span></td></tr>`,
			`<tr><th scope="row">Executed by</th><td>jdoe, finished 2026-11-23 09:10:10 UTC</td></tr>`,
			`<tr><th scope="row">Reason</th><td>OQ-0022: the monitor missed the versioning challenge &amp; must be fixed &lt;first&gt;</td></tr>`,
			`<tr><th scope="row">Last changed</th><td>2026-11-24 09:30:00 UTC</td></tr>`,
			"<h3>Electronic signatures</h3>",
		}, []string{"Reviewed by", "The lines below are for signatures by hand", "<h3>Certificate</h3>"}},
	} {
		t.Run(tc.section, func(t *testing.T) {
			s := section(tc.section)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("section lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(s, w) {
					t.Errorf("section has %q", w)
				}
			}
		})
	}
}

func TestQualificationHTMLPrint(t *testing.T) {
	text := string(renderQual(t, QualificationHTML, newQualFixture(t).q))
	for _, rule := range []string{"@page { size: A4;", "@media print", "section { break-before: page; }", "thead { display: table-header-group; }", "print-color-adjust: exact"} {
		if !strings.Contains(text, rule) {
			t.Errorf("print style lacks %q", rule)
		}
	}
}

// TestQualificationHTMLStates renders runs in states other than the
// fixture's and checks what the report says of each.
func TestQualificationHTMLStates(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(q *Qualification)
		want []string
	}{
		{"passed", func(q *Qualification) {
			q.Run.Status, q.Run.Result, q.Run.Reason, q.Run.Attempt = qualstate.RunPassed, qualstate.ResultPass, "", 1
			var cases []qualstate.TestCase
			for _, c := range q.TestCases {
				if c.Attempt == 2 && c.Result == qualstate.ResultPass {
					c.Attempt = 1
					cases = append(cases, c)
				}
			}
			q.TestCases, q.Steps = cases, nil
		}, []string{"<p>No deviations.</p>", "No steps were recorded."}},
		{"passed with a waiver", func(q *Qualification) {
			q.Run.Status, q.Run.Result, q.Run.Reason, q.Run.Attempt = qualstate.RunPassed, qualstate.ResultWaived, "", 1
			var cases []qualstate.TestCase
			for _, c := range q.TestCases {
				if c.Attempt == 2 && !deviates(c.Result) {
					c.Attempt = 1
					cases = append(cases, c)
				}
			}
			q.TestCases, q.Steps = cases, nil
		}, []string{"<h3>Test cases waived</h3>", "IQ-0016", "passed, result waived", `<span class="result waived">passed, result waived</span>`}},
		{"not yet reviewed", func(q *Qualification) { q.Review, q.Signatures = nil, nil }, []string{
			`<span class="result notrun">not yet reviewed</span>`, "This run has not been reviewed: no electronic signature has been applied to it.",
			`<tr><th scope="row">Executed by</th><td>jdoe</td><td>Executed this qualification run</td><td>2026-11-23 09:10:10 UTC</td><td></td></tr>`,
			`<tr><th scope="row">Reviewed by</th><td></td><td></td><td></td><td></td></tr>`,
			`<tr><th scope="row">Approved by</th><td></td><td></td><td></td><td></td></tr>`,
		}},
		{"review begun, nothing signed", func(q *Qualification) {
			q.Review.State, q.Review.Reason, q.Signatures = qualstate.ReviewExecuted, "", nil
		}, []string{
			"executed, not yet reviewed", "The lines below are for signatures by hand.", `<tr><th scope="row">Approved by</th>`,
		}},
		{"running before any test", func(q *Qualification) {
			q.Run.Status, q.Run.Result, q.Run.Reason = qualstate.RunRunning, "", ""
			q.TestCases, q.Steps, q.Baseline = nil, nil, nil
		}, []string{"the run had not finished when this report was made", "not run — the checks had not been evaluated when this report was made",
			"No test cases were recorded.", "No baseline was recorded.", "No installation verification test cases were recorded."}},
		{"no requirement set", func(q *Qualification) { q.RequirementSet = nil }, []string{"S3.ENCRYPTION.AT-REST", "KMS.KEY-ROTATION"}},
		{"case of a requirement not in the set", func(q *Qualification) {
			q.RequirementSet.Requirements = q.RequirementSet.Requirements[1:]
		}, []string{"S3.ENCRYPTION.AT-REST", "(not in the requirement set)"}},
		{"challenge level none", func(q *Qualification) {
			q.Run.Challenge = qualstate.ChallengeNone
		}, []string{"challenge not run: challenge level none"}},
		{"attempt number far beyond the records", func(q *Qualification) {
			q.Run.Attempt = 1 << 40
		}, []string{"Attempt 2 was interrupted and resumed", "1099511627773 earlier attempts were interrupted before recording any step or test case"}},
		{"aborted", func(q *Qualification) {
			q.Run.Status, q.Run.Reason = qualstate.RunAborted, "stopped with Ctrl-C"
		}, []string{"the run was stopped by the user: stopped with Ctrl-C"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newQualFixture(t).q
			tc.edit(q)
			body := renderQual(t, QualificationHTML, q)
			parseHTML(t, body)
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("report lacks %q", w)
				}
			}
		})
	}
}
