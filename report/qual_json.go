package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"time"

	"qualstate"
)

// QualificationJSONVersion names the shape of the qualification JSON
// report. It changes only when a field is removed or changes meaning;
// fields may be added within a version.
const QualificationJSONVersion = "qualstate.run/v1"

// jsonQualification is the qualification JSON report. Its fields, in this
// order, are:
//
//	version         "qualstate.run/v1"
//	tool            {name, version, informationUri}: the program writing the report
//	generated       RFC 3339 time in UTC
//	summary         {stages: [{stage, attempt, pass, fail, indeterminate, error, total}],
//	                 requirements: {pass, fail, indeterminate, error, notApplicable, notRun}}
//	matrix          [{requirement, outcome, note, oq, testCases}] in requirement set order
//	run             qualstate.Run, times in UTC
//	requirementSet  qualstate.RequirementSet, or null
//	steps           [qualstate.Step] by seq
//	testCases       [qualstate.TestCase] in recorded order
//	evidence        {digest: {operation, request, time, endpoint, account, region, contentType, redacted}}
//	baseline        [qualstate.BaselineResource] by logical id
//
// summary and matrix are derived from the rest, as the HTML report shows
// them; ReadQualificationJSON checks that they are. Evidence bodies are
// not in the report: the evidence bundle carries them.
type jsonQualification struct {
	Version        string                       `json:"version"`
	Tool           Tool                         `json:"tool"`
	Generated      time.Time                    `json:"generated"`
	Summary        jsonQualSummary              `json:"summary"`
	Matrix         []jsonMatrixRow              `json:"matrix"`
	Run            *qualstate.Run               `json:"run"`
	RequirementSet *qualstate.RequirementSet    `json:"requirementSet"`
	Steps          []qualstate.Step             `json:"steps"`
	TestCases      []qualstate.TestCase         `json:"testCases"`
	Evidence       map[string]jsonEvidence      `json:"evidence"`
	Baseline       []qualstate.BaselineResource `json:"baseline"`
}

type jsonQualSummary struct {
	Stages       []jsonStageSummary `json:"stages"`
	Requirements jsonReqSummary     `json:"requirements"`
}

type jsonStageSummary struct {
	Stage         qualstate.Stage `json:"stage"`
	Attempt       int             `json:"attempt"`
	Pass          int             `json:"pass"`
	Fail          int             `json:"fail"`
	Indeterminate int             `json:"indeterminate"`
	Error         int             `json:"error"`
	Total         int             `json:"total"`
}

type jsonReqSummary struct {
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Indeterminate int `json:"indeterminate"`
	Error         int `json:"error"`
	NotApplicable int `json:"notApplicable"`
	NotRun        int `json:"notRun"`
}

// jsonMatrixRow is one requirement's row of the traceability matrix.
type jsonMatrixRow struct {
	Requirement string `json:"requirement"`
	// Outcome is pass, fail, indeterminate, error, not-applicable or not-run.
	Outcome string `json:"outcome"`
	Note    string `json:"note,omitempty"`
	// OQ says why there is no challenge test, when there is none.
	OQ string `json:"oq,omitempty"`
	// TestCases are the ids of the current test cases, by stage.
	TestCases []string `json:"testCases"`
}

// jsonEvidence is evidence metadata without the body.
type jsonEvidence struct {
	Operation   string    `json:"operation"`
	Request     string    `json:"request,omitempty"`
	Time        time.Time `json:"time"`
	Endpoint    string    `json:"endpoint,omitempty"`
	Account     string    `json:"account,omitempty"`
	Region      string    `json:"region,omitempty"`
	ContentType string    `json:"contentType,omitempty"`
	Redacted    int       `json:"redacted,omitempty"`
}

// QualificationJSON writes the qualification as an indented
// qualstate.run/v1 document (see jsonQualification), which
// ReadQualificationJSON reads back. Times are written in UTC and lists are
// never null.
func QualificationJSON(w io.Writer, q *Qualification) error {
	if err := checkQualification(q); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	doc := qualificationDoc(q, newQualView(q))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}

