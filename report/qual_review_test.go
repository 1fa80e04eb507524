package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"reflect"
	"strings"
	"testing"
	"time"

	"qualstate"
)

// manifestation is what 21 CFR 11.50 wants shown of a signature, as the
// reports must write it.
type manifestation struct {
	name, userID, meaning, time, reason string
}

// reviewCases are the reviewed fixtures with the manifestation each of
// their signatures must show, in order.
var reviewCases = []struct {
	name    string
	fixture func(testing.TB) *Qualification
	state   string
	sigs    []manifestation
}{
	{"rejected", func(t testing.TB) *Qualification { return newQualFixture(t).q }, "rejected", []manifestation{
		{"Maria Schmidt", "mschmidt", "reviewed", "2026-11-24 08:00:00 UTC", "record complete"},
		// Signed at 10:30 CET.
		{"Jürgen Weiß", "jweiss", "rejected", "2026-11-24 09:30:00 UTC", "OQ-0022: the monitor missed the versioning challenge & must be fixed <first>"},
	}},
	{"approved", approvedFixture, "approved", []manifestation{
		{"Maria Schmidt", "mschmidt", "reviewed", "2026-11-24 08:00:00 UTC", "record complete"},
		{"Jürgen Weiß", "jweiss", "approved", "2026-11-24 09:30:00 UTC", "fit for production use"},
	}},
}

// htmlSection returns the text of the section with the id.
func htmlSection(t *testing.T, body []byte, id string) string {
	t.Helper()
	text := string(body)
	start := strings.Index(text, `<section id="`+id+`">`)
	if start < 0 {
		t.Fatalf("no section %s", id)
	}
	return text[start : start+strings.Index(text[start:], "</section>")]
}

// TestQualificationReviewHTML: the review section shows the state and,
// in each signature's own row, its printed name, user id, meaning, time in
// UTC, reason, id and key; an approved run shows its certificate.
func TestQualificationReviewHTML(t *testing.T) {
	for _, tc := range reviewCases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.fixture(t)
			body := renderQual(t, QualificationHTML, q)
			parseHTML(t, body)
			sec := htmlSection(t, body, "review")
			if !strings.Contains(sec, `<th scope="row">Review state</th><td><span class="result `+reviewClass(q.Review)+`">`+tc.state+`</span>`) {
				t.Errorf("review state %s not shown:\n%s", tc.state, sec)
			}
			if !strings.Contains(sec, q.Review.RecordDigest) {
				t.Error("the signed record's digest is not shown")
			}
			rows := strings.Split(sec, "<tr>")
			for i, m := range tc.sigs {
				sig := q.Signatures[i]
				var row string
				for _, r := range rows {
					if strings.Contains(r, ">"+sig.ID+"<") {
						row = r
					}
				}
				if row == "" {
					t.Fatalf("signature %s has no row", sig.ID)
				}
				for _, w := range []string{
					`<span class="name">` + template.HTMLEscapeString(m.name) + `</span>`, `<span class="mono">` + m.userID + `</span>`,
					"<strong>" + m.meaning + "</strong>", `<td class="nowrap">` + m.time + `</td>`,
					`<td class="pre">` + template.HTMLEscapeString(m.reason) + `</td>`, "key " + sig.Key,
				} {
					if !strings.Contains(row, w) {
						t.Errorf("signature %s: row lacks %q:\n%s", sig.ID, w, row)
					}
				}
			}
			for _, w := range []string{"Reviewed by", "The lines below are for signatures by hand"} {
				if strings.Contains(sec, w) {
					t.Errorf("a signed run still offers lines to sign by hand (%q)", w)
				}
			}
			hasCert := strings.Contains(sec, "<h3>Certificate</h3>")
			if hasCert != (q.Certificate != nil) {
				t.Fatalf("certificate shown = %v, want %v", hasCert, q.Certificate != nil)
			}
			if q.Certificate != nil {
				for _, w := range []string{
					`<td class="statement">` + template.HTMLEscapeString(q.Certificate.Statement) + `</td>`,
					`<th scope="row">Issued</th><td>2026-11-24 09:30:00 UTC</td>`,
					`<th scope="row">Certificate SHA-256</th><td class="mono digest">` + q.Review.CertificateDigest + `</td>`,
					`<th scope="row">Waivers</th><td>W-0001, expires 2027-01-31 00:00:00 UTC</td>`,
				} {
					if !strings.Contains(sec, w) {
						t.Errorf("certificate lacks %q", w)
					}
				}
			}
		})
	}
}

