package drift

import (
	"reflect"
	"testing"

	"qualstate/cfn/schema"
)

func TestCompare(t *testing.T) {
	bucket, ok := schema.Lookup("AWS::S3::Bucket")
	if !ok {
		t.Fatal("no schema for AWS::S3::Bucket")
	}
	db, ok := schema.Lookup("AWS::RDS::DBInstance")
	if !ok {
		t.Fatal("no schema for AWS::RDS::DBInstance")
	}
	lambda, ok := schema.Lookup("AWS::Lambda::Function")
	if !ok {
		t.Fatal("no schema for AWS::Lambda::Function")
	}
	tests := []struct {
		name      string
		schema    *schema.Schema
		expected  map[string]any
		actual    map[string]any
		want      []Difference
		writeOnly []string
	}{
		{
			name:     "equal, and a default the service added is not drift",
			schema:   bucket,
			expected: map[string]any{"BucketName": "logs"},
			actual:   map[string]any{"BucketName": "logs", "Arn": "arn:aws:s3:::logs"},
		},
		{
			name:     "number and string forms are the same value",
			schema:   db,
			expected: map[string]any{"AllocatedStorage": "20", "BackupRetentionPeriod": int64(7)},
			actual:   map[string]any{"AllocatedStorage": "20", "BackupRetentionPeriod": float64(7)},
		},
		{
			name:     "a changed scalar",
			schema:   bucket,
			expected: map[string]any{"BucketName": "logs"},
			actual:   map[string]any{"BucketName": "other"},
			want:     []Difference{{Path: "/BucketName", Expected: "logs", Actual: "other", Kind: NotEqual}},
		},
		{
			name:     "a missing property",
			schema:   bucket,
			expected: map[string]any{"VersioningConfiguration": map[string]any{"Status": "Enabled"}},
			actual:   map[string]any{},
			want:     []Difference{{Path: "/VersioningConfiguration", Expected: map[string]any{"Status": "Enabled"}, Kind: Removed}},
		},
		{
			name:     "unordered tags match in any order",
			schema:   bucket,
			expected: map[string]any{"Tags": []any{map[string]any{"Key": "a", "Value": "1"}, map[string]any{"Key": "b", "Value": "2"}}},
			actual:   map[string]any{"Tags": []any{map[string]any{"Key": "b", "Value": "2"}, map[string]any{"Key": "a", "Value": "1"}}},
		},
		{
			name:     "without a schema, order matters",
			expected: map[string]any{"L": []any{"a", "b"}},
			actual:   map[string]any{"L": []any{"b", "a"}},
			want: []Difference{
				{Path: "/L/0", Expected: "a", Actual: "b", Kind: NotEqual},
				{Path: "/L/1", Expected: "b", Actual: "a", Kind: NotEqual},
			},
		},
		{
			name:     "an extra live item in an unordered list",
			schema:   bucket,
			expected: map[string]any{"Tags": []any{map[string]any{"Key": "a", "Value": "1"}}},
			actual:   map[string]any{"Tags": []any{map[string]any{"Key": "a", "Value": "1"}, map[string]any{"Key": "z", "Value": "9"}}},
			want:     []Difference{{Path: "/Tags/1", Actual: map[string]any{"Key": "z", "Value": "9"}, Kind: Added}},
		},
		{
			name:      "write-only properties are set aside",
			schema:    db,
			expected:  map[string]any{"MasterUserPassword": "secret-value", "DBInstanceClass": "db.t3.micro"},
			actual:    map[string]any{"DBInstanceClass": "db.t3.micro"},
			writeOnly: []string{"MasterUserPassword"},
		},
		{
			name:      "a property whose every part set is write-only",
			schema:    lambda,
			expected:  map[string]any{"Code": map[string]any{"ZipFile": "exports.handler = 1"}, "Runtime": "nodejs20.x"},
			actual:    map[string]any{"Runtime": "nodejs20.x"},
			writeOnly: []string{"Code"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(tt.schema, tt.expected, tt.actual)
			if !reflect.DeepEqual(got.Differences, tt.want) {
				t.Errorf("Differences = %#v, want %#v", got.Differences, tt.want)
			}
			if !reflect.DeepEqual(got.WriteOnly, tt.writeOnly) {
				t.Errorf("WriteOnly = %v, want %v", got.WriteOnly, tt.writeOnly)
			}
		})
	}
}

func TestText(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{"x", "x"}, {int64(3), "3"}, {3.5, "3.5"}, {true, "true"}, {nil, "null"},
		{map[string]any{"a": int64(1)}, `{"a":1}`},
	} {
		t.Run(tt.want, func(t *testing.T) {
			if got := Text(tt.v); got != tt.want {
				t.Errorf("Text(%v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}
