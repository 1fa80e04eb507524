package policy

import (
	"reflect"
	"strings"
	"testing"

	"qualstate"
)

func TestFindings(t *testing.T) {
	e := engineFor(t, "storage.yaml")
	at := func(line, col int) qualstate.Location {
		return qualstate.Location{File: "template.yaml", Line: line, Column: col}
	}
	kms := map[string]any{"ServerSideEncryptionConfiguration": []any{
		map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
		map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": getAtt("Key", "Arn", 14)}},
	}}
	bucket := &qualstate.Resource{
		Type: "AWS::S3::Bucket", LogicalID: "Records", Loc: at(5, 3),
		Properties: map[string]any{"BucketEncryption": kms, "VersioningConfiguration": map[string]any{"Status": "Suspended"}},
		PropertyLocs: map[string]qualstate.Location{
			"/BucketEncryption": at(7, 7),
			"/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm": at(10, 29),
			"/VersioningConfiguration/Status": at(16, 17),
		},
	}
	conditional := &qualstate.Resource{
		Type: "AWS::S3::Bucket", LogicalID: "Scratch", Loc: at(20, 3), Properties: map[string]any{},
		Condition: "InProd", ConditionUnknown: unknown("!Equals [!Ref Env, prod]", 2),
	}
	key := &qualstate.Resource{Type: "AWS::KMS::Key", LogicalID: "Key", Loc: at(12, 3), Properties: map[string]any{"EnableKeyRotation": false}}
	db := &qualstate.Resource{Type: "AWS::RDS::DBCluster", LogicalID: "Db", Loc: at(30, 3), Unvalidated: "no schema",
		Properties: map[string]any{"StorageEncrypted": unknown("!Ref Encrypt", 31)}}
	transformed := &qualstate.Resource{
		Type: "AWS::S3::Bucket", LogicalID: "Transformed", Loc: at(40, 3),
		Properties:        map[string]any{"VersioningConfiguration": map[string]any{"Status": "Enabled"}},
		PropertiesUnknown: &qualstate.Unknown{Reason: "Fn::Transform AddTags", Loc: at(41, 7)},
	}
	findings := e.Evaluate(Scope{Resources: []*qualstate.Resource{bucket, key, conditional, db, transformed}})

	type row struct {
		Req, ID string
		Result  qualstate.Result
		Loc     qualstate.Location
		Reason  string
	}
	var got []row
	for _, f := range findings {
		got = append(got, row{f.RequirementID, f.LogicalID, f.Result, f.Loc, f.Reason})
	}
	want := []row{
		{"S3.ENCRYPTION.KMS", "Records", qualstate.ResultPass, at(10, 29),
			`BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm = "AES256"; ` +
				`BucketEncryption.ServerSideEncryptionConfiguration[1].ServerSideEncryptionByDefault.SSEAlgorithm = "aws:kms"`},
		{"S3.VERSIONING", "Records", qualstate.ResultFail, at(16, 17), `VersioningConfiguration.Status = "Suspended"`},
		// The first value read is in the first rule; its nearest written
		// place is the encryption block.
		{"S3.KEY.ROTATION", "Records", qualstate.ResultFail, at(7, 7),
			`BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID absent; ` +
				`BucketEncryption.ServerSideEncryptionConfiguration[1].ServerSideEncryptionByDefault.KMSMasterKeyID → Key (AWS::KMS::Key): EnableKeyRotation = false`},
		{"S3.ENCRYPTION.KMS", "Scratch", qualstate.ResultIndeterminate, at(20, 3),
			"BucketEncryption absent — fails if created (created only if !Equals [!Ref Env, prod], which is not known before deployment)"},
		{"S3.VERSIONING", "Scratch", qualstate.ResultIndeterminate, at(20, 3),
			"VersioningConfiguration absent — fails if created (created only if !Equals [!Ref Env, prod], which is not known before deployment)"},
		{"S3.KEY.ROTATION", "Scratch", qualstate.ResultPass, at(20, 3),
			"BucketEncryption absent (created only if !Equals [!Ref Env, prod], which is not known before deployment)"},
		{"RDS.STORAGE.ENCRYPTED", "Db", qualstate.ResultIndeterminate, qualstate.Location{File: "template.yaml", Line: 31, Column: 9},
			"depends on !Ref Encrypt (template.yaml:31:9), known after deployment"},
		{"S3.ENCRYPTION.KMS", "Transformed", qualstate.ResultIndeterminate, at(41, 7),
			"depends on Fn::Transform AddTags (template.yaml:41:7), known after deployment; as written: BucketEncryption absent"},
		{"S3.VERSIONING", "Transformed", qualstate.ResultIndeterminate, at(41, 7),
			`depends on Fn::Transform AddTags (template.yaml:41:7), known after deployment; as written: VersioningConfiguration.Status = "Enabled"`},
		{"S3.KEY.ROTATION", "Transformed", qualstate.ResultIndeterminate, at(41, 7),
			"depends on Fn::Transform AddTags (template.yaml:41:7), known after deployment; as written: BucketEncryption absent"},
	}
	if !reflect.DeepEqual(got, want) {
		var b strings.Builder
		for _, r := range got {
			b.WriteString(r.Req + " " + r.ID + " " + string(r.Result) + " " + r.Loc.String() + " " + r.Reason + "\n")
		}
		t.Errorf("findings:\n%s", b.String())
	}
	for _, f := range findings {
		if f.Stage != qualstate.StageStatic || f.Title == "" || f.Risk == "" || len(f.Controls) == 0 || f.ResourceType == "" {
			t.Errorf("finding %s on %s lacks fields: %+v", f.RequirementID, f.LogicalID, f)
		}
	}
	// One resource at a time gives the same findings as the whole scope.
	var one []qualstate.Finding
	all := []*qualstate.Resource{bucket, key, conditional, db, transformed}
	for _, r := range all {
		one = append(one, e.EvaluateResource(Scope{Resources: all}, r)...)
	}
	if !reflect.DeepEqual(one, findings) {
		t.Error("EvaluateResource differs from Evaluate")
	}
}

func TestAppendValue(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{nil, "null"},
		{"a\"b", `"a\"b"`},
		{int64(-3), "-3"},
		{2.5, "2.5"},
		{true, "true"},
		{[]any{int64(1), "x"}, `[1, "x"]`},
		{map[string]any{"b": false, "a": nil}, `{"a": null, "b": false}`},
		{unknown("!Ref X", 0), "!Ref X (known after deployment)"},
		{strings.Repeat("é", 60), `"` + strings.Repeat("é", 39) + "…"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := string(appendValue([]byte("x = "), c.v)); got != "x = "+c.want {
				t.Errorf("appendValue(%#v) = %q, want %q", c.v, got, "x = "+c.want)
			}
		})
	}
}

// TestConcurrentEvaluate shares one engine between goroutines, as a
// qualification run does; run with -race.
func TestConcurrentEvaluate(t *testing.T) {
	e := engineFor(t, "functions.yaml")
	want := e.Evaluate(Scope{Resources: templateScope()})
	done := make(chan []qualstate.Finding)
	for i := 0; i < 4; i++ {
		go func() { done <- e.Evaluate(Scope{Resources: templateScope()}) }()
	}
	for i := 0; i < 4; i++ {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Error("concurrent evaluations differ")
		}
	}
}
