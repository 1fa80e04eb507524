package report

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"qualstate"
)

// largeQualification is a run of the size a platform template gives: 30
// resources of 10 types against 89 requirements, each requirement checked
// on the 3 resources of its type statically and live, every third (the
// high-risk ones) challenged and reverted, and every resource verified to
// exist with two of its properties: about 900 test cases.
func largeQualification() *Qualification {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	types := []string{"AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::DynamoDB::Table", "AWS::SQS::Queue",
		"AWS::SNS::Topic", "AWS::Lambda::Function", "AWS::RDS::DBInstance", "AWS::EC2::SecurityGroup", "AWS::IAM::Role"}
	set := &qualstate.RequirementSet{Name: "library", Version: "1.0.0", Source: "builtin", Digest: fmt.Sprintf("%064x", 1)}
	for i := range 89 {
		r := &qualstate.Requirement{
			ID: fmt.Sprintf("SERVICE-%02d.REQUIREMENT-%02d.LONG-NAME", i%10, i), Title: fmt.Sprintf("Requirement %d keeps the records safe", i),
			Risk: qualstate.RiskMedium, Controls: []qualstate.Control{"nist-800-53:SC-28", "21-cfr-11:11.10(e)"},
			ResourceTypes: []string{types[i%len(types)]}, Check: "true",
		}
		if i%3 == 0 {
			r.Risk = qualstate.RiskHigh
			r.Challenge = []qualstate.PatchOp{{Op: "remove", Path: "/Property"}}
		}
		set.Requirements = append(set.Requirements, r)
	}
	q := &Qualification{
		Tool: Tool{Name: "qualstate", Version: "v1.4.0"}, RequirementSet: set, Evidence: map[string]*qualstate.Evidence{},
		Generated: t0.Add(time.Hour),
		Run: &qualstate.Run{ID: "run-bench", TemplateFile: "platform.yaml", TemplateDigest: fmt.Sprintf("%064x", 2),
			RequirementSet: set.Name, RequirementSetDigest: set.Digest, Environment: qualstate.Environment{Name: "sandbox", Account: "123456789012", Region: "eu-west-1"},
			StackName: "qs-bench", Challenge: qualstate.ChallengeHigh, Executor: "bench", Attempt: 1, Status: qualstate.RunPassed,
			Result: qualstate.ResultPass, Started: t0, Finished: t0.Add(time.Hour)},
	}
	n := 0
	add := func(stage qualstate.Stage, kind, req, typ, logical string, res qualstate.Result, evidence string) {
		n++
		q.TestCases = append(q.TestCases, qualstate.TestCase{
			RunID: "run-bench", ID: fmt.Sprintf("%s-%04d", stage, n), Attempt: 1, Stage: stage, Kind: kind, RequirementID: req,
			ResourceType: typ, LogicalID: logical, PhysicalID: "phys-" + logical, Description: logical + " meets " + req,
			Expected: "Property is set", Actual: "Property is set", Result: res, Reason: "Property ≥ 365 & < 3653",
			Evidence: []string{evidence}, Duration: 1500 * time.Millisecond, Time: t0.Add(time.Duration(n) * time.Second),
		})
	}
	for ri := range 30 {
		logical, typ := fmt.Sprintf("Resource%02d", ri), types[ri%len(types)]
		d := fmt.Sprintf("%064x", 1000+ri)
		q.Evidence[d] = &qualstate.Evidence{Operation: "cloudcontrol:GetResource", Request: "TypeName=" + typ + " Identifier=phys-" + logical,
			Time: t0.Add(time.Duration(ri) * time.Second), Account: "123456789012", Region: "eu-west-1"}
		add(qualstate.StageIQ, qualstate.CaseExists, "", typ, logical, qualstate.ResultPass, d)
		add(qualstate.StageIQ, qualstate.CaseProperty, "", typ, logical, qualstate.ResultPass, d)
		add(qualstate.StageIQ, qualstate.CaseProperty, "", typ, logical, qualstate.ResultFail, d)
		q.Baseline = append(q.Baseline, qualstate.BaselineResource{LogicalID: logical, ResourceType: typ, PhysicalID: "phys-" + logical,
			Identifier: "phys-" + logical, Evidence: d, Properties: map[string]any{"Property": int64(ri)}})
		for _, r := range set.Requirements {
			if !r.AppliesTo(typ) {
				continue
			}
			add(qualstate.StageStatic, qualstate.CaseCheck, r.ID, typ, logical, qualstate.ResultIndeterminate, d)
			add(qualstate.StageIQ, qualstate.CaseCheck, r.ID, typ, logical, qualstate.ResultPass, d)
			if len(r.Challenge) > 0 {
				add(qualstate.StageOQ, qualstate.CaseChallenge, r.ID, typ, logical, qualstate.ResultPass, d)
				add(qualstate.StageOQ, qualstate.CaseRevert, r.ID, typ, logical, qualstate.ResultPass, d)
			}
		}
	}
	for i := range 40 {
		q.Steps = append(q.Steps, qualstate.Step{RunID: "run-bench", Seq: i + 1, Attempt: 1, Stage: qualstate.StageIQ,
			Name: fmt.Sprintf("step %d", i), Status: qualstate.StepDone, Started: t0, Finished: t0.Add(time.Second)})
	}
	return q
}

func BenchmarkQualificationHTML(b *testing.B) { benchmarkQual(b, QualificationHTML) }

func BenchmarkQualificationPDF(b *testing.B) { benchmarkQual(b, QualificationPDF) }

func BenchmarkQualificationJSON(b *testing.B) { benchmarkQual(b, QualificationJSON) }

func BenchmarkQualificationJUnit(b *testing.B) { benchmarkQual(b, QualificationJUnit) }

func benchmarkQual(b *testing.B, write func(io.Writer, *Qualification) error) {
	q := largeQualification()
	var buf bytes.Buffer
	if err := write(&buf, q); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := write(io.Discard, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(q.TestCases)), "µs/case")
}
