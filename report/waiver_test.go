package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"qualstate"
)

func TestWaivedReason(t *testing.T) {
	expires := time.Date(2027, 1, 31, 1, 0, 0, 0, time.FixedZone("CET", 3600))
	w := &qualstate.WaiverRef{ID: "W-0001", Expires: expires}
	for _, tc := range []struct {
		name, reason string
		waiver       *qualstate.WaiverRef
		want         string
	}{
		{"reason and waiver, expiry in UTC", "RetentionInDays is 30", w, "RetentionInDays is 30 (waived W-0001 until 2027-01-31T00:00:00Z)"},
		{"no reason", "", w, "waived W-0001 until 2027-01-31T00:00:00Z"},
		{"reason names the waiver already", "RetentionInDays is 30 (waived by W-0001 until 2027-01-31T00:00:00Z)", w,
			"RetentionInDays is 30 (waived by W-0001 until 2027-01-31T00:00:00Z)"},
		{"no expiry", "x", &qualstate.WaiverRef{ID: "W-0002"}, "x (waived W-0002)"},
		{"no waiver", "x", nil, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := waivedReason(tc.reason, tc.waiver); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// waivedCheck is a check with one finding: a high-risk failure a waiver
// exempts, whose reason does not name the waiver.
func waivedCheck() *Check {
	return &Check{
		Templates: []TemplateResult{{File: "t.yaml", Resources: 1, Diagnostics: []qualstate.Diagnostic{}, Errors: []qualstate.Diagnostic{}}},
		Findings: []qualstate.Finding{{
			RequirementID: "S3.ENCRYPTION.AT-REST", Title: "S3 buckets encrypt data at rest", Risk: qualstate.RiskHigh,
			Stage: qualstate.StageStatic, Result: qualstate.ResultWaived, Reason: `SSEAlgorithm is "AES256"`,
			ResourceType: "AWS::S3::Bucket", LogicalID: "Bucket", Loc: qualstate.Location{File: "t.yaml", Line: 3, Column: 5},
			Waiver: &qualstate.WaiverRef{ID: "W-0001", Expires: time.Date(2027, 1, 31, 1, 0, 0, 0, time.FixedZone("CET", 3600))},
		}},
	}
}

// TestWaivedFinding: every check format shows a waived finding as waived,
// with its waiver and expiry, and counts it apart.
func TestWaivedFinding(t *testing.T) {
	c := waivedCheck()
	t.Run("summary", func(t *testing.T) {
		if s := c.Summary(); s.Waived != 1 || s.Fail != 0 || s.Pass != 0 {
			t.Errorf("summary %+v, want 1 waived and nothing else", s)
		}
		if c.Failing() {
			t.Error("a waived finding fails the check")
		}
	})
	t.Run("text", func(t *testing.T) {
		out := string(render(t, func(w io.Writer, c *Check) error { return Text(w, c, TextOptions{}) }, c))
		want := `t.yaml:3:5: WAIVED S3.ENCRYPTION.AT-REST [high] Bucket (AWS::S3::Bucket): S3 buckets encrypt data at rest — ` +
			`SSEAlgorithm is "AES256" (waived W-0001 until 2027-01-31T00:00:00Z)` + "\n" +
			"Summary: 1 template, 1 resource, 0 requirements: 0 pass, 0 fail, 0 indeterminate, 0 error, 1 waived; 0 diagnostics\n"
		if out != want {
			t.Errorf("got\n%s\nwant\n%s", out, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		body := render(t, JSON, c)
		if !bytes.Contains(body, []byte(`"waived": 1,`)) || !bytes.Contains(body, []byte(`"waiver": {`)) {
			t.Errorf("summary or waiver missing:\n%s", body)
		}
		back, err := ReadJSON(bytes.NewReader(body), "check.json")
		if err != nil {
			t.Fatal(err)
		}
		if w := back.Findings[0].Waiver; w == nil || w.ID != "W-0001" || !w.Expires.Equal(c.Findings[0].Waiver.Expires) {
			t.Errorf("waiver read back as %+v", w)
		}
	})
	t.Run("sarif", func(t *testing.T) {
		var buf bytes.Buffer
		if err := SARIF(&buf, c); err != nil {
			t.Fatal(err)
		}
		validateSARIF(t, buf.Bytes())
		var log sarifLog[[]sarifResult]
		if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		r := log.Runs[0].Results[0]
		if r.Kind != "fail" || r.Level != "error" || r.RuleID != "S3.ENCRYPTION.AT-REST" {
			t.Errorf("kind %s level %s rule %s: a waived result keeps its rule and the level its risk gives", r.Kind, r.Level, r.RuleID)
		}
		want := []sarifSuppression{{Kind: "external", Status: "accepted", Justification: "waiver W-0001, expires 2027-01-31T00:00:00Z"}}
		if len(r.Suppressions) != 1 || r.Suppressions[0] != want[0] {
			t.Errorf("suppressions %+v, want %+v", r.Suppressions, want)
		}
		if p := r.Properties; p.Result != "waived" || p.Waiver == nil || p.Waiver.ID != "W-0001" || p.Waiver.Expires != "2027-01-31T00:00:00Z" {
			t.Errorf("properties %+v", p)
		}
	})
	t.Run("junit", func(t *testing.T) {
		var doc parsedSuites
		if err := xml.Unmarshal(render(t, JUnit, c), &doc); err != nil {
			t.Fatal(err)
		}
		tc := doc.Suites[0].Cases[0]
		if tc.Skipped == nil || tc.Failure != nil || doc.Skipped != 1 || doc.Failures != 0 {
			t.Fatalf("waived case is not skipped: %+v", tc)
		}
		if want := `SSEAlgorithm is "AES256" (waived W-0001 until 2027-01-31T00:00:00Z)`; tc.Skipped.Message != want {
			t.Errorf("message %q, want %q", tc.Skipped.Message, want)
		}
	})
}

// TestReadJSONWaivedWithoutWaiver: a waived finding must name its waiver,
// and the JSON schema says so too.
func TestReadJSONWaivedWithoutWaiver(t *testing.T) {
	c := waivedCheck()
	c.Findings[0].Waiver = nil
	body := render(t, JSON, c)
	if _, err := ReadJSON(bytes.NewReader(body), "check.json"); err == nil || !strings.Contains(err.Error(), "waived, but names no waiver") {
		t.Errorf("error %v, want one saying the waiver is missing", err)
	}
}
