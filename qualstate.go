// Package qualstate holds the domain types shared by every part of qualstate:
// templates and resources, requirements and their findings, and the error type.
// It depends on the standard library only, so any package may import it.
package qualstate

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Location is a position in a source file. Line and Column are 1-based; zero
// means unknown.
type Location struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String renders the location as file:line:col, leaving out what is unknown.
func (l Location) String() string {
	var b strings.Builder
	b.WriteString(l.File)
	if l.Line > 0 {
		fmt.Fprintf(&b, ":%d", l.Line)
		if l.Column > 0 {
			fmt.Fprintf(&b, ":%d", l.Column)
		}
	}
	return b.String()
}

// IsZero reports whether nothing is known of the location.
func (l Location) IsZero() bool { return l == Location{} }

// Ref names what an unknown value was derived from: a resource's logical id,
// and for Fn::GetAtt the attribute read from it.
type Ref struct {
	LogicalID string `json:"logicalId"`
	Attribute string `json:"attribute,omitempty"`
}

// String renders the reference the way a template writes it.
func (r Ref) String() string {
	if r.Attribute == "" {
		return r.LogicalID
	}
	return r.LogicalID + "." + r.Attribute
}

// Unknown stands in a property tree for a value that is only known after
// deployment (Ref to a resource, Fn::GetAtt, Fn::ImportValue, a parameter
// with no value, anything computed from those, or a part of the template a
// transform would produce). It is never replaced by a guess: checks that
// depend on it are indeterminate.
type Unknown struct {
	// Reason says, for a person, why the value is unknown, e.g.
	// "!GetAtt LogKey.Arn" or "Fn::ImportValue SharedKmsKey".
	Reason string `json:"reason"`
	// Refs lists the resources the value was derived from, in order of
	// first appearance, without duplicates.
	Refs []Ref `json:"refs,omitempty"`
	// Loc is where the unknown value was written.
	Loc Location `json:"location"`
}

// String returns the reason.
func (u *Unknown) String() string { return u.Reason }

// Resource is one resource of a template or of a deployed stack.
//
// Properties have the shape of a Cloud Control resource model: JSON values
// as Go values (string, int64, float64, bool, nil, []any, map[string]any),
// where a template value not known before deployment is a *Unknown. Scalars
// are coerced to the types the resource schema declares, as CloudFormation
// does, so a check sees 30 and not "30" whether it reads the template or the
// live resource.
type Resource struct {
	Type       string `json:"type"`
	LogicalID  string `json:"logicalId"`
	PhysicalID string `json:"physicalId,omitempty"`
	// Properties is the resource model; never nil.
	Properties map[string]any `json:"properties"`
	// Condition is the template condition the resource is created under.
	Condition string `json:"condition,omitempty"`
	// ConditionUnknown is set when whether the resource is created depends
	// on a value not known before deployment.
	ConditionUnknown *Unknown `json:"conditionUnknown,omitempty"`
	// PropertiesUnknown is set when the properties as written may not be
	// what is deployed: a transform not expanded here may rewrite them, or
	// they are computed from a value known only after deployment. Checks on
	// such a resource cannot pass or fail; they are indeterminate.
	PropertiesUnknown *Unknown `json:"propertiesUnknown,omitempty"`
	DependsOn         []string `json:"dependsOn,omitempty"`
	// DeletionPolicy and UpdateReplacePolicy as written (Delete when absent).
	DeletionPolicy      string `json:"deletionPolicy,omitempty"`
	UpdateReplacePolicy string `json:"updateReplacePolicy,omitempty"`
	// Loc is where the resource's logical id is written.
	Loc Location `json:"location"`
	// PropertyLocs maps a JSON pointer into Properties ("/BucketEncryption",
	// "/Tags/0/Key") to where that value is written. Nil for live resources.
	PropertyLocs map[string]Location `json:"-"`
	// Unvalidated is set when the type has no schema, so its properties
	// could not be checked; it says so.
	Unvalidated string `json:"unvalidated,omitempty"`
}

