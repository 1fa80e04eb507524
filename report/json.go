package report

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"time"

	"qualstate"
)

// JSONVersion names the shape of the JSON report. It changes only when a
// field is removed or changes meaning; fields may be added within a version.
const JSONVersion = "qualstate.check/v1"

// JSONSchema is the JSON Schema (draft 2020-12) of the JSON report, for
// consumers to validate against or generate types from.
//
//go:embed check-v1.schema.json
var JSONSchema []byte

// jsonCheck is the JSON report. Its fields, in this order, are:
//
//	version         "qualstate.check/v1"
//	tool            {name, version, informationUri}
//	started         RFC 3339 time in UTC
//	finished        RFC 3339 time in UTC
//	failOn          the least severe result that fails the check
//	summary         counts (see Summary)
//	requirementSet  the requirement set checked, or null
//	templates       [{file, digest, resources, elapsedNs, diagnostics, errors}] by file
//	skipped         [{file, reason}]
//	findings        [qualstate.Finding] in qualstate.SortFindings order
//
// JSONSchema gives the same description as a JSON Schema, with the meaning
// of each field; the tests hold the writer to it.
//
// F is []qualstate.Finding when reading; when writing it is the streamedList
// the findings are written in place of.
type jsonCheck[F any] struct {
	Version        string                    `json:"version"`
	Tool           Tool                      `json:"tool"`
	Started        time.Time                 `json:"started"`
	Finished       time.Time                 `json:"finished"`
	FailOn         qualstate.Result          `json:"failOn"`
	Summary        Summary                   `json:"summary"`
	RequirementSet *qualstate.RequirementSet `json:"requirementSet"`
	Templates      []TemplateResult          `json:"templates"`
	Skipped        []Skipped                 `json:"skipped"`
	Findings       F                         `json:"findings"`
}

// JSON writes the check as an indented qualstate.check/v1 document. Lists
// are never null, so a reader can range over them without checking.
func JSON(w io.Writer, c *Check) error {
	if c == nil {
		return errors.New("writing JSON report: no check")
	}
	placeholder := newStreamedList()
	doc := jsonCheck[streamedList]{
		Version:        JSONVersion,
		Tool:           c.Tool,
		Started:        c.Started.UTC(),
		Finished:       c.Finished.UTC(),
		FailOn:         failOn(c),
		Summary:        c.Summary(),
		RequirementSet: c.RequirementSet,
		Templates:      sortedTemplates(c),
		Skipped:        sortedSkipped(c),
		Findings:       placeholder,
	}
	for i := range doc.Templates {
		t := &doc.Templates[i]
		t.Diagnostics = nonNil(t.Diagnostics)
		t.Errors = nonNil(t.Errors)
	}
	doc.Templates = nonNil(doc.Templates)
	if err := writeIndented(w, doc, placeholder, sortedFindings(c)); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}

// failOn returns the threshold in force: the check's, or fail by default.
func failOn(c *Check) qualstate.Result {
	if c.FailOn == "" {
		return qualstate.ResultFail
	}
	return c.FailOn
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
