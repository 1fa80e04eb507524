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
//	summary         {stages: [{stage, attempt, pass, waived, fail, indeterminate, error, total}],
//	                 requirements: {pass, waived, fail, indeterminate, error, notApplicable, notRun}}
//	matrix          [{requirement, outcome, note, oq, testCases}] in requirement set order
//	run             qualstate.Run, times in UTC
//	requirementSet  qualstate.RequirementSet, or null
//	steps           [qualstate.Step] by seq
//	testCases       [qualstate.TestCase] in recorded order
//	evidence        {digest: {operation, request, time, endpoint, account, region, contentType, redacted}}
//	baseline        [qualstate.BaselineResource] by logical id
//	review          qualstate.Review, times in UTC; absent until a review began
//	signatures      [qualstate.Signature] in time order, times in UTC; absent when none
//	certificate     qualstate.Certificate exactly as issued; absent when none
//
// summary and matrix are derived from the rest, as the HTML report shows
// them; ReadQualificationJSON checks that they are. Evidence bodies are
// not in the report: the evidence bundle carries them. Review, signatures
// and certificate come last: they are about the record the fields before
// them make up (see QualificationRecord), not part of it.
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
	Review         *qualstate.Review            `json:"review,omitempty"`
	Signatures     []qualstate.Signature        `json:"signatures,omitempty"`
	Certificate    *qualstate.Certificate       `json:"certificate,omitempty"`
}

type jsonQualSummary struct {
	Stages       []jsonStageSummary `json:"stages"`
	Requirements jsonReqSummary     `json:"requirements"`
}

type jsonStageSummary struct {
	Stage         qualstate.Stage `json:"stage"`
	Attempt       int             `json:"attempt"`
	Pass          int             `json:"pass"`
	Waived        int             `json:"waived"`
	Fail          int             `json:"fail"`
	Indeterminate int             `json:"indeterminate"`
	Error         int             `json:"error"`
	Total         int             `json:"total"`
}

type jsonReqSummary struct {
	Pass          int `json:"pass"`
	Waived        int `json:"waived"`
	Fail          int `json:"fail"`
	Indeterminate int `json:"indeterminate"`
	Error         int `json:"error"`
	NotApplicable int `json:"notApplicable"`
	NotRun        int `json:"notRun"`
}

// jsonMatrixRow is one requirement's row of the traceability matrix.
type jsonMatrixRow struct {
	Requirement string `json:"requirement"`
	// Outcome is pass, waived, fail, indeterminate, error, not-applicable
	// or not-run.
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
	if q.Review != nil {
		review := *q.Review
		review.Updated = utc(review.Updated)
		doc.Review = &review
	}
	if len(q.Signatures) > 0 {
		// A signature states its time in UTC (Signature.Message), so
		// writing it in UTC changes nothing it signs.
		doc.Signatures = slices.Clone(q.Signatures)
		for i := range doc.Signatures {
			doc.Signatures[i].Time = utc(doc.Signatures[i].Time)
		}
	}
	// The certificate is written as issued, times and all: the instance
	// key signed its JSON encoding, which a time moved to UTC would change.
	doc.Certificate = q.Certificate
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
			Stage: st.Stage, Attempt: st.Attempt, Pass: st.Pass, Waived: st.Waived, Fail: st.Fail, Indeterminate: st.Indeterminate,
			Error: st.Err, Total: st.Total,
		})
	}
	s.Requirements = jsonReqSummary{
		Pass: v.reqCounts["pass"], Waived: v.reqCounts["waived"], Fail: v.reqCounts["fail"], Indeterminate: v.reqCounts["indeterminate"],
		Error: v.reqCounts["error"], NotApplicable: v.reqCounts[outcomeNotApplicable], NotRun: v.reqCounts[outcomeNotRun],
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

// ReadQualificationJSON reads a report written by QualificationJSON (or a
// record written by QualificationRecord), so a run can be rendered again in
// another format or checked by another tool. Errors are *qualstate.Error
// with code invalid-input, giving the line and column where the problem is
// in the document's text. Evidence comes back as metadata with empty
// bodies.
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
		if err := checkWaiver(tc.Result, tc.Waiver); err != nil {
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
	if err := checkApproval(doc); err != nil {
		return nil, err
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
		Review:         doc.Review,
		Signatures:     doc.Signatures,
		Certificate:    doc.Certificate,
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

// checkApproval rejects a review, signature or certificate that is not
// about the document's run, names a record by anything but a digest, or
// has a state or meaning this version does not know: a reader must not
// take one run's approval for another's.
func checkApproval(doc *jsonQualification) error {
	runID := doc.Run.ID
	if r := doc.Review; r != nil {
		if r.RunID != runID {
			return fmt.Errorf("review is of run %q, not %q", r.RunID, runID)
		}
		switch r.State {
		case qualstate.ReviewExecuted, qualstate.ReviewInReview, qualstate.ReviewApproved, qualstate.ReviewRejected:
		default:
			return fmt.Errorf("review: unknown state %q", r.State)
		}
		if !isDigest(r.RecordDigest) {
			return fmt.Errorf("review: record %q is not a SHA-256 digest", r.RecordDigest)
		}
		if r.CertificateDigest != "" && !isDigest(r.CertificateDigest) {
			return fmt.Errorf("review: certificate %q is not a SHA-256 digest", r.CertificateDigest)
		}
	}
	for i, s := range doc.Signatures {
		if s.Subject != "run/"+runID {
			return fmt.Errorf("signatures[%d] (%s): signs %q, not run/%s", i, s.ID, s.Subject, runID)
		}
		if !isDigest(s.RecordDigest) {
			return fmt.Errorf("signatures[%d] (%s): record %q is not a SHA-256 digest", i, s.ID, s.RecordDigest)
		}
		switch s.Meaning {
		case qualstate.MeaningAuthored, qualstate.MeaningReviewed, qualstate.MeaningApproved, qualstate.MeaningRejected, qualstate.MeaningRevoked:
		default:
			return fmt.Errorf("signatures[%d] (%s): unknown meaning %q", i, s.ID, s.Meaning)
		}
	}
	if c := doc.Certificate; c != nil {
		if c.Kind != qualstate.CertificateKind {
			return fmt.Errorf("certificate: kind %q, want %q", c.Kind, qualstate.CertificateKind)
		}
		if c.RunID != runID {
			return fmt.Errorf("certificate is of run %q, not %q", c.RunID, runID)
		}
		if !isDigest(c.RecordDigest) {
			return fmt.Errorf("certificate: record %q is not a SHA-256 digest", c.RecordDigest)
		}
		if doc.Review == nil || doc.Review.CertificateDigest == "" {
			return errors.New("certificate without the review that issued it")
		}
	}
	return nil
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
