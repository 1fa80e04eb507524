package monitor

import (
	"fmt"
	"strings"
	"testing"

	"qualstate/drift"
)

// obj and list keep the test tables short.
type obj = map[string]any
type list = []any

func tag(k, v string) obj { return obj{"Key": k, "Value": v} }

// diffText renders a property drift's differences as "PATH KIND" lines.
func diffText(ds []PropertyDrift) string {
	var lines []string
	for _, d := range ds {
		for _, x := range d.Differences {
			lines = append(lines, x.Path+" "+string(x.Kind))
		}
	}
	return strings.Join(lines, "\n")
}

func TestCompare(t *testing.T) {
	encryption := func(alg string) obj {
		return obj{"ServerSideEncryptionConfiguration": list{obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": alg}}}}
	}
	tests := []struct {
		name     string
		typ      string
		baseline obj
		live     obj
		// want lists the differences, one "PATH KIND" per line; "" for none.
		want string
	}{
		{name: "equal", typ: "AWS::S3::Bucket",
			baseline: obj{"BucketName": "b", "BucketEncryption": encryption("aws:kms")},
			live:     obj{"BucketName": "b", "BucketEncryption": encryption("aws:kms")}},
		{name: "changed nested value", typ: "AWS::S3::Bucket",
			baseline: obj{"BucketEncryption": encryption("aws:kms")},
			live:     obj{"BucketEncryption": encryption("AES256")},
			want:     "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm NOT_EQUAL"},
		{name: "number and string forms are equal", typ: "AWS::Logs::LogGroup",
			baseline: obj{"RetentionInDays": int64(30), "LogGroupName": "g"},
			live:     obj{"RetentionInDays": "30", "LogGroupName": "g"}},
		{name: "int and float are equal", typ: "AWS::Logs::LogGroup",
			baseline: obj{"RetentionInDays": int64(30)},
			live:     obj{"RetentionInDays": float64(30)}},
		{name: "changed scalar", typ: "AWS::Logs::LogGroup",
			baseline: obj{"RetentionInDays": int64(365)},
			live:     obj{"RetentionInDays": int64(7)},
			want:     "/RetentionInDays NOT_EQUAL"},
		{name: "property added live", typ: "AWS::Logs::LogGroup",
			baseline: obj{"LogGroupName": "g"},
			live:     obj{"LogGroupName": "g", "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"},
			want:     "/KmsKeyId ADD"},
		{name: "property removed live", typ: "AWS::Logs::LogGroup",
			baseline: obj{"LogGroupName": "g", "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"},
			live:     obj{"LogGroupName": "g"},
			want:     "/KmsKeyId REMOVE"},
		{name: "nested member added live", typ: "AWS::S3::Bucket",
			baseline: obj{"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true}},
			live:     obj{"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true, "RestrictPublicBuckets": false}},
			want:     "/PublicAccessBlockConfiguration/RestrictPublicBuckets ADD"},
		{name: "unordered array in another order", typ: "AWS::S3::Bucket",
			baseline: obj{"Tags": list{tag("a", "1"), tag("b", "2")}},
			live:     obj{"Tags": list{tag("b", "2"), tag("a", "1")}}},
		{name: "unordered array item changed", typ: "AWS::S3::Bucket",
			baseline: obj{"Tags": list{tag("a", "1"), tag("b", "2")}},
			live:     obj{"Tags": list{tag("b", "3"), tag("a", "1")}},
			want:     "/Tags/1 REMOVE\n/Tags/0 ADD"},
		{name: "ordered array in another order", typ: "AWS::Lambda::Function",
			baseline: obj{"Layers": list{"arn:l1", "arn:l2"}},
			live:     obj{"Layers": list{"arn:l2", "arn:l1"}},
			want:     "/Layers/0 NOT_EQUAL\n/Layers/1 NOT_EQUAL"},
		{name: "ordered array grows", typ: "AWS::Lambda::Function",
			baseline: obj{"Layers": list{"arn:l1"}},
			live:     obj{"Layers": list{"arn:l1", "arn:l2"}},
			want:     "/Layers/1 ADD"},
		{name: "write-only property is not compared", typ: "AWS::RDS::DBInstance",
			baseline: obj{"MasterUserPassword": "secret", "DBInstanceClass": "db.t3.micro"},
			live:     obj{"DBInstanceClass": "db.t3.micro"}},
		{name: "nested write-only property is not compared", typ: "AWS::Lambda::Function",
			baseline: obj{"Code": obj{"ZipFile": "exports.handler = 1", "ImageUri": "x"}},
			live:     obj{"Code": obj{}}},
		{name: "read-only property is not compared", typ: "AWS::S3::Bucket",
			baseline: obj{"Arn": "arn:aws:s3:::a", "DomainName": "a.s3.amazonaws.com"},
			live:     obj{"Arn": "arn:aws:s3:::b"}},
		{name: "volatile read-only time is not compared", typ: "AWS::RDS::DBInstance",
			baseline: obj{"LatestRestorableTime": "2025-03-14T09:26:53Z", "Endpoint": obj{"Address": "a", "Port": "5432"}},
			live:     obj{"LatestRestorableTime": "2025-03-15T10:00:00Z", "Endpoint": obj{"Address": "b", "Port": "5432"}}},
		{name: "nested read-only property is not compared", typ: "AWS::S3::Bucket",
			baseline: obj{"MetadataTableConfiguration": obj{"S3TablesDestination": obj{"TableBucketArn": "arn:t", "TableName": "n", "TableArn": "arn:1"}}},
			live:     obj{"MetadataTableConfiguration": obj{"S3TablesDestination": obj{"TableBucketArn": "arn:t", "TableName": "n", "TableArn": "arn:2", "TableNamespace": "ns"}}}},
		{name: "nested read-only beside a change", typ: "AWS::S3::Bucket",
			baseline: obj{"MetadataTableConfiguration": obj{"S3TablesDestination": obj{"TableBucketArn": "arn:t", "TableName": "n", "TableArn": "arn:1"}}},
			live:     obj{"MetadataTableConfiguration": obj{"S3TablesDestination": obj{"TableBucketArn": "arn:t", "TableName": "m", "TableArn": "arn:2"}}},
			want:     "/MetadataTableConfiguration/S3TablesDestination/TableName NOT_EQUAL"},
		{name: "aws: tags are not compared", typ: "AWS::S3::Bucket",
			baseline: obj{"Tags": list{tag("Owner", "qa")}},
			live:     obj{"Tags": list{tag("aws:cloudformation:stack-name", "records"), tag("Owner", "qa")}}},
		{name: "only aws: tags live equals no tags", typ: "AWS::SQS::Queue",
			baseline: obj{"QueueName": "q"},
			live:     obj{"QueueName": "q", "Tags": list{tag("aws:cloudformation:logical-id", "Queue")}}},
		{name: "aws: tags in a map of tags", typ: "AWS::SSM::Parameter",
			baseline: obj{"Tags": obj{"Owner": "qa"}},
			live:     obj{"Tags": obj{"Owner": "qa", "aws:cloudformation:stack-id": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1"}}},
		{name: "user tag changed beside aws: tags", typ: "AWS::S3::Bucket",
			baseline: obj{"Tags": list{tag("aws:cloudformation:stack-name", "records"), tag("Owner", "qa")}},
			live:     obj{"Tags": list{tag("aws:cloudformation:stack-name", "records"), tag("Owner", "ops")}},
			want:     "/Tags/0 REMOVE\n/Tags/0 ADD"},
		{name: "empty equals absent", typ: "AWS::S3::Bucket",
			baseline: obj{"Tags": list{}, "CorsConfiguration": obj{}},
			live:     obj{"CorsConfiguration": nil}},
		{name: "volatile: auto scaling group desired capacity", typ: "AWS::AutoScaling::AutoScalingGroup",
			baseline: obj{"DesiredCapacity": "2", "MinSize": "1", "MaxSize": "4"},
			live:     obj{"DesiredCapacity": "4", "MinSize": "1", "MaxSize": "4"}},
		{name: "volatile: bounds of the group are still compared", typ: "AWS::AutoScaling::AutoScalingGroup",
			baseline: obj{"DesiredCapacity": "2", "MinSize": "1", "MaxSize": "4"},
			live:     obj{"DesiredCapacity": "2", "MinSize": "1", "MaxSize": "8"},
			want:     "/MaxSize NOT_EQUAL"},
		{name: "volatile: ECS desired count", typ: "AWS::ECS::Service",
			baseline: obj{"DesiredCount": int64(2)},
			live:     obj{"DesiredCount": int64(5)}},
		{name: "volatile: table and index capacity", typ: "AWS::DynamoDB::Table",
			baseline: obj{
				"ProvisionedThroughput":  obj{"ReadCapacityUnits": int64(5), "WriteCapacityUnits": int64(5)},
				"GlobalSecondaryIndexes": list{obj{"IndexName": "byDate", "ProvisionedThroughput": obj{"ReadCapacityUnits": int64(5)}}},
				"WarmThroughput":         obj{"ReadUnitsPerSecond": int64(12000)},
			},
			live: obj{
				"ProvisionedThroughput":  obj{"ReadCapacityUnits": int64(50), "WriteCapacityUnits": int64(20)},
				"GlobalSecondaryIndexes": list{obj{"IndexName": "byDate", "ProvisionedThroughput": obj{"ReadCapacityUnits": int64(40)}}},
				"WarmThroughput":         obj{"ReadUnitsPerSecond": int64(24000)},
			}},
		{name: "volatile: an index itself is still compared", typ: "AWS::DynamoDB::Table",
			baseline: obj{"GlobalSecondaryIndexes": list{obj{"IndexName": "byDate", "ProvisionedThroughput": obj{"ReadCapacityUnits": int64(5)}}}},
			live:     obj{"GlobalSecondaryIndexes": list{obj{"IndexName": "byOwner", "ProvisionedThroughput": obj{"ReadCapacityUnits": int64(5)}}}},
			want:     "/GlobalSecondaryIndexes/0/IndexName NOT_EQUAL"},
		{name: "default: service default appears", typ: "AWS::DynamoDB::Table",
			baseline: obj{"TableName": "t"},
			live:     obj{"TableName": "t", "TableClass": "STANDARD", "DeletionProtectionEnabled": false}},
		{name: "default: another value is drift", typ: "AWS::DynamoDB::Table",
			baseline: obj{"TableName": "t"},
			live:     obj{"TableName": "t", "TableClass": "STANDARD_INFREQUENT_ACCESS"},
			want:     "/TableClass ADD"},
		{name: "default: a change from a recorded value is drift", typ: "AWS::DynamoDB::Table",
			baseline: obj{"DeletionProtectionEnabled": true},
			live:     obj{"DeletionProtectionEnabled": false},
			want:     "/DeletionProtectionEnabled NOT_EQUAL"},
		{name: "default: object default with more members live", typ: "AWS::Lambda::Function",
			baseline: obj{"FunctionName": "f"},
			live:     obj{"FunctionName": "f", "LoggingConfig": obj{"LogFormat": "Text", "LogGroup": "/aws/lambda/f"}, "Architectures": list{"x86_64"}}},
		{name: "default: object with another value is drift", typ: "AWS::Lambda::Function",
			baseline: obj{"FunctionName": "f"},
			live:     obj{"FunctionName": "f", "LoggingConfig": obj{"LogFormat": "JSON", "LogGroup": "/aws/lambda/f"}},
			want:     "/LoggingConfig ADD"},
		{name: "minor version: upgraded by the service", typ: "AWS::RDS::DBInstance",
			baseline: obj{"EngineVersion": "16.3", "AutoMinorVersionUpgrade": true},
			live:     obj{"EngineVersion": "16.4", "AutoMinorVersionUpgrade": true}},
		{name: "minor version: three-part versions", typ: "AWS::RDS::DBCluster",
			baseline: obj{"EngineVersion": "8.0.mysql_aurora.3.05.2", "AutoMinorVersionUpgrade": "true"},
			live:     obj{"EngineVersion": "8.0.mysql_aurora.3.05.3", "AutoMinorVersionUpgrade": "true"}},
		{name: "minor version: a new major version is drift", typ: "AWS::RDS::DBInstance",
			baseline: obj{"EngineVersion": "16.3", "AutoMinorVersionUpgrade": true},
			live:     obj{"EngineVersion": "17.1", "AutoMinorVersionUpgrade": true},
			want:     "/EngineVersion NOT_EQUAL"},
		{name: "minor version: without automatic upgrades it is drift", typ: "AWS::RDS::DBInstance",
			baseline: obj{"EngineVersion": "16.3", "AutoMinorVersionUpgrade": false},
			live:     obj{"EngineVersion": "16.4", "AutoMinorVersionUpgrade": false},
			want:     "/EngineVersion NOT_EQUAL"},
		{name: "type without a schema: everything compared, arrays ordered", typ: "Custom::Thing",
			baseline: obj{"Arn": "a", "Items": list{"x", "y"}},
			live:     obj{"Arn": "b", "Items": list{"y", "x"}},
			want:     "/Arn NOT_EQUAL\n/Items/0 NOT_EQUAL\n/Items/1 NOT_EQUAL"},
		{name: "value of another shape", typ: "AWS::S3::Bucket",
			baseline: obj{"VersioningConfiguration": obj{"Status": "Enabled"}},
			live:     obj{"VersioningConfiguration": "Enabled"},
			want:     "/VersioningConfiguration NOT_EQUAL"},
		{name: "property names are escaped", typ: "Custom::Thing",
			baseline: obj{"a/b": "1"},
			live:     obj{"a/b": "2"},
			want:     "/a~1b NOT_EQUAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(tt.typ, tt.baseline, tt.live)
			if text := diffText(got); text != tt.want {
				t.Errorf("differences:\n%s\nwant:\n%s", text, tt.want)
			}
		})
	}
}

func TestCompareReportsWholeTopLevelValues(t *testing.T) {
	baseline := obj{"Tags": list{tag("Owner", "qa")}, "RetentionInDays": int64(365)}
	live := obj{"Tags": list{tag("Owner", "ops")}, "KmsKeyId": "k"}
	got := Compare("AWS::Logs::LogGroup", baseline, live)
	want := []struct {
		path             string
		expected, actual string
	}{
		{"/KmsKeyId", "null", "k"},
		{"/RetentionInDays", "365", "null"},
		{"/Tags", `[{"Key":"Owner","Value":"qa"}]`, `[{"Key":"Owner","Value":"ops"}]`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d drifts, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		t.Run(w.path, func(t *testing.T) {
			g := got[i]
			if g.Path != w.path || drift.Text(g.Expected) != w.expected || drift.Text(g.Actual) != w.actual {
				t.Errorf("got %s expected %s actual %s, want %s expected %s actual %s",
					g.Path, drift.Text(g.Expected), drift.Text(g.Actual), w.path, w.expected, w.actual)
			}
		})
	}
}

func TestCompareDoesNotChangeItsInput(t *testing.T) {
	baseline := obj{"Tags": list{tag("aws:cloudformation:stack-name", "s"), tag("Owner", "qa")},
		"MetadataTableConfiguration": obj{"S3TablesDestination": obj{"TableArn": "arn:1", "TableName": "n"}}}
	live := obj{"Tags": list{tag("Owner", "ops")},
		"MetadataTableConfiguration": obj{"S3TablesDestination": obj{"TableArn": "arn:2", "TableName": "m"}}}
	before := fmt.Sprint(baseline, live)
	Compare("AWS::S3::Bucket", baseline, live)
	if after := fmt.Sprint(baseline, live); after != before {
		t.Errorf("Compare changed its input:\n%s\nwas\n%s", after, before)
	}
}
