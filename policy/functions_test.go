package policy

import (
	"testing"

	"qualstate"
)

// templateScope is a template's resources: values that name other
// resources are unknowns carrying their references.
func templateScope() []*qualstate.Resource {
	return []*qualstate.Resource{
		{Type: "AWS::KMS::Key", LogicalID: "RotatedKey", Properties: map[string]any{"EnableKeyRotation": true}},
		{Type: "AWS::KMS::Key", LogicalID: "StaticKey", Properties: map[string]any{}},
		{Type: "AWS::S3::Bucket", LogicalID: "Rotated", Properties: map[string]any{"KmsKeyId": getAtt("RotatedKey", "Arn", 20)}},
		{Type: "AWS::S3::Bucket", LogicalID: "Static", Properties: map[string]any{"KmsKeyId": unknown("!Ref StaticKey", 21, "StaticKey")}},
		{Type: "AWS::S3::Bucket", LogicalID: "Imported", Properties: map[string]any{"KmsKeyId": unknown("!ImportValue SharedKey", 22)}},
		{Type: "AWS::S3::Bucket", LogicalID: "Either", Properties: map[string]any{"KmsKeyId": unknown("!If [UseRotated, …]", 23, "RotatedKey.Arn", "StaticKey.Arn")}},
		{Type: "AWS::S3::Bucket", LogicalID: "SameKeyTwice", Properties: map[string]any{"KmsKeyId": unknown("!Sub ${RotatedKey.Arn}/${RotatedKey}", 24, "RotatedKey.Arn", "RotatedKey")}},
		{Type: "AWS::S3::Bucket", LogicalID: "Literal", Properties: map[string]any{"KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/outside"}},
		{Type: "AWS::S3::Bucket", LogicalID: "NoKey", Properties: map[string]any{}},
		{Type: "AWS::S3::Bucket", LogicalID: "Wildcard", Properties: map[string]any{"KmsKeyId": "*"}},
		{Type: "AWS::EC2::VPC", LogicalID: "Logged", Properties: map[string]any{}},
		{Type: "AWS::EC2::VPC", LogicalID: "Unlogged", Properties: map[string]any{}},
		{Type: "AWS::EC2::FlowLog", LogicalID: "FlowLog", Properties: map[string]any{"ResourceId": unknown("!Ref Logged", 30, "Logged")}},
		{Type: "AWS::CloudTrail::Trail", LogicalID: "Trail", Properties: map[string]any{"IsMultiRegionTrail": true}},
	}
}

