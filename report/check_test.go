package report

import (
	"testing"

	"qualstate"
)

func TestSummary(t *testing.T) {
	got := fixtureCheck().Summary()
	want := Summary{Pass: 1, Fail: 3, Indeterminate: 2, Error: 1, Templates: 4, TemplatesWithErrors: 2,
		Diagnostics: 3, Resources: 6, Requirements: 5, Skipped: 1}
	if got != want {
		t.Errorf("Summary() = %+v, want %+v", got, want)
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
