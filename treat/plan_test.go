package treat_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/jsonpatch"
	"qualstate/treat"
)

// baseline reads the bucket's baseline from testdata, fresh for each use.
func baseline(t *testing.T) *qualstate.BaselineResource {
	t.Helper()
	b, err := os.ReadFile("testdata/bucket.json")
	if err != nil {
		t.Fatal(err)
	}
	var r qualstate.BaselineResource
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// patched returns a copy of the model with the operations applied.
func patched(t *testing.T, model map[string]any, ops []qualstate.PatchOp) map[string]any {
	t.Helper()
	v, err := jsonpatch.Apply(model, ops)
	if err != nil {
		t.Fatalf("preparing the live model: %v", err)
	}
	return v.(map[string]any)
}

func TestPlan(t *testing.T) {
	opened := at(t, "2026-11-27T10:00:00Z") // a Friday
	enabled := map[string]any{"Status": "Enabled"}
	suspend := []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Suspended"}}}
	restore := []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: enabled}}
	accelerate := []qualstate.PatchOp{{Op: "add", Path: "/AccelerateConfiguration", Value: map[string]any{"AccelerationStatus": "Enabled"}}}
	versioning := &qualstate.Requirement{ID: "S3.VERSIONING", Remediation: restore, RemediationMode: qualstate.RemediationAuto}
	withFix := func(fix []qualstate.PatchOp) *qualstate.Requirement {
		return &qualstate.Requirement{ID: "S3.FIX", Remediation: fix, RemediationMode: qualstate.RemediationAuto}
	}
	drift := func(path string) qualstate.Deviation {
		return qualstate.Deviation{
			ID: "D-000007", Kind: qualstate.DeviationDrift, LogicalID: "Records", ResourceType: "AWS::S3::Bucket",
			PhysicalID: "qs-records-7f3a", Path: path, Opened: opened, State: qualstate.DeviationOpen,
		}
	}
	check := func(req string) qualstate.Deviation {
		d := drift("")
		d.Kind, d.RequirementID = qualstate.DeviationCheck, req
		return d
	}
	kind := func(k qualstate.DeviationKind) qualstate.Deviation {
		d := drift("")
		d.Kind = k
		return d
	}
	auto := treat.Config{DriftMode: qualstate.RemediationAuto, Grace: 5 * time.Minute, RatePerHour: 10}
	with := func(f func(*treat.Config)) treat.Config {
		c := auto
		f(&c)
		return c
	}
	weekend, err := treat.ParseWindows("fri 10:00/1h; sat 00:00/2d")
	if err != nil {
		t.Fatal(err)
	}

	type want struct {
		mode       qualstate.RemediationMode
		patch      []qualstate.PatchOp // compared when mode is not off
		identifier string
		refused    string // a fragment of Refused; "" when it must be empty
		hold       string // a fragment of Hold; "" when it must be empty
		holdUntil  time.Time
		notBefore  time.Time
		note       string
		ready      bool
	}
	tests := []struct {
		name       string
		cfg        treat.Config
		dev        qualstate.Deviation
		req        *qualstate.Requirement
		baseline   func(*qualstate.BaselineResource) *qualstate.BaselineResource // nil keeps it
		live       []qualstate.PatchOp                                           // applied to the baseline's properties
		liveFailed bool
		recent     []time.Duration // before now
		now        time.Time       // zero: ten minutes after the deviation opened
		want       want
	}{
		{
			name: "drift put back", cfg: auto, dev: drift("/VersioningConfiguration"), live: suspend,
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true, note: "put VersioningConfiguration back"},
		},
		{
			name: "drift of a property that went", cfg: auto, dev: drift("/VersioningConfiguration"),
			live: []qualstate.PatchOp{{Op: "remove", Path: "/VersioningConfiguration"}},
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true},
		},
		{
			name: "drift of a property that appeared is removed", cfg: auto, dev: drift("/AccelerateConfiguration"), live: accelerate,
			want: want{
				mode: qualstate.RemediationAuto, patch: []qualstate.PatchOp{{Op: "remove", Path: "/AccelerateConfiguration"}},
				identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true, note: "remove AccelerateConfiguration",
			},
		},
		{
			name: "drift below a property restores all of it", cfg: auto, dev: drift("/VersioningConfiguration/Status"), live: suspend,
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true},
		},
		{
			name: "drift proposed by default", cfg: treat.DefaultConfig(), dev: drift("/VersioningConfiguration"), live: suspend,
			want: want{mode: qualstate.RemediationPropose, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute)},
		},
		{
			name: "drift off", cfg: with(func(c *treat.Config) { c.DriftMode = qualstate.RemediationOff }), dev: drift("/VersioningConfiguration"), live: suspend,
			want: want{mode: qualstate.RemediationOff, note: "treat.drift"},
		},
		{
			name: "drift already undone", cfg: auto, dev: drift("/VersioningConfiguration"),
			want: want{mode: qualstate.RemediationOff, refused: "nothing to restore", identifier: "qs-records-7f3a"},
		},
		{
			name: "drift in another form is no drift", cfg: auto, dev: drift("/Tags"),
			live: []qualstate.PatchOp{{Op: "add", Path: "/Tags/0/Value", Value: "quality"}},
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "nothing to restore"},
		},
		{
			name: "drift naming no property", cfg: auto, dev: drift(""), live: suspend,
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "names no property"},
		},
		{
			name: "check remediated", cfg: auto, dev: check("S3.VERSIONING"), req: versioning, live: suspend,
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true, note: "remediation of S3.VERSIONING"},
		},
		{
			name: "check without remediation", cfg: auto, dev: check("S3.X"), req: withFix(nil), live: suspend,
			want: want{mode: qualstate.RemediationOff, note: "has no remediation"},
		},
		{
			name: "check turned off for the home", dev: check("S3.VERSIONING"), req: versioning, live: suspend,
			cfg: with(func(c *treat.Config) {
				c.Modes = map[string]qualstate.RemediationMode{"S3.VERSIONING": qualstate.RemediationOff}
			}),
			want: want{mode: qualstate.RemediationOff, note: "treat.mode.S3.VERSIONING"},
		},
		{
			name: "a failed remediation", cfg: auto, dev: kind(qualstate.DeviationRemediation), req: versioning, live: suspend,
			want: want{mode: qualstate.RemediationOff, note: "never remediated automatically"},
		},

		{
			name: "acknowledged", cfg: auto, live: suspend,
			dev: func() qualstate.Deviation {
				d := drift("/VersioningConfiguration")
				d.State = qualstate.DeviationAcknowledged
				return d
			}(),
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true},
		},
		{
			name: "accepted under a waiver", cfg: auto, live: suspend,
			dev: func() qualstate.Deviation {
				d := drift("/VersioningConfiguration")
				d.State = qualstate.DeviationAccepted
				return d
			}(),
			want: want{mode: qualstate.RemediationOff, note: "accepted under a waiver"},
		},
		{
			name: "treated already", cfg: auto, live: suspend,
			dev: func() qualstate.Deviation {
				d := drift("/VersioningConfiguration")
				d.State = qualstate.DeviationTreated
				return d
			}(),
			want: want{mode: qualstate.RemediationOff, note: "waiting for re-verification"},
		},
		{
			name: "closed", cfg: auto, live: suspend,
			dev: func() qualstate.Deviation {
				d := drift("/VersioningConfiguration")
				d.State = qualstate.DeviationClosed
				return d
			}(),
			want: want{mode: qualstate.RemediationOff, note: "closed"},
		},

		// Never outside the instance.
		{
			name: "no baseline", cfg: auto, dev: drift("/VersioningConfiguration"), live: suspend,
			baseline: func(*qualstate.BaselineResource) *qualstate.BaselineResource { return nil },
			want:     want{mode: qualstate.RemediationOff, refused: "not one of the instance's resources"},
		},
		{
			name: "the baseline of another resource", cfg: auto, dev: drift("/VersioningConfiguration"), live: suspend,
			baseline: func(b *qualstate.BaselineResource) *qualstate.BaselineResource { b.LogicalID = "Archive"; return b },
			want:     want{mode: qualstate.RemediationOff, refused: "baseline given is of Archive"},
		},
		{
			name: "the baseline of another type", cfg: auto, dev: drift("/VersioningConfiguration"), live: suspend,
			baseline: func(b *qualstate.BaselineResource) *qualstate.BaselineResource {
				b.ResourceType = "AWS::S3::AccessPoint"
				return b
			},
			want: want{mode: qualstate.RemediationOff, refused: "is a AWS::S3::AccessPoint"},
		},
		{
			name: "a baseline without identifier", cfg: auto, dev: drift("/VersioningConfiguration"), live: suspend,
			baseline: func(b *qualstate.BaselineResource) *qualstate.BaselineResource { b.Identifier = ""; return b },
			want:     want{mode: qualstate.RemediationOff, refused: "records no identifier"},
		},
		{
			name: "the identifier comes from the baseline", cfg: auto, live: suspend,
			dev: func() qualstate.Deviation {
				d := drift("/VersioningConfiguration")
				d.PhysicalID = "someone-elses-bucket"
				return d
			}(),
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true},
		},

		// Never replace a resource, never write what the service owns.
		{
			name: "create-only property", cfg: auto, dev: check("S3.FIX"), live: suspend,
			req:  withFix([]qualstate.PatchOp{{Op: "replace", Path: "/BucketName", Value: "renamed"}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "writes /BucketName, a create-only property"},
		},
		{
			name: "create-only property moved away", cfg: auto, dev: check("S3.FIX"), live: suspend,
			req:  withFix([]qualstate.PatchOp{{Op: "move", From: "/BucketName", Path: "/Tags/0/Value"}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "writes /BucketName, a create-only property"},
		},
		{
			name: "create-only drift", cfg: auto, dev: drift("/BucketName"),
			live: []qualstate.PatchOp{{Op: "replace", Path: "/BucketName", Value: "other"}},
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "create-only"},
		},
		{
			name: "read-only property", cfg: auto, dev: check("S3.FIX"), live: suspend,
			req:  withFix([]qualstate.PatchOp{{Op: "replace", Path: "/Arn", Value: "arn:aws:s3:::other"}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "writes /Arn, a read-only property"},
		},
		{
			name: "read-only property below what is written", cfg: auto, dev: check("S3.FIX"), live: suspend,
			req: withFix([]qualstate.PatchOp{{Op: "add", Path: "/MetadataTableConfiguration", Value: map[string]any{
				"S3TablesDestination": map[string]any{"TableBucketArn": "arn:aws:s3tables:us-east-1:123456789012:bucket/t", "TableName": "m", "TableArn": "arn:x"},
			}}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "changes /MetadataTableConfiguration/S3TablesDestination/TableArn, a read-only property"},
		},
		{
			name: "a property the type does not have", cfg: auto, dev: check("S3.FIX"), live: suspend,
			req:  withFix([]qualstate.PatchOp{{Op: "add", Path: "/KmsMasterKeyId", Value: "alias/aws/sqs"}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "touches KmsMasterKeyId, which AWS::S3::Bucket does not have"},
		},
		{
			name: "the whole model", cfg: auto, dev: check("S3.FIX"), live: suspend,
			req:  withFix([]qualstate.PatchOp{{Op: "add", Path: "", Value: map[string]any{}}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "replaces the whole model"},
		},
		{
			name: "a malformed patch", cfg: auto, dev: check("S3.FIX"), live: suspend,
			req:  withFix([]qualstate.PatchOp{{Op: "upsert", Path: "/VersioningConfiguration"}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "malformed"},
		},
		{
			name: "a patch that does not apply live", cfg: auto, dev: check("S3.FIX"), live: suspend,
			req:  withFix([]qualstate.PatchOp{{Op: "remove", Path: "/LoggingConfiguration"}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "does not apply to the live model"},
		},
		{
			name: "a patch that changes nothing", cfg: auto, dev: check("S3.FIX"),
			req:  withFix([]qualstate.PatchOp{{Op: "test", Path: "/VersioningConfiguration/Status", Value: "Enabled"}}),
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "changes nothing"},
		},
		{
			name: "the live model could not be read", cfg: auto, dev: drift("/VersioningConfiguration"), liveFailed: true,
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "could not be read"},
		},
		{
			name: "a type without schema", cfg: auto, live: suspend,
			dev: func() qualstate.Deviation {
				d := drift("/VersioningConfiguration")
				d.ResourceType = "Custom::Records"
				return d
			}(),
			baseline: func(b *qualstate.BaselineResource) *qualstate.BaselineResource {
				b.ResourceType = "Custom::Records"
				return b
			},
			want: want{mode: qualstate.RemediationOff, identifier: "qs-records-7f3a", refused: "Custom::Records has no resource schema"},
		},

		// Stack changes are a person's.
		{
			name: "a resource added", cfg: auto, dev: kind(qualstate.DeviationAdded),
			baseline: func(*qualstate.BaselineResource) *qualstate.BaselineResource { return nil },
			want:     want{mode: qualstate.RemediationPropose, notBefore: opened.Add(5 * time.Minute), note: "not in the qualified template"},
		},
		{
			name: "a resource removed", cfg: auto, dev: kind(qualstate.DeviationRemoved), liveFailed: true,
			want: want{mode: qualstate.RemediationPropose, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), note: "re-create it"},
		},

		// Grace, windows, rate limit, dry-run.
		{
			name: "in the grace period", cfg: auto, dev: drift("/VersioningConfiguration"), live: suspend, now: opened.Add(2 * time.Minute),
			want: want{
				mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute),
				hold: "grace period until 2026-11-27T10:05:00Z", holdUntil: opened.Add(5 * time.Minute),
			},
		},
		{
			name: "the grace period just over", cfg: auto, dev: drift("/VersioningConfiguration"), live: suspend, now: opened.Add(5 * time.Minute),
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true},
		},
		{
			name: "a requirement's longer tolerance", cfg: auto, dev: check("S3.VERSIONING"), live: suspend,
			req: &qualstate.Requirement{ID: "S3.VERSIONING", Remediation: restore, RemediationMode: qualstate.RemediationAuto, Tolerance: "15m"},
			want: want{
				mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(15 * time.Minute),
				hold: "grace period", holdUntil: opened.Add(15 * time.Minute),
			},
		},
		{
			name: "a requirement's shorter tolerance", cfg: auto, dev: check("S3.VERSIONING"), live: suspend, now: opened.Add(5 * time.Minute),
			req:  &qualstate.Requirement{ID: "S3.VERSIONING", Remediation: restore, RemediationMode: qualstate.RemediationAuto, Tolerance: "1m"},
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true},
		},
		{
			name: "a tolerance that is no duration", cfg: auto, dev: check("S3.VERSIONING"), live: suspend,
			req:  &qualstate.Requirement{ID: "S3.VERSIONING", Remediation: restore, RemediationMode: qualstate.RemediationAuto, Tolerance: "a while"},
			want: want{mode: qualstate.RemediationOff, refused: `tolerance "a while"`},
		},
		{
			name: "in a change window", dev: drift("/VersioningConfiguration"), live: suspend,
			cfg: with(func(c *treat.Config) { c.Windows = weekend }),
			want: want{
				mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute),
				hold: "change window fri 10:00/1h in force until 2026-11-27T11:00:00Z", holdUntil: at(t, "2026-11-27T11:00:00Z"),
			},
		},
		{
			name: "grace and a change window", dev: drift("/VersioningConfiguration"), live: suspend, now: opened.Add(time.Minute),
			cfg: with(func(c *treat.Config) { c.Windows = weekend; c.Grace = 2 * time.Hour }),
			want: want{
				mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(2 * time.Hour),
				hold: "grace period until 2026-11-27T12:00:00Z; change window", holdUntil: opened.Add(2 * time.Hour),
			},
		},
		{
			name: "a change window does not hold a proposal", dev: drift("/VersioningConfiguration"), live: suspend,
			cfg:  with(func(c *treat.Config) { c.Windows = weekend; c.DriftMode = qualstate.RemediationPropose }),
			want: want{mode: qualstate.RemediationPropose, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute)},
		},
		{
			name: "the rate limit reached", dev: drift("/VersioningConfiguration"), live: suspend,
			cfg:    with(func(c *treat.Config) { c.RatePerHour = 2 }),
			recent: []time.Duration{50 * time.Minute, 10 * time.Minute, 2 * time.Hour},
			want: want{
				mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute),
				hold: "rate limit: 2 changes in the last hour (limit 2); next slot at 2026-11-27T10:20:00Z", holdUntil: at(t, "2026-11-27T10:20:00Z"),
			},
		},
		{
			name: "the rate limit not reached", dev: drift("/VersioningConfiguration"), live: suspend,
			cfg:    with(func(c *treat.Config) { c.RatePerHour = 2 }),
			recent: []time.Duration{10 * time.Minute, time.Hour, 3 * time.Hour},
			want:   want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), ready: true},
		},
		{
			name: "a rate limit of zero", dev: drift("/VersioningConfiguration"), live: suspend,
			cfg:  with(func(c *treat.Config) { c.RatePerHour = 0 }),
			want: want{mode: qualstate.RemediationAuto, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), hold: "rate limit is 0"},
		},
		{
			name: "dry-run", dev: drift("/VersioningConfiguration"), live: suspend,
			cfg:  with(func(c *treat.Config) { c.DryRun = true }),
			want: want{mode: qualstate.RemediationPropose, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), hold: "dry-run"},
		},
		{
			name: "dry-run in the grace period", dev: drift("/VersioningConfiguration"), live: suspend, now: opened,
			cfg:  with(func(c *treat.Config) { c.DryRun = true }),
			want: want{mode: qualstate.RemediationPropose, patch: restore, identifier: "qs-records-7f3a", notBefore: opened.Add(5 * time.Minute), hold: "dry-run: proposed instead of applied; grace period"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := baseline(t)
			live := patched(t, b.Properties, tt.live)
			if tt.baseline != nil {
				b = tt.baseline(b)
			}
			if tt.liveFailed {
				live = nil
			}
			now := tt.now
			if now.IsZero() {
				now = opened.Add(10 * time.Minute)
			}
			var recent []time.Time
			for _, ago := range tt.recent {
				recent = append(recent, now.Add(-ago))
			}
			p := tt.cfg.Plan(treat.Facts{Deviation: tt.dev, Requirement: tt.req, Baseline: b, Live: live, Recent: recent, Now: now})
			w := tt.want
			if p.Deviation != tt.dev.ID || p.LogicalID != "Records" {
				t.Errorf("plan names %s on %s, want %s on Records", p.Deviation, p.LogicalID, tt.dev.ID)
			}
			if p.Mode != w.mode {
				t.Errorf("Mode = %s, want %s (refused %q, note %q)", p.Mode, w.mode, p.Refused, p.Note)
			}
			if w.mode != qualstate.RemediationOff && !reflect.DeepEqual(p.Patch, w.patch) {
				t.Errorf("Patch = %+v, want %+v", p.Patch, w.patch)
			}
			if p.Identifier != w.identifier {
				t.Errorf("Identifier = %q, want %q", p.Identifier, w.identifier)
			}
			fragment(t, "Refused", p.Refused, w.refused)
			fragment(t, "Hold", p.Hold, w.hold)
			if w.note != "" && !strings.Contains(p.Note, w.note) {
				t.Errorf("Note = %q, want it to hold %q", p.Note, w.note)
			}
			if !p.NotBefore.Equal(w.notBefore) {
				t.Errorf("NotBefore = %s, want %s", p.NotBefore, w.notBefore)
			}
			if !p.HoldUntil.Equal(w.holdUntil) {
				t.Errorf("HoldUntil = %s, want %s", p.HoldUntil, w.holdUntil)
			}
			if got := p.Ready(now); got != w.ready {
				t.Errorf("Ready = %v, want %v (hold %q, refused %q)", got, w.ready, p.Hold, p.Refused)
			}
			if p.Ready(p.NotBefore.Add(-time.Nanosecond)) {
				t.Error("ready before the grace period is over")
			}
		})
	}
}

