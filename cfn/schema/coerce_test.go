package schema

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestCoerce(t *testing.T) {
	days := unknown("!Ref RetentionDays")
	cases := []struct {
		name string
		typ  string
		in   map[string]any
		want map[string]any
	}{
		{"nil properties", "AWS::Logs::LogGroup", nil, nil},
		{"string to integer", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": "30"},
			map[string]any{"RetentionInDays": int64(30)}},
		{"integral float to integer", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": 30.0},
			map[string]any{"RetentionInDays": int64(30)}},
		{"integral float string to integer", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": "30.0"},
			map[string]any{"RetentionInDays": int64(30)}},
		{"Go int to int64", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": int(30)},
			map[string]any{"RetentionInDays": int64(30)}},
		{"json.Number to int64", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": json.Number("30")},
			map[string]any{"RetentionInDays": int64(30)}},
		{"fraction stays for Validate to report", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": "30.5"},
			map[string]any{"RetentionInDays": "30.5"}},
		{"words stay for Validate to report", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": "thirty"},
			map[string]any{"RetentionInDays": "thirty"}},
		{"hexadecimal is not a number", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": "0x1E"},
			map[string]any{"RetentionInDays": "0x1E"}},
		{"unknown values are never touched", "AWS::Logs::LogGroup",
			map[string]any{"RetentionInDays": days},
			map[string]any{"RetentionInDays": days}},
		{"string to boolean", "AWS::KMS::Key",
			map[string]any{"EnableKeyRotation": "true", "MultiRegion": "False"},
			map[string]any{"EnableKeyRotation": true, "MultiRegion": false}},
		{"other strings stay for a boolean", "AWS::KMS::Key",
			map[string]any{"EnableKeyRotation": "yes"},
			map[string]any{"EnableKeyRotation": "yes"}},
		{"numbers and booleans to string", "AWS::RDS::DBInstance",
			map[string]any{"AllocatedStorage": int64(20), "Port": 5432.0, "DBName": true, "Engine": 1.5},
			map[string]any{"AllocatedStorage": "20", "Port": "5432", "DBName": "true", "Engine": "1.5"}},
		{"string to number", "AWS::CloudWatch::Alarm",
			map[string]any{"Threshold": "80.5", "EvaluationPeriods": "3"},
			map[string]any{"Threshold": 80.5, "EvaluationPeriods": int64(3)}},
		{"integer to number is a float64", "AWS::CloudWatch::Alarm",
			map[string]any{"Threshold": int64(80)},
			map[string]any{"Threshold": 80.0}},
		{"nested objects and arrays", "AWS::EC2::SecurityGroup",
			map[string]any{"SecurityGroupIngress": []any{
				map[string]any{"IpProtocol": int64(6), "FromPort": "22", "ToPort": 22.0},
				unknown("!If [Open, …]"),
			}},
			map[string]any{"SecurityGroupIngress": []any{
				map[string]any{"IpProtocol": "6", "FromPort": int64(22), "ToPort": int64(22)},
				unknown("!If [Open, …]"),
			}}},
		{"single value where a list belongs is not wrapped", "AWS::IAM::Role",
			map[string]any{"ManagedPolicyArns": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			map[string]any{"ManagedPolicyArns": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		{"pattern properties", "AWS::Lambda::Function",
			map[string]any{"Environment": map[string]any{"Variables": map[string]any{"RETRIES": int64(3), "DEBUG": false}}},
			map[string]any{"Environment": map[string]any{"Variables": map[string]any{"RETRIES": "3", "DEBUG": "false"}}}},
		{"type list keeps a value of a listed type", "AWS::IAM::Role",
			map[string]any{"AssumeRolePolicyDocument": "{}", "Tags": []any{map[string]any{"Key": "n", "Value": int64(1)}}},
			map[string]any{"AssumeRolePolicyDocument": "{}", "Tags": []any{map[string]any{"Key": "n", "Value": "1"}}}},
		{"type list converts to the type it can", "AWS::IAM::Role",
			map[string]any{"AssumeRolePolicyDocument": int64(7)},
			map[string]any{"AssumeRolePolicyDocument": "7"}},
		{"unknown properties are left alone", "AWS::S3::Bucket",
			map[string]any{"Colour": int64(1)},
			map[string]any{"Colour": int64(1)}},
		{"integer enum", "AWS::EC2::VPNConnection",
			map[string]any{"VpnTunnelOptionsSpecifications": []any{map[string]any{
				"Phase1DHGroupNumbers": []any{map[string]any{"Value": "14"}},
			}}},
			map[string]any{"VpnTunnelOptionsSpecifications": []any{map[string]any{
				"Phase1DHGroupNumbers": []any{map[string]any{"Value": int64(14)}},
			}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := Lookup(tc.typ)
			if !ok {
				t.Fatalf("no schema for %s", tc.typ)
			}
			s.Coerce(tc.in)
			if !reflect.DeepEqual(tc.in, tc.want) {
				t.Errorf("got  %#v\nwant %#v", tc.in, tc.want)
			}
		})
	}
}

// TestCoerceAlternatives uses a schema of its own: no registry schema
// offers scalar alternatives of different types.
func TestCoerceAlternatives(t *testing.T) {
	s, err := Parse("alternatives.json", []byte(`{
		"typeName": "Test::Coerce::Alternatives",
		"properties": {
			"Size": {"oneOf": [{"type": "integer", "minimum": 10}, {"type": "string", "enum": ["auto"]}]},
			"Limit": {"anyOf": [{"type": "boolean"}, {"type": "integer"}]},
			"Mode": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		in, want map[string]any
	}{
		{"first alternative that fits", map[string]any{"Size": "12"}, map[string]any{"Size": int64(12)}},
		{"second alternative when the first does not fit", map[string]any{"Size": "auto"}, map[string]any{"Size": "auto"}},
		{"left alone when none fits", map[string]any{"Size": "5"}, map[string]any{"Size": "5"}},
		{"any of", map[string]any{"Limit": "true", "Mode": "7"}, map[string]any{"Limit": true, "Mode": int64(7)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.Coerce(tc.in)
			if !reflect.DeepEqual(tc.in, tc.want) {
				t.Errorf("got  %#v\nwant %#v", tc.in, tc.want)
			}
		})
	}
}
