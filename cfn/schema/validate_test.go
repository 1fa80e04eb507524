package schema

import (
	"strings"
	"testing"

	"qualstate"
)

func unknown(reason string) *qualstate.Unknown { return &qualstate.Unknown{Reason: reason} }

// found is the part of a violation a case pins down; Message need only be
// contained in the violation's message.
type found struct {
	Pointer, Code, Message string
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		typ   string
		props map[string]any
		want  []found
	}{
		{"empty bucket is valid", "AWS::S3::Bucket", map[string]any{}, nil},
		{"nil properties are empty", "AWS::S3::Bucket", nil, nil},
		{"misspelt property suggests the right one", "AWS::S3::Bucket",
			map[string]any{"VersioningConfig": map[string]any{"Status": "Enabled"}},
			[]found{{"/VersioningConfig", CodeUnknownProperty, `(did you mean "VersioningConfiguration"?)`}}},
		{"property in the wrong case suggests the right one", "AWS::S3::Bucket",
			map[string]any{"bucketName": "b"},
			[]found{{"/bucketName", CodeUnknownProperty, `did you mean "BucketName"`}}},
		{"unknown property far from any name gets no suggestion", "AWS::S3::Bucket",
			map[string]any{"Colour": "red"},
			[]found{{"/Colour", CodeUnknownProperty, `unknown property "Colour"`}}},
		{"read-only property", "AWS::S3::Bucket",
			map[string]any{"Arn": "arn:aws:s3:::b"},
			[]found{{"/Arn", CodeReadOnly, `"Arn" is read-only`}}},
		{"read-only property with a value known later", "AWS::S3::Bucket",
			map[string]any{"DomainName": unknown("!Sub x")},
			[]found{{"/DomainName", CodeReadOnly, ""}}},
		{"nested read-only property", "AWS::RDS::DBInstance",
			map[string]any{"MasterUserSecret": map[string]any{"KmsKeyId": "k", "SecretArn": "arn"}},
			[]found{{"/MasterUserSecret/SecretArn", CodeReadOnly, ""}}},
		{"read-only property inside array items", "AWS::DirectConnect::PrivateVirtualInterface",
			map[string]any{
				"ConnectionId": "dxcon-abcd1234", "VirtualInterfaceName": "vif", "Vlan": int64(101), "VirtualGatewayId": "vgw-0abc1234",
				"BgpPeers": []any{map[string]any{"AddressFamily": "ipv4", "Asn": "65000", "BgpPeerId": "dxpeer-abcd1234"}},
			},
			[]found{{"/BgpPeers/0/BgpPeerId", CodeReadOnly, `"BgpPeerId" is read-only`}}},
		{"required property missing", "AWS::Lambda::Function",
			map[string]any{"Code": map[string]any{"ZipFile": "x"}},
			[]found{{"", CodeRequired, `missing required property "Role"`}}},
		{"required property known only later is present", "AWS::Lambda::Function",
			map[string]any{"Code": unknown("!Ref Code"), "Role": unknown("!GetAtt Role.Arn")}, nil},
		{"integer written as a float is an integer", "AWS::Lambda::Function",
			map[string]any{"Code": map[string]any{}, "Role": unknown("r"), "Timeout": 30.0, "MemorySize": int(512)}, nil},
		{"fraction where an integer belongs", "AWS::Lambda::Function",
			map[string]any{"Code": map[string]any{}, "Role": unknown("r"), "Timeout": 2.5},
			[]found{{"/Timeout", CodeInvalidType, "expected integer, got number 2.5"}}},
		{"string where an integer belongs", "AWS::Lambda::Function",
			map[string]any{"Code": map[string]any{}, "Role": unknown("r"), "Timeout": "abc"},
			[]found{{"/Timeout", CodeInvalidType, `expected integer, got string "abc"`}}},
		{"policy document as object or string", "AWS::IAM::Role",
			map[string]any{"AssumeRolePolicyDocument": `{"Version":"2012-10-17"}`,
				"Policies": []any{map[string]any{"PolicyName": "p", "PolicyDocument": map[string]any{"Statement": []any{}}}}}, nil},
		{"policy document of neither type", "AWS::IAM::Role",
			map[string]any{"AssumeRolePolicyDocument": []any{}},
			[]found{{"/AssumeRolePolicyDocument", CodeInvalidType, "expected object or string, got an array of 0 items"}}},
		{"single string where a list belongs", "AWS::IAM::Role",
			map[string]any{"AssumeRolePolicyDocument": map[string]any{}, "ManagedPolicyArns": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			[]found{{"/ManagedPolicyArns", CodeInvalidType, "a list is needed even for one item"}}},
		{"tags as a list where a map belongs", "AWS::SSM::Parameter",
			map[string]any{"Type": "String", "Value": "v", "Tags": []any{map[string]any{"Key": "env", "Value": "prod"}}},
			[]found{{"/Tags", CodeInvalidType, "expected object, got an array of 1 item (this type takes a map of key: value, not a list of Key and Value)"}}},
		{"tags as a map where a list belongs", "AWS::S3::Bucket",
			map[string]any{"Tags": map[string]any{"env": "prod"}},
			[]found{{"/Tags", CodeInvalidType, "expected array, got an object (this type takes a list of Key and Value, not a map)"}}},
		{"tags as a map", "AWS::SSM::Parameter",
			map[string]any{"Type": "String", "Value": "v", "Tags": map[string]any{"env": "prod", "cost-centre": unknown("!Ref Cc")}}, nil},
		{"enum with a case slip", "AWS::S3::Bucket",
			map[string]any{"VersioningConfiguration": map[string]any{"Status": "enabled"}},
			[]found{{"/VersioningConfiguration/Status", CodeEnum, `"Status" must be one of Enabled, Suspended; got "enabled" (did you mean "Enabled"?)`}}},
		{"enum of integers", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": int64(10)},
			[]found{{"/RetentionInDays", CodeEnum, "got 10"}}},
		{"enum of integers met by a float", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": 30.0}, nil},
		{"enum value known only later", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": unknown("!Ref Days")}, nil},
		{"const", "AWS::S3::Bucket",
			map[string]any{"ObjectLockConfiguration": map[string]any{"ObjectLockEnabled": "Disabled"}},
			[]found{{"/ObjectLockConfiguration/ObjectLockEnabled", CodeConst, `must be "Enabled"; got "Disabled"`}}},
		{"pattern", "AWS::Lambda::Function",
			map[string]any{"Code": map[string]any{}, "Role": "arn:aws:iam::123:role/x"},
			[]found{{"/Role", CodePattern, "must match the pattern"}}},
		{"min length", "AWS::Logs::LogGroup",
			map[string]any{"LogGroupName": ""},
			[]found{{"/LogGroupName", CodeMinLength, "at least 1 character long; got 0"}}},
		{"max length counts characters, not bytes", "AWS::Logs::LogGroup",
			map[string]any{"LogGroupName": strings.Repeat("é", 512)}, nil},
		{"max length", "AWS::Logs::LogGroup",
			map[string]any{"LogGroupName": strings.Repeat("a", 513)},
			[]found{{"/LogGroupName", CodeMaxLength, "at most 512 characters long; got 513"}}},
		{"minimum and maximum", "AWS::KMS::Key",
			map[string]any{"PendingWindowInDays": int64(31), "RotationPeriodInDays": int64(89)},
			[]found{
				{"/PendingWindowInDays", CodeMaximum, "must be at most 30; got 31"},
				{"/RotationPeriodInDays", CodeMinimum, "must be at least 90; got 89"},
			}},
		{"multiple of", "AWS::CloudFront::CachePolicy",
			map[string]any{"CachePolicyConfig": map[string]any{
				"Name": "c", "DefaultTTL": 1.5, "MaxTTL": int64(10), "MinTTL": int64(0),
				"ParametersInCacheKeyAndForwardedToOrigin": map[string]any{
					"EnableAcceptEncodingGzip": true,
					"CookiesConfig":            map[string]any{"CookieBehavior": "none"},
					"HeadersConfig":            map[string]any{"HeaderBehavior": "none"},
					"QueryStringsConfig":       map[string]any{"QueryStringBehavior": "none"},
				},
			}},
			[]found{{"/CachePolicyConfig/DefaultTTL", CodeMultipleOf, "must be a multiple of 1; got 1.5"}}},
		{"max items", "AWS::Lambda::Function",
			map[string]any{"Code": map[string]any{}, "Role": unknown("r"), "Architectures": []any{"arm64", "x86_64"}},
			[]found{{"/Architectures", CodeMaxItems, "at most 1 item; got 2"}}},
		{"min items", "AWS::Lambda::Function",
			map[string]any{"Code": map[string]any{}, "Role": unknown("r"), "Architectures": []any{}},
			[]found{{"/Architectures", CodeMinItems, "at least 1 item; got 0"}}},
		{"unique items", "AWS::KMS::Key",
			map[string]any{"Tags": []any{
				map[string]any{"Key": "a", "Value": "1"},
				map[string]any{"Key": "b", "Value": "2"},
				map[string]any{"Key": "a", "Value": "1"},
			}},
			[]found{{"/Tags/2", CodeUniqueItems, "repeats item 0"}}},
		{"items known only later are not duplicates", "AWS::KMS::Key",
			map[string]any{"Tags": []any{
				map[string]any{"Key": "a", "Value": unknown("x")},
				map[string]any{"Key": "a", "Value": unknown("x")},
			}}, nil},
		{"object known only later", "AWS::S3::Bucket",
			map[string]any{"BucketEncryption": unknown("!If [Enc, …]")}, nil},
		{"array item known only later", "AWS::EC2::SecurityGroup",
			map[string]any{"GroupDescription": "d", "SecurityGroupIngress": []any{unknown("!If [Open, …]")}}, nil},
		{"nested required and wrong type", "AWS::EC2::SecurityGroup",
			map[string]any{"GroupDescription": "d", "SecurityGroupIngress": []any{map[string]any{"FromPort": "http"}}},
			[]found{
				{"/SecurityGroupIngress/0", CodeRequired, `missing required property "IpProtocol"`},
				{"/SecurityGroupIngress/0/FromPort", CodeInvalidType, `expected integer, got string "http"`},
			}},
		{"pattern properties", "AWS::Lambda::Function",
			map[string]any{"Code": map[string]any{}, "Role": unknown("r"),
				"Environment": map[string]any{"Variables": map[string]any{"A": "1", "B": int64(2)}}},
			[]found{{"/Environment/Variables/B", CodeInvalidType, "expected string, got integer 2"}}},
		{"property dependencies", "AWS::AutoScaling::AutoScalingGroup",
			map[string]any{"MaxSize": "2", "MinSize": "1",
				"InstanceMaintenancePolicy": map[string]any{"MaxHealthyPercentage": int64(150)}},
			[]found{{"/InstanceMaintenancePolicy", CodeDependency, `"MaxHealthyPercentage" requires "MinHealthyPercentage"`}}},
		{"one of two alternatives missing", "AWS::CloudFormation::StackSet",
			map[string]any{"StackSetName": "s", "PermissionModel": "SELF_MANAGED"},
			[]found{{"", CodeRequired, "one of TemplateURL or TemplateBody is required"}}},
		{"both of two exclusive alternatives", "AWS::CloudFormation::StackSet",
			map[string]any{"StackSetName": "s", "PermissionModel": "SELF_MANAGED", "TemplateURL": "u", "TemplateBody": "b"},
			[]found{{"", CodeOneOf, "only one of TemplateURL or TemplateBody may be given"}}},
		{"exclusive alternatives with values known later still exclude", "AWS::CloudFormation::StackSet",
			map[string]any{"StackSetName": "s", "PermissionModel": "SELF_MANAGED", "TemplateURL": unknown("u"), "TemplateBody": unknown("b")},
			[]found{{"", CodeOneOf, "only one of TemplateURL or TemplateBody may be given"}}},
		{"any of several sets", "AWS::EC2::Volume",
			map[string]any{"AvailabilityZone": "eu-west-1a", "Size": int64(8)}, nil},
		{"not together", "AWS::CloudWatch::MetricStream",
			map[string]any{"FirehoseArn": strings.Repeat("f", 20), "RoleArn": strings.Repeat("r", 20), "OutputFormat": "json",
				"IncludeFilters": []any{}, "ExcludeFilters": []any{}},
			[]found{{"", CodeOneOf, "IncludeFilters and ExcludeFilters may not be given together"}}},
		{"nested stack needs no name in a template", "AWS::CloudFormation::Stack",
			map[string]any{"TemplateURL": "https://s3.amazonaws.com/b/t.yaml", "Parameters": map[string]any{"Env": "prod"}}, nil},
		{"required but read-only is not asked for", "AWS::EC2::NetworkInsightsAnalysis",
			map[string]any{"NetworkInsightsPathId": "nip-1"}, nil},
		{"value with no JSON form", "AWS::S3::Bucket",
			map[string]any{"BucketName": struct{}{}},
			[]found{{"/BucketName", CodeInvalidType, "has no JSON form"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := Lookup(tc.typ)
			if !ok {
				t.Fatalf("no schema for %s", tc.typ)
			}
			got := s.Validate(tc.props)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d violations, want %d:\n%s", len(got), len(tc.want), render(got))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Pointer != w.Pointer || g.Code != w.Code || !strings.Contains(g.Message, w.Message) {
					t.Errorf("violation %d = %q [%s] %q, want %q [%s] containing %q", i, g.Pointer, g.Code, g.Message, w.Pointer, w.Code, w.Message)
				}
			}
		})
	}
}

func render(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  " + v.Pointer + " [" + v.Code + "] " + v.Message + "\n")
	}
	return b.String()
}
