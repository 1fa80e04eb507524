package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"

	"qualstate"
)

// maxJSONReport bounds what ReadJSON reads: far above any real check
// (a finding takes about 500 bytes), low enough that a wrong file given by
// mistake does not exhaust memory. A variable so tests can lower it.
var maxJSONReport int64 = 256 << 20

// ReadJSON reads a report written by JSON, so a check can be rendered again
// in another format or compared with a later one. file names the input in
// errors, which are *qualstate.Error with code invalid-input and, where the
// problem is in the document's text, its line and column.
//
// Writing the Check it returns with JSON gives back the same document
// (text that was not valid UTF-8 was written as U+FFFD, and stays so).
func ReadJSON(r io.Reader, file string) (*Check, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxJSONReport+1))
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{File: file}, "reading check report: %w", err)
	}
	if int64(len(body)) > maxJSONReport {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file},
			"check report is larger than %d MiB", maxJSONReport>>20)
	}
	var doc jsonCheck[[]qualstate.Finding]
	// Unknown fields are ignored: a later qualstate may add fields within
	// the version, and this reader must still read its reports.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, decodeError(body, file, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, offsetLocation(body, file, dec.InputOffset()),
			"unexpected data after the check report")
	}
	c := &Check{
		Tool:           doc.Tool,
		RequirementSet: doc.RequirementSet,
		Templates:      doc.Templates,
		Skipped:        doc.Skipped,
		Findings:       doc.Findings,
		FailOn:         doc.FailOn,
		Started:        doc.Started,
		Finished:       doc.Finished,
	}
	if err := validateCheck(&doc, c); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file}, "invalid check report: %w", err)
	}
	return c, nil
}

// decodeError places a decoding error at its line and column.
func decodeError(body []byte, file string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	loc := qualstate.Location{File: file}
	// Both offsets count the bytes read when decoding stopped, so the last
	// of them is the offending character (or the end of the offending
	// value).
	switch {
	case errors.As(err, &syntax):
		loc = offsetLocation(body, file, syntax.Offset-1)
	case errors.As(err, &typ):
		loc = offsetLocation(body, file, typ.Offset-1)
	case errors.Is(err, io.EOF):
		return qualstate.Errorf(qualstate.ErrInvalidInput, loc, "empty check report")
	case errors.Is(err, io.ErrUnexpectedEOF):
		loc = offsetLocation(body, file, int64(len(body)))
	}
	return qualstate.Errorf(qualstate.ErrInvalidInput, loc, "invalid check report: %w", err)
}

// offsetLocation turns a byte offset into a 1-based line and a column in
// code points, as qualstate counts columns.
func offsetLocation(body []byte, file string, offset int64) qualstate.Location {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	before := body[:max(offset, 0)]
	line := bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return qualstate.Location{File: file, Line: line, Column: utf8.RuneCount(before[lineStart:]) + 1}
}

// validateCheck rejects documents the writers could not have produced, so
// nothing downstream meets a result it does not know or a null requirement.
func validateCheck(doc *jsonCheck[[]qualstate.Finding], c *Check) error {
	if doc.Version != JSONVersion {
		return fmt.Errorf("version is %q, want %q", doc.Version, JSONVersion)
	}
	if _, err := qualstate.ParseResult(string(doc.FailOn)); err != nil {
		return fmt.Errorf("failOn: %w", err)
	}
	if doc.Templates == nil || doc.Skipped == nil || doc.Findings == nil {
		return errors.New("templates, skipped and findings must be lists")
	}
	for i, t := range doc.Templates {
		if t.Diagnostics == nil || t.Errors == nil {
			return fmt.Errorf("templates[%d] (%s): diagnostics and errors must be lists", i, t.File)
		}
	}
	for i, f := range doc.Findings {
		if _, err := qualstate.ParseResult(string(f.Result)); err != nil {
			return fmt.Errorf("findings[%d] (%s %s): %w", i, f.RequirementID, f.LogicalID, err)
		}
		if err := checkWaiver(f.Result, f.Waiver); err != nil {
			return fmt.Errorf("findings[%d] (%s %s): %w", i, f.RequirementID, f.LogicalID, err)
		}
	}
	if set := doc.RequirementSet; set != nil {
		for i, r := range set.Requirements {
			if r == nil {
				return fmt.Errorf("requirementSet.requirements[%d] is null", i)
			}
			if err := numbersOfRequirement(r); err != nil {
				return fmt.Errorf("requirement %s: %w", r.ID, err)
			}
		}
	}
	if got := c.Summary(); got != doc.Summary {
		return fmt.Errorf("summary %+v does not match the content, which counts %+v", doc.Summary, got)
	}
	return nil
}

// checkWaiver rejects a waived result that does not name its waiver: an
// exception nobody can trace to its approval is no exception.
func checkWaiver(r qualstate.Result, w *qualstate.WaiverRef) error {
	if r == qualstate.ResultWaived && (w == nil || w.ID == "") {
		return errors.New("waived, but names no waiver")
	}
	return nil
}

// numbersOfRequirement turns the json.Numbers that decoding left in free-form
// values into int64 or float64, the types qualstate uses for JSON numbers.
func numbersOfRequirement(r *qualstate.Requirement) error {
	for i := range r.Examples {
		for k, v := range r.Examples[i].Properties {
			n, err := plainNumbers(v)
			if err != nil {
				return fmt.Errorf("example %d, property %s: %w", i, k, err)
			}
			r.Examples[i].Properties[k] = n
		}
	}
	for _, ops := range [][]qualstate.PatchOp{r.Challenge, r.Remediation} {
		for i := range ops {
			n, err := plainNumbers(ops[i].Value)
			if err != nil {
				return fmt.Errorf("patch %s: %w", ops[i].Path, err)
			}
			ops[i].Value = n
		}
	}
	return nil
}

// plainNumbers replaces json.Number throughout v. Integers that fit become
// int64, so they print back exactly; the rest become float64.
func plainNumbers(v any) (any, error) {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %s is out of range", v)
		}
		return f, nil
	case []any:
		for i := range v {
			n, err := plainNumbers(v[i])
			if err != nil {
				return nil, err
			}
			v[i] = n
		}
	case map[string]any:
		for k := range v {
			n, err := plainNumbers(v[k])
			if err != nil {
				return nil, err
			}
			v[k] = n
		}
	}
	return v, nil
}
