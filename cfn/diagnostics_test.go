package cfn

import (
	"fmt"
	"slices"
	"testing"

	"qualstate"
)

// TestDiagnostics checks the diagnostics each fixture must give, by code,
// severity, resource and line, whatever else the golden files record.
func TestDiagnostics(t *testing.T) {
	tests := []struct {
		file string
		opts Options
		want []string // "severity code logicalId line"
	}{
		{"testdata/valid/schema-violations.yaml", Options{}, []string{
			"error unknown-property Bucket 12",
			"error enum Bucket 14",
			"error invalid-type Logs 21",
			"error invalid-type Key 26",
			"error minimum Key 27",
			"warning unknown-property ProdOnly 33",
			"note no-schema Approval 34",
		}},
		{"testdata/valid/schema-violations.yaml", Options{NoValidate: true}, nil},
		{"testdata/valid/serverless.yaml", Options{}, []string{"warning transform-not-expanded  2"}},
		{"testdata/valid/macro.yaml", Options{}, []string{
			"warning transform-not-expanded  2",
			"warning transform-not-expanded  2",
			"note transform-section  3",
			"warning transform-not-expanded Bucket 11",
		}},
		{"testdata/valid/language-extensions.yaml", Options{}, []string{"warning transform-not-expanded  25"}},
		{"testdata/valid/gxp.yaml", Options{Parameters: map[string]string{"Undeclared": "x"}}, []string{"warning unknown-parameter  0"}},
		{"testdata/valid/gxp.yaml", Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %+v", stem(tt.file), tt.opts), func(t *testing.T) {
			tpl, err := Parse(tt.file, readTestdata(t, tt.file), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range tpl.Diagnostics {
				got = append(got, fmt.Sprintf("%s %s %s %d", d.Severity, d.Code, d.LogicalID, d.Loc.Line))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("diagnostics\n got %q\nwant %q", got, tt.want)
			}
			if tpl.HasErrors() != slices.ContainsFunc(tt.want, func(s string) bool { return s[:5] == "error" }) {
				t.Errorf("HasErrors = %v", tpl.HasErrors())
			}
		})
	}
}

// TestTransformedResources checks what transforms leave unknown.
func TestTransformedResources(t *testing.T) {
	tests := []struct {
		file, id          string
		conditionUnknown  bool
		unvalidated       string
		createdInTemplate bool
	}{
		{"testdata/valid/serverless.yaml", "Ingest", false, "transform AWS::Serverless-2016-10-31 not expanded: properties of AWS::Serverless::Function not validated", true},
		{"testdata/valid/serverless.yaml", "Evidence", false, "", true},
		{"testdata/valid/macro.yaml", "Topic", true, "transform CompanyTags not expanded: properties of AWS::SNS::Topic not validated", true},
		{"testdata/valid/macro.yaml", "Bucket", true, "Fn::Transform AWS::Include (not expanded) at line 11: properties not validated", true},
		{"testdata/valid/unknown-conditions.yaml", "ProdBucket", true, "", true},
		{"testdata/valid/schema-violations.yaml", "ProdOnly", false, "", false},
	}
	for _, tt := range tests {
		t.Run(stem(tt.file)+"/"+tt.id, func(t *testing.T) {
			tpl, err := Parse(tt.file, readTestdata(t, tt.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := tpl.Resource(tt.id)
			if (r != nil) != tt.createdInTemplate {
				t.Fatalf("resource in template: %v, want %v", r != nil, tt.createdInTemplate)
			}
			if r == nil {
				return
			}
			if (r.ConditionUnknown != nil) != tt.conditionUnknown {
				t.Errorf("ConditionUnknown = %v", r.ConditionUnknown)
			}
			if r.Unvalidated != tt.unvalidated {
				t.Errorf("Unvalidated = %q, want %q", r.Unvalidated, tt.unvalidated)
			}
		})
	}
}

// TestPropertyLocs checks that values keep where they are written, through
// Fn::If branches and list elements removed by AWS::NoValue.
func TestPropertyLocs(t *testing.T) {
	tpl, err := Parse("testdata/valid/gxp.yaml", readTestdata(t, "testdata/valid/gxp.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, pointer string
		want        string
	}{
		{"AuditBucket", "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/KMSMasterKeyID", "testdata/valid/gxp.yaml:106:31"},
		// The Fn::If branch taken, not the Fn::If.
		{"AuditBucket", "/Tags/1/Value", "testdata/valid/gxp.yaml:130:43"},
		{"AuditBucket", "/ObjectLockEnabled", ""},
		{"AppSecurityGroup", "/SecurityGroupIngress/1/CidrIp", "testdata/valid/gxp.yaml:209:21"},
		{"AppSecurityGroup", "/SecurityGroupIngress/0/FromPort", "testdata/valid/gxp.yaml:200:21"},
		{"LogKey", "/KeyPolicy/Statement/1/Condition/StringLike/kms:EncryptionContext:aws:cloudtrail:arn", "testdata/valid/gxp.yaml:72:59"},
	}
	for _, tt := range tests {
		t.Run(tt.id+tt.pointer, func(t *testing.T) {
			r := tpl.Resource(tt.id)
			loc, ok := r.PropertyLocs[tt.pointer]
			if tt.want == "" {
				if ok {
					t.Errorf("location recorded for a removed value: %v", loc)
				}
				return
			}
			if loc.String() != tt.want {
				t.Errorf("%s, want %s", loc, tt.want)
			}
			if at(r.Properties, tt.pointer) == nil {
				t.Errorf("no value at %s", tt.pointer)
			}
		})
	}
}

// TestPseudoParameterNames checks that a template cannot declare a
// parameter with a pseudo parameter's name.
func TestPseudoParameterNames(t *testing.T) {
	_, err := Parse("p.yaml", []byte("Parameters:\n  AWS::Region: {Type: String}\nResources:\n  T: {Type: AWS::SNS::Topic}\n"), Options{})
	if err == nil || qualstate.CodeOf(err) != qualstate.ErrInvalidInput {
		t.Fatalf("err = %v", err)
	}
}
