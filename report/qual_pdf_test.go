package report

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// pdfStream matches a PDF stream's data.
var pdfStream = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)

// pdfShownText matches a text-showing operator's string.
var pdfShownText = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\) ?Tj`)

// pdfContent inflates every stream of a PDF and returns the text the
// content streams show, one string per operator, unescaped.
func pdfContent(t *testing.T, doc []byte) []string {
	t.Helper()
	var shown []string
	inflated := 0
	for _, m := range pdfStream.FindAllSubmatch(doc, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // an uncompressed stream, such as a font's metrics
		}
		data, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("stream does not inflate: %v", err)
		}
		inflated++
		for _, s := range pdfShownText.FindAllSubmatch(data, -1) {
			shown = append(shown, pdfUnescape(string(s[1])))
		}
	}
	if inflated == 0 {
		t.Fatal("no compressed stream: compression is off")
	}
	return shown
}

func pdfUnescape(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\(`, `(`, `\)`, `)`, `\r`, "\r").Replace(s)
}

func TestQualificationPDF(t *testing.T) {
	q := newQualFixture(t).q
	doc := renderQual(t, QualificationPDF, q)
	if !bytes.HasPrefix(doc, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", doc)
	}
	shown := pdfContent(t, doc)
	// Lines of a cell are shown one after the other, wrapped at spaces:
	// joined by spaces, they read as the value did.
	text := strings.Join(shown, " ")
	pages := len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(doc, -1))
	if pages < 2 {
		t.Fatalf("%d pages", pages)
	}
	want := []string{"Qualification report", "Traceability matrix", "Installation verification", "Test cases", "Deviations",
		"Evidence index", "Steps log", "Baseline", "Review and approval", "Executed by", "Electronic signatures",
		"WAIVED", "waiver W-0001, expires 2027-01-31 00:00:00 UTC", "Test cases waived",
		"NOT APPLICABLE", "not applicable \x97 no AWS::DynamoDB::Table in the template", // cp1252 em dash
		"challenge not run: challenge level high, risk medium", "detected in 1.2 s",
		"DbPassword = ****", "AuditLogs keeps records >= 365 days", "no such key: EnableKeyRotation?[2J?"}
	for _, r := range q.RequirementSet.Requirements {
		want = append(want, r.ID)
	}
	for i := 1; i <= pages; i++ {
		want = append(want, fmt.Sprintf("page %d of %d", i, pages))
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("PDF does not show %q", w)
		}
	}
	if n := strings.Count(text, "run "+qualRunID); n < pages {
		t.Errorf("run id in %d footers, want %d", n, pages)
	}
	for _, s := range shown {
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 }) {
			t.Errorf("control character shown: %q", s)
		}
	}
	for _, meta := range []string{"/CreationDate (D:20261123091500)", "/ModDate (D:20261123091500)"} {
		if !bytes.Contains(doc, []byte(meta)) {
			t.Errorf("document information lacks %s", meta)
		}
	}
	if !bytes.Contains(doc, []byte("/MediaBox [0 0 595.28 841.89]")) {
		t.Error("pages are not A4")
	}
}

// TestQualificationPDFLongText: a value longer than a page is cut short in
// its table cell rather than breaking the layout.
func TestQualificationPDFLongText(t *testing.T) {
	q := newQualFixture(t).q
	q.TestCases[0].Actual = strings.Repeat("a very long live value ", 2000)
	q.TestCases[1].Reason = strings.Repeat("x", 5000)
	text := strings.Join(pdfContent(t, renderQual(t, QualificationPDF, q)), "\n")
	if !strings.Contains(text, "[... cut here; see the JSON report]") {
		t.Error("an over-long cell was not cut")
	}
}

// TestQualificationPDFText reads the PDF with poppler's pdftotext, an
// independent reader, when the machine has it.
func TestQualificationPDFText(t *testing.T) {
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext is not installed (Debian: poppler-utils)")
	}
	q := newQualFixture(t).q
	cmd := exec.Command(tool, "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(renderQual(t, QualificationPDF, q))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	want := []string{"Qualification report", qualRunID, "page 1 of", "NOT APPLICABLE", "Executed by", "jdoe",
		"not applicable — no", "Attempt 1 was interrupted and resumed"}
	for _, r := range q.RequirementSet.Requirements {
		want = append(want, r.ID)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext does not find %q", w)
		}
	}
}
