package report

import (
	"testing"

	"qualstate"
)

func TestSummary(t *testing.T) {
	got := fixtureCheck().Summary()
	want := Summary{Pass: 1, Fail: 3, Indeterminate: 2, Error: 1, Waived: 1, Templates: 4, TemplatesWithErrors: 2,
		Diagnostics: 3, Resources: 6, Requirements: 5, Skipped: 1}
	if got != want {
		t.Errorf("Summary() = %+v, want %+v", got, want)
	}
}

func TestSummaryCountsTemplatesWithErrors(t *testing.T) {
	diag := func(s qualstate.Severity) qualstate.Diagnostic { return qualstate.Diagnostic{Severity: s, Code: "x"} }
	tests := []struct {
		name string
		tpl  TemplateResult
		want int
	}{
		{"clean", TemplateResult{File: "a.yaml"}, 0},
		{"warnings only", TemplateResult{File: "a.yaml", Diagnostics: []qualstate.Diagnostic{diag(qualstate.SeverityWarning), diag(qualstate.SeverityNote)}}, 0},
		{"schema error", TemplateResult{File: "a.yaml", Diagnostics: []qualstate.Diagnostic{diag(qualstate.SeverityWarning), diag(qualstate.SeverityError)}}, 1},
		{"fatal error", TemplateResult{File: "a.yaml", Errors: []qualstate.Diagnostic{diag(qualstate.SeverityError)}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Check{Templates: []TemplateResult{tt.tpl}}
			if got := c.Summary().TemplatesWithErrors; got != tt.want {
				t.Errorf("TemplatesWithErrors = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFailing(t *testing.T) {
	finding := func(r qualstate.Result) qualstate.Finding { return qualstate.Finding{Result: r} }
	tests := []struct {
		name     string
		failOn   qualstate.Result
		findings []qualstate.Result
		want     bool
	}{
		{"nothing", qualstate.ResultFail, nil, false},
		{"all pass", qualstate.ResultFail, []qualstate.Result{qualstate.ResultPass}, false},
		{"fail on fail", qualstate.ResultFail, []qualstate.Result{qualstate.ResultPass, qualstate.ResultFail}, true},
		{"error counts as fail", qualstate.ResultFail, []qualstate.Result{qualstate.ResultError}, true},
		{"indeterminate below fail", qualstate.ResultFail, []qualstate.Result{qualstate.ResultIndeterminate}, false},
		{"indeterminate at threshold", qualstate.ResultIndeterminate, []qualstate.Result{qualstate.ResultIndeterminate}, true},
		{"default threshold is fail", "", []qualstate.Result{qualstate.ResultIndeterminate}, false},
		{"default threshold catches fail", "", []qualstate.Result{qualstate.ResultFail}, true},
		{"pass never fails", qualstate.ResultPass, []qualstate.Result{qualstate.ResultPass}, false},
		{"waived does not fail", qualstate.ResultFail, []qualstate.Result{qualstate.ResultWaived}, false},
		{"waived is below indeterminate", qualstate.ResultIndeterminate, []qualstate.Result{qualstate.ResultWaived, qualstate.ResultPass}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Check{FailOn: tt.failOn}
			for _, r := range tt.findings {
				c.Findings = append(c.Findings, finding(r))
			}
			if got := c.Failing(); got != tt.want {
				t.Errorf("Failing() = %v, want %v", got, tt.want)
			}
		})
	}
}
