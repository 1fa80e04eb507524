package report

import (
	"time"

	"qualstate"
)

// Check is the outcome of one `qualstate check` invocation over one or more
// templates.
type Check struct {
	// Tool names the program that made the check.
	Tool Tool
	// RequirementSet gives rule metadata (title, description, risk,
	// controls, tags); nil when no set was loaded.
	RequirementSet *qualstate.RequirementSet
	// Templates lists every file that was read as a template, sorted by File.
	Templates []TemplateResult
	// Skipped lists files in walked directories that are not templates.
	Skipped []Skipped
	// Findings are sorted by qualstate.SortFindings.
	Findings []qualstate.Finding
	// FailOn is the least severe result that fails the check (fail or
	// indeterminate); empty means fail.
	FailOn qualstate.Result
	// Started and Finished bound the check; writers print them in UTC.
	Started, Finished time.Time
}

// Tool identifies the program that made a check.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// InformationURI is an absolute URI of the tool's documentation.
	InformationURI string `json:"informationUri,omitempty"`
}

// TemplateResult is what became of one file read as a template.
type TemplateResult struct {
	File string `json:"file"`
	// Digest is the SHA-256 of the body, hex encoded; empty when the file
	// could not be read.
	Digest    string `json:"digest,omitempty"`
	Resources int    `json:"resources"`
	// Elapsed is how long reading and checking the template took; zero when
	// not measured.
	Elapsed time.Duration `json:"elapsedNs,omitempty"`
	// Diagnostics are schema violations, warnings and notes found in a
	// template that was read.
	Diagnostics []qualstate.Diagnostic `json:"diagnostics"`
	// Errors are the fatal problems that stopped the template being read or
	// resolved, each with its location.
	Errors []qualstate.Diagnostic `json:"errors"`
}

// Skipped is a file met while walking a directory that is not a template.
type Skipped struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Summary counts what a check found. The CLI derives its exit code from it.
type Summary struct {
	// Pass, Fail, Indeterminate, Error and Waived count findings by
	// result. A waived finding failed under an approved waiver: it is
	// counted apart, neither passing nor failing.
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Indeterminate int `json:"indeterminate"`
	Error         int `json:"error"`
	Waived        int `json:"waived"`
	// Templates counts files read as templates; TemplatesWithErrors those
	// of them with a fatal error or an error diagnostic (a schema
	// violation): either makes the template invalid input.
	Templates           int `json:"templates"`
	TemplatesWithErrors int `json:"templatesWithErrors"`
	// Diagnostics counts non-fatal template diagnostics.
	Diagnostics int `json:"diagnostics"`
	// Resources counts the resources of every template read.
	Resources int `json:"resources"`
	// Requirements counts the requirements checked.
	Requirements int `json:"requirements"`
	// Skipped counts files that were not templates.
	Skipped int `json:"skipped"`
}

// Summary counts findings per result, templates, templates with errors and
// diagnostics.
func (c *Check) Summary() Summary {
	s := Summary{Templates: len(c.Templates), Skipped: len(c.Skipped)}
	if c.RequirementSet != nil {
		s.Requirements = len(c.RequirementSet.Requirements)
	}
	for _, t := range c.Templates {
		if len(t.Errors) > 0 || hasErrorDiagnostic(t.Diagnostics) {
			s.TemplatesWithErrors++
		}
		s.Diagnostics += len(t.Diagnostics)
		s.Resources += t.Resources
	}
	for _, f := range c.Findings {
		switch f.Result {
		case qualstate.ResultPass:
			s.Pass++
		case qualstate.ResultFail:
			s.Fail++
		case qualstate.ResultIndeterminate:
			s.Indeterminate++
		case qualstate.ResultError:
			s.Error++
		case qualstate.ResultWaived:
			s.Waived++
		}
	}
	return s
}

// Failing reports whether any finding is at or above the FailOn threshold.
// Templates with errors are not counted: they are input errors, which the
// CLI reports apart.
func (c *Check) Failing() bool {
	threshold := c.FailOn
	if threshold == "" {
		threshold = qualstate.ResultFail
	}
	for _, f := range c.Findings {
		if f.Result.Rank() >= threshold.Rank() && f.Result.Rank() > 0 {
			return true
		}
	}
	return false
}

// hasErrorDiagnostic reports whether any diagnostic is an error.
func hasErrorDiagnostic(ds []qualstate.Diagnostic) bool {
	for _, d := range ds {
		if d.Severity == qualstate.SeverityError {
			return true
		}
	}
	return false
}
