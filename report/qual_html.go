package report

import (
	"bufio"
	"errors"
	"fmt"
	"html/template"
	"io"
	"reflect"
	"strings"

	"qualstate"
)

// QualificationHTML writes the qualification report as one self-contained
// HTML document for an auditor to read and print: inline CSS and SVG, no
// scripts, nothing fetched. Every value is escaped by html/template.
func QualificationHTML(w io.Writer, q *Qualification) error {
	if err := checkQualification(q); err != nil {
		return fmt.Errorf("writing HTML report: %w", err)
	}
	data := newHTMLReport(newQualView(q))
	// Control characters pass html/template's escaping untouched, and
	// bidirectional overrides would let a value display as something it
	// is not: both are shown as escapes.
	visibleStrings(reflect.ValueOf(data).Elem())
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := qualHTMLTemplate.Execute(bw, data); err != nil {
		return fmt.Errorf("writing HTML report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing HTML report: %w", err)
	}
	return nil
}

// visibleStrings replaces, in every string v holds, what would not show as
// itself by its Go escape (see printable), keeping line breaks.
func visibleStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); !isPrintable(strings.ReplaceAll(s, "\n", "")) {
			lines := strings.Split(s, "\n")
			for i, l := range lines {
				lines[i] = printable(l)
			}
			v.SetString(strings.Join(lines, "\n"))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			visibleStrings(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			visibleStrings(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			visibleStrings(v.Elem())
		}
	}
}

// checkQualification rejects what no writer can render.
func checkQualification(q *Qualification) error {
	if q == nil {
		return errors.New("no qualification")
	}
	if q.Run == nil {
		return errors.New("qualification has no run")
	}
	return nil
}

// The types below carry the report to the template, every value already
// formatted: the template only lays out.

type htmlReport struct {
	RunID      string
	Status     string
	StatusText string
	Header     []htmlField
	Params     [][2]string
	Generated  string
	Tool       string
	Chart      htmlChart
	Stages     []htmlStageRow
	Totals     htmlStageRow
	ReqCounts  []htmlCount
	Reqs       []htmlReq
	Install    []htmlInstall
	Cases      []htmlCase
	Deviation  htmlDeviations
	Evidence   []htmlEvidence
	Steps      []htmlStep
	Baseline   []htmlBaseline
	Review     reviewView
}

type htmlField struct {
	Label, Value string
	// Mono sets digests and identifiers in a fixed-width font.
	Mono bool
}

type htmlChart struct {
	Width, Height int
	Label         string
	Bars          []htmlBar
	Legend        []htmlLegend
}

type htmlBar struct {
	Name     string
	Y, TextY int
	Segments []htmlSegment
	// TotalX places the total after the bar.
	TotalX int
	Total  string
}

type htmlSegment struct {
	X, Y, W, H, TextX, TextY int
	Class                    string
	Title                    string
	// Count is printed inside the segment when it is wide enough.
	Count string
}

type htmlLegend struct {
	X, Y, TextX, TextY int
	Class              string
	Label              string
}

type htmlStageRow struct {
	Name                                   string
	Attempt                                string
	Pass, Waived, Fail, Indeterminate, Err int
	Total                                  int
}

type htmlCount struct {
	Class, Label string
	Count        int
}

type htmlDigest struct {
	Short, Full, Href string
}

type htmlCaseRef struct {
	ID, Href, Class, Label, Resource string
}

type htmlStageCell struct {
	Cases []htmlCaseRef
	Note  string
}

type htmlReq struct {
	Anchor, ID, Title, Risk, Controls string
	Cells                             [3]htmlStageCell
	Class, Label, Note                string
	Evidence                          []htmlDigest
}

type htmlInstall struct {
	Anchor, LogicalID, ResourceType, PhysicalID string
	Cases                                       []htmlCase
}

type htmlCase struct {
	// Anchor is the row's id; Link, set instead where a case is listed a
	// second time (under deviations), points to that row.
	Anchor, Link                         string
	ID, Stage, Kind, Attempt, Superseded string
	Requirement, RequirementHref         string
	Resource, Property, Location         string
	Description, Expected, Actual        string
	Class, Label, Reason, Duration, Time string
	// Waiver names a waived case's waiver and its expiry.
	Waiver   string
	Evidence []htmlDigest
}

type htmlDeviations struct {
	Any         bool
	Status      string
	Cases       []htmlCase
	Waived      []htmlCase
	FailedSteps []htmlStep
	Earlier     []string
}