// TestQualificationReviewPDF: the PDF shows the same manifestation of
// every signature and the certificate.
func TestQualificationReviewPDF(t *testing.T) {
	// The PDF core fonts set text in Windows-1252.
	cp1252 := strings.NewReplacer("ü", "\xfc", "ß", "\xdf", "—", "\x97")
	for _, tc := range reviewCases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.fixture(t)
			text := strings.Join(pdfContent(t, renderQual(t, QualificationPDF, q)), " ")
			want := []string{"Review and approval", "Review state", tc.state, "Electronic signatures", q.Review.RecordDigest}
			for i, m := range tc.sigs {
				want = append(want, cp1252.Replace(m.name), m.userID, m.meaning, m.time, m.reason, q.Signatures[i].ID, "key "+q.Signatures[i].Key)
			}
			if c := q.Certificate; c != nil {
				want = append(want, "Certificate", c.Statement, q.Review.CertificateDigest, "W-0001, expires 2027-01-31 00:00:00 UTC")
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("PDF does not show %q", w)
				}
			}
			if strings.Contains(text, "Reviewed by") {
				t.Error("a signed run still offers lines to sign by hand")
			}
		})
	}
	t.Run("not yet reviewed", func(t *testing.T) {
		q := newQualFixture(t).q
		q.Review, q.Signatures = nil, nil
		text := strings.Join(pdfContent(t, renderQual(t, QualificationPDF, q)), " ")
		for _, w := range []string{"not yet reviewed", "no electronic signature has been applied", "Executed by", "Reviewed by", "Approved by"} {
			if !strings.Contains(text, w) {
				t.Errorf("PDF does not show %q", w)
			}
		}
	})
}

// TestQualificationRecord: the record is the JSON report without review,
// signatures and certificate, dated when the run finished, the same bytes
// however often and whenever it is made, and it reads back.
func TestQualificationRecord(t *testing.T) {
	want, err := QualificationRecord(newQualFixture(t).q)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(q *Qualification)
	}{
		{"as recorded", func(*Qualification) {}},
		{"report made later", func(q *Qualification) { q.Generated = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) }},
		{"before any review", func(q *Qualification) { q.Review, q.Signatures = nil, nil }},
		{"after approval", func(q *Qualification) {
			signRun(t, q, qualstate.ReviewApproved, fixtureSigner{"jweiss", "Jürgen Weiß", qualstate.MeaningApproved, time.Now(), "ok"})
			issueCertificate(t, q)
		}},
		{"times in another zone", func(q *Qualification) {
			q.Run.Finished = q.Run.Finished.In(time.FixedZone("EST", -5*3600))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newQualFixture(t).q
			tc.edit(q)
			got, err := QualificationRecord(q)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("record differs:\n%s", firstDifference(got, want))
			}
		})
	}

	t.Run("shape", func(t *testing.T) {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(want, &doc); err != nil {
			t.Fatal(err)
		}
		if got := string(doc["generated"]); got != `"2026-11-23T09:10:10Z"` {
			t.Errorf("generated %s, want the run's finish", got)
		}
		for _, k := range []string{"review", "signatures", "certificate"} {
			if _, ok := doc[k]; ok {
				t.Errorf("record holds %q", k)
			}
		}
		report := renderQual(t, QualificationJSON, newQualFixture(t).q)
		if !bytes.Contains(report, []byte(`"signatures": [`)) || bytes.Equal(report, want) {
			t.Error("the fixture's report should hold the signatures the record leaves out")
		}
	})

	t.Run("reads back", func(t *testing.T) {
		q, err := ReadQualificationJSON(bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		if q.Review != nil || q.Signatures != nil || q.Certificate != nil {
			t.Error("a record read back has an approval")
		}
		again, err := QualificationRecord(q)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, want) {
			t.Errorf("record is not a fixed point of ReadQualificationJSON:\n%s", firstDifference(again, want))
		}
	})

	// The fixture's signatures were made over the record; they still
	// verify against the record of the report read back from JSON.
	t.Run("signatures verify after a round trip", func(t *testing.T) {
		back, err := ReadQualificationJSON(bytes.NewReader(renderQual(t, QualificationJSON, approvedFixture(t))))
		if err != nil {
			t.Fatal(err)
		}
		record, err := QualificationRecord(back)
		if err != nil {
			t.Fatal(err)
		}
		pub := fixtureKey().Public()
		for _, s := range back.Signatures {
			if err := s.Verify(record, pub); err != nil {
				t.Error(err)
			}
		}
		if err := back.Certificate.Verify(pub); err != nil {
			t.Errorf("certificate read back: %v", err)
		}
	})

	t.Run("running run has no record", func(t *testing.T) {
		q := newQualFixture(t).q
		q.Run.Status, q.Run.Finished = qualstate.RunRunning, time.Time{}
		_, err := QualificationRecord(q)
		if qualstate.CodeOf(err) != qualstate.ErrConflict || !strings.Contains(err.Error(), "has not finished") {
			t.Errorf("error %v, want a conflict saying the run has not finished", err)
		}
	})
}

