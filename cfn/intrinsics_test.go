package cfn

import (
	"encoding/json"
	"strings"
	"testing"

	"qualstate"
)

// probePrelude declares what the probe expressions refer to.
const probePrelude = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Parameters:
  Env:
    Type: String
    Default: test
  Count:
    Type: Number
    Default: 3
  Zones:
    Type: CommaDelimitedList
    Default: "a, b ,c"
  Ports:
    Type: List<Number>
    Default: "80,443"
  Ami:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami
  Nothing:
    Type: String
Mappings:
  EnvConfig:
    test: {Size: 1, Names: [x, y]}
    prod: {Size: 3, Names: [z]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsTest: !Not [!Condition IsProd]
  Unset: !Equals [!Ref Nothing, x]
  TestOrUnset: !Or [!Condition IsTest, !Condition Unset]
  ProdAndUnset: !And [!Condition IsProd, !Condition Unset]
  TestAndUnset: !And [!Condition IsTest, !Condition Unset]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Key:
    Type: AWS::KMS::Key
  Probe:
    Type: Custom::Probe
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:probe
      Value: `

// probe resolves one expression as the Value property of a custom
// resource, whose type has no schema, so the value is exactly what
// resolution gives.
func probe(t *testing.T, expr string, opts Options) any {
	t.Helper()
	body := probePrelude + strings.ReplaceAll(strings.TrimSpace(expr), "\n", "\n        ") + "\n"
	tpl, err := Parse("probe.yaml", []byte(body), opts)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, body)
	}
	return tpl.Resource("Probe").Properties["Value"]
}

// show renders a resolved value as JSON; an unknown shows as
// {"unknown": reason, "refs": [...]}.
func show(v any) string {
	b, _ := json.Marshal(plain(v))
	return string(b)
}

func plain(v any) any {
	switch v := v.(type) {
	case *qualstate.Unknown:
		refs := []string{}
		for _, r := range v.Refs {
			refs = append(refs, r.String())
		}
		return map[string]any{"unknown": v.Reason, "refs": refs}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = plain(e)
		}
		return out
	}
	return v
}

func TestIntrinsics(t *testing.T) {
	tests := []struct {
		name string
		expr string
		opts Options
		want string
	}{
		{"ref string parameter", `!Ref Env`, Options{}, `"test"`},
		{"ref number parameter is a string", `!Ref Count`, Options{}, `"3"`},
		{"ref comma delimited list trims members", `!Ref Zones`, Options{}, `["a","b","c"]`},
		{"ref list of numbers", `!Ref Ports`, Options{}, `["80","443"]`},
		{"ref parameter value given", `!Ref Env`, Options{Parameters: map[string]string{"Env": "prod"}}, `"prod"`},
		{"ref parameter without value", `!Ref Nothing`, Options{}, `{"refs":[],"unknown":"!Ref Nothing (parameter Nothing has no value)"}`},
		{"ref ssm parameter", `!Ref Ami`, Options{}, `{"refs":[],"unknown":"!Ref Ami (SSM parameter /aws/service/ami, read at deployment)"}`},
		{"ref resource", `!Ref Bucket`, Options{}, `{"refs":["Bucket"],"unknown":"!Ref Bucket"}`},
		{"ref region default", `!Ref AWS::Region`, Options{}, `"us-east-1"`},
		{"ref account", `!Ref AWS::AccountId`, Options{AccountID: "111122223333"}, `"111122223333"`},
		{"partition china", `!Ref AWS::Partition`, Options{Region: "cn-north-1"}, `"aws-cn"`},
		{"partition govcloud", `!Ref AWS::Partition`, Options{Region: "us-gov-west-1"}, `"aws-us-gov"`},
		{"url suffix china", `!Ref AWS::URLSuffix`, Options{Region: "cn-northwest-1"}, `"amazonaws.com.cn"`},
		{"stack name", `!Ref AWS::StackName`, Options{StackName: "gxp"}, `"gxp"`},
		{"stack id before deployment", `!Ref AWS::StackId`, Options{}, `{"refs":[],"unknown":"!Ref AWS::StackId"}`},
		{"notification arns", `!Ref AWS::NotificationARNs`, Options{}, `{"refs":[],"unknown":"!Ref AWS::NotificationARNs"}`},
		{"getatt dotted", `!GetAtt Key.Arn`, Options{}, `{"refs":["Key.Arn"],"unknown":"!GetAtt Key.Arn"}`},
		{"getatt list", `!GetAtt [Bucket, DomainName]`, Options{}, `{"refs":["Bucket.DomainName"],"unknown":"!GetAtt Bucket.DomainName"}`},
		{"getatt long form", `{"Fn::GetAtt": ["Key", "KeyId"]}`, Options{}, `{"refs":["Key.KeyId"],"unknown":"!GetAtt Key.KeyId"}`},
		{"sub pseudo and parameter", `!Sub "arn:${AWS::Partition}:s3:::${Env}-logs/*"`, Options{}, `"arn:aws:s3:::test-logs/*"`},
		{"sub literal escape", `!Sub "echo ${!HOME} ${Env}"`, Options{}, `"echo ${HOME} test"`},
		{"sub unclosed is literal", `!Sub "a ${Env"`, Options{}, `"a ${Env"`},
		{"sub variables", `!Sub ["${Name}-${Env}", {Name: !Join ["", [a, b]]}]`, Options{}, `"ab-test"`},
		{"sub resource", `!Sub "arn:aws:s3:::${Bucket}/*"`, Options{}, `{"refs":["Bucket"],"unknown":"!Sub arn:aws:s3:::${Bucket}/*"}`},
		{"sub attribute", `!Sub "${Key.Arn}"`, Options{}, `{"refs":["Key.Arn"],"unknown":"!Sub ${Key.Arn}"}`},
		{"sub number variable", `!Sub "n=${Count}"`, Options{}, `"n=3"`},
		{"join", `!Join [":", [a, !Ref Env, 1, true]]`, Options{}, `"a:test:1:true"`},
		{"join list parameter", `!Join [",", !Ref Zones]`, Options{}, `"a,b,c"`},
		{"join unknown element", `!Join ["", ["arn:", !Ref Bucket, !GetAtt Key.Arn]]`, Options{}, `{"refs":["Bucket","Key.Arn"],"unknown":"!Join [\"\", [\"arn:\", !Ref Bucket, !GetAtt Key.Arn]]"}`},
		{"join drops novalue", `!Join [",", [a, !Ref AWS::NoValue, b]]`, Options{}, `"a,b"`},
		{"select", `!Select [1, [a, b, c]]`, Options{}, `"b"`},
		{"select string index", `!Select ["2", !Ref Zones]`, Options{}, `"c"`},
		{"select known among unknowns", `!Select [0, [x, !Ref Bucket]]`, Options{}, `"x"`},
		{"select unknown element", `!Select [1, [x, !Ref Bucket]]`, Options{}, `{"refs":["Bucket"],"unknown":"!Ref Bucket"}`},
		{"split", `!Split [",", "a,b,,c"]`, Options{}, `["a","b","","c"]`},
		{"split unknown", `!Split [",", !ImportValue Subnets]`, Options{}, `{"refs":[],"unknown":"!Split [\",\", !ImportValue Subnets]"}`},
		{"base64", `!Base64 "#!/bin/bash"`, Options{}, `"IyEvYmluL2Jhc2g="`},
		{"cidr ipv4", `!Cidr [10.0.0.0/16, 3, 8]`, Options{}, `["10.0.0.0/24","10.0.1.0/24","10.0.2.0/24"]`},
		{"cidr ipv4 small", `!Cidr ["192.168.0.0/24", 4, 6]`, Options{}, `["192.168.0.0/26","192.168.0.64/26","192.168.0.128/26","192.168.0.192/26"]`},
		{"cidr ipv6", `!Cidr ["2001:db8::/56", 2, 64]`, Options{}, `["2001:db8::/64","2001:db8:0:1::/64"]`},
		{"getazs current region", `!GetAZs ""`, Options{Region: "eu-west-1"}, `["eu-west-1a","eu-west-1b","eu-west-1c"]`},
		{"getazs ref region", `!GetAZs {Ref: "AWS::Region"}`, Options{}, `["us-east-1a","us-east-1b","us-east-1c","us-east-1d","us-east-1e","us-east-1f"]`},
		{"getazs region not in table", `!GetAZs ""`, Options{Region: "ap-south-2"}, `{"refs":[],"unknown":"!GetAZs \"\" (the zones of ap-south-2 depend on the account)"}`},
		{"select az", `!Select [0, !GetAZs ""]`, Options{}, `"us-east-1a"`},
		{"importvalue", `!ImportValue SharedKmsKey`, Options{}, `{"refs":[],"unknown":"!ImportValue SharedKmsKey"}`},
		{"importvalue computed name", `!ImportValue {"Fn::Sub": "${Env}-vpc"}`, Options{}, `{"refs":[],"unknown":"!ImportValue test-vpc"}`},
		{"findinmap", `!FindInMap [EnvConfig, !Ref Env, Size]`, Options{}, `1`},
		{"findinmap list", `!FindInMap [EnvConfig, prod, Names]`, Options{}, `["z"]`},
		{"findinmap default", `!FindInMap [EnvConfig, staging, Size, {DefaultValue: 2}]`, Options{}, `2`},
		{"findinmap unknown key", `!FindInMap [EnvConfig, !Ref Nothing, Size]`, Options{}, `{"refs":[],"unknown":"!FindInMap [EnvConfig, !Ref Nothing, Size]"}`},
		{"if true", `!If [IsTest, yes-branch, no-branch]`, Options{}, `"yes-branch"`},
		{"if false", `!If [IsProd, yes-branch, no-branch]`, Options{}, `"no-branch"`},
		{"if unknown", `!If [Unset, !GetAtt Key.Arn, none]`, Options{}, `{"refs":["Key.Arn"],"unknown":"!If [Unset, !GetAtt Key.Arn, none]"}`},
		{"or decided by a known part", `!If [TestOrUnset, a, b]`, Options{}, `"a"`},
		{"and decided by a known part", `!If [ProdAndUnset, a, b]`, Options{}, `"b"`},
		{"and undecided", `!If [TestAndUnset, a, b]`, Options{}, `{"refs":[],"unknown":"!If [TestAndUnset, a, b]"}`},
		{"novalue in list", `[a, !If [IsProd, b, !Ref AWS::NoValue], c]`, Options{}, `["a","c"]`},
		{"novalue in mapping", `{A: 1, B: !If [IsProd, 2, !Ref AWS::NoValue]}`, Options{}, `{"A":1}`},
		{"length", `!Length [a, !Ref Bucket, c]`, Options{}, `3`},
		{"length of list parameter", `!Length {Ref: Zones}`, Options{}, `3`},
		{"to json string", `!ToJsonString {b: [1, true], a: !Ref Env}`, Options{}, `"{\"a\":\"test\",\"b\":[1,true]}"`},
		{"to json string unknown", `!ToJsonString {k: !Ref Key}`, Options{}, `{"refs":["Key"],"unknown":"!ToJsonString {k: !Ref Key}"}`},
		{"dynamic reference", `"{{resolve:ssm:/gxp/db/password:3}}"`, Options{}, `{"refs":[],"unknown":"{{resolve:ssm:/gxp/db/password:3}} (read at deployment)"}`},
		{"dynamic reference secret", `"user-{{resolve:secretsmanager:db:SecretString:user}}"`, Options{}, `{"refs":[],"unknown":"user-{{resolve:secretsmanager:db:SecretString:user}} (read at deployment)"}`},
		{"yaml 1.1 booleans", `[yes, No, on, OFF, "yes", y]`, Options{}, `[true,false,true,false,"yes","y"]`},
		{"numbers", `[1_000, -7, 1.5, 2e3, 012345678901, 0x1F, "30"]`, Options{}, `[1000,-7,1.5,2000,"012345678901","0x1F","30"]`},
		{"nulls", `[~, null, ""]`, Options{}, `[null,null,""]`},
		{"timestamp stays a string", `2010-09-09`, Options{}, `"2010-09-09"`},
		{"tagged scalar", `!!str 123`, Options{}, `"123"`},
		{"quoted keys stay strings", `{"80": a, '1.5': b, yes: c}`, Options{}, `{"1.5":"b","80":"a","yes":"c"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := show(probe(t, tt.expr, tt.opts)); got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", tt.expr, got, tt.want)
			}
		})
	}
}