// qualificationDoc builds the document from copies: the caller's
// Qualification is left as it was.
func qualificationDoc(q *Qualification, v *qualView) *jsonQualification {
	run := *q.Run
	run.Heartbeat, run.Started, run.Finished = utc(run.Heartbeat), utc(run.Started), utc(run.Finished)
	doc := &jsonQualification{
		Version:        QualificationJSONVersion,
		Tool:           q.Tool,
		Generated:      utc(q.Generated),
		Summary:        qualSummaryOf(v),
		Matrix:         matrixOf(v),
		Run:            &run,
		RequirementSet: q.RequirementSet,
		Steps:          slices.Clone(v.steps),
		TestCases:      slices.Clone(q.TestCases),
		Evidence:       make(map[string]jsonEvidence, len(q.Evidence)),
		Baseline:       nonNil(sortedBaseline(q.Baseline)),
	}
	for i := range doc.Steps {
		doc.Steps[i].Started, doc.Steps[i].Finished = utc(doc.Steps[i].Started), utc(doc.Steps[i].Finished)
	}
	doc.Steps = nonNil(doc.Steps)
	for i := range doc.TestCases {
		doc.TestCases[i].Time = utc(doc.TestCases[i].Time)
	}
	doc.TestCases = nonNil(doc.TestCases)
	for d, e := range q.Evidence {
		if e == nil {
			continue
		}
		doc.Evidence[d] = jsonEvidence{
			Operation: e.Operation, Request: e.Request, Time: utc(e.Time), Endpoint: e.Endpoint, Account: e.Account,
			Region: e.Region, ContentType: e.ContentType, Redacted: e.Redacted,
		}
	}
	return doc
}

// utc returns t in UTC, keeping the zero time zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func qualSummaryOf(v *qualView) jsonQualSummary {
	s := jsonQualSummary{Stages: []jsonStageSummary{}}
	for _, st := range v.stages {
		s.Stages = append(s.Stages, jsonStageSummary{
			Stage: st.Stage, Attempt: st.Attempt, Pass: st.Pass, Fail: st.Fail, Indeterminate: st.Indeterminate, Error: st.Err, Total: st.Total,
		})
	}
	s.Requirements = jsonReqSummary{
		Pass: v.reqCounts["pass"], Fail: v.reqCounts["fail"], Indeterminate: v.reqCounts["indeterminate"], Error: v.reqCounts["error"],
		NotApplicable: v.reqCounts[outcomeNotApplicable], NotRun: v.reqCounts[outcomeNotRun],
	}
	return s
}

func matrixOf(v *qualView) []jsonMatrixRow {
	rows := []jsonMatrixRow{}
	for _, r := range v.reqs {
		row := jsonMatrixRow{Requirement: r.Req.ID, Outcome: r.Outcome, Note: r.Note, OQ: r.OQNote, TestCases: []string{}}
		for _, cs := range r.ByStage {
			for _, c := range cs {
				row.TestCases = append(row.TestCases, c.ID)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// ReadQualificationJSON reads a report written by QualificationJSON, so a
// run can be rendered again in another format or checked by another tool.
// Errors are *qualstate.Error with code invalid-input, giving the line and
// column where the problem is in the document's text. Evidence comes back
// as metadata with empty bodies.
func ReadQualificationJSON(r io.Reader) (*Qualification, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxJSONReport+1))
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "reading qualification report: %w", err)
	}
	if int64(len(body)) > maxJSONReport {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"qualification report is larger than %d MiB", maxJSONReport>>20)
	}
	var doc jsonQualification
	// Unknown fields are ignored: a later qualstate may add fields within
	// the version, and this reader must still read its reports.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, qualDecodeError(body, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, qualInvalid(body, dec.InputOffset(), errors.New("unexpected data after the qualification report"))
	}
	q, err := qualificationOf(&doc)
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "invalid qualification report: %w", err)
	}
	return q, nil
}

// qualDecodeError places a decoding error at its line and column.
func qualDecodeError(body []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return qualInvalid(body, syntax.Offset-1, err)
	case errors.As(err, &typ):
		return qualInvalid(body, typ.Offset-1, err)
	case errors.Is(err, io.EOF):
		return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "empty qualification report")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return qualInvalid(body, int64(len(body)), err)
	}
	return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "invalid qualification report: %w", err)
}

// qualInvalid reports a problem at a byte offset of the document.
func qualInvalid(body []byte, offset int64, err error) error {
	loc := offsetLocation(body, "", offset)
	return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
		"invalid qualification report at line %d, column %d: %w", loc.Line, loc.Column, err)
}

