package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"qualstate"
)

// QualificationPDF writes the qualification report as an A4 PDF with the
// sections of the HTML report (header, summary with its bars, traceability
// matrix, installation verification, test cases, deviations, evidence
// index, steps, baseline, review and approval) and "page N of M" and the run id
// in every footer. It uses the PDF core fonts, so text is set in Windows-1252:
// characters it lacks are written as "?". The same Qualification gives the
// same bytes: dates come from Generated and resources are written in a
// fixed order.
func QualificationPDF(w io.Writer, q *Qualification) error {
	if err := checkQualification(q); err != nil {
		return fmt.Errorf("writing PDF report: %w", err)
	}
	p := newQualPDF(newQualView(q))
	p.render()
	if err := p.pdf.Output(w); err != nil {
		return fmt.Errorf("writing PDF report: %w", err)
	}
	return nil
}

// Layout of the PDF, in millimetres and points.
const (
	pdfMargin    = 12.0
	pdfBottom    = 16.0
	pdfLineH     = 3.4 // height of a table text line at pdfTableSize
	pdfTableSize = 7.0
	pdfBodySize  = 9.0
	pdfPad       = 0.8
	// pdfPageCount stands for the number of pages until the document is
	// closed. Its control characters never occur in text written by
	// pdfWriter.text, so no text can be mistaken for it.
	pdfPageCount = "\x01nb\x01"
)

// pdfEpoch dates a report whose Qualification has no Generated time: the
// document must not take the clock's.
var pdfEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// pdfColor is an RGB colour.
type pdfColor struct{ r, g, b int }

// resultColors match the HTML report's.
var resultColors = map[string]pdfColor{
	"pass":          {0x1a, 0x7f, 0x37},
	"waived":        {0x0e, 0x6f, 0x82},
	"fail":          {0xcf, 0x22, 0x2e},
	"indeterminate": {0x9a, 0x67, 0x00},
	"error":         {0x82, 0x50, 0xdf},
	"na":            {0x6e, 0x77, 0x81},
	"notrun":        {0x6e, 0x77, 0x81},
}

type qualPDF struct {
	pdf *fpdf.Fpdf
	v   *qualView
	// h holds the values the HTML report shows, formatted alike.
	h     *htmlReport
	tr    func(string) string
	runes map[rune]string
	width float64
}

// pdfCell is one table cell.
type pdfCell struct {
	// lead, when set, is written first in bold fixed-width type: the
	// identifier the cell is about.
	lead string
	text string
	mono bool
	bold bool
	// span is the number of columns the cell takes; 0 means 1.
	span int
	// result, when set, fills the cell with the result's colour and sets
	// the text in white.
	result string
}

// pdfLine is one wrapped line of a cell and the type it is set in.
type pdfLine struct {
	text string
	font pdfFont
}

// pdfFont is one of the type styles of a table.
type pdfFont int

const (
	fontBody pdfFont = iota
	fontBold
	fontMono
	fontMonoBold
)

// pdfTable is a table whose header row repeats on every page it spans.
type pdfTable struct {
	titles []string
	widths []float64
}

func newQualPDF(v *qualView) *qualPDF {
	pdf := fpdf.New("P", "mm", "A4", "")
	p := &qualPDF{pdf: pdf, v: v, h: newHTMLReport(v), runes: map[rune]string{}}
	p.tr = pdf.UnicodeTranslatorFromDescriptor("")
	generated := v.q.Generated.UTC()
	if v.q.Generated.IsZero() {
		generated = pdfEpoch
	}
	pdf.SetCreationDate(generated)
	pdf.SetModificationDate(generated)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.SetTitle("Qualification report "+v.run.ID, true)
	pdf.SetSubject("Qualification of "+v.run.TemplateFile, true)
	pdf.SetAuthor(v.run.Executor, true)
	if tool := strings.TrimSpace(v.q.Tool.Name + " " + v.q.Tool.Version); tool != "" {
		pdf.SetCreator(tool, true)
	}
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfBottom)
	pdf.AliasNbPages(pdfPageCount)
	w, _ := pdf.GetPageSize()
	p.width = w - 2*pdfMargin
	pdf.SetFooterFunc(p.footer)
	return p
}