// PropertyLoc returns the location of the value at the JSON pointer, or of
// its nearest written ancestor, or of the resource itself.
func (r *Resource) PropertyLoc(pointer string) Location {
	for p := pointer; p != ""; p = p[:strings.LastIndexByte(p, '/')] {
		if l, ok := r.PropertyLocs[p]; ok {
			return l
		}
	}
	return r.Loc
}

// Parameter is a template parameter with the value it resolved to.
type Parameter struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	NoEcho        bool     `json:"noEcho,omitempty"`
	AllowedValues []string `json:"allowedValues,omitempty"`
	// Value is the resolved value (a string, a []any for list types, or a
	// *Unknown when neither a default nor a value was given).
	Value any      `json:"-"`
	Loc   Location `json:"location"`
}

// Output is a template output with its resolved value.
type Output struct {
	Name       string   `json:"name"`
	Value      any      `json:"value"`
	ExportName any      `json:"exportName,omitempty"`
	Condition  string   `json:"condition,omitempty"`
	Loc        Location `json:"location"`
}

// Template is a parsed and resolved CloudFormation template.
type Template struct {
	// File is the path the template was read from.
	File string `json:"file"`
	// Digest is the SHA-256 of the template body, hex encoded.
	Digest      string       `json:"digest"`
	Format      string       `json:"format"` // "yaml" or "json"
	Description string       `json:"description,omitempty"`
	Parameters  []*Parameter `json:"parameters,omitempty"`
	// Resources in the order they are written.
	Resources []*Resource `json:"resources"`
	Outputs   []*Output   `json:"outputs,omitempty"`
	// Transforms lists the macros the template declares (AWS::Serverless-2016-10-31, …).
	Transforms []string `json:"transforms,omitempty"`
	// Diagnostics are the problems found in the template that did not stop
	// it being read: schema violations, warnings.
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// Resource returns the resource with the logical id, or nil.
func (t *Template) Resource(logicalID string) *Resource {
	for _, r := range t.Resources {
		if r.LogicalID == logicalID {
			return r
		}
	}
	return nil
}

// HasErrors reports whether any diagnostic is an error.
func (t *Template) HasErrors() bool {
	for _, d := range t.Diagnostics {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Severity grades a diagnostic.
type Severity string

// Severities, most severe first.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Diagnostic is a problem in an input file, with where it is.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	// Code identifies the kind of problem, e.g. "unknown-property",
	// "invalid-type", "transform-not-expanded".
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Loc     Location `json:"location"`
	// LogicalID names the resource the problem is in, if any.
	LogicalID string `json:"logicalId,omitempty"`
}

// String renders file:line:col: severity: message.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s", d.Loc, d.Severity, d.Message)
}

// Risk is a requirement's risk class, which decides how much testing it gets.
type Risk string

// Risk classes.
const (
	RiskHigh   Risk = "high"
	RiskMedium Risk = "medium"
	RiskLow    Risk = "low"
)

// Rank orders risks: high is 3, low is 1, anything else 0.
func (r Risk) Rank() int {
	switch r {
	case RiskHigh:
		return 3
	case RiskMedium:
		return 2
	case RiskLow:
		return 1
	}
	return 0
}

// Control is a framework's control id, written framework:control, e.g.
// "nist-800-53:SC-28" or "21-cfr-11:11.10(e)".
type Control string

// Framework returns the part before the first colon.
func (c Control) Framework() string {
	f, _, _ := strings.Cut(string(c), ":")
	return f
}

// Example is one of a requirement's examples: properties of a resource of
// the requirement's type, or a template file, and the result the check must
// give on it.
type Example struct {
	Name string `json:"name,omitempty"`
	// Want is the result the check must give: pass, fail or indeterminate.
	Want Result `json:"want"`
	// Properties is a resource model to evaluate. Template is the body of a
	// template written inline, TemplateFile the path of one relative to the
	// requirement set; their resources of the requirement's types are
	// evaluated, or only the one named by Resource.
	Properties   map[string]any `json:"properties,omitempty"`
	Template     string         `json:"template,omitempty"`
	TemplateFile string         `json:"templateFile,omitempty"`
	Resource     string         `json:"resource,omitempty"`
	Loc          Location       `json:"location"`
}

// Requirement is one user requirement with the check that proves it.
type Requirement struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Risk        Risk      `json:"risk"`
	Controls    []Control `json:"controls,omitempty"`
	// ResourceTypes the check applies to, e.g. AWS::S3::Bucket.
	ResourceTypes []string `json:"resourceTypes"`
	// Check is the CEL expression; it returns true when the resource meets
	// the requirement.
	Check    string    `json:"check"`
	Examples []Example `json:"examples,omitempty"`
	// Challenge is a JSON Patch (RFC 6902) that makes a compliant live
	// resource violate the requirement; used by operational qualification.
	Challenge []PatchOp `json:"challenge,omitempty"`
	// Remediation is a JSON Patch that restores compliance.
	Remediation []PatchOp `json:"remediation,omitempty"`
	// RemediationMode says what continuous risk treatment does with the
	// remediation when the check fails live: off (nothing), propose
	// (record it for a person to apply; the default) or auto (apply it
	// within the guard rails).
	RemediationMode RemediationMode `json:"remediationMode,omitempty"`
	// Tolerance describes accepted deviation before treatment, e.g. a grace
	// period ("15m").
	Tolerance string   `json:"tolerance,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	Loc       Location `json:"location"`
}

// AppliesTo reports whether the requirement applies to the resource type.
func (r *Requirement) AppliesTo(resourceType string) bool {
	for _, t := range r.ResourceTypes {
		if t == resourceType {
			return true
		}
	}
	return false
}

// RemediationMode is what risk treatment does with a remediation.
type RemediationMode string

// Remediation modes.
const (
	RemediationOff     RemediationMode = "off"
	RemediationPropose RemediationMode = "propose"
	RemediationAuto    RemediationMode = "auto"
)

// ParseRemediationMode reads a mode name.
func ParseRemediationMode(s string) (RemediationMode, error) {
	switch m := RemediationMode(s); m {
	case RemediationOff, RemediationPropose, RemediationAuto:
		return m, nil
	}
	return "", fmt.Errorf("remediation mode %q: want off, propose or auto", s)
}

// PatchOp is one RFC 6902 JSON Patch operation.
type PatchOp struct {
	Op    string `json:"op" yaml:"op"`
	Path  string `json:"path" yaml:"path"`
	From  string `json:"from,omitempty" yaml:"from,omitempty"`
	Value any    `json:"value,omitempty" yaml:"value,omitempty"`
}

// RequirementSet is a named, versioned list of requirements.
type RequirementSet struct {
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	Description string `json:"description,omitempty"`
	// Source is the file or "builtin"; Digest the SHA-256 of its bytes.
	Source       string         `json:"source"`
	Digest       string         `json:"digest"`
	Requirements []*Requirement `json:"requirements"`
}

// Requirement returns the requirement with the id, or nil.
func (s *RequirementSet) Requirement(id string) *Requirement {
	for _, r := range s.Requirements {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// Stage is where in the lifecycle a check ran.
type Stage string

// Stages.
const (
	StageStatic Stage = "static" // design review of the template
	StageIQ     Stage = "iq"     // installation: the deployed resource
	StageOQ     Stage = "oq"     // operation: challenge tests
	StageLive   Stage = "live"   // continuous monitoring
	// StageTeardown is the end of a qualification run: the TEST stack is
	// deleted (or kept). It has steps but no test cases.
	StageTeardown Stage = "teardown"
)

// Result is the outcome of one check on one resource.
type Result string

// Results, in order of increasing severity for --fail-on.
const (
	ResultPass Result = "pass"
	// ResultWaived is a failure an approved, unexpired waiver exempts; the
	// finding or test case names the waiver.
	ResultWaived        Result = "waived"
	ResultIndeterminate Result = "indeterminate"
	ResultFail          Result = "fail"
	ResultError         Result = "error"
)

// Rank orders results: pass 0, waived 1, indeterminate 2, fail 3, error 4.
func (r Result) Rank() int {
	switch r {
	case ResultWaived:
		return 1
	case ResultIndeterminate:
		return 2
	case ResultFail:
		return 3
	case ResultError:
		return 4
	}
	return 0
}

// Passed reports whether the result counts as met: pass or waived.
func (r Result) Passed() bool { return r == ResultPass || r == ResultWaived }

// ParseResult reads a result name.
func ParseResult(s string) (Result, error) {
	switch r := Result(s); r {
	case ResultPass, ResultWaived, ResultIndeterminate, ResultFail, ResultError:
		return r, nil
	}
	return "", fmt.Errorf("unknown result %q (want pass, waived, fail, indeterminate or error)", s)
}

// Finding is the outcome of one requirement's check on one resource at one
// stage.
type Finding struct {
	RequirementID string    `json:"requirement"`
	Title         string    `json:"title"`
	Risk          Risk      `json:"risk"`
	Controls      []Control `json:"controls,omitempty"`
	Stage         Stage     `json:"stage"`
	Result        Result    `json:"result"`
	// Reason explains the result and names the values seen.
	Reason       string `json:"reason"`
	ResourceType string `json:"resourceType"`
	LogicalID    string `json:"logicalId"`
	PhysicalID   string `json:"physicalId,omitempty"`
	// Loc is the resource's location, or the property's where the check
	// turned on one property.
	Loc Location `json:"location"`
	// Evidence lists the SHA-256 digests of the evidence the finding rests on.
	Evidence []string `json:"evidence,omitempty"`
	// Waiver names the waiver of a waived finding.
	Waiver *WaiverRef `json:"waiver,omitempty"`
}

// SortFindings orders findings by FindingLess, so output is stable whatever
// order work finished in.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return FindingLess(&fs[i], &fs[j]) })
}

// FindingLess orders findings by file, line, requirement id and logical id.
func FindingLess(a, b *Finding) bool {
	if a.Loc.File != b.Loc.File {
		return a.Loc.File < b.Loc.File
	}
	if a.Loc.Line != b.Loc.Line {
		return a.Loc.Line < b.Loc.Line
	}
	if a.RequirementID != b.RequirementID {
		return a.RequirementID < b.RequirementID
	}
	return a.LogicalID < b.LogicalID
}

// ErrorCode classifies an Error; the CLI maps codes to exit codes.
type ErrorCode string

// Error codes.
const (
	ErrInvalidInput ErrorCode = "invalid-input" // bad template, requirement set, flag: exit 2
	ErrNotFound     ErrorCode = "not-found"
	ErrEnvironment  ErrorCode = "environment" // cloud, database, network: exit 3
	// ErrDenied is a refused action: no permission, a locked account, a
	// wrong password, a duty that must be someone else's. Exit 4.
	ErrDenied ErrorCode = "denied"
	// ErrConflict is a change that lost a race or would break a rule of
	// the record (an id already used, a state already left).
	ErrConflict ErrorCode = "conflict"
	ErrInternal ErrorCode = "internal"
)

// Error is qualstate's error: a code, where the problem is, and what it is.
// Msg is the whole message; Err is kept for errors.Is and errors.As only.
type Error struct {
	Code ErrorCode
	Loc  Location
	Msg  string
	Err  error
}

// Error renders "file:line:col: message".
func (e *Error) Error() string {
	if e.Loc.IsZero() {
		return e.Msg
	}
	return e.Loc.String() + ": " + e.Msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the code and location and a formatted message;
// an argument given to %w is kept as the cause.
func Errorf(code ErrorCode, loc Location, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Loc: loc, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// CodeOf returns the code of the first Error in err's chain, or ErrInternal.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}
