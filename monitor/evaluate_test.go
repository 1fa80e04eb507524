package monitor

import (
	"slices"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/jsonpatch"
	"qualstate/policy"
)

var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const keyArn = "arn:aws:kms:us-east-1:123456789012:key/" + keyID

func testEngine(t testing.TB) *policy.Engine {
	t.Helper()
	set, err := policy.LoadFile("testdata/requirements.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := policy.NewEngine(set)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testInstance() *qualstate.Instance {
	return &qualstate.Instance{ID: "records", StackName: "records", StackID: recordsID, TemplateFile: "records.yaml", TemplateDigest: "d1"}
}

// testBaseline is a compliant stack: a versioned bucket encrypted under a
// rotated key, and a log group kept a year.
func testBaseline() []qualstate.BaselineResource {
	return []qualstate.BaselineResource{
		{LogicalID: "Bucket", ResourceType: "AWS::S3::Bucket", PhysicalID: "records-bucket-abc", Identifier: "records-bucket-abc",
			Properties: obj{
				"BucketName": "records-bucket-abc", "Arn": "arn:aws:s3:::records-bucket-abc",
				"VersioningConfiguration": obj{"Status": "Enabled"},
				"BucketEncryption": obj{"ServerSideEncryptionConfiguration": list{
					obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keyArn}}}},
				"Tags": list{tag("aws:cloudformation:stack-name", "records"), tag("Owner", "qa")},
			}, Evidence: "sha256:b0"},
		{LogicalID: "Key", ResourceType: "AWS::KMS::Key", PhysicalID: keyID, Identifier: keyID,
			Properties: obj{"Arn": keyArn, "KeyId": keyID, "EnableKeyRotation": true, "Enabled": true}, Evidence: "sha256:k0"},
		{LogicalID: "Logs", ResourceType: "AWS::Logs::LogGroup", PhysicalID: "records-logs-xyz", Identifier: "records-logs-xyz",
			Properties: obj{"LogGroupName": "records-logs-xyz", "RetentionInDays": int64(365)}, Evidence: "sha256:l0"},
	}
}

func testStack() []qualstate.StackResource {
	return []qualstate.StackResource{
		{LogicalID: "Bucket", PhysicalID: "records-bucket-abc", Type: "AWS::S3::Bucket", Status: "CREATE_COMPLETE"},
		{LogicalID: "Key", PhysicalID: keyID, Type: "AWS::KMS::Key", Status: "CREATE_COMPLETE"},
		{LogicalID: "Logs", PhysicalID: "records-logs-xyz", Type: "AWS::Logs::LogGroup", Status: "UPDATE_COMPLETE"},
	}
}

// testInput is an evaluation of the stack as baselined, every resource
// read again.
func testInput(t testing.TB) Input {
	live := map[string]map[string]any{}
	evidence := map[string]string{}
	for _, b := range testBaseline() {
		live[b.LogicalID] = jsonpatch.Clone(b.Properties).(map[string]any)
		evidence[b.LogicalID] = "sha256:" + strings.ToLower(b.LogicalID) + "1"
	}
	return Input{
		Instance: testInstance(), Baseline: testBaseline(), Stack: testStack(),
		Live: live, Gone: map[string]bool{}, Evidence: evidence, Engine: testEngine(t), Now: testNow,
	}
}

