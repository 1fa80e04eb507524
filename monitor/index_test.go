package monitor

import (
	"fmt"
	"reflect"
	"testing"

	"qualstate"
)

const (
	acct       = "123456789012"
	recordsID  = "arn:aws:cloudformation:us-east-1:" + acct + ":stack/records/6f1c2d3e-4a5b-11ef-9c8d-0a1b2c3d4e5f"
	keyID      = "1234abcd-12ab-34cd-56ef-1234567890ab"
	queueURL   = "https://sqs.us-east-1.amazonaws.com/" + acct + "/records-queue"
	sharedName = "shared-audit-logs"
)

func recordsResources() []qualstate.BaselineResource {
	return []qualstate.BaselineResource{
		{LogicalID: "Bucket", ResourceType: "AWS::S3::Bucket", PhysicalID: "records-bucket-abc", Identifier: "records-bucket-abc",
			Properties: map[string]any{"BucketName": "records-bucket-abc", "Arn": "arn:aws:s3:::records-bucket-abc"}},
		{LogicalID: "Logs", ResourceType: "AWS::Logs::LogGroup", PhysicalID: "records-logs-xyz", Identifier: "records-logs-xyz",
			Properties: map[string]any{"Arn": "arn:aws:logs:us-east-1:" + acct + ":log-group:records-logs-xyz:*"}},
		{LogicalID: "Queue", ResourceType: "AWS::SQS::Queue", PhysicalID: queueURL, Identifier: queueURL,
			Properties: map[string]any{"Arn": "arn:aws:sqs:us-east-1:" + acct + ":records-queue", "QueueUrl": queueURL}},
		// The key's model is left without its Arn: it is found by the
		// end of the ARN the event names.
		{LogicalID: "Key", ResourceType: "AWS::KMS::Key", PhysicalID: keyID, Identifier: keyID,
			Properties: map[string]any{"KeyId": keyID}},
		{LogicalID: "Fn", ResourceType: "AWS::Lambda::Function", PhysicalID: "records-fn", Identifier: "records-fn",
			Properties: map[string]any{"Arn": "arn:aws:lambda:us-east-1:" + acct + ":function:records-fn", "KmsKeyArn": "arn:aws:kms:us-east-1:" + acct + ":key/" + keyID}},
		{LogicalID: "Audit", ResourceType: "AWS::Logs::LogGroup", PhysicalID: sharedName, Identifier: sharedName},
		{LogicalID: "Db", ResourceType: "AWS::RDS::DBInstance", PhysicalID: "records-db", Identifier: "records-db",
			Properties: map[string]any{"DBInstanceArn": "arn:aws:rds:us-east-1:" + acct + ":db:records-db", "KmsKeyId": "arn:aws:kms:us-east-1:" + acct + ":key/" + keyID}},
	}
}

func testIndex() *Index {
	x := NewIndex()
	x.Add("records", "records", recordsID, recordsResources())
	x.Add("other", "other", "", []qualstate.BaselineResource{
		{LogicalID: "OtherBucket", ResourceType: "AWS::S3::Bucket", PhysicalID: "other-bucket", Identifier: "other-bucket"},
		{LogicalID: "SharedLogs", ResourceType: "AWS::Logs::LogGroup", PhysicalID: sharedName, Identifier: sharedName},
	})
	return x
}

func change(strs ...string) qualstate.ChangeEvent {
	return qualstate.ChangeEvent{ID: "e", Source: "s3.amazonaws.com", Name: "PutBucketPolicy", Strings: strs}
}

