package policy

import (
	"fmt"
	"testing"

	"cel.dev/cel-go/cel"

	"qualstate"
)

// benchSet replicates testdata/sets/bench.yaml to n requirements, so the
// benchmarks see a set the size of the built-in library.
func benchSet(b *testing.B, n int) *qualstate.RequirementSet {
	b.Helper()
	base, err := LoadFile("testdata/sets/bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	set := &qualstate.RequirementSet{Name: "bench"}
	for i := 0; len(set.Requirements) < n; i++ {
		r := *base.Requirements[i%len(base.Requirements)]
		r.ID = fmt.Sprintf("%s.%d", r.ID, i)
		set.Requirements = append(set.Requirements, &r)
	}
	return set
}

// benchScope is a 40-resource template: buckets with their keys, policies,
// databases, log groups, queues, VPCs and flow logs. With unknowns, values
// that name other resources are references, as in a template; without,
// they are literal values.
func benchScope(withUnknowns bool) []*qualstate.Resource {
	ref := func(id, attr string) any {
		if !withUnknowns {
			return "arn:aws:kms:eu-west-1:111122223333:key/" + id
		}
		return &qualstate.Unknown{Reason: "!GetAtt " + id + "." + attr, Refs: []qualstate.Ref{{LogicalID: id, Attribute: attr}}, Loc: qualstate.Location{File: "t.yaml", Line: 3}}
	}
	var out []*qualstate.Resource
	add := func(typ, id string, props map[string]any) {
		out = append(out, &qualstate.Resource{Type: typ, LogicalID: id, Properties: props, Loc: qualstate.Location{File: "t.yaml", Line: len(out) + 1}})
	}
	for i := 0; i < 8; i++ {
		key := fmt.Sprintf("Key%d", i)
		add("AWS::KMS::Key", key, map[string]any{"EnableKeyRotation": i%2 == 0})
		add("AWS::S3::Bucket", fmt.Sprintf("Bucket%d", i), map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
				map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": ref(key, "Arn")}},
			}},
			"VersioningConfiguration":        map[string]any{"Status": "Enabled"},
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": i%3 != 0},
			"Tags":                           []any{map[string]any{"Key": "Owner", "Value": "qa"}, map[string]any{"Key": "DataClassification", "Value": "restricted"}},
		})
	}
	for i := 0; i < 6; i++ {
		add("AWS::IAM::ManagedPolicy", fmt.Sprintf("Policy%d", i), map[string]any{"PolicyDocument": map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject", "s3:PutObject"}, "Resource": ref(fmt.Sprintf("Bucket%d", i), "Arn")},
				map[string]any{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
			},
		}})
	}
	for i := 0; i < 6; i++ {
		add("AWS::RDS::DBInstance", fmt.Sprintf("Db%d", i), map[string]any{
			"Engine": "postgres", "StorageEncrypted": true, "KmsKeyId": ref(fmt.Sprintf("Key%d", i), "Arn"),
			"BackupRetentionPeriod": int64(7 + i), "DeletionProtection": i%2 == 0,
		})
	}
	for i := 0; i < 6; i++ {
		add("AWS::Logs::LogGroup", fmt.Sprintf("Logs%d", i), map[string]any{"RetentionInDays": int64(365 * (i%2 + 1)), "KmsKeyId": ref(fmt.Sprintf("Key%d", i), "Arn")})
	}
	for i := 0; i < 2; i++ {
		add("AWS::SQS::Queue", fmt.Sprintf("Queue%d", i), map[string]any{"KmsMasterKeyId": ref(fmt.Sprintf("Key%d", i), "Arn")})
		add("AWS::EC2::VPC", fmt.Sprintf("Vpc%d", i), map[string]any{"CidrBlock": "10.0.0.0/16"})
		add("AWS::EC2::FlowLog", fmt.Sprintf("FlowLog%d", i), map[string]any{"ResourceId": ref(fmt.Sprintf("Vpc%d", i), "")})
	}
	return out
}

// BenchmarkEvaluate runs a 60-requirement set over a 40-resource template;
// ns/finding is the cost of one requirement on one resource.
func BenchmarkEvaluate(b *testing.B) {
	e, err := NewEngine(benchSet(b, 60))
	if err != nil {
		b.Fatal(err)
	}
	for _, withUnknowns := range []bool{false, true} {
		name := "known"
		if withUnknowns {
			name = "unknowns"
		}
		b.Run(name, func(b *testing.B) {
			scope := Scope{Resources: benchScope(withUnknowns)}
			findings := len(e.Evaluate(scope))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e.Evaluate(scope)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*findings), "ns/finding")
			b.ReportMetric(float64(findings), "findings/op")
		})
	}
}

// BenchmarkCheckEval isolates one check's evaluation, with and without
// CEL's evaluation-state tracking, to show what the reasons would cost if
// they were built from tracked state rather than from the check's syntax.
func BenchmarkCheckEval(b *testing.B) {
	set := benchSet(b, 1)
	c, err := compileRequirement(set.Requirements[0])
	if err != nil {
		b.Fatal(err)
	}
	s := newScopeState(benchScope(true))
	a := s.activation(1)
	env, _ := checkEnv()
	ast, _ := compileCheck(set.Requirements[0].Check)
	tracked, err := env.Program(ast, append(programOptions(), cel.EvalOptions(cel.OptTrackState))...)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, _, _ = c.prog.Eval(a)
		}
	})
	b.Run("tracked-state", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, _, _ = tracked.Eval(a)
		}
	})
	b.Run("finding-with-reason", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c.run(a, qualstate.StageStatic)
		}
	})
}

// BenchmarkNewEngine is the cost of compiling a library-sized set.
func BenchmarkNewEngine(b *testing.B) {
	set := benchSet(b, 60)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := NewEngine(set); err != nil {
			b.Fatal(err)
		}
	}
}
