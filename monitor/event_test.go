package monitor

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseEvent(t *testing.T) {
	const bucket = "records-bucket-1x2y3z4w5v6u"
	tests := []struct {
		name        string
		file        string
		id, source  string
		eventName   string
		time        string
		readOnly    bool
		failed      bool
		wantStrings []string
		// notStrings must not be among the strings: keys, numbers.
		notStrings []string
	}{
		{name: "CloudTrail S3 PutBucketEncryption", file: "cloudtrail-s3-putbucketencryption.json",
			id: "4d2e5a73-0f7b-4c39-9a4e-2b1f0c7d8e91", source: "s3.amazonaws.com", eventName: "PutBucketEncryption",
			time:        "2025-05-02T10:15:42Z",
			wantStrings: []string{"arn:aws:s3:::" + bucket, bucket, bucket + ".s3.eu-west-1.amazonaws.com", "AES256"},
			notStrings:  []string{"bucketName", "SSEAlgorithm", "", "111122223333:assumed-role/Administrator/alice", "SigV4"}},
		{name: "EventBridge envelope", file: "eventbridge-s3-putbucketencryption.json",
			id: "4d2e5a73-0f7b-4c39-9a4e-2b1f0c7d8e91", source: "s3.amazonaws.com", eventName: "PutBucketEncryption",
			time:        "2025-05-02T10:15:42Z",
			wantStrings: []string{"arn:aws:s3:::" + bucket, bucket}},
		{name: "sandbox Cloud Control record", file: "sandbox-cloudcontrol-update.json",
			id: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", source: "cloudcontrolapi.amazonaws.com", eventName: "UpdateResource",
			time: "2025-05-02T10:20:00Z",
			wantStrings: []string{"arn:aws:logs:us-east-1:123456789012:log-group:records-logs-7hq2m4x9k1zc",
				"records-logs-7hq2m4x9k1zc", "AWS::Logs::LogGroup", "replace", "/RetentionInDays", "3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a091"},
			notStrings: []string{"typeName", "op", "path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseEvent(readEvent(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if ev.ID != tt.id || ev.Source != tt.source || ev.Name != tt.eventName || ev.ReadOnly != tt.readOnly || ev.Failed != tt.failed {
				t.Errorf("got id %q source %q name %q readOnly %v failed %v", ev.ID, ev.Source, ev.Name, ev.ReadOnly, ev.Failed)
			}
			if got := ev.Time.Format(time.RFC3339); got != tt.time {
				t.Errorf("time %s, want %s", got, tt.time)
			}
			for _, s := range tt.wantStrings {
				if !slices.Contains(ev.Strings, s) {
					t.Errorf("strings %q lack %q", ev.Strings, s)
				}
			}
			for _, s := range tt.notStrings {
				if slices.Contains(ev.Strings, s) {
					t.Errorf("strings %q hold %q", ev.Strings, s)
				}
			}
			seen := map[string]bool{}
			for _, s := range ev.Strings {
				if seen[s] {
					t.Errorf("%q twice", s)
				}
				seen[s] = true
			}
		})
	}
}

func TestParseEventErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 10) + `"x"` + strings.Repeat("}", 10)
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty", "", "empty body"},
		{"blank", "  \n", "empty body"},
		{"not an object", `["Records"]`, "not a JSON object"},
		{"not JSON", `{"eventSource": `, "not JSON"},
		{"no source", `{"eventName": "PutBucketAcl"}`, "no eventSource"},
		{"no name", `{"eventSource": "s3.amazonaws.com"}`, "no eventName"},
		{"bad time", `{"eventSource": "s3.amazonaws.com", "eventName": "PutBucketAcl", "eventTime": "yesterday"}`, `eventTime "yesterday"`},
		{"wrong field type", `{"eventSource": 3, "eventName": "PutBucketAcl"}`, "cloudtrail record"},
		{"other detail-type", `{"detail-type": "EC2 Instance State-change Notification", "detail": {}}`, `detail-type "EC2 Instance State-change Notification"`},
		{"EventBridge without detail", `{"detail-type": "AWS API Call via CloudTrail", "id": "e1"}`, "without a CloudTrail record"},
		{"EventBridge with a bad record", `{"detail-type": "AWS API Call via CloudTrail", "id": "e1", "detail": {"eventName": "X"}}`, "EventBridge event e1: cloudtrail record: no eventSource"},
		{"a log file", `{"Records": []}`, "a list of Records"},
		{"too large", `{"eventSource": "` + strings.Repeat("s", MaxEventSize) + `"}`, "more than the"},
		{"bad request parameters", `{"eventSource": "s3.amazonaws.com", "eventName": "PutBucketAcl", "requestParameters": {"a": }}`, "not JSON"},
		{"deep but well-formed is fine", `{"eventSource": "s3.amazonaws.com", "eventName": "PutBucketAcl", "requestParameters": ` + deep + `}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEvent([]byte(tt.body))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestParseEventBounds(t *testing.T) {
	var params []string
	for i := range MaxEventStrings + 50 {
		params = append(params, fmt.Sprintf(`"k%d": "value-%d"`, i, i))
	}
	params = append(params, `"long": "`+strings.Repeat("x", MaxStringLen+1)+`"`)
	nested := strings.Repeat(`[`, MaxNesting+5) + `"too-deep"` + strings.Repeat(`]`, MaxNesting+5)
	body := `{"eventSource": "s3.amazonaws.com", "eventName": "PutBucketTagging",
		"requestParameters": {` + strings.Join(params, ",") + `},
		"responseElements": {"deep": ` + nested + `, "after": "after-deep"}}`
	tests := []struct {
		name string
		body string
		// check inspects the strings.
		check func(strings []string) string
	}{
		{"at most MaxEventStrings strings", body, func(s []string) string {
			if len(s) != MaxEventStrings {
				return fmt.Sprintf("%d strings, want %d", len(s), MaxEventStrings)
			}
			return ""
		}},
		{"long strings are dropped", `{"eventSource": "s", "eventName": "PutX", "requestParameters": {"long": "` + strings.Repeat("x", MaxStringLen+1) + `", "ok": "kept"}}`,
			func(s []string) string {
				if !slices.Equal(s, []string{"kept"}) {
					return fmt.Sprintf("strings %q, want only kept", s)
				}
				return ""
			}},
		{"values nested too deep are skipped, the rest kept", `{"eventSource": "s", "eventName": "PutX", "responseElements": {"deep": ` + nested + `, "after": "after-deep"}}`,
			func(s []string) string {
				if !slices.Equal(s, []string{"after-deep"}) {
					return fmt.Sprintf("strings %q, want only after-deep", s)
				}
				return ""
			}},
		{"arrays of objects and scalars", `{"eventSource": "s", "eventName": "PutX", "requestParameters": {"a": [1, true, null, "one", {"k": "two", "n": 3}, ["three"]], "b": "four"}}`,
			func(s []string) string {
				if !slices.Equal(s, []string{"one", "two", "three", "four"}) {
					return fmt.Sprintf("strings %q, want one two three four", s)
				}
				return ""
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(ev.Strings); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestParseEventReadOnly(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"readOnly true", `{"eventSource": "s3.amazonaws.com", "eventName": "PutBucketAcl", "readOnly": true}`, true},
		{"readOnly false wins over the name", `{"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "readOnly": false}`, false},
		{"no readOnly: Describe reads", `{"eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances"}`, true},
		{"no readOnly: List reads", `{"eventSource": "s3.amazonaws.com", "eventName": "ListBuckets"}`, true},
		{"no readOnly: Put writes", `{"eventSource": "s3.amazonaws.com", "eventName": "PutBucketAcl"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if ev.ReadOnly != tt.want {
				t.Errorf("ReadOnly %v, want %v", ev.ReadOnly, tt.want)
			}
		})
	}
}

func TestParseRecords(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		names   []string
		flags   []string // "ro", "failed" or "" per event
		wantErr string
	}{
		{name: "CloudTrail log file", body: readEvent(t, "cloudtrail-log-file.json"),
			names: []string{"PutBucketEncryption", "GetBucketEncryption", "PutBucketEncryption"}, flags: []string{"", "ro", "failed"}},
		{name: "one record", body: readEvent(t, "cloudtrail-s3-putbucketencryption.json"),
			names: []string{"PutBucketEncryption"}, flags: []string{""}},
		{name: "EventBridge event", body: readEvent(t, "eventbridge-s3-putbucketencryption.json"),
			names: []string{"PutBucketEncryption"}, flags: []string{""}},
		{name: "sandbox page", body: []byte(`{"Records": [` + string(readEvent(t, "sandbox-cloudcontrol-update.json")) + `], "Sequences": [7], "Next": 7}`),
			names: []string{"UpdateResource"}, flags: []string{""}},
		{name: "empty log file", body: []byte(`{"Records": []}`)},
		{name: "Records not a list", body: []byte(`{"Records": {"eventName": "X"}}`), wantErr: "Records is not a list"},
		{name: "a bad record", body: []byte(`{"Records": [{"eventSource": "s", "eventName": "A"}, {"eventSource": "s"}]}`), wantErr: "record 1: cloudtrail record: no eventName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := ParseRecords(tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names, flags []string
			for _, ev := range evs {
				names = append(names, ev.Name)
				switch {
				case ev.ReadOnly:
					flags = append(flags, "ro")
				case ev.Failed:
					flags = append(flags, "failed")
				default:
					flags = append(flags, "")
				}
			}
			if !slices.Equal(names, tt.names) || !slices.Equal(flags, tt.flags) {
				t.Errorf("events %q %q, want %q %q", names, flags, tt.names, tt.flags)
			}
		})
	}
}
