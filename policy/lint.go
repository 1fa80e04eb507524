package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"cel.dev/cel-go/common/ast"

	"qualstate"
)

// Frameworks maps each control framework a control id may name to its
// title.
var Frameworks = map[string]string{
	"nist-800-53": "NIST SP 800-53 rev. 5",
	"21-cfr-11":   "FDA 21 CFR Part 11",
	"eu-annex-11": "EU GMP Annex 11",
	"hipaa":       "HIPAA Security Rule",
	"pci-dss":     "PCI DSS v4.0",
}

// Codes of the diagnostics Lint gives.
const (
	LintInvalidCheck        = "invalid-check"
	LintUnknownFramework    = "unknown-framework"
	LintDuplicateControl    = "duplicate-control"
	LintNoControls          = "no-controls"
	LintMissingExample      = "missing-example"
	LintUnknownResourceType = "unknown-resource-type"
	LintReadsNothing        = "check-reads-nothing"
	LintMissingChallenge    = "missing-challenge"
	LintUntestedRemediation = "untested-remediation"
	LintAutoRemoves         = "auto-remediation-removes"
)

// Lint reports what is doubtful in a set without making it invalid: controls
// of unknown frameworks or given twice, requirements tracing to no control,
// requirements without both a passing and a failing example, high-risk
// requirements without a challenge, remediations no failing properties
// example proves, automatic remediations that remove or move a property,
// resource types knownType does not know (nil skips that), and checks that
// read nothing of the resource, whose result cannot depend on it.
//
// The risk of a requirement does not limit its remediation mode: turning a
// protection back on automatically is most worth it where the risk is high.
func Lint(set *qualstate.RequirementSet, knownType func(string) bool) []qualstate.Diagnostic {
	var out []qualstate.Diagnostic
	add := func(req *qualstate.Requirement, sev qualstate.Severity, code, format string, args ...any) {
		out = append(out, qualstate.Diagnostic{
			Severity: sev,
			Code:     code,
			Message:  "requirement " + req.ID + ": " + fmt.Sprintf(format, args...),
			Loc:      req.Loc,
		})
	}
	for _, req := range set.Requirements {
		seen := map[qualstate.Control]bool{}
		for _, c := range req.Controls {
			if _, ok := Frameworks[c.Framework()]; !ok {
				add(req, qualstate.SeverityWarning, LintUnknownFramework, "control %s names the unknown framework %q (known: %s)", c, c.Framework(), frameworkList())
			}
			if seen[c] {
				add(req, qualstate.SeverityNote, LintDuplicateControl, "control %s is listed twice", c)
			}
			seen[c] = true
		}
		if len(req.Controls) == 0 {
			add(req, qualstate.SeverityWarning, LintNoControls, "traces to no framework control")
		}
		wants := map[qualstate.Result]bool{}
		for _, ex := range req.Examples {
			wants[ex.Want] = true
		}
		for _, w := range []qualstate.Result{qualstate.ResultPass, qualstate.ResultFail} {
			if !wants[w] {
				add(req, qualstate.SeverityWarning, LintMissingExample, "has no example that must %s", w)
			}
		}
		if req.Risk == qualstate.RiskHigh && len(req.Challenge) == 0 {
			add(req, qualstate.SeverityWarning, LintMissingChallenge, "is high risk but has no challenge to prove its monitoring in operational qualification")
		}
		if len(req.Remediation) > 0 && !slices.ContainsFunc(req.Examples, func(ex qualstate.Example) bool {
			return ex.Want == qualstate.ResultFail && ex.Properties != nil
		}) {
			add(req, qualstate.SeverityWarning, LintUntestedRemediation, "has a remediation but no failing properties example to prove it restores compliance")
		}
		if req.RemediationMode == qualstate.RemediationAuto {
			for i, op := range req.Remediation {
				if op.Op == "remove" || op.Op == "move" {
					add(req, qualstate.SeverityWarning, LintAutoRemoves, "remediation is applied automatically but remediation[%d] %ss %s, which may discard configuration someone set on purpose; propose it instead", i, op.Op, removedPath(op))
				}
			}
		}
		if knownType != nil {
			for _, t := range req.ResourceTypes {
				if !strings.HasPrefix(t, "Custom::") && !knownType(t) {
					add(req, qualstate.SeverityWarning, LintUnknownResourceType, "resource type %s has no schema", t)
				}
			}
		}
		checked, problems := compileCheck(req.Check)
		if len(problems) > 0 {
			add(req, qualstate.SeverityError, LintInvalidCheck, "check does not compile: %s", problems[0].msg)
			continue
		}
		if !readsResource(checked.NativeRep().Expr()) {
			add(req, qualstate.SeverityWarning, LintReadsNothing, "check reads neither properties nor resource, so its result is the same for every resource")
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return locLess(out[i].Loc, out[j].Loc) })
	return out
}

// removedPath is the pointer an operation takes a value away from.
func removedPath(op qualstate.PatchOp) string {
	if op.Op == "move" {
		return op.From
	}
	return op.Path
}

func frameworkList() string {
	names := make([]string, 0, len(Frameworks))
	for n := range Frameworks {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// readsResource reports whether an expression mentions the resource at all,
// through its variables or the functions that start from it.
func readsResource(e ast.Expr) bool {
	found := false
	ast.PreOrderVisit(e, ast.NewExprVisitor(func(x ast.Expr) {
		switch x.Kind() {
		case ast.IdentKind:
			found = found || x.AsIdent() == "properties" || x.AsIdent() == "resource"
		case ast.CallKind:
			found = found || x.AsCall().FunctionName() == "referencedBy"
		}
	}))
	return found
}