func waiver(id, requirement, resource string, expires time.Time) qualstate.Waiver {
	return qualstate.Waiver{ID: id, RequirementID: requirement, Scope: qualstate.WaiverScope{Stack: "records", Resource: resource},
		Status: qualstate.WaiverApproved, Expires: expires}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *Input)
		// want lists the observations as "KEY" or "KEY waived-by WAIVER".
		want      []string
		evaluated []string
		resources int
		checks    int
		undecided []string
	}{
		{name: "in the qualified state",
			change:    func(in *Input) {},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "drift that breaks a check",
			change:    func(in *Input) { in.Live["Logs"]["RetentionInDays"] = int64(7) },
			want:      []string{"check|Logs|LOGS.RETENTION", "drift|Logs|/RetentionInDays"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "drift of a neighbour fails a cross-resource check",
			change:    func(in *Input) { in.Live["Key"]["EnableKeyRotation"] = false },
			want:      []string{"check|Bucket|S3.KEY-ROTATION", "drift|Key|/EnableKeyRotation"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "a check failing in the baseline too",
			change: func(in *Input) {
				in.Baseline[0].Properties["VersioningConfiguration"] = obj{"Status": "Suspended"}
				in.Live["Bucket"]["VersioningConfiguration"] = obj{"Status": "Suspended"}
			},
			want:      []string{"check|Bucket|S3.VERSIONING"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "an evaluation error is an observation",
			change: func(in *Input) {
				delete(in.Baseline[2].Properties, "RetentionInDays")
				delete(in.Live["Logs"], "RetentionInDays")
			},
			want:      []string{"check|Logs|LOGS.RETENTION"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "aws: tags and read-only values are not drift",
			change: func(in *Input) {
				in.Live["Bucket"]["Tags"] = list{tag("Owner", "qa")}
				in.Live["Bucket"]["Arn"] = "arn:aws:s3:::moved"
			},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "a waiver of the requirement accepts a check",
			change: func(in *Input) {
				in.Live["Logs"]["RetentionInDays"] = int64(7)
				in.Waivers = []qualstate.Waiver{waiver("W-1", "LOGS.RETENTION", "Logs", testNow.Add(time.Hour))}
			},
			want:      []string{"check|Logs|LOGS.RETENTION waived-by W-1", "drift|Logs|/RetentionInDays"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "a baseline waiver accepts drift",
			change: func(in *Input) {
				in.Live["Logs"]["RetentionInDays"] = int64(7)
				in.Waivers = []qualstate.Waiver{waiver("W-2", qualstate.DriftRequirement, "", testNow.Add(time.Hour))}
			},
			want:      []string{"check|Logs|LOGS.RETENTION", "drift|Logs|/RetentionInDays waived-by W-2"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "an expired waiver covers nothing",
			change: func(in *Input) {
				in.Live["Logs"]["RetentionInDays"] = int64(7)
				in.Waivers = []qualstate.Waiver{waiver("W-1", "LOGS.RETENTION", "Logs", testNow.Add(-time.Hour))}
			},
			want:      []string{"check|Logs|LOGS.RETENTION", "drift|Logs|/RetentionInDays"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "a waiver of another resource covers nothing",
			change: func(in *Input) {
				in.Live["Logs"]["RetentionInDays"] = int64(7)
				in.Waivers = []qualstate.Waiver{waiver("W-1", "LOGS.RETENTION", "Other*", testNow.Add(time.Hour))}
			},
			want:      []string{"check|Logs|LOGS.RETENTION", "drift|Logs|/RetentionInDays"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "a resource added to the stack is checked too",
			change: func(in *Input) {
				in.Stack = append(in.Stack, qualstate.StackResource{LogicalID: "Extra", PhysicalID: "records-extra", Type: "AWS::Logs::LogGroup", Status: "CREATE_COMPLETE"})
				in.Live["Extra"] = obj{"LogGroupName": "records-extra", "RetentionInDays": int64(1)}
				in.Evidence["Extra"] = "sha256:e1"
			},
			want:      []string{"added|Extra|", "check|Extra|LOGS.RETENTION"},
			evaluated: []string{"Bucket", "Extra", "Key", "Logs"}, resources: 4, checks: 4},
		{name: "a resource added to the stack and not read",
			change: func(in *Input) {
				in.Stack = append(in.Stack, qualstate.StackResource{LogicalID: "Extra", PhysicalID: "records-extra", Type: "AWS::Logs::LogGroup", Status: "CREATE_COMPLETE"})
			},
			want:      []string{"added|Extra|"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3},
		{name: "removed from the stack",
			change: func(in *Input) {
				in.Stack = in.Stack[:2]
				delete(in.Live, "Logs")
			},
			want:      []string{"removed|Logs|"},
			evaluated: []string{"Bucket", "Key"}, resources: 2, checks: 2},
		{name: "deleted in the listing",
			change: func(in *Input) {
				in.Stack[2].Status = "DELETE_COMPLETE"
				delete(in.Live, "Logs")
			},
			want:      []string{"removed|Logs|"},
			evaluated: []string{"Bucket", "Key"}, resources: 2, checks: 2},
		{name: "read as not found",
			change: func(in *Input) {
				in.Stack = nil
				in.Gone["Logs"] = true
				delete(in.Live, "Logs")
			},
			want:      []string{"removed|Logs|"},
			evaluated: []string{"Bucket", "Key"}, resources: 2, checks: 2},
		{name: "a baseline waiver accepts a removal",
			change: func(in *Input) {
				in.Stack = nil
				in.Gone["Logs"] = true
				delete(in.Live, "Logs")
				in.Waivers = []qualstate.Waiver{waiver("W-2", qualstate.DriftRequirement, "Logs", testNow.Add(time.Hour))}
			},
			want:      []string{"removed|Logs| waived-by W-2"},
			evaluated: []string{"Bucket", "Key"}, resources: 2, checks: 2},
		{name: "Only: the bucket is checked against its neighbour's latest model, the neighbour not diffed",
			change: func(in *Input) {
				in.Stack = nil
				in.Only = map[string]bool{"Bucket": true}
				in.Live["Key"]["EnableKeyRotation"] = false
				in.Live["Logs"]["RetentionInDays"] = int64(7)
			},
			want:      []string{"check|Bucket|S3.KEY-ROTATION"},
			evaluated: []string{"Bucket"}, resources: 1, checks: 2},
		{name: "Only one resource of a large stack: it alone is checked",
			change: func(in *Input) {
				in.Stack = nil
				for i := range 30 {
					id := "More" + strings.Repeat("x", i)
					in.Baseline = append(in.Baseline, qualstate.BaselineResource{LogicalID: id, ResourceType: "AWS::Logs::LogGroup",
						Properties: obj{"RetentionInDays": int64(1)}})
					in.Live[id] = obj{"RetentionInDays": int64(2)}
					in.Evidence[id] = "sha256:" + id
				}
				in.Only = map[string]bool{"Logs": true}
				in.Live["Logs"]["RetentionInDays"] = int64(7)
			},
			want:      []string{"check|Logs|LOGS.RETENTION", "drift|Logs|/RetentionInDays"},
			evaluated: []string{"Logs"}, resources: 1, checks: 1},
		{name: "Only with a listing still finds what was added",
			change: func(in *Input) {
				in.Only = map[string]bool{"Logs": true}
				in.Stack = append(in.Stack, qualstate.StackResource{LogicalID: "Extra", PhysicalID: "records-extra", Type: "AWS::SQS::Queue", Status: "CREATE_COMPLETE"})
			},
			want:      []string{"added|Extra|"},
			evaluated: []string{"Logs"}, resources: 1, checks: 1},
		{name: "a model without evidence is a neighbour, not a read",
			change: func(in *Input) {
				delete(in.Evidence, "Logs")
				in.Live["Logs"]["RetentionInDays"] = int64(7)
			},
			evaluated: []string{"Bucket", "Key"}, resources: 2, checks: 2},
		{name: "a resource neither read nor gone is not evaluated",
			change: func(in *Input) {
				delete(in.Live, "Logs")
			},
			evaluated: []string{"Bucket", "Key"}, resources: 2, checks: 2},
		{name: "indeterminate is not a deviation",
			change: func(in *Input) {
				in.Live["Bucket"]["BucketEncryption"] = obj{"ServerSideEncryptionConfiguration": list{
					obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:aws:kms:us-east-1:999999999999:key/elsewhere"}}}}
			},
			want:      []string{"drift|Bucket|/BucketEncryption"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 3,
			undecided: []string{"check|Bucket|S3.KEY-ROTATION"}},
		{name: "no engine: drift only",
			change: func(in *Input) {
				in.Engine = nil
				in.Live["Logs"]["RetentionInDays"] = int64(7)
			},
			want:      []string{"drift|Logs|/RetentionInDays"},
			evaluated: []string{"Bucket", "Key", "Logs"}, resources: 3, checks: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInput(t)
			tt.change(&in)
			out := Evaluate(in)
			var got []string
			for _, o := range out.Observations {
				s := o.Key
				if o.Waiver != nil {
					s += " waived-by " + o.Waiver.ID
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("observations:\n%q\nwant:\n%q", got, tt.want)
			}
			if ev := sortedKeys(out.Evaluated); !slices.Equal(ev, tt.evaluated) {
				t.Errorf("evaluated %q, want %q", ev, tt.evaluated)
			}
			if out.Resources != tt.resources || out.Checks != tt.checks {
				t.Errorf("resources %d checks %d, want %d and %d", out.Resources, out.Checks, tt.resources, tt.checks)
			}
			if u := sortedKeys(out.Undecided); !slices.Equal(u, tt.undecided) {
				t.Errorf("undecided %q, want %q", u, tt.undecided)
			}
		})
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func TestEvaluateObservationFields(t *testing.T) {
	in := testInput(t)
	in.Live["Logs"]["RetentionInDays"] = int64(7)
	in.Stack = append(in.Stack, qualstate.StackResource{LogicalID: "Extra", PhysicalID: "records-extra", Type: "AWS::SQS::Queue", Status: "CREATE_COMPLETE"})
	out := Evaluate(in)
	byKey := map[string]Observation{}
	for _, o := range out.Observations {
		byKey[o.Key] = o
	}
	tests := []struct {
		key  string
		want Observation
	}{
		{"drift|Logs|/RetentionInDays", Observation{
			Kind: qualstate.DeviationDrift, LogicalID: "Logs", ResourceType: "AWS::Logs::LogGroup", PhysicalID: "records-logs-xyz",
			Path: "/RetentionInDays", Expected: "365", Actual: "7",
			Reason:   "RetentionInDays differs from the baseline: /RetentionInDays: expected 365, got 7",
			Evidence: []string{"sha256:logs1"}}},
		{"check|Logs|LOGS.RETENTION", Observation{
			Kind: qualstate.DeviationCheck, LogicalID: "Logs", ResourceType: "AWS::Logs::LogGroup", PhysicalID: "records-logs-xyz",
			RequirementID: "LOGS.RETENTION", Risk: qualstate.RiskLow, Expected: "pass", Actual: "fail",
			Evidence: []string{"sha256:logs1"}}},
		{"added|Extra|", Observation{
			Kind: qualstate.DeviationAdded, LogicalID: "Extra", ResourceType: "AWS::SQS::Queue", PhysicalID: "records-extra",
			Expected: "(absent)", Actual: "AWS::SQS::Queue records-extra",
			Reason: "stack records has Extra (AWS::SQS::Queue), which its baseline does not"}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			o, ok := byKey[tt.key]
			if !ok {
				t.Fatalf("no observation %s among %v", tt.key, out.Observations)
			}
			w := tt.want
			if o.Kind != w.Kind || o.LogicalID != w.LogicalID || o.ResourceType != w.ResourceType || o.PhysicalID != w.PhysicalID ||
				o.RequirementID != w.RequirementID || o.Risk != w.Risk || o.Path != w.Path || o.Expected != w.Expected ||
				o.Actual != w.Actual || !slices.Equal(o.Evidence, w.Evidence) {
				t.Errorf("got %+v\nwant %+v", o, w)
			}
			if w.Reason != "" && o.Reason != w.Reason {
				t.Errorf("reason %q, want %q", o.Reason, w.Reason)
			}
			if o.Kind == qualstate.DeviationCheck && (!strings.HasPrefix(o.Reason, "LOGS.RETENTION (Logs are kept a year): ") || !strings.Contains(o.Reason, "7")) {
				t.Errorf("reason %q does not name the requirement and the value seen", o.Reason)
			}
		})
	}
}

func TestDescribeBoundsTheReason(t *testing.T) {
	baseline := obj{"Tags": list{tag("x", "y")}}
	live := obj{"Tags": list{}}
	for i := range 8 {
		live["Tags"] = append(live["Tags"].(list), tag(strings.Repeat("k", 400)+string(rune('a'+i)), "v"))
	}
	ds := Compare("AWS::S3::Bucket", baseline, live)
	if len(ds) != 1 {
		t.Fatalf("got %d drifts", len(ds))
	}
	reason := describe(ds[0].Differences)
	if !strings.HasSuffix(reason, "and 4 more") {
		t.Errorf("reason does not stop after %d differences: …%s", maxDescribed, reason[len(reason)-40:])
	}
	if len(reason) > maxDescribed*(maxValueText+40)+20 {
		t.Errorf("reason is %d bytes long", len(reason))
	}
}
