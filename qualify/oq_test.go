package qualify

import (
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

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

func TestInterrupted(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	host, _ := os.Hostname()
	tests := []struct {
		name string
		run  qualstate.Run
		want bool
	}{
		{"this process", qualstate.Run{Status: qualstate.RunRunning, Owner: owner(), Heartbeat: now}, false},
		{"a process gone from this host", qualstate.Run{Status: qualstate.RunRunning, Owner: fmt.Sprintf("%s:%d", host, 1<<30), Heartbeat: now}, true},
		{"another host, beating", qualstate.Run{Status: qualstate.RunRunning, Owner: "elsewhere:12", Heartbeat: now.Add(-10 * time.Second)}, false},
		{"another host, silent", qualstate.Run{Status: qualstate.RunRunning, Owner: "elsewhere:12", Heartbeat: now.Add(-2 * staleAfter)}, true},
		{"this process, silent", qualstate.Run{Status: qualstate.RunRunning, Owner: owner(), Heartbeat: now.Add(-2 * staleAfter)}, true},
		{"finished", qualstate.Run{Status: qualstate.RunPassed, Owner: "elsewhere:12"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Interrupted(&tt.run, now); got != tt.want {
				t.Errorf("Interrupted = %v, want %v", got, tt.want)
			}
		})
	}
}