type htmlEvidence struct {
	Anchor, Digest, Short                 string
	Operation, Request, Time              string
	Endpoint, Account, Region, Redactions string
	Missing                               bool
	UsedBy                                []htmlCaseRef
}

type htmlStep struct {
	Seq, Attempt, Stage, Name, Status, Class, Detail, Started, Finished string
}

type htmlBaseline struct {
	LogicalID, ResourceType, PhysicalID, Identifier string
	Evidence                                        htmlDigest
}

// Geometry of the summary chart, in CSS pixels.
const (
	chartWidth   = 680
	chartLabelW  = 64
	chartBarMax  = 520
	chartBarH    = 22
	chartBarGap  = 12
	chartLegendH = 28
)

func newHTMLReport(v *qualView) *htmlReport {
	r := v.run
	h := &htmlReport{
		RunID:      r.ID,
		Status:     resultClass(runOutcome(r)),
		StatusText: runResultText(r),
		Generated:  utcText(v.q.Generated),
		Tool:       strings.TrimSpace(v.q.Tool.Name + " " + v.q.Tool.Version),
		Params:     v.params,
	}
	setText, setDigest := requirementSetText(v)
	h.Header = []htmlField{
		{Label: "Run", Value: r.ID, Mono: true},
		{Label: "Status", Value: runResultText(r)},
		{Label: "Review", Value: reviewStateText(v.q.Review)},
		{Label: "Template", Value: cmpOr(r.TemplateFile, "—")},
		{Label: "Template SHA-256", Value: cmpOr(r.TemplateDigest, "—"), Mono: true},
		{Label: "Requirement set", Value: setText},
		{Label: "Requirement set SHA-256", Value: cmpOr(setDigest, "—"), Mono: true},
		{Label: "Environment", Value: environmentText(r.Environment)},
		{Label: "Stack", Value: cmpOr(r.StackName, "—")},
		{Label: "Challenge level", Value: string(v.challengeLvl)},
		{Label: "Executor", Value: cmpOr(r.Executor, "—")},
		{Label: "Tool version", Value: cmpOr(toolVersion(v), "—")},
		{Label: "Attempt", Value: fmt.Sprint(v.lastAttempt)},
		{Label: "Started", Value: utcText(r.Started)},
		{Label: "Finished", Value: utcText(r.Finished)},
	}
	if r.Reason != "" {
		h.Header = append(h.Header[:3], append([]htmlField{{Label: "Reason", Value: r.Reason}}, h.Header[3:]...)...)
	}
	h.Chart, h.Stages, h.Totals = htmlSummary(v)
	for _, o := range []string{"pass", "waived", "fail", "indeterminate", "error", outcomeNotApplicable, outcomeNotRun} {
		h.ReqCounts = append(h.ReqCounts, htmlCount{Class: resultClass(o), Label: resultLabel(o), Count: v.reqCounts[o]})
	}
	for _, rv := range v.reqs {
		h.Reqs = append(h.Reqs, htmlReqOf(v, rv))
	}
	cases := make(map[*caseView]int, len(v.cases))
	for i := range v.cases {
		cases[&v.cases[i]] = i
		h.Cases = append(h.Cases, htmlCaseOf(v, &v.cases[i]))
	}
	for _, g := range v.install {
		hi := htmlInstall{Anchor: "res-" + anchorText(g.LogicalID), LogicalID: cmpOr(g.LogicalID, "—"), ResourceType: g.ResourceType, PhysicalID: g.PhysicalID}
		for _, c := range g.Cases {
			hi.Cases = append(hi.Cases, h.Cases[cases[c]])
		}
		h.Install = append(h.Install, hi)
	}
	h.Deviation = htmlDeviations{Any: v.hasDeviations(), Status: v.statusDeviation()}
	for _, c := range v.failedCases {
		again := h.Cases[cases[c]]
		again.Anchor, again.Link = "", "#"+again.Anchor
		h.Deviation.Cases = append(h.Deviation.Cases, again)
	}
	for _, c := range v.waivedCases {
		again := h.Cases[cases[c]]
		again.Anchor, again.Link = "", "#"+again.Anchor
		h.Deviation.Waived = append(h.Deviation.Waived, again)
	}
	for _, s := range v.failedSteps {
		h.Deviation.FailedSteps = append(h.Deviation.FailedSteps, htmlStepOf(s))
	}
	h.Deviation.Earlier = v.earlierText()
	for _, e := range v.evidence {
		he := htmlEvidence{Anchor: e.Anchor, Digest: e.Digest, Short: shortDigest(e.Digest), Missing: e.Meta == nil}
		if m := e.Meta; m != nil {
			he.Operation, he.Request, he.Time = m.Operation, m.Request, utcText(m.Time)
			he.Endpoint, he.Account, he.Region = m.Endpoint, m.Account, m.Region
			if m.Redacted > 0 {
				he.Redactions = plural(m.Redacted, "secret redacted", "secrets redacted")
			}
		}
		for _, by := range e.UsedBy {
			ref := htmlCaseRef{ID: by}
			if a, ok := v.anchors[by]; ok {
				ref.Href = "#" + a
			}
			he.UsedBy = append(he.UsedBy, ref)
		}
		h.Evidence = append(h.Evidence, he)
	}
	for _, s := range v.steps {
		h.Steps = append(h.Steps, htmlStepOf(s))
	}
	for _, b := range sortedBaseline(v.q.Baseline) {
		h.Baseline = append(h.Baseline, htmlBaseline{
			LogicalID: b.LogicalID, ResourceType: b.ResourceType, PhysicalID: b.PhysicalID, Identifier: b.Identifier,
			Evidence: htmlDigestOf(v, b.Evidence),
		})
	}
	h.Review = newReviewView(v.q)
	return h
}

