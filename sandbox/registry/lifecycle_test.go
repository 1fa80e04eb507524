package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"qualstate/jsonpatch"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current results")

// wantError checks that err is an *Error with the code and a message
// holding every fragment.
func wantError(t *testing.T, err error, code string, fragments ...string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want an *Error with code %s", err, code)
	}
	if e.Code != code {
		t.Errorf("code = %s, want %s (message %q)", e.Code, code, e.Message)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Message, f) {
			t.Errorf("message %q does not say %q", e.Message, f)
		}
	}
}

// with returns a type's fixture with properties set (nil deletes).
func with(typeName string, changes map[string]any) map[string]any {
	props := readFixture(typeName)
	for k, v := range changes {
		if v == nil {
			delete(props, k)
		} else {
			props[k] = v
		}
	}
	return props
}

func TestCreateRejects(t *testing.T) {
	tests := []struct {
		name      string
		typ       string
		props     map[string]any
		fragments []string
	}{
		{"missing required", "AWS::KMS::Alias", map[string]any{"AliasName": "alias/data"},
			[]string{"Properties validation failed for resource with message: ", "#: ", `missing required property "TargetKeyId"`}},
		{"wrong enum", "AWS::Lambda::Function", with("AWS::Lambda::Function", map[string]any{"TracingConfig": map[string]any{"Mode": "Enabled"}}),
			[]string{"#/TracingConfig/Mode: ", "must be one of Active, PassThrough"}},
		{"pattern", "AWS::RDS::DBInstance", with("AWS::RDS::DBInstance", map[string]any{"DBInstanceIdentifier": "1db"}),
			[]string{"#/DBInstanceIdentifier: ", "must match the pattern"}},
		{"unknown property", "AWS::S3::Bucket", map[string]any{"BucketNam": "records"},
			[]string{"#/BucketNam: ", `did you mean "BucketName"?`}},
		{"read-only set", "AWS::S3::Bucket", map[string]any{"Arn": "arn:aws:s3:::records"},
			[]string{"#/Arn: ", "read-only"}},
		{"wrong type", "AWS::SQS::Queue", map[string]any{"VisibilityTimeout": "soon"},
			[]string{"#/VisibilityTimeout: ", "expected integer"}},
		{"bucket name with capitals", "AWS::S3::Bucket", map[string]any{"BucketName": "Records_2025"},
			[]string{"Invalid request provided: ", "#/BucketName: ", "lowercase letters"}},
		{"bucket name like an IP address", "AWS::S3::Bucket", map[string]any{"BucketName": "192.168.5.4"},
			[]string{"#/BucketName: ", "IP address"}},
		{"bucket name with adjacent dots", "AWS::S3::Bucket", map[string]any{"BucketName": "my..bucket"},
			[]string{"#/BucketName: ", "two adjacent dots"}},
		{"bucket name too short", "AWS::S3::Bucket", map[string]any{"BucketName": "ab"},
			[]string{"3 to 63 characters"}},
		{"ACL on a bucket without ACLs", "AWS::S3::Bucket", map[string]any{"AccessControl": "LogDeliveryWrite"},
			[]string{"#/AccessControl: ", "BucketOwnerEnforced"}},
		{"replication without versioning", "AWS::S3::Bucket", map[string]any{"ReplicationConfiguration": map[string]any{"Role": "arn:aws:iam::123456789012:role/replication", "Rules": []any{map[string]any{"Status": "Enabled", "Destination": map[string]any{"Bucket": "arn:aws:s3:::replica"}}}}},
			[]string{"#/ReplicationConfiguration: ", "versioning"}},
		{"FIFO queue name without .fifo", "AWS::SQS::Queue", map[string]any{"QueueName": "orders", "FifoQueue": true},
			[]string{"#/QueueName: ", "must end with .fifo"}},
		{".fifo name on a standard queue", "AWS::SQS::Queue", map[string]any{"QueueName": "orders.fifo"},
			[]string{"#/QueueName: ", "FifoQueue: true"}},
		{"SSE-SQS and a KMS key", "AWS::SQS::Queue", map[string]any{"KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": true},
			[]string{"#/SqsManagedSseEnabled: ", "not both"}},
		{"queue timeout out of range", "AWS::SQS::Queue", map[string]any{"VisibilityTimeout": 50000},
			[]string{"#/VisibilityTimeout: ", "between 0 and 43200"}},
		{"DynamoDB key not defined", "AWS::DynamoDB::Table", with("AWS::DynamoDB::Table", map[string]any{"KeySchema": []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}}),
			[]string{"#/KeySchema/0/AttributeName: ", `"id" is not in AttributeDefinitions`}},
		{"DynamoDB provisioned without capacity", "AWS::DynamoDB::Table", with("AWS::DynamoDB::Table", map[string]any{"BillingMode": nil}),
			[]string{"#/ProvisionedThroughput: ", "PROVISIONED"}},
		{"KMS alias of AWS", "AWS::KMS::Alias", map[string]any{"AliasName": "alias/aws/s3", "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
			[]string{"#/AliasName: ", "reserved"}},
		{"KMS alias pattern", "AWS::KMS::Alias", map[string]any{"AliasName": "data", "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
			[]string{"#/AliasName: ", "pattern"}},
		{"signing key used to encrypt with rotation", "AWS::KMS::Key", map[string]any{"KeySpec": "ECC_NIST_P256", "EnableKeyRotation": true},
			[]string{"#/KeyUsage: ", "#/EnableKeyRotation: "}},
		{"ingress rule without a source", "AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "web", "SecurityGroupIngress": []any{map[string]any{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}}},
			[]string{"#/SecurityGroupIngress/0: ", "one of CidrIp"}},
		{"TCP rule without ports", "AWS::EC2::SecurityGroupIngress", map[string]any{"GroupId": "sg-0a1b2c3d4e5f60718", "IpProtocol": "tcp", "CidrIp": "10.0.0.0/8"},
			[]string{"FromPort and ToPort"}},
		{"VPC CIDR not a network address", "AWS::EC2::VPC", map[string]any{"CidrBlock": "10.0.0.1/16"},
			[]string{"#/CidrBlock: ", "10.0.0.0/16"}},
		{"VPC without a CIDR", "AWS::EC2::VPC", map[string]any{},
			[]string{"one of CidrBlock or Ipv4IpamPoolId is required"}},
		{"RDS without master user", "AWS::RDS::DBInstance", with("AWS::RDS::DBInstance", map[string]any{"MasterUsername": nil}),
			[]string{"#/MasterUsername: ", "MasterUsername is required"}},
		{"RDS cluster member with its own user", "AWS::RDS::DBInstance", map[string]any{"Engine": "aurora-postgresql", "DBInstanceClass": "db.r6g.large", "DBClusterIdentifier": "records", "MasterUsername": "dbadmin"},
			[]string{"#/MasterUsername: ", "cluster"}},
		{"RDS password given and managed", "AWS::RDS::DBInstance", with("AWS::RDS::DBInstance", map[string]any{"ManageMasterUserPassword": true}),
			[]string{"#/MasterUserPassword: "}},
		{"Lambda inline code for Java", "AWS::Lambda::Function", with("AWS::Lambda::Function", map[string]any{"Runtime": "java21"}),
			[]string{"#/Code/ZipFile: ", "Node.js and Python"}},
		{"Lambda retired runtime", "AWS::Lambda::Function", with("AWS::Lambda::Function", map[string]any{"Runtime": "python2.7"}),
			[]string{"#/Runtime: ", "no longer supported"}},
		{"IAM role name", "AWS::IAM::Role", with("AWS::IAM::Role", map[string]any{"RoleName": "app role"}),
			[]string{"#/RoleName: ", "1 to 64"}},
		{"inline policy attached to nothing", "AWS::IAM::Policy", with("AWS::IAM::Policy", map[string]any{"Roles": nil}),
			[]string{"Groups, Roles or Users"}},
		{"malformed policy document", "AWS::S3::BucketPolicy", map[string]any{"Bucket": "records", "PolicyDocument": `{"Version": `},
			[]string{"#/PolicyDocument: ", "MalformedPolicyDocument"}},
		{"trail across regions without global events", "AWS::CloudTrail::Trail", with("AWS::CloudTrail::Trail", map[string]any{"IsMultiRegionTrail": true, "IncludeGlobalServiceEvents": false}),
			[]string{"#/IncludeGlobalServiceEvents: "}},
		{"ALB in one subnet", "AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{"Subnets": []any{"subnet-0a1b2c3d4e5f60718"}},
			[]string{"#/Subnets: ", "two Availability Zones"}},
		{"HTTPS listener without certificate", "AWS::ElasticLoadBalancingV2::Listener", with("AWS::ElasticLoadBalancingV2::Listener", map[string]any{"Protocol": "HTTPS", "Port": 443}),
			[]string{"#/Certificates: "}},
		{"EFS key without encryption", "AWS::EFS::FileSystem", map[string]any{"KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			[]string{"#/KmsKeyId: ", "Encrypted: true"}},
		{"backup deleted before cold storage ends", "AWS::Backup::BackupPlan", map[string]any{"BackupPlan": map[string]any{"BackupPlanName": "daily", "BackupPlanRule": []any{map[string]any{"RuleName": "daily", "TargetBackupVault": "records", "Lifecycle": map[string]any{"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}}}}},
			[]string{"#/BackupPlan/BackupPlanRule/0/Lifecycle/DeleteAfterDays: ", "90 days"}},
		{"alarm without a statistic", "AWS::CloudWatch::Alarm", with("AWS::CloudWatch::Alarm", map[string]any{"Statistic": nil}),
			[]string{"one of Statistic, ExtendedStatistic is required"}},
		{"value with no JSON form", "AWS::SQS::Queue", map[string]any{"DelaySeconds": struct{}{}},
			[]string{"#/DelaySeconds: ", "no JSON form"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ := mustLookup(t, tt.typ)
			model, err := typ.Create(testEnv(1), tt.props, testHint)
			if err == nil {
				got, _ := json.Marshal(model)
				t.Fatalf("Create succeeded: %s", got)
			}
			wantError(t, err, "InvalidRequest", tt.fragments...)
		})
	}
}

func TestCreateAccepts(t *testing.T) {
	tests := []struct {
		name  string
		typ   string
		props map[string]any
		check func(t *testing.T, model map[string]any)
	}{
		{"numbers as Go ints and strings", "AWS::SQS::Queue", map[string]any{"DelaySeconds": 5, "VisibilityTimeout": "60", "MaximumMessageSize": float64(2048)},
			func(t *testing.T, m map[string]any) {
				for k, want := range map[string]int64{"DelaySeconds": 5, "VisibilityTimeout": 60, "MaximumMessageSize": 2048} {
					if m[k] != want {
						t.Errorf("%s = %#v, want int64(%d)", k, m[k], want)
					}
				}
			}},
		{"policy document as JSON text", "AWS::S3::BucketPolicy", map[string]any{"Bucket": "records", "PolicyDocument": `{"Version": "2012-10-17", "Statement": []}`},
			func(t *testing.T, m map[string]any) {
				if str(m, "PolicyDocument", "Version") != "2012-10-17" {
					t.Errorf("PolicyDocument = %#v, want an object", m["PolicyDocument"])
				}
			}},
		{"RDS identifiers are stored lowercase", "AWS::RDS::DBInstance", with("AWS::RDS::DBInstance", map[string]any{"DBInstanceIdentifier": "Records-DB", "Engine": "Postgres"}),
			func(t *testing.T, m map[string]any) {
				if m["DBInstanceIdentifier"] != "records-db" || m["Engine"] != "postgres" || str(m, "Endpoint", "Port") != "5432" {
					t.Errorf("DBInstanceIdentifier %v, Engine %v, Endpoint %v", m["DBInstanceIdentifier"], m["Engine"], m["Endpoint"])
				}
				if v, ok := typeOf(t, "AWS::RDS::DBInstance").GetAtt(m, "Endpoint.Address"); !ok || !strings.HasPrefix(v.(string), "records-db.") {
					t.Errorf("GetAtt Endpoint.Address = %v, %v", v, ok)
				}
			}},
		{"encrypted RDS gets the AWS managed key", "AWS::RDS::DBInstance", with("AWS::RDS::DBInstance", map[string]any{"StorageEncrypted": true}),
			func(t *testing.T, m map[string]any) {
				want := testEnv(0).managedKey("aws/rds")
				if m["KmsKeyId"] != want {
					t.Errorf("KmsKeyId = %v, want %s", m["KmsKeyId"], want)
				}
			}},
		{"SQS with a KMS key is not SSE-SQS", "AWS::SQS::Queue", map[string]any{"KmsMasterKeyId": "alias/aws/sqs"},
			func(t *testing.T, m map[string]any) {
				if has(m, "SqsManagedSseEnabled") || m["KmsDataKeyReusePeriodSeconds"] != int64(300) {
					t.Errorf("SqsManagedSseEnabled %v, KmsDataKeyReusePeriodSeconds %v", m["SqsManagedSseEnabled"], m["KmsDataKeyReusePeriodSeconds"])
				}
			}},
		{"security group with egress rules keeps them only", "AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "db", "SecurityGroupEgress": []any{map[string]any{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}}},
			func(t *testing.T, m map[string]any) {
				if n := len(list(m, "SecurityGroupEgress")); n != 1 || m["VpcId"] != testEnv(0).defaultVPC() {
					t.Errorf("%d egress rules, VpcId %v", n, m["VpcId"])
				}
			}},
		{"security group without egress rules allows all out", "AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "db"},
			func(t *testing.T, m map[string]any) {
				want := []any{map[string]any{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}}
				if !jsonpatch.Equal(m["SecurityGroupEgress"], want) || m["GroupId"] != m["Id"] {
					t.Errorf("SecurityGroupEgress %v, GroupId %v, Id %v", m["SecurityGroupEgress"], m["GroupId"], m["Id"])
				}
			}},
		{"KMS key defaults and policy", "AWS::KMS::Key", map[string]any{},
			func(t *testing.T, m map[string]any) {
				for k, want := range map[string]any{"Enabled": true, "EnableKeyRotation": false, "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "MultiRegion": false, "Origin": "AWS_KMS"} {
					if m[k] != want {
						t.Errorf("%s = %v, want %v", k, m[k], want)
					}
				}
				if got := str(m, "KeyPolicy", "Statement", "0", "Principal", "AWS"); got != "arn:aws:iam::123456789012:root" {
					t.Errorf("the default key policy trusts %q", got)
				}
			}},
		{"trail defaults", "AWS::CloudTrail::Trail", readFixture("AWS::CloudTrail::Trail"),
			func(t *testing.T, m map[string]any) {
				for k, want := range map[string]any{"IsMultiRegionTrail": false, "EnableLogFileValidation": false, "IncludeGlobalServiceEvents": true, "IsLogging": true} {
					if m[k] != want {
						t.Errorf("%s = %v, want %v", k, m[k], want)
					}
				}
				if has(m, "SnsTopicArn") {
					t.Errorf("a trail without a topic has SnsTopicArn %v", m["SnsTopicArn"])
				}
			}},
		{"log group keeps logs forever", "AWS::Logs::LogGroup", map[string]any{},
			func(t *testing.T, m map[string]any) {
				if has(m, "RetentionInDays") || m["LogGroupClass"] != "STANDARD" {
					t.Errorf("RetentionInDays %v, LogGroupClass %v", m["RetentionInDays"], m["LogGroupClass"])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustCreate(t, typeOf(t, tt.typ), tt.props))
		})
	}
}

func typeOf(t *testing.T, name string) *Type { return mustLookup(t, name) }

func TestReplacementAndUpdate(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		initial map[string]any
		desired func(model map[string]any) map[string]any
		replace []string
		check   func(t *testing.T, before, after map[string]any)
	}{
		{
			name: "new bucket name", typ: "AWS::S3::Bucket",
			initial: map[string]any{"BucketName": "records-2024"},
			desired: func(map[string]any) map[string]any { return map[string]any{"BucketName": "records-2025"} },
			replace: []string{"BucketName"},
		},
		{
			name: "new VPC CIDR", typ: "AWS::EC2::VPC",
			initial: map[string]any{"CidrBlock": "10.0.0.0/16"},
			desired: func(map[string]any) map[string]any { return map[string]any{"CidrBlock": "10.1.0.0/16"} },
			replace: []string{"CidrBlock"},
		},
		{
			name: "encrypting an RDS instance", typ: "AWS::RDS::DBInstance",
			initial: readFixture("AWS::RDS::DBInstance"),
			desired: func(map[string]any) map[string]any {
				return with("AWS::RDS::DBInstance", map[string]any{"StorageEncrypted": true})
			},
			replace: []string{"StorageEncrypted"},
		},
		{
			name: "a generated name left out again", typ: "AWS::S3::Bucket",
			initial: map[string]any{},
			desired: func(map[string]any) map[string]any {
				return map[string]any{"VersioningConfiguration": map[string]any{"Status": "Enabled"}}
			},
			check: func(t *testing.T, before, after map[string]any) {
				if before["BucketName"] != after["BucketName"] || before["Arn"] != after["Arn"] {
					t.Errorf("the update renamed the bucket: %v to %v", before["BucketName"], after["BucketName"])
				}
				if str(after, "VersioningConfiguration", "Status") != "Enabled" {
					t.Error("versioning was not enabled")
				}
			},
		},
		{
			name: "encryption left out comes back as SSE-S3", typ: "AWS::S3::Bucket",
			initial: map[string]any{"BucketName": "records", "BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms"}}}}},
			desired: func(map[string]any) map[string]any { return map[string]any{"BucketName": "records"} },
			check: func(t *testing.T, _, after map[string]any) {
				if got := str(after, "BucketEncryption", "ServerSideEncryptionConfiguration", "0", "ServerSideEncryptionByDefault", "SSEAlgorithm"); got != "AES256" {
					t.Errorf("SSEAlgorithm = %q, want AES256", got)
				}
			},
		},
		{
			name: "DNS hostnames on in place", typ: "AWS::EC2::VPC",
			initial: map[string]any{"CidrBlock": "10.0.0.0/16"},
			desired: func(m map[string]any) map[string]any {
				d := typeOf(t, "AWS::EC2::VPC").Desired(m)
				d["EnableDnsHostnames"] = true
				return d
			},
			check: func(t *testing.T, before, after map[string]any) {
				for _, k := range []string{"VpcId", "DefaultSecurityGroup", "DefaultNetworkAcl", "CidrBlockAssociations"} {
					if !jsonpatch.Equal(before[k], after[k]) {
						t.Errorf("%s changed from %v to %v", k, before[k], after[k])
					}
				}
				if after["EnableDnsHostnames"] != true {
					t.Error("EnableDnsHostnames is not on")
				}
			},
		},
		{
			name: "a new policy document is a new version", typ: "AWS::IAM::ManagedPolicy",
			initial: readFixture("AWS::IAM::ManagedPolicy"),
			desired: func(m map[string]any) map[string]any {
				return with("AWS::IAM::ManagedPolicy", map[string]any{"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{}}, "Users": []any{"auditor"}})
			},
			check: func(t *testing.T, before, after map[string]any) {
				if after["DefaultVersionId"] != "v2" || after["AttachmentCount"] != int64(2) || after["PolicyArn"] != before["PolicyArn"] {
					t.Errorf("DefaultVersionId %v, AttachmentCount %v, PolicyArn %v", after["DefaultVersionId"], after["AttachmentCount"], after["PolicyArn"])
				}
			},
		},
		{
			name: "a stream added to a table", typ: "AWS::DynamoDB::Table",
			initial: readFixture("AWS::DynamoDB::Table"),
			desired: func(map[string]any) map[string]any {
				return with("AWS::DynamoDB::Table", map[string]any{"StreamSpecification": map[string]any{"StreamViewType": "NEW_IMAGE"}})
			},
			check: func(t *testing.T, before, after map[string]any) {
				if !strings.HasPrefix(str(after, "StreamArn"), str(before, "Arn")+"/stream/") {
					t.Errorf("StreamArn = %v", after["StreamArn"])
				}
			},
		},
		{
			name: "multi-AZ off drops the secondary zone", typ: "AWS::RDS::DBInstance",
			initial: with("AWS::RDS::DBInstance", map[string]any{"MultiAZ": true}),
			desired: func(map[string]any) map[string]any { return readFixture("AWS::RDS::DBInstance") },
			check: func(t *testing.T, before, after map[string]any) {
				if !has(before, "SecondaryAvailabilityZone") || has(after, "SecondaryAvailabilityZone") {
					t.Errorf("SecondaryAvailabilityZone before %v, after %v", before["SecondaryAvailabilityZone"], after["SecondaryAvailabilityZone"])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ := typeOf(t, tt.typ)
			before := mustCreate(t, typ, tt.initial)
			desired := tt.desired(before)
			if got := typ.RequiresReplacement(before, desired); !slices.Equal(got, tt.replace) {
				t.Errorf("RequiresReplacement = %v, want %v", got, tt.replace)
			}
			after, err := typ.Update(testEnv(2), before, desired)
			if len(tt.replace) > 0 {
				wantError(t, err, "NotUpdatable", tt.replace...)
				return
			}
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if vs := typ.Schema().Validate(typ.Desired(after)); len(vs) > 0 {
				t.Errorf("the updated model breaks the schema: %v", vs)
			}
			tt.check(t, before, after)
		})
	}
}

func TestUpdateReadOnly(t *testing.T) {
	typ := typeOf(t, "AWS::SQS::Queue")
	model := mustCreate(t, typ, map[string]any{"QueueName": "jobs"})
	tests := []struct {
		name    string
		arn     string
		wantErr bool
	}{
		{"the current value", str(model, "Arn"), false},
		{"another value", "arn:aws:sqs:us-east-1:123456789012:other", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := typ.Update(testEnv(2), model, map[string]any{"QueueName": "jobs", "Arn": tt.arn, "DelaySeconds": 10})
			if tt.wantErr {
				wantError(t, err, "InvalidRequest", "#/Arn", "read-only")
			} else if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
}

func TestLookupUnsupported(t *testing.T) {
	tests := []struct {
		name      string
		fragments []string
	}{
		{"AWS::S3::Buckett", []string{"AWS::S3::Buckett", "not supported by the sandbox", "Did you mean AWS::S3::Bucket?"}},
		{"aws::sqs::queue", []string{"Did you mean AWS::SQS::Queue?"}},
		{"AWS::EC2::NatGateway", []string{"AWS::EC2::NatGateway", "not supported", "does not simulate it"}},
		{"Custom::Thing", []string{"Custom::Thing", "not supported"}},
		{"", []string{"not supported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, err := Lookup(tt.name)
			if typ != nil {
				t.Fatalf("Lookup(%q) = %s", tt.name, typ.Name())
			}
			wantError(t, err, "InvalidRequest", tt.fragments...)
		})
	}
}

func TestIdentifiers(t *testing.T) {
	tests := []struct {
		typ   string
		id    string
		props map[string]any
	}{
		{"AWS::S3::Bucket", "records", map[string]any{"BucketName": "records"}},
		{"AWS::EC2::Route", "rtb-0a1b2c3d4e5f60718|0.0.0.0/0", map[string]any{"RouteTableId": "rtb-0a1b2c3d4e5f60718", "CidrBlock": "0.0.0.0/0"}},
		{"AWS::EC2::VPCGatewayAttachment", "IGW|vpc-0a1b2c3d4e5f60718", map[string]any{"AttachmentType": "IGW", "VpcId": "vpc-0a1b2c3d4e5f60718"}},
		{"AWS::Lambda::Permission", "arn:aws:lambda:us-east-1:123456789012:function:f|stmt", map[string]any{"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f", "Id": "stmt"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			typ := typeOf(t, tt.typ)
			got, err := typ.IdentifierProperties(tt.id)
			if err != nil || !jsonpatch.Equal(got, tt.props) {
				t.Fatalf("IdentifierProperties(%q) = %v, %v, want %v", tt.id, got, err, tt.props)
			}
			if id, err := typ.Identifier(got); id != tt.id || err != nil {
				t.Errorf("Identifier = %q, %v, want %q", id, err, tt.id)
			}
		})
	}
	route := typeOf(t, "AWS::EC2::Route")
	for _, bad := range []string{"", "rtb-0a1b2c3d4e5f60718", "|0.0.0.0/0"} {
		if _, err := route.IdentifierProperties(bad); err == nil {
			t.Errorf("IdentifierProperties(%q) succeeded", bad)
		}
	}
	if _, err := route.Identifier(map[string]any{"RouteTableId": "rtb-0a1b2c3d4e5f60718"}); err == nil {
		t.Error("Identifier of a model without CidrBlock succeeded")
	}
}

func TestRefGetAttARN(t *testing.T) {
	tests := []struct {
		typ   string
		ref   string // the property Ref gives
		attrs map[string]string
		arn   string // the property ARN reads; "" for none
	}{
		{"AWS::S3::Bucket", "BucketName", map[string]string{"Arn": "Arn", "RegionalDomainName": "RegionalDomainName"}, "Arn"},
		{"AWS::IAM::Role", "RoleName", map[string]string{"RoleId": "RoleId", "Arn": "Arn"}, "Arn"},
		{"AWS::IAM::ManagedPolicy", "PolicyArn", nil, "PolicyArn"},
		{"AWS::IAM::Policy", "Id", nil, ""},
		{"AWS::SQS::Queue", "QueueUrl", map[string]string{"QueueName": "QueueName", "Arn": "Arn"}, "Arn"},
		{"AWS::SNS::Topic", "TopicArn", map[string]string{"TopicName": "TopicName"}, "TopicArn"},
		{"AWS::KMS::Key", "KeyId", map[string]string{"Arn": "Arn"}, "Arn"},
		{"AWS::EC2::SecurityGroup", "GroupId", map[string]string{"GroupId": "GroupId", "VpcId": "VpcId"}, ""},
		{"AWS::Logs::LogGroup", "LogGroupName", map[string]string{"Arn": "Arn"}, "Arn"},
		{"AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerArn", map[string]string{"DNSName": "DNSName", "SecurityGroups": "SecurityGroups"}, "LoadBalancerArn"},
		{"AWS::SecretsManager::Secret", "Id", nil, "Id"},
		{"AWS::RDS::DBInstance", "DBInstanceIdentifier", map[string]string{"Endpoint.Port": "Port"}, "DBInstanceArn"},
		{"AWS::EFS::FileSystem", "FileSystemId", map[string]string{"FileSystemId": "FileSystemId"}, "Arn"},
		{"AWS::Backup::BackupVault", "BackupVaultName", map[string]string{"BackupVaultName": "BackupVaultName"}, "BackupVaultArn"},
		{"AWS::EC2::VPC", "VpcId", map[string]string{"CidrBlock": "CidrBlock"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			typ := typeOf(t, tt.typ)
			model := mustCreate(t, typ, readFixture(tt.typ))
			if ref := typ.Ref(model); ref != model[tt.ref] || ref == "" {
				t.Errorf("Ref = %v, want %s %v", ref, tt.ref, model[tt.ref])
			}
			for attr, prop := range tt.attrs {
				if v, ok := typ.GetAtt(model, attr); !ok || !jsonpatch.Equal(v, model[prop]) {
					t.Errorf("GetAtt(%s) = %v, %v, want %v", attr, v, ok, model[prop])
				}
			}
			for _, missing := range []string{"NoSuchAttribute", "Tags"} {
				if v, ok := typ.GetAtt(model, missing); ok {
					t.Errorf("GetAtt(%s) = %v", missing, v)
				}
			}
			arn := typ.ARN(model)
			switch {
			case tt.arn == "" && arn != "":
				t.Errorf("ARN = %q, want none", arn)
			case tt.arn != "" && (!strings.HasPrefix(arn, "arn:aws:") || arn != strings.TrimSuffix(str(model, tt.arn), ":*")):
				t.Errorf("ARN = %q, want %s %v", arn, tt.arn, model[tt.arn])
			}
		})
	}
	logs := typeOf(t, "AWS::Logs::LogGroup")
	model := mustCreate(t, logs, map[string]any{"LogGroupName": "audit"})
	if arn, _ := logs.GetAtt(model, "Arn"); arn != "arn:aws:logs:us-east-1:123456789012:log-group:audit:*" {
		t.Errorf("GetAtt(Arn) of a log group = %v", arn)
	}
	if arn := logs.ARN(model); arn != "arn:aws:logs:us-east-1:123456789012:log-group:audit" {
		t.Errorf("ARN of a log group = %v", arn)
	}
}

func TestIAMCapabilities(t *testing.T) {
	tests := []struct {
		typ          string
		props        map[string]any
		iam, namedIt bool
	}{
		{"AWS::IAM::Role", map[string]any{"AssumeRolePolicyDocument": map[string]any{}}, true, false},
		{"AWS::IAM::Role", map[string]any{"RoleName": "app"}, true, true},
		{"AWS::IAM::User", map[string]any{"UserName": "auditor"}, true, true},
		{"AWS::IAM::ManagedPolicy", map[string]any{"ManagedPolicyName": "read"}, true, true},
		{"AWS::IAM::InstanceProfile", map[string]any{"InstanceProfileName": "app"}, true, true},
		{"AWS::IAM::Group", map[string]any{"GroupName": "admins"}, true, true},
		{"AWS::IAM::Policy", map[string]any{"PolicyName": "read"}, true, false},
		{"AWS::S3::Bucket", map[string]any{"BucketName": "records"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			iam, named := typeOf(t, tt.typ).IAM(tt.props)
			if iam != tt.iam || named != tt.namedIt {
				t.Errorf("IAM = %v, %v, want %v, %v", iam, named, tt.iam, tt.namedIt)
			}
		})
	}
}

func TestCloudControl(t *testing.T) {
	legacy := []string{"AWS::IAM::Policy", "AWS::EC2::NetworkAclEntry", "AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy"}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			if got, want := typeOf(t, name).CloudControl(), !slices.Contains(legacy, name); got != want {
				t.Errorf("CloudControl = %v, want %v", got, want)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"AWS::S3::Bucket", "AWS::KMS::Key", "AWS::IAM::Role", "AWS::EC2::VPC", "AWS::EC2::Instance", "AWS::RDS::DBInstance", "AWS::SQS::Queue", "AWS::Lambda::Function", "AWS::ElasticLoadBalancingV2::LoadBalancer"} {
		t.Run(name, func(t *testing.T) {
			typ := typeOf(t, name)
			model, err := typ.Create(testEnv(42), readFixture(name), NameHint{StackName: "records", LogicalID: "Resource"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(model, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", strings.ReplaceAll(name, "::", "_")+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the result (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}
