package qualify

import (
	"reflect"
	"testing"

	"qualstate"
)

func TestRevertPatch(t *testing.T) {
	model := map[string]any{
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"Tags":                    []any{map[string]any{"Key": "a", "Value": "1"}},
	}
	tests := []struct {
		name      string
		challenge []qualstate.PatchOp
		want      []qualstate.PatchOp
	}{
		{
			name:      "a replaced property is put back",
			challenge: []qualstate.PatchOp{{Op: "replace", Path: "/VersioningConfiguration/Status", Value: "Suspended"}},
			want:      []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Enabled"}}},
		},
		{
			name:      "an added property is removed",
			challenge: []qualstate.PatchOp{{Op: "add", Path: "/AccessControl", Value: "PublicRead"}},
			want:      []qualstate.PatchOp{{Op: "remove", Path: "/AccessControl"}},
		},
		{
			name: "a property added and removed again needs nothing",
			challenge: []qualstate.PatchOp{
				{Op: "add", Path: "/LoggingConfiguration", Value: map[string]any{}},
				{Op: "remove", Path: "/LoggingConfiguration"},
			},
		},
		{
			name:      "a removed property is put back",
			challenge: []qualstate.PatchOp{{Op: "remove", Path: "/Tags"}},
			want:      []qualstate.PatchOp{{Op: "add", Path: "/Tags", Value: []any{map[string]any{"Key": "a", "Value": "1"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := revertPatch(model, tt.challenge); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("revertPatch = %#v, want %#v", got, tt.want)
			}
		})
	}
}