// runOutcome is what colours the run's status.
func runOutcome(r *qualstate.Run) string {
	switch {
	case r.Result != "":
		return string(r.Result)
	case r.Status == qualstate.RunPassed:
		return string(qualstate.ResultPass)
	case r.Status == qualstate.RunFailed:
		return string(qualstate.ResultFail)
	case r.Status == qualstate.RunRunning:
		return outcomeNotRun
	}
	return string(qualstate.ResultError)
}

func htmlSummary(v *qualView) (htmlChart, []htmlStageRow, htmlStageRow) {
	most := 0
	for _, s := range v.stages {
		most = max(most, s.Total)
	}
	chart := htmlChart{Width: chartWidth}
	var rows []htmlStageRow
	total := htmlStageRow{Name: "Total"}
	var label []string
	for i, s := range v.stages {
		y := i * (chartBarH + chartBarGap)
		bar := htmlBar{Name: stageName(s.Stage), Y: y, TextY: y + chartBarH/2 + 5, TotalX: chartLabelW + 6, Total: "no test cases"}
		x := chartLabelW
		for _, part := range []struct {
			class string
			n     int
		}{{"pass", s.Pass}, {"waived", s.Waived}, {"fail", s.Fail}, {"indeterminate", s.Indeterminate}, {"error", s.Err}} {
			if part.n == 0 {
				continue
			}
			w := max(part.n*chartBarMax/most, 2)
			seg := htmlSegment{X: x, Y: y, W: w, H: chartBarH, TextX: x + w/2, TextY: bar.TextY, Class: part.class, Title: fmt.Sprintf("%s: %d %s", bar.Name, part.n, part.class)}
			if w >= 8*len(fmt.Sprint(part.n))+6 {
				seg.Count = fmt.Sprint(part.n)
			}
			bar.Segments = append(bar.Segments, seg)
			x += w
		}
		if s.Total > 0 {
			bar.TotalX, bar.Total = x+6, fmt.Sprint(s.Total)
		}
		chart.Bars = append(chart.Bars, bar)
		row := htmlStageRow{Name: stageName(s.Stage), Attempt: "—", Pass: s.Pass, Waived: s.Waived, Fail: s.Fail, Indeterminate: s.Indeterminate, Err: s.Err, Total: s.Total}
		if s.Attempt > 0 {
			row.Attempt = fmt.Sprint(s.Attempt)
		}
		rows = append(rows, row)
		total.Pass += s.Pass
		total.Waived += s.Waived
		total.Fail += s.Fail
		total.Indeterminate += s.Indeterminate
		total.Err += s.Err
		total.Total += s.Total
		label = append(label, fmt.Sprintf("%s: %d pass, %d waived, %d fail, %d indeterminate, %d error", bar.Name, s.Pass, s.Waived, s.Fail, s.Indeterminate, s.Err))
	}
	legendY := len(v.stages) * (chartBarH + chartBarGap)
	for i, l := range []string{"pass", "waived", "fail", "indeterminate", "error"} {
		x := chartLabelW + i*120
		chart.Legend = append(chart.Legend, htmlLegend{X: x, Y: legendY + 4, TextX: x + 18, TextY: legendY + 16, Class: l, Label: resultLabel(l)})
	}
	chart.Height = legendY + chartLegendH
	chart.Label = "Test cases per stage by result. " + strings.Join(label, "; ") + "."
	return chart, rows, total
}

