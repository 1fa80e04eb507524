package qualstate

import (
	"errors"
	"io/fs"
	"testing"
)

func TestLocationString(t *testing.T) {
	tests := []struct {
		loc  Location
		want string
	}{
		{Location{File: "a.yaml", Line: 3, Column: 7}, "a.yaml:3:7"},
		{Location{File: "a.yaml", Line: 3}, "a.yaml:3"},
		{Location{File: "a.yaml", Column: 7}, "a.yaml"},
		{Location{File: "a.yaml"}, "a.yaml"},
		{Location{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.loc.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	loc := Location{File: "t.yaml", Line: 2, Column: 5}
	err := Errorf(ErrInvalidInput, loc, "reading %s: %w", "t.yaml", fs.ErrNotExist)
	if got, want := err.Error(), "t.yaml:2:5: reading t.yaml: file does not exist"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("the %w cause is lost")
	}
	wrapped := errors.Join(errors.New("other"), err)
	if got := CodeOf(wrapped); got != ErrInvalidInput {
		t.Errorf("CodeOf(joined) = %q, want %q", got, ErrInvalidInput)
	}
	if got := CodeOf(errors.New("plain")); got != ErrInternal {
		t.Errorf("CodeOf(plain) = %q, want %q", got, ErrInternal)
	}
	if got := Errorf(ErrNotFound, Location{}, "no %s", "x").Error(); got != "no x" {
		t.Errorf("without a location: %q", got)
	}
}

func TestPropertyLoc(t *testing.T) {
	r := &Resource{
		Loc: Location{File: "t.yaml", Line: 1},
		PropertyLocs: map[string]Location{
			"/BucketEncryption": {File: "t.yaml", Line: 5},
			"/BucketEncryption/ServerSideEncryptionConfiguration": {File: "t.yaml", Line: 6},
		},
	}
	tests := []struct {
		pointer string
		line    int
	}{
		{"/BucketEncryption/ServerSideEncryptionConfiguration", 6},
		{"/BucketEncryption/ServerSideEncryptionConfiguration/0/BucketKeyEnabled", 6},
		{"/BucketEncryption/Other", 5},
		{"/Tags/0", 1},
		{"", 1},
	}
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			if got := r.PropertyLoc(tt.pointer).Line; got != tt.line {
				t.Errorf("PropertyLoc(%q) line %d, want %d", tt.pointer, got, tt.line)
			}
		})
	}
}

func TestResultOrder(t *testing.T) {
	order := []Result{ResultPass, ResultWaived, ResultIndeterminate, ResultFail, ResultError}
	for i, r := range order {
		if r.Rank() != i {
			t.Errorf("%s ranks %d, want %d", r, r.Rank(), i)
		}
		if got, err := ParseResult(string(r)); err != nil || got != r {
			t.Errorf("ParseResult(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := ParseResult("skipped"); err == nil {
		t.Error("ParseResult accepted an unknown result")
	}
	if RiskHigh.Rank() <= RiskMedium.Rank() || RiskMedium.Rank() <= RiskLow.Rank() || Risk("x").Rank() != 0 {
		t.Error("risk ranks out of order")
	}
}

func TestSortFindings(t *testing.T) {
	f := func(file string, line int, req, id string) Finding {
		return Finding{Loc: Location{File: file, Line: line}, RequirementID: req, LogicalID: id}
	}
	got := []Finding{f("b.yaml", 1, "A", "X"), f("a.yaml", 9, "A", "X"), f("a.yaml", 2, "B", "X"), f("a.yaml", 2, "A", "Y"), f("a.yaml", 2, "A", "X")}
	SortFindings(got)
	want := []Finding{f("a.yaml", 2, "A", "X"), f("a.yaml", 2, "A", "Y"), f("a.yaml", 2, "B", "X"), f("a.yaml", 9, "A", "X"), f("b.yaml", 1, "A", "X")}
	for i := range want {
		if got[i].Loc != want[i].Loc || got[i].RequirementID != want[i].RequirementID || got[i].LogicalID != want[i].LogicalID {
			t.Fatalf("position %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestLookups(t *testing.T) {
	tpl := &Template{Resources: []*Resource{{LogicalID: "A"}, {LogicalID: "B"}},
		Diagnostics: []Diagnostic{{Severity: SeverityWarning}}}
	if tpl.Resource("B") != tpl.Resources[1] || tpl.Resource("C") != nil {
		t.Error("Template.Resource")
	}
	if tpl.HasErrors() {
		t.Error("a warning is not an error")
	}
	tpl.Diagnostics = append(tpl.Diagnostics, Diagnostic{Severity: SeverityError})
	if !tpl.HasErrors() {
		t.Error("HasErrors missed an error")
	}
	set := &RequirementSet{Requirements: []*Requirement{{ID: "S3.X", ResourceTypes: []string{"AWS::S3::Bucket"}}}}
	if r := set.Requirement("S3.X"); r == nil || !r.AppliesTo("AWS::S3::Bucket") || r.AppliesTo("AWS::KMS::Key") {
		t.Error("RequirementSet.Requirement / AppliesTo")
	}
	if Control("nist-800-53:SC-28").Framework() != "nist-800-53" {
		t.Error("Control.Framework")
	}
}
