package cfn

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsTemplate(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"format version", "AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n", true},
		{"quoted format version", "\"AWSTemplateFormatVersion\": \"2010-09-09\"\n", true},
		{"resources with type", "Description: x\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n", true},
		{"resources with comments", "Resources:\n  # the bucket\n\n  Bucket:\n    # kind\n    Type: AWS::S3::Bucket\n", true},
		{"resources without type", "Resources:\n  Bucket:\n    Name: x\n", false},
		{"type outside resources", "Parameters:\n  P:\n    Type: String\nResources:\n  X:\n    Y: z\n", false},
		{"kubernetes manifest", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n", false},
		{"compose file", "services:\n  web:\n    image: nginx\n    Type: x\n", false},
		{"json template", `{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}`, true},
		{"json format version", `{"AWSTemplateFormatVersion": "2010-09-09"}`, true},
		{"json package file", `{"name": "x", "version": "1.0.0", "Type": "module"}`, false},
		{"json resources without type", `{"Resources": {"B": {"Name": "x"}}}`, false},
		{"invalid json", `{"Resources": `, false},
		{"empty", "", false},
		{"byte order mark", "\xef\xbb\xbfAWSTemplateFormatVersion: '2010-09-09'\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTemplate([]byte(tt.body)); got != tt.want {
				t.Errorf("IsTemplate = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestIsTemplateFixtures checks that every valid fixture is recognised.
func TestIsTemplateFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.*")
	for _, f := range files {
		if filepath.Ext(f) == ".golden" {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !IsTemplate(body) {
				t.Error("not recognised as a template")
			}
		})
	}
}
