package treat_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/treat"
)

func TestParseConfig(t *testing.T) {
	weekly, err := treat.ParseWindows("sat 22:00/4h")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		settings map[string]string
		want     treat.Config
		errs     []string // fragments the error must hold; none means no error
	}{
		{name: "no settings", settings: nil, want: treat.DefaultConfig()},
		{
			name:     "other keys are not treat's",
			settings: map[string]string{"monitor.schedule": "@hourly", "treatment": "x"},
			want:     treat.DefaultConfig(),
		},
		{
			name: "every key",
			settings: map[string]string{
				"treat.drift": "auto", "treat.mode.S3.VERSIONING": "off", "treat.mode.SQS.SSE": " auto ",
				"treat.grace": "15m", "treat.windows": "sat 22:00/4h", "treat.rate-limit": "3", "treat.dry-run": "true",
			},
			want: treat.Config{
				DriftMode: qualstate.RemediationAuto,
				Modes:     map[string]qualstate.RemediationMode{"S3.VERSIONING": qualstate.RemediationOff, "SQS.SSE": qualstate.RemediationAuto},
				Grace:     15 * time.Minute, Windows: weekly, RatePerHour: 3, DryRun: true,
			},
		},
		{
			name:     "a rate limit of zero and no grace",
			settings: map[string]string{"treat.rate-limit": "0", "treat.grace": "0s"},
			want:     treat.Config{DriftMode: qualstate.RemediationPropose, RatePerHour: 0, Grace: 0},
		},
		{name: "unknown key", settings: map[string]string{"treat.mdoe.X": "auto"}, errs: []string{"treat.mdoe.X", "unknown key"}},
		{name: "bad drift mode", settings: map[string]string{"treat.drift": "fix"}, errs: []string{"treat.drift", `"fix"`}},
		{name: "bad requirement mode", settings: map[string]string{"treat.mode.R1": "yes"}, errs: []string{"treat.mode.R1", `"yes"`}},
		{name: "mode without requirement", settings: map[string]string{"treat.mode.": "auto"}, errs: []string{"treat.mode.", "no requirement id"}},
		{name: "drift as a requirement", settings: map[string]string{"treat.mode.baseline": "auto"}, errs: []string{"treat.mode.baseline", "treat.drift"}},
		{name: "bad grace", settings: map[string]string{"treat.grace": "five minutes"}, errs: []string{"treat.grace", "five minutes"}},
		{name: "negative grace", settings: map[string]string{"treat.grace": "-1m"}, errs: []string{"treat.grace"}},
		{name: "bad rate limit", settings: map[string]string{"treat.rate-limit": "-1"}, errs: []string{"treat.rate-limit", `"-1"`}},
		{name: "bad dry-run", settings: map[string]string{"treat.dry-run": "maybe"}, errs: []string{"treat.dry-run", "maybe"}},
		{name: "bad windows", settings: map[string]string{"treat.windows": "someday 22:00/4h"}, errs: []string{"treat.windows", "someday"}},
		{
			name:     "every problem at once",
			settings: map[string]string{"treat.grace": "x", "treat.rate-limit": "y", "treat.oops": "1"},
			errs:     []string{"treat.grace", "treat.rate-limit", "treat.oops"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := treat.ParseConfig(tt.settings)
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("ParseConfig: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ParseConfig = %+v, want %+v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseConfig = %+v, want an error", got)
			}
			if code := qualstate.CodeOf(err); code != qualstate.ErrInvalidInput {
				t.Errorf("code = %s, want %s", code, qualstate.ErrInvalidInput)
			}
			for _, f := range tt.errs {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name %q", err, f)
				}
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	c := treat.DefaultConfig()
	want := treat.Config{DriftMode: qualstate.RemediationPropose, Grace: 5 * time.Minute, RatePerHour: 10}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("DefaultConfig = %+v, want %+v", c, want)
	}
}