func htmlDigestOf(v *qualView, d string) htmlDigest {
	if d == "" {
		return htmlDigest{}
	}
	out := htmlDigest{Short: shortDigest(d), Full: d}
	if a := v.evidenceAnchor(d); a != "" {
		out.Href = "#" + a
	}
	return out
}

func htmlDigestsOf(v *qualView, ds []string) []htmlDigest {
	out := make([]htmlDigest, 0, len(ds))
	for _, d := range ds {
		out = append(out, htmlDigestOf(v, d))
	}
	return out
}

func htmlReqOf(v *qualView, r reqView) htmlReq {
	h := htmlReq{
		Anchor: "req-" + anchorText(r.Req.ID), ID: r.Req.ID, Title: r.Req.Title, Risk: cmpOr(string(r.Req.Risk), "—"),
		Controls: controlsText(r.Req.Controls),
		Class:    resultClass(r.Outcome), Label: resultLabel(r.Outcome), Note: r.Note,
		Evidence: htmlDigestsOf(v, r.Evidence),
	}
	for col, cs := range r.ByStage {
		for _, c := range cs {
			ref := htmlCaseRef{ID: c.ID, Href: "#" + c.Anchor, Class: resultClass(string(c.Result)), Label: resultLabel(string(c.Result)), Resource: c.LogicalID}
			if col == 2 && c.Stage != qualstate.StageOQ {
				ref.Resource = strings.TrimSpace(stageName(c.Stage) + " " + c.LogicalID)
			}
			h.Cells[col].Cases = append(h.Cells[col].Cases, ref)
		}
	}
	if len(r.ByStage[2]) == 0 {
		h.Cells[2].Note = r.OQNote
	}
	return h
}

func htmlCaseOf(v *qualView, c *caseView) htmlCase {
	h := htmlCase{
		Anchor: c.Anchor, ID: cmpOr(c.ID, "—"), Stage: stageName(c.Stage), Kind: c.Kind, Attempt: fmt.Sprint(attemptOf(c.Attempt)),
		Requirement: c.RequirementID,
		Resource:    resourceText(c.LogicalID, c.ResourceType, c.PhysicalID), Property: c.Property,
		Description: c.Description, Expected: c.Expected, Actual: c.Actual,
		Class: resultClass(string(c.Result)), Label: resultLabel(string(c.Result)), Reason: c.Reason,
		Duration: caseDuration(&c.TestCase), Time: utcText(c.Time), Evidence: htmlDigestsOf(v, c.Evidence),
	}
	if !c.Loc.IsZero() {
		h.Location = c.Loc.String()
	}
	if c.RequirementID != "" {
		h.RequirementHref = "#req-" + anchorText(c.RequirementID)
	}
	if !c.Current {
		h.Superseded = fmt.Sprintf("superseded by attempt %d", c.SupersededBy)
	}
	if c.Result == qualstate.ResultWaived || c.Waiver != nil {
		h.Waiver = waiverCell(c.Waiver)
	}
	return h
}

func htmlStepOf(s qualstate.Step) htmlStep {
	class := "pass"
	switch s.Status {
	case qualstate.StepFailed:
		class = "fail"
	case qualstate.StepRunning:
		class = "notrun"
	case qualstate.StepSkipped:
		class = "na"
	}
	finished := utcText(s.Finished)
	if s.Finished.IsZero() {
		finished = "—"
	}
	return htmlStep{
		Seq: fmt.Sprint(s.Seq), Attempt: fmt.Sprint(attemptOf(s.Attempt)), Stage: stageName(s.Stage), Name: s.Name,
		Status: string(s.Status), Class: class, Detail: s.Detail, Started: utcText(s.Started), Finished: finished,
	}
}

// cmpOr returns s, or alt when s is empty.
func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// qualHTMLTemplate lays the report out. Sections break pages when printed;
// table headers repeat on every printed page.
var qualHTMLTemplate = template.Must(template.New("qualification").Parse(qualHTMLHead + qualHTMLCSS + qualHTMLBody))

const qualHTMLHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{{.Tool}}">
<title>Qualification report {{.RunID}}</title>
`

const qualHTMLCSS = `<style>
:root { --pass: #1a7f37; --waived: #0e6f82; --fail: #cf222e; --indeterminate: #9a6700; --error: #8250df; --na: #6e7781; --notrun: #6e7781; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 20pt; margin: 0 0 4px; }
h2 { font-size: 14pt; border-bottom: 2px solid #1f2328; padding-bottom: 2px; margin: 28px 0 10px; }
h3 { font-size: 11pt; margin: 16px 0 6px; }
p.sub { color: #57606a; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #f6f8fa; font-weight: 600; }
table.kv th { width: 14em; }
table.compact { width: auto; min-width: 40%; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 9pt; }
.result { display: inline-block; font-weight: 700; font-size: 8.5pt; padding: 0 5px; border-radius: 3px; color: #fff; white-space: nowrap; }
.result.pass { background: var(--pass); } .result.waived { background: var(--waived); } .result.fail { background: var(--fail); }
.result.indeterminate { background: var(--indeterminate); } .result.error { background: var(--error); }
.result.na, .result.notrun { background: var(--na); }
svg .pass { fill: var(--pass); } svg .waived { fill: var(--waived); } svg .fail { fill: var(--fail); } svg .indeterminate { fill: var(--indeterminate); } svg .error { fill: var(--error); }
svg text { font: 10pt system-ui, Helvetica, Arial, sans-serif; fill: #1f2328; }
svg text.in { fill: #fff; font-weight: 700; text-anchor: middle; }
ul.refs { list-style: none; margin: 0; padding: 0; }
ul.refs li { margin: 0 0 2px; }
td.req { min-width: 16em; }
td.req .id { font-weight: 700; }
.meta { color: #57606a; font-size: 9pt; }
.digest { word-break: break-all; }
.nowrap { white-space: nowrap; }
.note { color: #57606a; font-style: italic; }
.superseded { color: #57606a; }
tr.superseded td { background: #f6f8fa; }
.pre { white-space: pre-wrap; }
.sig td { height: 3.2em; }
.manifestation .name { font-weight: 700; }
.statement { font-style: italic; }
footer { margin-top: 24px; color: #57606a; font-size: 9pt; }
a { color: #0969da; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; }
  section { break-before: page; }
  section.first { break-before: auto; }
  thead { display: table-header-group; }
  tr, .chart { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
</head>
`

const qualHTMLBody = `<body>
<header>
<h1>Qualification report</h1>
<p class="sub">Run <span class="mono">{{.RunID}}</span> — <span class="result {{.Status}}">{{.StatusText}}</span></p>
</header>

<section class="first" id="run">
<h2>Run</h2>
<table class="kv">
<tbody>
{{- range .Header}}
<tr><th scope="row">{{.Label}}</th><td{{if .Mono}} class="mono"{{end}}>{{.Value}}</td></tr>
{{- end}}
<tr><th scope="row">Parameters</th><td>
{{- if .Params}}
<table>
<thead><tr><th>Name</th><th>Value</th></tr></thead>
<tbody>
{{- range .Params}}
<tr><td class="mono">{{index . 0}}</td><td class="mono">{{index . 1}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}none{{end}}</td></tr>
</tbody>
</table>
</section>

<section id="summary">
<h2>Summary</h2>
<div class="chart">
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Chart.Width}}" height="{{.Chart.Height}}" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}" role="img" aria-label="{{.Chart.Label}}">
<title>{{.Chart.Label}}</title>
{{- range .Chart.Bars}}
<text x="0" y="{{.TextY}}">{{.Name}}</text>
{{- range .Segments}}
<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>
{{- if .Count}}
<text class="in" x="{{.TextX}}" y="{{.TextY}}">{{.Count}}</text>
{{- end}}
{{- end}}
<text x="{{.TotalX}}" y="{{.TextY}}">{{.Total}}</text>
{{- end}}
{{- range .Chart.Legend}}
<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="14" height="14"></rect>
<text x="{{.TextX}}" y="{{.TextY}}">{{.Label}}</text>
{{- end}}
</svg>
</div>
<h3>Test cases by stage (latest attempt of each stage)</h3>
<table class="compact">
<thead><tr><th>Stage</th><th class="num">Attempt</th><th class="num">Pass</th><th class="num">Waived</th><th class="num">Fail</th><th class="num">Indeterminate</th><th class="num">Error</th><th class="num">Total</th></tr></thead>
<tbody>
{{- range .Stages}}
<tr><td>{{.Name}}</td><td class="num">{{.Attempt}}</td><td class="num">{{.Pass}}</td><td class="num">{{.Waived}}</td><td class="num">{{.Fail}}</td><td class="num">{{.Indeterminate}}</td><td class="num">{{.Err}}</td><td class="num">{{.Total}}</td></tr>
{{- end}}
<tr><th scope="row">{{.Totals.Name}}</th><td class="num"></td><td class="num">{{.Totals.Pass}}</td><td class="num">{{.Totals.Waived}}</td><td class="num">{{.Totals.Fail}}</td><td class="num">{{.Totals.Indeterminate}}</td><td class="num">{{.Totals.Err}}</td><td class="num">{{.Totals.Total}}</td></tr>
</tbody>
</table>
<h3>Requirements by outcome</h3>
<table class="compact">
<thead><tr><th>Outcome</th><th class="num">Requirements</th></tr></thead>
<tbody>
{{- range .ReqCounts}}
<tr><td><span class="result {{.Class}}">{{.Label}}</span></td><td class="num">{{.Count}}</td></tr>
{{- end}}
</tbody>
</table>
</section>

<section id="matrix">
<h2>Traceability matrix</h2>
<p class="sub">Every requirement of the set, in set order, with its test cases per stage and its outcome: the worst result of its test cases, where a static result left indeterminate is decided by the IQ check of the same resource, and a requirement whose only failures are waived is waived.</p>
<table>
<thead><tr><th>Requirement</th><th>Static</th><th>IQ</th><th>OQ</th><th>Outcome</th><th>Evidence</th></tr></thead>
<tbody>
{{- range .Reqs}}
<tr id="{{.Anchor}}">
<td class="req"><span class="mono id">{{.ID}}</span><br>{{.Title}}<br><span class="meta">risk {{.Risk}}{{if .Controls}} · {{.Controls}}{{end}}</span></td>
{{- if .Note}}
<td colspan="3" class="note">{{.Note}}</td>
{{- else}}
{{- range .Cells}}
<td>{{if .Cases}}<ul class="refs">{{range .Cases}}<li><a href="{{.Href}}" class="mono">{{.ID}}</a> <span class="result {{.Class}}">{{.Label}}</span>{{if .Resource}} {{.Resource}}{{end}}</li>{{end}}</ul>{{end}}{{if .Note}}<span class="note">{{.Note}}</span>{{end}}</td>
{{- end}}
{{- end}}
<td><span class="result {{.Class}}">{{.Label}}</span></td>
<td>{{template "digests" .Evidence}}</td>
</tr>
{{- else}}
<tr><td colspan="6" class="note">No requirement set was given.</td></tr>
{{- end}}
</tbody>
</table>
</section>

<section id="installation">
<h2>Installation verification</h2>
<p class="sub">Test cases of the template itself, tied to no requirement: each resource exists and carries the property values the template sets.</p>
{{- range .Install}}
<h3 id="{{.Anchor}}"><span class="mono">{{.LogicalID}}</span>{{if .ResourceType}} — {{.ResourceType}}{{end}}{{if .PhysicalID}} — <span class="mono">{{.PhysicalID}}</span>{{end}}</h3>
<table>
<thead><tr><th>Test case</th><th>Kind</th><th>Property</th><th>Expected</th><th>Actual</th><th>Result</th></tr></thead>
<tbody>
{{- range .Cases}}
<tr><td><a href="#{{.Anchor}}" class="mono">{{.ID}}</a></td><td>{{.Kind}}</td><td class="mono">{{.Property}}</td><td class="pre">{{.Expected}}</td><td class="pre">{{.Actual}}</td><td><span class="result {{.Class}}">{{.Label}}</span></td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="note">No installation verification test cases were recorded.</p>
{{- end}}
</section>

<section id="test-cases">
<h2>Test cases</h2>
<p class="sub">Every test case in the order recorded, earlier attempts included.</p>
<table>
<thead><tr><th>Test case</th><th>Resource</th><th>Test</th><th>Result</th><th>Duration</th><th>Evidence</th></tr></thead>
<tbody>
{{- range .Cases}}
{{template "case" .}}
{{- else}}
<tr><td colspan="6" class="note">No test cases were recorded.</td></tr>
{{- end}}
</tbody>
</table>
</section>

<section id="deviations">
<h2>Deviations</h2>
{{- if not .Deviation.Any}}
<p>No deviations.</p>
{{- end}}
{{- with .Deviation.Status}}
<h3>Run status</h3>
<p>{{.}}</p>
{{- end}}
{{- if .Deviation.Cases}}
<h3>Test cases that failed or erred</h3>
<table>
<thead><tr><th>Test case</th><th>Resource</th><th>Test</th><th>Result</th><th>Duration</th><th>Evidence</th></tr></thead>
<tbody>
{{- range .Deviation.Cases}}
{{template "case" .}}
{{- end}}
</tbody>
</table>
{{- end}}
{{- if .Deviation.Waived}}
<h3>Test cases waived</h3>
<p class="sub">Failures an approved waiver accepted, each until its waiver expires.</p>
<table>
<thead><tr><th>Test case</th><th>Resource</th><th>Test</th><th>Result</th><th>Duration</th><th>Evidence</th></tr></thead>
<tbody>
{{- range .Deviation.Waived}}
{{template "case" .}}
{{- end}}
</tbody>
</table>
{{- end}}
{{- if .Deviation.FailedSteps}}
<h3>Steps that failed</h3>
{{template "steps" .Deviation.FailedSteps}}
{{- end}}
{{- if .Deviation.Earlier}}
<h3>Earlier attempts</h3>
<ul>
{{- range .Deviation.Earlier}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
</section>

<section id="evidence">
<h2>Evidence index</h2>
<p class="sub">Each piece of evidence is named by the SHA-256 of its sealed record; the evidence bundle holds the records.</p>
<table>
<thead><tr><th>Digest (SHA-256)</th><th>Operation</th><th>Request</th><th>Time</th><th>Endpoint</th><th>Account</th><th>Region</th><th>Used by</th></tr></thead>
<tbody>
{{- range .Evidence}}
<tr id="{{.Anchor}}">
<td class="mono digest">{{.Digest}}</td>
{{- if .Missing}}
<td colspan="6" class="note">metadata not available</td>
{{- else}}
<td class="mono">{{.Operation}}</td><td class="mono">{{.Request}}{{with .Redactions}}<br><span class="note">{{.}}</span>{{end}}</td><td>{{.Time}}</td><td class="mono">{{.Endpoint}}</td><td class="mono">{{.Account}}</td><td>{{.Region}}</td>
{{- end}}
<td>{{range $i, $u := .UsedBy}}{{if $i}}, {{end}}{{if $u.Href}}<a href="{{$u.Href}}" class="mono">{{$u.ID}}</a>{{else}}{{$u.ID}}{{end}}{{end}}</td>
</tr>
{{- else}}
<tr><td colspan="8" class="note">No evidence was recorded.</td></tr>
{{- end}}
</tbody>
</table>
</section>

<section id="steps">
<h2>Steps log</h2>
{{template "steps" .Steps}}
</section>

<section id="baseline">
<h2>Baseline</h2>
<p class="sub">The live state of each resource captured at the end of IQ: the qualified state monitoring compares against.</p>
<table>
<thead><tr><th>Resource</th><th>Type</th><th>Physical id</th><th>Identifier</th><th>Evidence</th></tr></thead>
<tbody>
{{- range .Baseline}}
<tr><td class="mono">{{.LogicalID}}</td><td>{{.ResourceType}}</td><td class="mono">{{.PhysicalID}}</td><td class="mono">{{.Identifier}}</td><td>{{template "digest" .Evidence}}</td></tr>
{{- else}}
<tr><td colspan="5" class="note">No baseline was recorded.</td></tr>
{{- end}}
</tbody>
</table>
</section>

<section id="review">
<h2>Review and approval</h2>
{{- with .Review}}
<table class="kv">
<tbody>
<tr><th scope="row">Review state</th><td><span class="result {{.Class}}">{{.State}}</span></td></tr>
{{- range .Fields}}
<tr><th scope="row">{{.Label}}</th><td{{if .Mono}} class="mono digest"{{end}}>{{.Value}}</td></tr>
{{- end}}
</tbody>
</table>
{{- if .Signatures}}
<h3>Electronic signatures</h3>
<p class="sub">Each signature as applied: the signer's printed name and user id, the meaning of the signature, when it was applied and why (21 CFR 11.50). The instance key named binds each one to the exact record it signs.</p>
<table class="manifestation">
<thead><tr><th>Signed by</th><th>Meaning</th><th>Date and time (UTC)</th><th>Reason or comment</th><th>Signature</th></tr></thead>
<tbody>
{{- range .Signatures}}
<tr><td><span class="name">{{.Name}}</span><br><span class="mono">{{.UserID}}</span></td><td><strong>{{.Meaning}}</strong>{{with .MeaningSay}}<br><span class="meta">{{.}}</span>{{end}}</td><td class="nowrap">{{.Time}}</td><td class="pre">{{.Reason}}</td><td><span class="mono">{{.ID}}</span><br><span class="mono meta">key {{.Key}}</span>{{with .OtherRecord}}<br><span class="note">signs another record: <span class="mono digest">{{.}}</span></span>{{end}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- if .Certificate}}
<h3>Certificate</h3>
<table class="kv">
<tbody>
{{- range .Certificate}}
<tr><th scope="row">{{.Label}}</th><td{{if .Mono}} class="mono digest"{{else if eq .Label "Statement"}} class="statement"{{end}}>{{.Value}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- if .Unsigned}}
<p>This run has not been reviewed: no electronic signature has been applied to it. The lines below are for signatures by hand.</p>
<table class="sig">
<thead><tr><th>Role</th><th>Name</th><th>Meaning</th><th>Date and time (UTC)</th><th>Signature</th></tr></thead>
<tbody>
{{- range .WetInk}}
<tr><th scope="row">{{.Role}}</th><td>{{.Name}}</td><td>{{.Meaning}}</td><td>{{.Time}}</td><td></td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- end}}
</section>

<footer>Generated {{.Generated}}{{with .Tool}} by {{.}}{{end}} — run <span class="mono">{{.RunID}}</span></footer>
</body>
</html>
{{- define "digest"}}{{if .Full}}{{if .Href}}<a href="{{.Href}}" class="mono nowrap" title="{{.Full}}">{{.Short}}</a>{{else}}<span class="mono nowrap" title="{{.Full}}">{{.Short}}</span>{{end}}{{end}}{{end}}
{{- define "digests"}}{{range $i, $d := .}}{{if $i}}<br>{{end}}{{template "digest" $d}}{{end}}{{end}}
{{- define "case"}}<tr{{with .Anchor}} id="{{.}}"{{end}}{{if .Superseded}} class="superseded"{{end}}>
<td>{{if .Link}}<a href="{{.Link}}" class="mono"><strong>{{.ID}}</strong></a>{{else}}<span class="mono"><strong>{{.ID}}</strong></span>{{end}}<br>{{.Stage}} · {{.Kind}}<br>attempt {{.Attempt}}{{with .Superseded}}<br><span class="note">{{.}}</span>{{end}}{{if .Requirement}}<br><a href="{{.RequirementHref}}" class="mono">{{.Requirement}}</a>{{end}}<br>{{.Time}}</td>
<td>{{.Resource}}{{with .Property}}<br><span class="mono">{{.}}</span>{{end}}{{with .Location}}<br><span class="mono">{{.}}</span>{{end}}</td>
<td>{{.Description}}<br><strong>Expected:</strong> <span class="pre">{{.Expected}}</span><br><strong>Actual:</strong> <span class="pre">{{.Actual}}</span></td>
<td><span class="result {{.Class}}">{{.Label}}</span>{{with .Waiver}}<br><strong>{{.}}</strong>{{end}}{{with .Reason}}<br><span class="pre">{{.}}</span>{{end}}</td>
<td>{{.Duration}}</td>
<td>{{template "digests" .Evidence}}</td>
</tr>{{end}}
{{- define "steps"}}<table>
<thead><tr><th class="num">#</th><th class="num">Attempt</th><th>Stage</th><th>Step</th><th>Status</th><th>Detail</th><th>Started</th><th>Finished</th></tr></thead>
<tbody>
{{- range .}}
<tr><td class="num">{{.Seq}}</td><td class="num">{{.Attempt}}</td><td>{{.Stage}}</td><td>{{.Name}}</td><td><span class="result {{.Class}}">{{.Status}}</span></td><td class="pre">{{.Detail}}</td><td>{{.Started}}</td><td>{{.Finished}}</td></tr>
{{- else}}
<tr><td colspan="8" class="note">No steps were recorded.</td></tr>
{{- end}}
</tbody>
</table>{{end}}
`