// stackScope is the same kind of stack deployed: references are physical
// ids and ARNs.
func stackScope() []*qualstate.Resource {
	const keyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	return []*qualstate.Resource{
		{Type: "AWS::KMS::Key", LogicalID: "RotatedKey", PhysicalID: "1234abcd-12ab-34cd-56ef-1234567890ab",
			Properties: map[string]any{"Arn": keyArn, "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "EnableKeyRotation": true}},
		{Type: "AWS::KMS::Key", LogicalID: "StaticKey", PhysicalID: "99990000-aaaa-bbbb-cccc-000000000000",
			Properties: map[string]any{"EnableKeyRotation": false}},
		{Type: "AWS::S3::Bucket", LogicalID: "Rotated", PhysicalID: "rotated-bucket", Properties: map[string]any{"KmsKeyId": keyArn}},
		{Type: "AWS::S3::Bucket", LogicalID: "Static", PhysicalID: "static-bucket", Properties: map[string]any{"KmsKeyId": "99990000-aaaa-bbbb-cccc-000000000000"}},
		{Type: "AWS::S3::Bucket", LogicalID: "ByArnSuffix", PhysicalID: "suffix-bucket", Properties: map[string]any{"KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/99990000-aaaa-bbbb-cccc-000000000000"}},
		{Type: "AWS::S3::Bucket", LogicalID: "Outside", PhysicalID: "outside-bucket", Properties: map[string]any{"KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/elsewhere"}},
		{Type: "AWS::EC2::VPC", LogicalID: "Logged", PhysicalID: "vpc-0a1b2c", Properties: map[string]any{}},
		{Type: "AWS::EC2::VPC", LogicalID: "Unlogged", PhysicalID: "vpc-9f8e7d", Properties: map[string]any{}},
		{Type: "AWS::EC2::FlowLog", LogicalID: "FlowLog", PhysicalID: "fl-123", Properties: map[string]any{"ResourceId": "vpc-0a1b2c"}},
	}
}

func TestScopeFunctions(t *testing.T) {
	e := engineFor(t, "functions.yaml")
	template := e.Evaluate(Scope{Resources: templateScope()})
	stack := e.Evaluate(Scope{Resources: stackScope(), Stage: qualstate.StageIQ})
	cases := []struct {
		name     string
		findings []qualstate.Finding
		req, id  string
		want     qualstate.Result
		reason   string
	}{
		{"template: ref to a rotated key", template, "REF.ROTATION", "Rotated", qualstate.ResultPass,
			"KmsKeyId → RotatedKey (AWS::KMS::Key): EnableKeyRotation = true"},
		{"template: ref to a key without rotation", template, "REF.ROTATION", "Static", qualstate.ResultFail,
			"KmsKeyId → StaticKey (AWS::KMS::Key): EnableKeyRotation absent"},
		{"template: ref outside the template", template, "REF.ROTATION", "Imported", qualstate.ResultIndeterminate,
			"depends on !ImportValue SharedKey (template.yaml:22:9), known after deployment"},
		{"template: ref to one of two resources", template, "REF.ROTATION", "Either", qualstate.ResultIndeterminate,
			"depends on !If [UseRotated, …] (template.yaml:23:9), known after deployment"},
		{"template: two references to one resource", template, "REF.ROTATION", "SameKeyTwice", qualstate.ResultPass, ""},
		{"template: a literal ARN names nothing in a template", template, "REF.ROTATION", "Literal", qualstate.ResultIndeterminate,
			`depends on "arn:aws:kms:eu-west-1:111122223333:key/outside", which names no resource in this template`},
		{"template: ref of an absent property", template, "REF.ROTATION", "NoKey", qualstate.ResultError,
			"evaluation error: no such key: KmsKeyId; KmsKeyId absent"},
		{"template: the resource ref returns", template, "REF.TYPE", "Static", qualstate.ResultPass, ""},
		{"template: resources of a type", template, "RESOURCES.TRAIL", "NoKey", qualstate.ResultPass,
			"1 AWS::CloudTrail::Trail in the template"},
		{"template: referenced by a flow log", template, "VPC.FLOWLOGS", "Logged", qualstate.ResultPass,
			"1 AWS::EC2::FlowLog refers to it"},
		{"template: referenced by nothing", template, "VPC.FLOWLOGS", "Unlogged", qualstate.ResultFail,
			"no AWS::EC2::FlowLog refers to it"},

		{"template: a GetAtt is from a resource", template, "FROM-RESOURCE.NOT-WILDCARD", "Rotated", qualstate.ResultPass, ""},
		{"template: an import may be anything", template, "FROM-RESOURCE.NOT-WILDCARD", "Imported", qualstate.ResultIndeterminate, ""},
		{"template: a literal is not from a resource", template, "FROM-RESOURCE.NOT-WILDCARD", "Literal", qualstate.ResultPass, ""},
		{"template: a literal wildcard", template, "FROM-RESOURCE.NOT-WILDCARD", "Wildcard", qualstate.ResultFail, ""},

		{"stack: ref by ARN property", stack, "REF.ROTATION", "Rotated", qualstate.ResultPass,
			"KmsKeyId → RotatedKey (AWS::KMS::Key): EnableKeyRotation = true"},
		{"stack: ref by physical id", stack, "REF.ROTATION", "Static", qualstate.ResultFail,
			"KmsKeyId → StaticKey (AWS::KMS::Key): EnableKeyRotation = false"},
		{"stack: ref by the end of an ARN", stack, "REF.ROTATION", "ByArnSuffix", qualstate.ResultFail, ""},
		{"stack: ref outside the stack", stack, "REF.ROTATION", "Outside", qualstate.ResultIndeterminate,
			`depends on "arn:aws:kms:eu-west-1:111122223333:key/elsewhere", which names no resource in this stack`},
		{"stack: no trail in the stack", stack, "RESOURCES.TRAIL", "Rotated", qualstate.ResultFail,
			"no AWS::CloudTrail::Trail in the stack"},
		{"stack: referenced by a flow log", stack, "VPC.FLOWLOGS", "Logged", qualstate.ResultPass, ""},
		{"stack: referenced by nothing", stack, "VPC.FLOWLOGS", "Unlogged", qualstate.ResultFail, ""},
		{"stack: a value naming a stack resource", stack, "FROM-RESOURCE.NOT-WILDCARD", "Rotated", qualstate.ResultPass, ""},
		{"stack: a value naming nothing is compared", stack, "FROM-RESOURCE.NOT-WILDCARD", "Outside", qualstate.ResultPass, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := pick(t, c.findings, c.req, c.id)
			if f.Result != c.want {
				t.Errorf("result = %s (%s), want %s", f.Result, f.Reason, c.want)
			}
			if c.reason != "" && f.Reason != c.reason {
				t.Errorf("reason = %q, want %q", f.Reason, c.reason)
			}
		})
	}
	if f := pick(t, stack, "REF.ROTATION", "Rotated"); f.Stage != qualstate.StageIQ || f.PhysicalID != "rotated-bucket" {
		t.Errorf("stack finding stage %q, physical id %q", f.Stage, f.PhysicalID)
	}
}

func TestIAMFunctions(t *testing.T) {
	e := engineFor(t, "functions.yaml")
	doc := func(statement any) map[string]any {
		return map[string]any{"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": statement}}
	}
	cases := []struct {
		name  string
		typ   string
		req   string
		props map[string]any
		want  qualstate.Result
	}{
		{"one statement, action as a string", "AWS::IAM::Policy", "IAM.NO-WILDCARD-ACTION",
			doc(map[string]any{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), qualstate.ResultFail},
		{"statement list", "AWS::IAM::Policy", "IAM.NO-WILDCARD-ACTION",
			doc([]any{map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject"}}, map[string]any{"Effect": "Deny", "Action": "*"}}), qualstate.ResultPass},
		{"document as a JSON string", "AWS::IAM::ManagedPolicy", "IAM.NO-WILDCARD-ACTION",
			map[string]any{"PolicyDocument": `{"Statement":[{"Effect":"Allow","Action":["*"],"Resource":"*"}]}`}, qualstate.ResultFail},
		{"document that is not JSON", "AWS::IAM::ManagedPolicy", "IAM.NO-WILDCARD-ACTION",
			map[string]any{"PolicyDocument": `{"Statement":`}, qualstate.ResultError},
		{"no statements", "AWS::IAM::Policy", "IAM.NO-WILDCARD-ACTION", doc(nil), qualstate.ResultPass},
		{"an action known after deployment", "AWS::IAM::Policy", "IAM.NO-WILDCARD-ACTION",
			doc(map[string]any{"Effect": "Allow", "Action": unknown("!Ref ActionParam", 3)}), qualstate.ResultIndeterminate},
		{"a statement known after deployment", "AWS::IAM::Policy", "IAM.NO-WILDCARD-ACTION",
			doc([]any{map[string]any{"Effect": "Deny", "Action": "*"}, unknown("!If [Open, …]", 4)}), qualstate.ResultIndeterminate},
		{"a denied wildcard beside an unknown statement", "AWS::IAM::Policy", "IAM.NO-WILDCARD-ACTION",
			doc([]any{map[string]any{"Effect": "Allow", "Action": "*"}, unknown("!If [Open, …]", 4)}), qualstate.ResultFail},
		{"principal *", "AWS::S3::BucketPolicy", "IAM.NO-PUBLIC-PRINCIPAL",
			doc(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}), qualstate.ResultFail},
		{"principal AWS *", "AWS::S3::BucketPolicy", "IAM.NO-PUBLIC-PRINCIPAL",
			doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": []any{"arn:aws:iam::111122223333:root", "*"}}}), qualstate.ResultFail},
		{"named principals", "AWS::S3::BucketPolicy", "IAM.NO-PUBLIC-PRINCIPAL",
			doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"}}), qualstate.ResultPass},
		{"principal known after deployment", "AWS::S3::BucketPolicy", "IAM.NO-PUBLIC-PRINCIPAL",
			doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": getAtt("Role", "Arn", 5)}}), qualstate.ResultIndeterminate},
		{"normalised statement", "Test::IAM::Doc", "IAM.SHAPE",
			doc(map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Principal": "*"}), qualstate.ResultPass},
		{"principals of every kind, in key order", "Test::IAM::Statement", "IAM.PRINCIPALS",
			map[string]any{
				"Statement": map[string]any{"Principal": map[string]any{"Service": []any{"a.amazonaws.com"}, "AWS": "arn:aws:iam::1:root", "Federated": "cognito"}},
				"Want":      []any{"arn:aws:iam::1:root", "cognito", "a.amazonaws.com"},
			}, qualstate.ResultPass},
		{"principals of *", "Test::IAM::Statement", "IAM.PRINCIPALS",
			map[string]any{"Statement": map[string]any{"Principal": "*"}, "Want": []any{"*"}}, qualstate.ResultPass},
		{"principals of none", "Test::IAM::Statement", "IAM.PRINCIPALS",
			map[string]any{"Statement": map[string]any{"Effect": "Allow"}, "Want": []any{}}, qualstate.ResultPass},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &qualstate.Resource{Type: c.typ, LogicalID: "Policy", Properties: c.props}
			f := pick(t, e.EvaluateResource(Scope{}, r), c.req, "Policy")
			if f.Result != c.want {
				t.Errorf("result = %s (%s), want %s", f.Result, f.Reason, c.want)
			}
		})
	}
}