func TestIndexMatch(t *testing.T) {
	tests := []struct {
		name string
		ev   qualstate.ChangeEvent
		want []Target
	}{
		{"physical id", change("records-bucket-abc", "records-bucket-abc.s3.us-east-1.amazonaws.com"),
			[]Target{{Instance: "records", LogicalIDs: []string{"Bucket"}}}},
		{"the model's ARN", change("arn:aws:s3:::records-bucket-abc"),
			[]Target{{Instance: "records", LogicalIDs: []string{"Bucket"}}}},
		{"an ARN ending in :*", change("arn:aws:logs:us-east-1:" + acct + ":log-group:records-logs-xyz:*"),
			[]Target{{Instance: "records", LogicalIDs: []string{"Logs"}}}},
		{"an ARN without :*", change("arn:aws:logs:us-east-1:" + acct + ":log-group:records-logs-xyz"),
			[]Target{{Instance: "records", LogicalIDs: []string{"Logs"}}}},
		{"an ARN ending in /id", change("arn:aws:kms:us-east-1:" + acct + ":key/" + keyID),
			[]Target{{Instance: "records", LogicalIDs: []string{"Key"}}}},
		{"an ARN ending in :id", change("arn:aws:rds:us-east-1:" + acct + ":db:records-db"),
			[]Target{{Instance: "records", LogicalIDs: []string{"Db"}}}},
		{"a writable property ending in Arn names another resource, not this one", change("arn:aws:kms:us-east-1:" + acct + ":key/" + keyID),
			[]Target{{Instance: "records", LogicalIDs: []string{"Key"}}}},
		{"a function's own ARN", change("arn:aws:lambda:us-east-1:" + acct + ":function:records-fn"),
			[]Target{{Instance: "records", LogicalIDs: []string{"Fn"}}}},
		{"queue URL", change(queueURL),
			[]Target{{Instance: "records", LogicalIDs: []string{"Queue"}}}},
		{"several resources of one instance, sorted", change("records-logs-xyz", "records-bucket-abc", "records-bucket-abc"),
			[]Target{{Instance: "records", LogicalIDs: []string{"Bucket", "Logs"}}}},
		{"a resource of two instances", change(sharedName),
			[]Target{{Instance: "other", LogicalIDs: []string{"SharedLogs"}}, {Instance: "records", LogicalIDs: []string{"Audit"}}}},
		{"stack name", change("records"),
			[]Target{{Instance: "records", Stack: true}}},
		{"stack id", change(recordsID),
			[]Target{{Instance: "records", Stack: true}}},
		{"another ARN of the stack", change("arn:aws:cloudformation:us-east-1:" + acct + ":stack/other/0a0b0c0d-1111-2222-3333-444455556666"),
			[]Target{{Instance: "other", Stack: true}}},
		{"stack and resource", change("records", "other-bucket"),
			[]Target{{Instance: "other", LogicalIDs: []string{"OtherBucket"}}, {Instance: "records", Stack: true}}},
		{"a name inside a longer one is not a match", change("arn:aws:s3:::xrecords-bucket-abc", "records-bucket-abc-2", "arn:aws:s3:::records-bucket-abc/logs/x"),
			[]Target{}},
		{"no match", change("arn:aws:s3:::unrelated", "unrelated"),
			[]Target{}},
		{"read-only", qualstate.ChangeEvent{Name: "GetBucketPolicy", ReadOnly: true, Strings: []string{"records-bucket-abc"}},
			nil},
		{"failed", qualstate.ChangeEvent{Name: "PutBucketPolicy", Failed: true, Strings: []string{"records-bucket-abc"}},
			nil},
	}
	x := testIndex()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := x.Match(tt.ev)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIndexAddReplacesAndRemoveForgets(t *testing.T) {
	x := testIndex()
	bucket := change("records-bucket-abc")
	tests := []struct {
		name string
		do   func()
		ev   qualstate.ChangeEvent
		want []Target
	}{
		{"a second Add replaces the first", func() {
			x.Add("records", "records-v2", "", recordsResources()[1:])
		}, bucket, []Target{}},
		{"the new stack name is indexed", func() {}, change("records-v2"), []Target{{Instance: "records", Stack: true}}},
		{"the old stack name is not", func() {}, change("records"), []Target{}},
		{"the other instance keeps the shared key", func() {}, change(sharedName),
			[]Target{{Instance: "other", LogicalIDs: []string{"SharedLogs"}}, {Instance: "records", LogicalIDs: []string{"Audit"}}}},
		{"Remove forgets the instance", func() { x.Remove("records") }, change(sharedName),
			[]Target{{Instance: "other", LogicalIDs: []string{"SharedLogs"}}}},
		{"Remove of an unknown instance is harmless", func() { x.Remove("nothing") }, change("other-bucket"),
			[]Target{{Instance: "other", LogicalIDs: []string{"OtherBucket"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.do()
			if got := x.Match(tt.ev); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// BenchmarkIndexMatch matches an event against an index of 100,000
// resources in 200 instances.
func BenchmarkIndexMatch(b *testing.B) {
	x := NewIndex()
	for i := range 200 {
		var rs []qualstate.BaselineResource
		for j := range 500 {
			id := fmt.Sprintf("stack%d-bucket-%d", i, j)
			rs = append(rs, qualstate.BaselineResource{LogicalID: fmt.Sprintf("Bucket%d", j), PhysicalID: id, Identifier: id,
				Properties: map[string]any{"Arn": "arn:aws:s3:::" + id}})
		}
		x.Add(fmt.Sprintf("stack%d", i), fmt.Sprintf("stack%d", i), "", rs)
	}
	ev, err := ParseEvent(readEvent(b, "cloudtrail-s3-putbucketencryption.json"))
	if err != nil {
		b.Fatal(err)
	}
	ev.Strings = append(ev.Strings, "arn:aws:s3:::stack7-bucket-42")
	for b.Loop() {
		if got := x.Match(ev); len(got) != 1 {
			b.Fatalf("got %v", got)
		}
	}
}
