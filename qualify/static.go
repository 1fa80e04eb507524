package qualify

import (
	"context"
	"fmt"

	"qualstate"
	"qualstate/policy"
)

// CaseTemplate is the kind of a test case recording a problem that stops a
// template being valid CloudFormation.
const CaseTemplate = "template"

// Static evaluates every requirement on the template: the design review.
// A check on a resource with template errors never passes: a misspelt
// property must not let a check pass (a check reading "AccessControl"
// passes when "AccesControl" is written), so such a pass becomes an error.
func Static(tpl *qualstate.Template, engine *policy.Engine) []qualstate.Finding {
	findings := engine.Evaluate(policy.Scope{Resources: tpl.Resources, Stage: qualstate.StageStatic})
	bad := map[string]string{}
	for _, d := range tpl.Diagnostics {
		if d.Severity == qualstate.SeverityError && d.LogicalID != "" {
			if _, ok := bad[d.LogicalID]; !ok {
				bad[d.LogicalID] = fmt.Sprintf("%s (%s)", d.Message, d.Loc)
			}
		}
	}
	for i := range findings {
		f := &findings[i]
		if msg, ok := bad[f.LogicalID]; ok && f.Result == qualstate.ResultPass {
			f.Result = qualstate.ResultError
			f.Reason = "not decided: the resource has template errors, first: " + msg
		}
	}
	return findings
}

// static runs the design review and records a test case per finding and
// per template error. A template with errors is not deployed.
func (r *runner) static(ctx context.Context) error {
	r.opts.Progress.Stage(qualstate.StageStatic, "design review of "+r.run.TemplateFile)
	end := r.rec.step(ctx, qualstate.StageStatic, stepStatic, "design review")
	tpl, err := r.doc.Resolve(r.parseOptions(nil))
	if err != nil {
		return end("", err)
	}
	r.tpl = tpl
	var cases []qualstate.TestCase
	errorsFound := 0
	for _, d := range tpl.Diagnostics {
		if d.Severity != qualstate.SeverityError {
			continue
		}
		errorsFound++
		cases = append(cases, qualstate.TestCase{
			Stage: qualstate.StageStatic, Kind: CaseTemplate, LogicalID: d.LogicalID,
			Description: "the template is valid CloudFormation",
			Expected:    "no error", Actual: d.Message, Result: qualstate.ResultFail,
			Reason: d.Code + ": " + d.Message, Loc: d.Loc, Evidence: []string{r.run.TemplateEvidence},
		})
	}
	for _, f := range Static(tpl, r.opts.Engine) {
		cases = append(cases, findingCase(f, "the check holds on the template", r.run.TemplateEvidence))
	}
	r.waive(cases)
	if err := r.rec.add(ctx, cases...); err != nil {
		return end("", err)
	}
	detail := fmt.Sprintf("%d resources, %d findings", len(tpl.Resources), len(cases)-errorsFound)
	if errorsFound > 0 {
		err := &stopRun{fmt.Sprintf("the template has %d errors; it is not deployed", errorsFound)}
		_ = end(detail, err)
		return err
	}
	return end(detail, nil)
}

// findingCase makes a test case of a check's finding.
func findingCase(f qualstate.Finding, expected string, evidence ...string) qualstate.TestCase {
	var ev []string
	for _, e := range evidence {
		if e != "" {
			ev = append(ev, e)
		}
	}
	return qualstate.TestCase{
		Stage: f.Stage, Kind: qualstate.CaseCheck, RequirementID: f.RequirementID, Risk: f.Risk,
		Controls: f.Controls, ResourceType: f.ResourceType, LogicalID: f.LogicalID, PhysicalID: f.PhysicalID,
		Description: f.Title, Expected: expected, Actual: string(f.Result) + ": " + f.Reason,
		Result: f.Result, Reason: f.Reason, Loc: f.Loc, Evidence: ev,
	}
}

// waive records as waived each failed check that an approved waiver in
// force now covers: the failure stays visible in Actual, the waiver is
// named with its expiry.
func (r *runner) waive(cases []qualstate.TestCase) {
	now := r.opts.Clock()
	t := qualstate.WaiverTarget{TemplateFile: r.run.TemplateFile, TemplateDigest: r.run.TemplateDigest, Stack: r.run.StackName}
	for i := range cases {
		c := &cases[i]
		if c.Kind != qualstate.CaseCheck || c.Result != qualstate.ResultFail {
			continue
		}
		if w := qualstate.FindWaiver(r.opts.Waivers, now, t, c.RequirementID, c.LogicalID); w != nil {
			c.Result, c.Waiver, c.Reason = qualstate.ResultWaived, w.Ref(), w.Explain(c.Reason)
		}
	}
}