// fragment checks that got holds want, or is empty when want is.
func fragment(t *testing.T, field, got, want string) {
	t.Helper()
	if want == "" && got != "" {
		t.Errorf("%s = %q, want none", field, got)
	}
	if want != "" && !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to hold %q", field, got, want)
	}
}

// TestPlanSharesNothing proves a plan's patch is its own: the runtime may
// record or change it without changing the requirement set or baseline.
func TestPlanSharesNothing(t *testing.T) {
	b := baseline(t)
	live := patched(t, b.Properties, []qualstate.PatchOp{{Op: "remove", Path: "/VersioningConfiguration"}})
	req := &qualstate.Requirement{ID: "R", Remediation: []qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Enabled"}}}, RemediationMode: qualstate.RemediationAuto}
	now := at(t, "2026-11-27T10:00:00Z")
	cfg := treat.DefaultConfig()
	cfg.DriftMode = qualstate.RemediationAuto
	tests := []struct {
		name string
		dev  qualstate.Deviation
		req  *qualstate.Requirement
		orig func() any
	}{
		{name: "drift", dev: qualstate.Deviation{ID: "D-1", Kind: qualstate.DeviationDrift, LogicalID: "Records", Path: "/VersioningConfiguration", Opened: now}, orig: func() any { return b.Properties["VersioningConfiguration"] }},
		{name: "check", dev: qualstate.Deviation{ID: "D-2", Kind: qualstate.DeviationCheck, LogicalID: "Records", RequirementID: "R", Opened: now}, req: req, orig: func() any { return req.Remediation[0].Value }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cfg.Plan(treat.Facts{Deviation: tt.dev, Requirement: tt.req, Baseline: b, Live: live, Now: now.Add(time.Hour)})
			if len(p.Patch) != 1 || p.Refused != "" {
				t.Fatalf("plan = %+v", p)
			}
			p.Patch[0].Value.(map[string]any)["Status"] = "Suspended"
			if got := tt.orig().(map[string]any)["Status"]; got != "Enabled" {
				t.Errorf("changing the plan's patch changed its source to %v", got)
			}
		})
	}
}
