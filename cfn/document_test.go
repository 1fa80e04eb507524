package cfn

import (
	"slices"
	"testing"
)

// TestRawResources checks what a deployment reads from the document before
// resolution: every resource as written, with locations.
func TestRawResources(t *testing.T) {
	d := loadGxP(t)
	if d.Format() != "yaml" || d.File() != "testdata/valid/gxp.yaml" || len(d.Digest()) != 64 {
		t.Errorf("format %q, file %q, digest %q", d.Format(), d.File(), d.Digest())
	}
	raw := d.Resources()
	var ids []string
	for _, r := range raw {
		ids = append(ids, r.LogicalID)
	}
	want := []string{"LogKey", "LogKeyAlias", "AccessLogBucket", "AuditBucket", "AuditBucketPolicy", "TrailLogGroup", "TrailRole", "AppSecurityGroup", "Trail"}
	if !slices.Equal(ids, want) {
		t.Fatalf("resources %v, want %v", ids, want)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"type", raw[2].Type, "AWS::S3::Bucket"},
		{"condition", raw[2].Condition, "IsProd"},
		{"depends on", raw[8].DependsOn[0], "AuditBucketPolicy"},
		{"location", raw[3].Loc.String(), "testdata/valid/gxp.yaml:96:3"},
		{"deletion policy node", raw[3].Node.Get("DeletionPolicy").Value(), "Retain"},
		{"node location", d.Loc(raw[3].Node.Get("Properties").Get("VersioningConfiguration")).String(), "testdata/valid/gxp.yaml:109:9"},
		{"short form as long form", show(raw[1].Node.Get("Properties").Get("TargetKeyId").Value()), `{"Ref":"LogKey"}`},
		{"kind", raw[3].Node.Get("Properties").Kind().String(), "mapping"},
		{"length", raw[3].Node.Len(), 4},
		{"key", raw[3].Node.Key(0), "Type"},
		{"transforms", len(d.Transforms()), 0},
		{"root sections", d.Root().Len(), 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}
