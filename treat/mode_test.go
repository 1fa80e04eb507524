package treat_test

import (
	"testing"

	"qualstate"
	"qualstate/treat"
)

func TestModeFor(t *testing.T) {
	fix := []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Enabled"}}}
	req := func(mode qualstate.RemediationMode, remediation []qualstate.PatchOp) *qualstate.Requirement {
		return &qualstate.Requirement{ID: "R1", RemediationMode: mode, Remediation: remediation}
	}
	const (
		off, propose, auto = qualstate.RemediationOff, qualstate.RemediationPropose, qualstate.RemediationAuto
	)
	tests := []struct {
		name string
		cfg  treat.Config
		kind qualstate.DeviationKind
		req  *qualstate.Requirement
		want qualstate.RemediationMode
	}{
		{name: "drift by default", cfg: treat.DefaultConfig(), kind: qualstate.DeviationDrift, want: propose},
		{name: "drift in a zero config", cfg: treat.Config{}, kind: qualstate.DeviationDrift, want: propose},
		{name: "drift auto", cfg: treat.Config{DriftMode: auto}, kind: qualstate.DeviationDrift, want: auto},
		{name: "drift off", cfg: treat.Config{DriftMode: off}, kind: qualstate.DeviationDrift, want: off},
		{name: "added is proposed at most", cfg: treat.Config{DriftMode: auto}, kind: qualstate.DeviationAdded, want: propose},
		{name: "removed is proposed at most", cfg: treat.Config{DriftMode: auto}, kind: qualstate.DeviationRemoved, want: propose},
		{name: "removed off", cfg: treat.Config{DriftMode: off}, kind: qualstate.DeviationRemoved, want: off},
		{name: "added by default", cfg: treat.DefaultConfig(), kind: qualstate.DeviationAdded, want: propose},
		{name: "check as its requirement says", cfg: treat.DefaultConfig(), kind: qualstate.DeviationCheck, req: req(auto, fix), want: auto},
		{name: "check proposed by default", cfg: treat.DefaultConfig(), kind: qualstate.DeviationCheck, req: req("", fix), want: propose},
		{
			name: "check overridden off", kind: qualstate.DeviationCheck, req: req(auto, fix), want: off,
			cfg: treat.Config{Modes: map[string]qualstate.RemediationMode{"R1": off}},
		},
		{
			name: "check overridden auto", kind: qualstate.DeviationCheck, req: req(off, fix), want: auto,
			cfg: treat.Config{Modes: map[string]qualstate.RemediationMode{"R1": auto}},
		},
		{
			name: "check without remediation", kind: qualstate.DeviationCheck, req: req(auto, nil), want: off,
			cfg: treat.Config{Modes: map[string]qualstate.RemediationMode{"R1": auto}},
		},
		{name: "check of an unknown requirement", cfg: treat.DefaultConfig(), kind: qualstate.DeviationCheck, want: off},
		{name: "drift ignores requirement overrides", cfg: treat.Config{Modes: map[string]qualstate.RemediationMode{qualstate.DriftRequirement: auto}}, kind: qualstate.DeviationDrift, want: propose},
		{name: "a failed remediation", cfg: treat.Config{DriftMode: auto}, kind: qualstate.DeviationRemediation, req: req(auto, fix), want: off},
		{name: "an unknown kind", cfg: treat.Config{DriftMode: auto}, kind: "other", req: req(auto, fix), want: off},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := qualstate.Deviation{ID: "D-000001", Kind: tt.kind, LogicalID: "Records", RequirementID: "R1"}
			if got := treat.ModeFor(tt.cfg, d, tt.req); got != tt.want {
				t.Errorf("ModeFor = %s, want %s", got, tt.want)
			}
		})
	}
}