// TestQualificationJSONApproval: review, signatures and certificate read
// back as written, times in UTC except the certificate's, which stays as
// issued.
func TestQualificationJSONApproval(t *testing.T) {
	for _, tc := range reviewCases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.fixture(t)
			first := renderQual(t, QualificationJSON, q)
			back, err := ReadQualificationJSON(bytes.NewReader(first))
			if err != nil {
				t.Fatal(err)
			}
			want := tc.fixture(t)
			want.Review.Updated = want.Review.Updated.UTC()
			for i := range want.Signatures {
				want.Signatures[i].Time = want.Signatures[i].Time.UTC()
			}
			for name, pair := range map[string][2]any{
				"review": {back.Review, want.Review}, "signatures": {back.Signatures, want.Signatures}, "certificate": {back.Certificate, want.Certificate},
			} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("%s differs after the round trip:\n got %#v\nwant %#v", name, pair[0], pair[1])
				}
			}
			if second := renderQual(t, QualificationJSON, back); !bytes.Equal(first, second) {
				t.Errorf("JSON is not a fixed point of ReadQualificationJSON:\n%s", firstDifference(second, first))
			}
		})
	}
}

// TestReadQualificationJSONApprovalErrors: an approval that is not about
// the document's run, or names records by anything but digests, is
// refused.
func TestReadQualificationJSONApprovalErrors(t *testing.T) {
	good := string(renderQual(t, QualificationJSON, approvedFixture(t)))
	for _, tc := range []struct {
		name string
		edit func(doc map[string]any)
		want string
	}{
		{"review of another run", func(d map[string]any) { d["review"].(map[string]any)["runId"] = "run-other" }, `review is of run "run-other"`},
		{"unknown review state", func(d map[string]any) { d["review"].(map[string]any)["state"] = "maybe" }, `unknown state "maybe"`},
		{"review record not a digest", func(d map[string]any) { d["review"].(map[string]any)["recordDigest"] = "../x" }, "is not a SHA-256 digest"},
		{"signature of another run", func(d map[string]any) { d["signatures"].([]any)[1].(map[string]any)["subject"] = "run/run-other" }, `signatures[1] (sig-0002): signs "run/run-other"`},
		{"unknown meaning", func(d map[string]any) { d["signatures"].([]any)[0].(map[string]any)["meaning"] = "liked" }, `unknown meaning "liked"`},
		{"certificate of another run", func(d map[string]any) { d["certificate"].(map[string]any)["runId"] = "run-other" }, `certificate is of run "run-other"`},
		{"certificate of another kind", func(d map[string]any) { d["certificate"].(map[string]any)["kind"] = "x" }, `certificate: kind "x"`},
		{"certificate without its review", func(d map[string]any) { delete(d, "review") }, "certificate without the review that issued it"},
		{"waived without a waiver", func(d map[string]any) {
			for _, c := range d["testCases"].([]any) {
				delete(c.(map[string]any), "waiver")
			}
		}, "waived, but names no waiver"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d map[string]any
			if err := json.Unmarshal([]byte(good), &d); err != nil {
				t.Fatal(err)
			}
			tc.edit(d)
			body, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ReadQualificationJSON(bytes.NewReader(body))
			var qe *qualstate.Error
			if !errors.As(err, &qe) || qe.Code != qualstate.ErrInvalidInput {
				t.Fatalf("error %v, want an invalid-input qualstate.Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}