// qualificationOf turns a decoded document into a Qualification, rejecting
// documents QualificationJSON could not have written.
func qualificationOf(doc *jsonQualification) (*Qualification, error) {
	if doc.Version != QualificationJSONVersion {
		return nil, fmt.Errorf("version is %q, want %q", doc.Version, QualificationJSONVersion)
	}
	if doc.Run == nil {
		return nil, errors.New("run is missing")
	}
	if doc.Steps == nil || doc.TestCases == nil || doc.Baseline == nil || doc.Evidence == nil || doc.Matrix == nil || doc.Summary.Stages == nil {
		return nil, errors.New("steps, testCases, baseline, matrix and summary.stages must be lists and evidence an object")
	}
	for i, tc := range doc.TestCases {
		if _, err := qualstate.ParseResult(string(tc.Result)); err != nil {
			return nil, fmt.Errorf("testCases[%d] (%s): %w", i, tc.ID, err)
		}
		for _, d := range tc.Evidence {
			if !isDigest(d) {
				return nil, fmt.Errorf("testCases[%d] (%s): evidence %q is not a SHA-256 digest", i, tc.ID, d)
			}
		}
	}
	for d := range doc.Evidence {
		if !isDigest(d) {
			return nil, fmt.Errorf("evidence %q is not a SHA-256 digest", d)
		}
	}
	for i := range doc.Baseline {
		b := &doc.Baseline[i]
		if b.Evidence != "" && !isDigest(b.Evidence) {
			return nil, fmt.Errorf("baseline %s: evidence %q is not a SHA-256 digest", b.LogicalID, b.Evidence)
		}
		for k, val := range b.Properties {
			n, err := plainNumbers(val)
			if err != nil {
				return nil, fmt.Errorf("baseline %s, property %s: %w", b.LogicalID, k, err)
			}
			b.Properties[k] = n
		}
	}
	if d := doc.Run.TemplateEvidence; d != "" && !isDigest(d) {
		return nil, fmt.Errorf("run.templateEvidence %q is not a SHA-256 digest", d)
	}
	if set := doc.RequirementSet; set != nil {
		for i, r := range set.Requirements {
			if r == nil {
				return nil, fmt.Errorf("requirementSet.requirements[%d] is null", i)
			}
			if err := numbersOfRequirement(r); err != nil {
				return nil, fmt.Errorf("requirement %s: %w", r.ID, err)
			}
		}
	}
	q := &Qualification{
		Tool:           doc.Tool,
		Run:            doc.Run,
		RequirementSet: doc.RequirementSet,
		Steps:          doc.Steps,
		TestCases:      doc.TestCases,
		Evidence:       make(map[string]*qualstate.Evidence, len(doc.Evidence)),
		Baseline:       doc.Baseline,
		Generated:      doc.Generated,
	}
	for _, d := range slices.Sorted(maps.Keys(doc.Evidence)) {
		e := doc.Evidence[d]
		q.Evidence[d] = &qualstate.Evidence{
			Operation: e.Operation, Request: e.Request, Time: e.Time, Endpoint: e.Endpoint, Account: e.Account,
			Region: e.Region, ContentType: e.ContentType, Redacted: e.Redacted,
		}
	}
	// The derived parts must be what this version derives from the rest,
	// or the document is not one QualificationJSON wrote (or it was
	// edited): a reader relying on the summary would be misled.
	again := qualificationDoc(q, newQualView(q))
	if !reflect.DeepEqual(again.Summary, doc.Summary) {
		return nil, fmt.Errorf("summary %+v does not match the test cases, which give %+v", doc.Summary, again.Summary)
	}
	if !reflect.DeepEqual(again.Matrix, doc.Matrix) {
		return nil, errors.New("matrix does not match the requirement set and test cases")
	}
	// Times are written in UTC; one whose offset moves it out of the years
	// JSON times can hold could be read but not written again.
	if _, err := json.Marshal(again); err != nil {
		return nil, err
	}
	return q, nil
}

// isDigest reports whether s is a SHA-256 digest as qualstate writes them:
// 64 lowercase hex digits. Bundles name files after digests, so nothing
// else may pass for one.
func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