// text makes s printable in the core fonts: Windows-1252, with the few
// symbols reports use spelt out, control characters (other than line
// breaks) and characters the code page lacks written as "?".
func (p *qualPDF) text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			b.WriteByte('?')
		case r < 0x80:
			b.WriteRune(r)
		default:
			b.WriteString(p.runeText(r))
		}
	}
	return b.String()
}

// pdfSpelt are symbols Windows-1252 lacks, written as people would type them.
var pdfSpelt = map[rune]string{
	'≥': ">=", '≤': "<=", '≠': "!=", '→': "->", '←': "<-", '✓': "v", '✗': "x", '\u00a0': " ",
	'\u2028': "\n", '\u2029': "\n",
}

func (p *qualPDF) runeText(r rune) string {
	if s, ok := p.runes[r]; ok {
		return s
	}
	s, ok := pdfSpelt[r]
	if !ok {
		// The translator writes "." for what the code page lacks.
		s = p.tr(string(r))
		if s == "." || len(s) != 1 {
			s = "?"
		}
	}
	p.runes[r] = s
	return s
}

func (p *qualPDF) footer() {
	pdf := p.pdf
	pdf.SetY(-11)
	pdf.SetFont("Helvetica", "", 7.5)
	pdf.SetTextColor(0x57, 0x60, 0x6a)
	pdf.SetDrawColor(0xd0, 0xd7, 0xde)
	left, _ := pdf.GetXY()
	pdf.Line(left, pdf.GetY(), left+p.width, pdf.GetY())
	pdf.CellFormat(p.width*0.7, 6, p.text("Qualification report — run "+p.v.run.ID), "", 0, "L", false, 0, "")
	// The page count is written in once the document is closed, so the
	// text is placed from a width measured with three digits.
	label := fmt.Sprintf("page %d of ", pdf.PageNo())
	pdf.SetX(pdfMargin + p.width - pdf.GetStringWidth(label+"000") - 1)
	pdf.CellFormat(0, 6, label+pdfPageCount, "", 0, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
}

func (p *qualPDF) render() {
	p.pdf.AddPage()
	p.header()
	p.summary()
	p.matrix()
	p.installation()
	p.testCases()
	p.deviations()
	p.evidenceIndex()
	p.stepsLog()
	p.baseline()
	p.review()
}

// section starts a section on a new page, with a bookmark.
func (p *qualPDF) section(title string, newPage bool) {
	pdf := p.pdf
	if newPage {
		pdf.AddPage()
	} else {
		pdf.Ln(4)
	}
	pdf.Bookmark(p.text(title), 0, -1)
	pdf.SetFont("Helvetica", "B", 13)
	pdf.CellFormat(p.width, 7, p.text(title), "B", 1, "L", false, 0, "")
	pdf.Ln(2)
}

// subsection writes a heading, moving to a new page first when it would be
// left alone at the bottom of this one.
func (p *qualPDF) subsection(title string) {
	p.keep(20)
	p.pdf.Ln(1.5)
	p.pdf.SetFont("Helvetica", "B", 10)
	p.pdf.MultiCell(p.width, 5, p.text(title), "", "L", false)
	p.pdf.Ln(0.5)
}

// paragraph writes wrapped body text.
func (p *qualPDF) paragraph(s string, style string) {
	p.pdf.SetFont("Helvetica", style, pdfBodySize)
	p.pdf.MultiCell(p.width, 4.4, p.text(s), "", "L", false)
	p.pdf.Ln(1)
}

// keep moves to a new page unless h millimetres are left on this one.
func (p *qualPDF) keep(h float64) {
	_, pageH := p.pdf.GetPageSize()
	if p.pdf.GetY()+h > pageH-pdfBottom {
		p.pdf.AddPage()
	}
}

// widths scales relative column widths to the text width.
func (p *qualPDF) widths(rel ...float64) []float64 {
	sum := 0.0
	for _, r := range rel {
		sum += r
	}
	out := make([]float64, len(rel))
	for i, r := range rel {
		out[i] = p.width * r / sum
	}
	return out
}

func (p *qualPDF) setFont(f pdfFont) {
	switch f {
	case fontMono:
		p.pdf.SetFont("Courier", "", pdfTableSize-0.5)
	case fontMonoBold:
		p.pdf.SetFont("Courier", "B", pdfTableSize-0.5)
	case fontBold:
		p.pdf.SetFont("Helvetica", "B", pdfTableSize)
	default:
		p.pdf.SetFont("Helvetica", "", pdfTableSize)
	}
}

// lines wraps a cell's text to its column. A cell taller than a page is cut
// short, saying so: tables are for reading, and the JSON report and the
// evidence bundle hold every value whole.
func (p *qualPDF) lines(c pdfCell, width float64, header bool) []pdfLine {
	var out []pdfLine
	wrap := func(s string, f pdfFont) {
		p.setFont(f)
		for _, l := range p.pdf.SplitLines([]byte(p.text(s)), width) {
			out = append(out, pdfLine{text: string(l), font: f})
		}
	}
	if c.lead != "" {
		wrap(c.lead, fontMonoBold)
	}
	body := fontBody
	switch {
	case header, c.bold, c.result != "":
		body = fontBold
	case c.mono:
		body = fontMono
	}
	if c.text != "" {
		wrap(c.text, body)
	}
	if len(out) == 0 {
		out = []pdfLine{{font: body}}
	}
	_, pageH := p.pdf.GetPageSize()
	most := int((pageH-pdfMargin-pdfBottom-20)/pdfLineH) - 2
	if len(out) > most {
		out = append(out[:most-1], pdfLine{text: "[... cut here; see the JSON report]", font: fontBody})
	}
	return out
}

// head writes a table's header row.
func (p *qualPDF) head(t *pdfTable) {
	cells := make([]pdfCell, len(t.titles))
	for i, s := range t.titles {
		cells[i] = pdfCell{text: s}
	}
	p.row(t, cells, true)
}

// row writes one table row, on a new page under a repeated header when it
// does not fit on this one.
func (p *qualPDF) row(t *pdfTable, cells []pdfCell, header bool) {
	pdf := p.pdf
	widths := make([]float64, len(cells))
	col := 0
	for i, c := range cells {
		for range max(c.span, 1) {
			if col < len(t.widths) {
				widths[i] += t.widths[col]
			}
			col++
		}
	}
	wrapped := make([][]pdfLine, len(cells))
	most := 1
	for i, c := range cells {
		wrapped[i] = p.lines(c, widths[i], header)
		most = max(most, len(wrapped[i]))
	}
	h := float64(most)*pdfLineH + 2*pdfPad
	_, pageH := pdf.GetPageSize()
	if !header && pdf.GetY()+h > pageH-pdfBottom {
		pdf.AddPage()
		p.head(t)
	} else if header && pdf.GetY()+h+pdfLineH*2 > pageH-pdfBottom {
		pdf.AddPage()
	}
	// Rows are placed by hand: an automatic page break inside one would
	// split its cells across pages.
	pdf.SetAutoPageBreak(false, pdfBottom)
	defer pdf.SetAutoPageBreak(true, pdfBottom)
	x0, y := pdfMargin, pdf.GetY()
	x := x0
	pdf.SetDrawColor(0xd0, 0xd7, 0xde)
	pdf.SetLineWidth(0.2)
	for i, c := range cells {
		w := widths[i]
		style := "D"
		switch col, ok := resultColors[c.result]; {
		case header:
			pdf.SetFillColor(0xf0, 0xf2, 0xf5)
			style = "FD"
		case ok:
			pdf.SetFillColor(col.r, col.g, col.b)
			style = "FD"
		}
		pdf.Rect(x, y, w, h, style)
		if _, ok := resultColors[c.result]; ok && !header {
			pdf.SetTextColor(0xff, 0xff, 0xff)
		}
		for j, l := range wrapped[i] {
			p.setFont(l.font)
			pdf.SetXY(x, y+pdfPad+float64(j)*pdfLineH)
			pdf.CellFormat(w, pdfLineH, l.text, "", 0, "L", false, 0, "")
		}
		pdf.SetTextColor(0, 0, 0)
		x += w
	}
	pdf.SetXY(x0, y+h)
}

// table writes a header and rows.
func (p *qualPDF) table(t *pdfTable, rows [][]pdfCell) {
	p.head(t)
	for _, r := range rows {
		p.row(t, r, false)
	}
	p.pdf.Ln(2)
}

func (p *qualPDF) header() {
	pdf, v := p.pdf, p.v
	pdf.Bookmark("Run", 0, -1)
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(p.width, 9, "Qualification report", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(p.width, 5.5, p.text("Run "+v.run.ID+" — "+runResultText(v.run)), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 8)
	pdf.CellFormat(p.width, 4.5, p.text("Generated "+utcText(v.q.Generated)), "", 1, "L", false, 0, "")
	pdf.Ln(3)
	t := &pdfTable{titles: []string{"Field", "Value"}, widths: p.widths(1, 3.2)}
	var rows [][]pdfCell
	for _, f := range p.h.Header {
		rows = append(rows, []pdfCell{{text: f.Label, bold: true}, {text: f.Value, mono: f.Mono}})
	}
	if len(v.params) == 0 {
		rows = append(rows, []pdfCell{{text: "Parameters", bold: true}, {text: "none"}})
	}
	for i, kv := range v.params {
		label := ""
		if i == 0 {
			label = "Parameters"
		}
		rows = append(rows, []pdfCell{{text: label, bold: true}, {text: kv[0] + " = " + kv[1], mono: true}})
	}
	p.table(t, rows)
}

func (p *qualPDF) summary() {
	pdf, v := p.pdf, p.v
	p.section("Summary", false)
	most := 0
	for _, s := range v.stages {
		most = max(most, s.Total)
	}
	const labelW, barH, gap = 16.0, 6.0, 3.0
	barMax := p.width - labelW - 22
	p.keep(float64(len(v.stages))*(barH+gap) + 12)
	y := pdf.GetY()
	for _, s := range v.stages {
		pdf.SetFont("Helvetica", "B", 8)
		pdf.SetXY(pdfMargin, y)
		pdf.CellFormat(labelW, barH, p.text(stageName(s.Stage)), "", 0, "L", false, 0, "")
		x := pdfMargin + labelW
		for _, part := range []struct {
			class string
			n     int
		}{{"pass", s.Pass}, {"waived", s.Waived}, {"fail", s.Fail}, {"indeterminate", s.Indeterminate}, {"error", s.Err}} {
			if part.n == 0 {
				continue
			}
			w := max(float64(part.n)*barMax/float64(most), 0.8)
			c := resultColors[part.class]
			pdf.SetFillColor(c.r, c.g, c.b)
			pdf.Rect(x, y, w, barH, "F")
			label := fmt.Sprint(part.n)
			pdf.SetFont("Helvetica", "B", 7)
			if pdf.GetStringWidth(label)+2 < w {
				pdf.SetTextColor(0xff, 0xff, 0xff)
				pdf.SetXY(x, y)
				pdf.CellFormat(w, barH, label, "", 0, "C", false, 0, "")
				pdf.SetTextColor(0, 0, 0)
			}
			x += w
		}
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetXY(x+1.5, y)
		total := "no test cases"
		if s.Total > 0 {
			total = fmt.Sprint(s.Total)
		}
		pdf.CellFormat(20, barH, total, "", 0, "L", false, 0, "")
		y += barH + gap
	}
	x := pdfMargin + labelW
	for _, l := range []string{"pass", "waived", "fail", "indeterminate", "error"} {
		c := resultColors[l]
		pdf.SetFillColor(c.r, c.g, c.b)
		pdf.Rect(x, y+0.8, 3.2, 3.2, "F")
		pdf.SetXY(x+4, y)
		pdf.SetFont("Helvetica", "", 7.5)
		pdf.CellFormat(28, 4.8, resultLabel(l), "", 0, "L", false, 0, "")
		x += 32
	}
	pdf.SetXY(pdfMargin, y+8)

	p.subsection("Test cases by stage (latest attempt of each stage)")
	h := p.h
	t := &pdfTable{titles: []string{"Stage", "Attempt", "Pass", "Waived", "Fail", "Indeterminate", "Error", "Total"}, widths: p.widths(2, 1, 1, 1, 1, 1.4, 1, 1)}
	var rows [][]pdfCell
	for _, s := range append(h.Stages, h.Totals) {
		attempt := s.Attempt
		if s.Name == h.Totals.Name {
			attempt = ""
		}
		rows = append(rows, []pdfCell{{text: s.Name, bold: true}, {text: attempt}, {text: fmt.Sprint(s.Pass)}, {text: fmt.Sprint(s.Waived)}, {text: fmt.Sprint(s.Fail)},
			{text: fmt.Sprint(s.Indeterminate)}, {text: fmt.Sprint(s.Err)}, {text: fmt.Sprint(s.Total)}})
	}
	p.table(t, rows)
	p.subsection("Requirements by outcome")
	t = &pdfTable{titles: []string{"Outcome", "Requirements"}, widths: p.widths(2, 1)}
	rows = nil
	for _, c := range h.ReqCounts {
		rows = append(rows, []pdfCell{{text: c.Label, result: c.Class}, {text: fmt.Sprint(c.Count)}})
	}
	p.table(t, rows)
}

func (p *qualPDF) matrix() {
	v := p.v
	p.section("Traceability matrix", true)
	p.paragraph("Every requirement of the set, in set order, with its test cases per stage and its outcome: the worst result of its "+
		"test cases, where a static result left indeterminate is decided by the IQ check of the same resource, and a requirement "+
		"whose only failures are waived is waived.", "")
	t := &pdfTable{
		titles: []string{"Requirement", "Static", "IQ", "OQ", "Outcome", "Evidence"},
		widths: []float64{60, 29, 29, 29, 20, 19},
	}
	var rows [][]pdfCell
	for _, r := range v.reqs {
		about := r.Req.Title + "\nrisk " + cmpOr(string(r.Req.Risk), "—")
		if len(r.Req.Controls) > 0 {
			about += " · " + controlsText(r.Req.Controls)
		}
		row := []pdfCell{{lead: r.Req.ID, text: about}}
		if r.Note != "" {
			row = append(row, pdfCell{text: r.Note, span: 3})
		} else {
			for col, cs := range r.ByStage {
				var lines []string
				for _, c := range cs {
					lines = append(lines, strings.TrimSpace(fmt.Sprintf("%s %s %s", c.ID, resultLabel(string(c.Result)), c.LogicalID)))
				}
				if col == 2 && len(cs) == 0 && r.OQNote != "" {
					lines = append(lines, r.OQNote)
				}
				row = append(row, pdfCell{text: strings.Join(lines, "\n")})
			}
		}
		outcome := resultLabel(r.Outcome)
		short := make([]string, len(r.Evidence))
		for i, d := range r.Evidence {
			short[i] = shortDigest(d)
		}
		row = append(row, pdfCell{text: outcome, result: resultClass(r.Outcome)}, pdfCell{text: strings.Join(short, "\n"), mono: true})
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		p.paragraph("No requirement set was given.", "I")
		return
	}
	p.table(t, rows)
}

func (p *qualPDF) installation() {
	p.section("Installation verification", true)
	p.paragraph("Test cases of the template itself, tied to no requirement: each resource exists and carries the property values the template sets.", "")
	if len(p.v.install) == 0 {
		p.paragraph("No installation verification test cases were recorded.", "I")
		return
	}
	for _, g := range p.v.install {
		p.subsection(resourceText(cmpOr(g.LogicalID, "—"), g.ResourceType, g.PhysicalID))
		t := &pdfTable{titles: []string{"Test case", "Kind", "Property", "Expected", "Actual", "Result"}, widths: p.widths(14, 10, 22, 24, 24, 14)}
		var rows [][]pdfCell
		for _, c := range g.Cases {
			rows = append(rows, []pdfCell{{text: c.ID, bold: true}, {text: c.Kind}, {text: c.Property, mono: true}, {text: c.Expected},
				{text: c.Actual}, {text: resultLabel(string(c.Result)), result: resultClass(string(c.Result))}})
		}
		p.table(t, rows)
	}
}

// caseTable is the layout of test case rows.
func (p *qualPDF) caseTable() *pdfTable {
	return &pdfTable{titles: []string{"Test case", "Resource", "Test", "Result", "Duration", "Evidence"}, widths: []float64{24, 31, 63, 34, 14, 20}}
}

func (p *qualPDF) caseRow(c *caseView) []pdfCell {
	id := fmt.Sprintf("%s\n%s · %s\nattempt %d", cmpOr(c.ID, "—"), stageName(c.Stage), c.Kind, attemptOf(c.Attempt))
	if !c.Current {
		id += fmt.Sprintf("\nsuperseded by attempt %d", c.SupersededBy)
	}
	id += "\n" + utcText(c.Time)
	res := resourceText(c.LogicalID, c.ResourceType, c.PhysicalID)
	if c.Property != "" {
		res += "\n" + c.Property
	}
	if !c.Loc.IsZero() {
		res += "\n" + c.Loc.String()
	}
	test := c.Description + "\nExpected: " + c.Expected + "\nActual: " + c.Actual
	result := resultLabel(string(c.Result))
	if c.Result == qualstate.ResultWaived || c.Waiver != nil {
		result += "\n" + waiverCell(c.Waiver)
	}
	if c.Reason != "" {
		result += "\n" + c.Reason
	}
	short := make([]string, len(c.Evidence))
	for i, d := range c.Evidence {
		short[i] = shortDigest(d)
	}
	return []pdfCell{{text: id, bold: true}, {text: res}, {lead: c.RequirementID, text: test}, {text: result, result: resultClass(string(c.Result))},
		{text: caseDuration(&c.TestCase)}, {text: strings.Join(short, "\n"), mono: true}}
}

func (p *qualPDF) testCases() {
	p.section("Test cases", true)
	p.paragraph("Every test case in the order recorded, earlier attempts included.", "")
	if len(p.v.cases) == 0 {
		p.paragraph("No test cases were recorded.", "I")
		return
	}
	var rows [][]pdfCell
	for i := range p.v.cases {
		rows = append(rows, p.caseRow(&p.v.cases[i]))
	}
	p.table(p.caseTable(), rows)
}

func (p *qualPDF) deviations() {
	v := p.v
	p.section("Deviations", true)
	if !v.hasDeviations() {
		p.paragraph("No deviations.", "")
		return
	}
	if s := v.statusDeviation(); s != "" {
		p.subsection("Run status")
		p.paragraph(s, "")
	}
	if len(v.failedCases) > 0 {
		p.subsection("Test cases that failed or erred")
		var rows [][]pdfCell
		for _, c := range v.failedCases {
			rows = append(rows, p.caseRow(c))
		}
		p.table(p.caseTable(), rows)
	}
	if len(v.waivedCases) > 0 {
		p.subsection("Test cases waived")
		p.paragraph("Failures an approved waiver accepted, each until its waiver expires.", "")
		var rows [][]pdfCell
		for _, c := range v.waivedCases {
			rows = append(rows, p.caseRow(c))
		}
		p.table(p.caseTable(), rows)
	}
	if len(v.failedSteps) > 0 {
		p.subsection("Steps that failed")
		p.stepTable(v.failedSteps)
	}
	if lines := v.earlierText(); len(lines) > 0 {
		p.subsection("Earlier attempts")
		for _, l := range lines {
			p.paragraph("- "+l, "")
		}
	}
}

func (p *qualPDF) evidenceIndex() {
	p.section("Evidence index", true)
	p.paragraph("Each piece of evidence is named by the SHA-256 of its sealed record; the evidence bundle holds the records.", "")
	if len(p.v.evidence) == 0 {
		p.paragraph("No evidence was recorded.", "I")
		return
	}
	t := &pdfTable{titles: []string{"Digest (SHA-256)", "Operation", "Request", "Time", "Endpoint, account, region", "Used by"}, widths: []float64{25, 28, 45, 22, 40, 26}}
	var rows [][]pdfCell
	for _, e := range p.v.evidence {
		digest := e.Digest
		if len(digest) == 64 {
			// Four lines of sixteen digits fit a narrow column whole.
			digest = digest[:16] + "\n" + digest[16:32] + "\n" + digest[32:48] + "\n" + digest[48:]
		}
		row := []pdfCell{{text: digest, mono: true}}
		if m := e.Meta; m != nil {
			req := m.Request
			if m.Redacted > 0 {
				req += "\n(" + plural(m.Redacted, "secret redacted", "secrets redacted") + ")"
			}
			where := strings.Join(nonBlank(m.Endpoint, m.Account, m.Region), "\n")
			row = append(row, pdfCell{text: m.Operation}, pdfCell{text: req}, pdfCell{text: utcText(m.Time)}, pdfCell{text: where})
		} else {
			row = append(row, pdfCell{text: "metadata not available"}, pdfCell{}, pdfCell{}, pdfCell{})
		}
		row = append(row, pdfCell{text: strings.Join(e.UsedBy, ", ")})
		rows = append(rows, row)
	}
	p.table(t, rows)
}

// nonBlank returns the strings that are not empty.
func nonBlank(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *qualPDF) stepTable(steps []qualstate.Step) {
	t := &pdfTable{titles: []string{"#", "Attempt", "Stage", "Step", "Status", "Detail", "Started", "Finished"}, widths: []float64{6, 11, 10, 38, 14, 53, 27, 27}}
	var rows [][]pdfCell
	for _, s := range steps {
		h := htmlStepOf(s)
		rows = append(rows, []pdfCell{{text: h.Seq}, {text: h.Attempt}, {text: h.Stage}, {text: h.Name}, {text: h.Status, result: h.Class},
			{text: h.Detail}, {text: h.Started}, {text: h.Finished}})
	}
	if len(rows) == 0 {
		p.paragraph("No steps were recorded.", "I")
		return
	}
	p.table(t, rows)
}

func (p *qualPDF) stepsLog() {
	p.section("Steps log", true)
	p.stepTable(p.v.steps)
}

func (p *qualPDF) baseline() {
	p.section("Baseline", false)
	p.paragraph("The live state of each resource captured at the end of IQ: the qualified state monitoring compares against.", "")
	base := sortedBaseline(p.v.q.Baseline)
	if len(base) == 0 {
		p.paragraph("No baseline was recorded.", "I")
		return
	}
	t := &pdfTable{titles: []string{"Resource", "Type", "Physical id", "Identifier", "Evidence"}, widths: p.widths(22, 26, 30, 30, 14)}
	var rows [][]pdfCell
	for _, b := range base {
		rows = append(rows, []pdfCell{{text: b.LogicalID, bold: true}, {text: b.ResourceType}, {text: b.PhysicalID, mono: true},
			{text: b.Identifier, mono: true}, {text: shortDigest(b.Evidence), mono: true}})
	}
	p.table(t, rows)
}

// review writes the review state, the manifestation of every electronic
// signature, the certificate, and while nothing is signed, lines to sign
// by hand.
func (p *qualPDF) review() {
	r := p.h.Review
	p.section("Review and approval", true)
	kv := func(first []pdfCell, fields []htmlField) {
		t := &pdfTable{titles: []string{"Field", "Value"}, widths: p.widths(1, 3.2)}
		var rows [][]pdfCell
		if first != nil {
			rows = append(rows, first)
		}
		for _, f := range fields {
			rows = append(rows, []pdfCell{{text: f.Label, bold: true}, {text: f.Value, mono: f.Mono}})
		}
		p.table(t, rows)
	}
	kv([]pdfCell{{text: "Review state", bold: true}, {text: r.State, result: r.Class}}, r.Fields)
	if len(r.Signatures) > 0 {
		p.subsection("Electronic signatures")
		p.paragraph("Each signature as applied: the signer's printed name and user id, the meaning of the signature, when it was "+
			"applied and why (21 CFR 11.50). The instance key named binds each one to the exact record it signs.", "")
		t := &pdfTable{titles: []string{"Signed by", "Meaning", "Date and time (UTC)", "Reason or comment", "Signature"}, widths: p.widths(20, 22, 22, 32, 30)}
		var rows [][]pdfCell
		for _, s := range r.Signatures {
			meaning := s.Meaning
			if s.MeaningSay != "" {
				meaning += "\n" + s.MeaningSay
			}
			sig := s.ID + "\nkey " + s.Key
			if s.OtherRecord != "" {
				sig += "\nsigns another record: " + s.OtherRecord
			}
			rows = append(rows, []pdfCell{{text: s.Name + "\n" + s.UserID, bold: true}, {text: meaning}, {text: s.Time}, {text: s.Reason}, {text: sig, mono: true}})
		}
		p.table(t, rows)
	}
	if len(r.Certificate) > 0 {
		p.subsection("Certificate")
		kv(nil, r.Certificate)
	}
	if r.Unsigned {
		p.paragraph("This run has not been reviewed: no electronic signature has been applied to it. The lines below are for signatures by hand.", "")
		t := &pdfTable{titles: []string{"Role", "Name", "Meaning", "Date and time (UTC)", "Signature"}, widths: p.widths(16, 24, 28, 22, 30)}
		p.head(t)
		for _, s := range r.WetInk {
			// Three blank lines leave room to sign by hand.
			p.row(t, []pdfCell{{text: s.Role + "\n \n \n ", bold: true}, {text: s.Name}, {text: s.Meaning}, {text: s.Time}, {}}, false)
		}
	}
}
