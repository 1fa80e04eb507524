package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"qualstate"
)

// The monitoring records (qualstate.MonitorStore) are held to these rules
// beyond the interface's documentation:
//
//   - Instance and deviation ids are 1 to 64 characters of [A-Za-z0-9._-];
//     any other is ErrInvalidInput. An instance names a recorded run: an
//     empty RunID is ErrInvalidInput, one not recorded ErrNotFound.
//     UpdateInstance cannot change the run (ErrConflict): a new run comes
//     with a new baseline, through RebaseInstance.
//   - Writing or reading anything of an instance not recorded is
//     ErrNotFound (Deviations too, when its filter names one); an instance
//     with none recorded reads as empty.
//   - PutDeviation numbers a deviation without an id one above the
//     highest D-NNNNNN recorded, in six digits or more. A deviation without
//     an instance, kind, key or state, or in a state not among the five
//     qualstate defines, is ErrInvalidInput. A second active deviation for
//     an (instance, key), a rewrite of a closed deviation, or one moving a
//     deviation to another instance or key, is ErrConflict; an unchanged
//     rewrite of a closed deviation is no change and no error. A refused
//     call leaves d.ID as it was.
//   - Deviations orders by Opened, then id byte by byte; Evaluations by
//     Time newest first, then id highest first. A negative limit or an
//     unknown state in a filter is ErrInvalidInput.
//   - AddEvaluation numbers evaluations from 1 up; one that already has an
//     ID is ErrInvalidInput.
//   - Events: instance.registered, instance.updated, instance.rebased
//     (instance/ID); baseline.recorded and baseline.removed
//     (instance/ID/baseline/LOGICALID), an unchanged resource none;
//     evidence.stored (evidence/DIGEST) and evidence.linked
//     (instance/ID/evidence/DIGEST); deviation.opened and
//     deviation.updated (deviation/ID), the latter with the action of the
//     deviation's last history entry as its reason; evaluation.recorded
//     (evaluation/ID). Property values, and remediation values, come back
//     typed as Baseline gives them.

// monitorOf returns the store's monitoring records.
func monitorOf(t *testing.T, s qualstate.Store) qualstate.MonitorStore {
	t.Helper()
	m, ok := s.(qualstate.MonitorStore)
	if !ok {
		t.Fatalf("%T does not keep monitoring records (qualstate.MonitorStore)", s)
	}
	return m
}

// freshMonitor returns an empty store with the runs recorded.
func freshMonitor(t *testing.T, open opener, runs ...string) (qualstate.Store, qualstate.MonitorStore) {
	t.Helper()
	s := fresh(t, open)
	for _, id := range runs {
		createRuns(t, s, &qualstate.Run{ID: id, Status: qualstate.RunPassed})
	}
	return s, monitorOf(t, s)
}

// fullInstance returns an instance with every field set.
func fullInstance(id, runID string) *qualstate.Instance {
	return &qualstate.Instance{
		ID: id, StackName: "qs-" + id, StackID: "arn:aws:cloudformation:eu-central-1:000000000000:stack/qs-" + id + "/1",
		RunID: runID, TemplateFile: "examples/s3/encrypted-bucket.yaml", TemplateDigest: strings.Repeat("ab", 32),
		RequirementSetDigest: strings.Repeat("ef", 32),
		Environment: qualstate.Environment{
			Name: "sandbox", Endpoint: "http://127.0.0.1:4566", Account: "000000000000", Region: "eu-central-1", Partition: "aws",
		},
		Schedule: "*/15 * * * *", Registered: t0, RegisteredBy: "jdoe",
		Status: qualstate.QSDrifted, StatusReason: "1 deviation open", LastEvaluated: t0.Add(time.Hour),
		Disabled: true,
	}
}

func instanceUTC(in *qualstate.Instance) qualstate.Instance {
	c := *in
	c.Registered, c.LastEvaluated = c.Registered.UTC(), c.LastEvaluated.UTC()
	return c
}

func instancesUTC(ins []qualstate.Instance) []qualstate.Instance {
	out := make([]qualstate.Instance, len(ins))
	for i := range ins {
		out[i] = instanceUTC(&ins[i])
	}
	return out
}

// fullDeviation returns an acknowledged deviation with every field set
// and no id.
func fullDeviation(instanceID, key string) *qualstate.Deviation {
	d := &qualstate.Deviation{
		InstanceID: instanceID, Key: key, Kind: qualstate.DeviationCheck,
		LogicalID: "Records", ResourceType: "AWS::S3::Bucket", PhysicalID: "records-1a2b",
		RequirementID: "S3-ENC-01", Risk: qualstate.RiskHigh,
		Controls: []qualstate.Control{"nist-800-53:SC-28", "21-cfr-11:11.10(c)"},
		Path:     "/BucketEncryption", Expected: `"aws:kms"`, Actual: `"AES256"`, Reason: "SSEAlgorithm is AES256",
		State: qualstate.DeviationOpen, Trigger: "event 6f1c0e2a", Opened: t0, Updated: t0, Closed: t0.Add(48 * time.Hour),
		Evidence: []string{strings.Repeat("01", 32)},
		Waiver:   &qualstate.WaiverRef{ID: "W-0007", Expires: t0.Add(30 * 24 * time.Hour)},
		Remediation: []qualstate.PatchOp{
			{Op: "replace", Path: "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm", Value: "aws:kms"},
			{Op: "add", Path: "/LifecycleConfiguration", From: "/unused", Value: map[string]any{"Days": int64(30), "Ratio": 0.5}},
		},
		History: []qualstate.DeviationChange{{Time: t0, Actor: "monitor", To: qualstate.DeviationOpen, Action: "opened", Note: "seen by event 6f1c0e2a"}},
	}
	d.Move(t0.Add(time.Minute), "jdoe", qualstate.DeviationAcknowledged, "acknowledged", "investigating")
	return d
}

// bareDeviation returns an open deviation with only what is required.
func bareDeviation(instanceID, key string, opened time.Time) *qualstate.Deviation {
	return &qualstate.Deviation{InstanceID: instanceID, Key: key, Kind: qualstate.DeviationDrift,
		State: qualstate.DeviationOpen, Opened: opened}
}

func deviationUTC(d *qualstate.Deviation) qualstate.Deviation {
	c := *d
	c.Opened, c.Updated, c.Closed = c.Opened.UTC(), c.Updated.UTC(), c.Closed.UTC()
	if c.Waiver != nil {
		w := *c.Waiver
		w.Expires = w.Expires.UTC()
		c.Waiver = &w
	}
	var h []qualstate.DeviationChange
	for _, ch := range c.History {
		ch.Time = ch.Time.UTC()
		h = append(h, ch)
	}
	c.History = h
	if len(c.Controls) == 0 {
		c.Controls = nil
	}
	if len(c.Evidence) == 0 {
		c.Evidence = nil
	}
	if len(c.Remediation) == 0 {
		c.Remediation = nil
	}
	return c
}

func deviationsUTC(ds []qualstate.Deviation) []qualstate.Deviation {
	out := make([]qualstate.Deviation, len(ds))
	for i := range ds {
		out[i] = deviationUTC(&ds[i])
	}
	return out
}

func fullEvaluation(instanceID string, at time.Time) *qualstate.Evaluation {
	return &qualstate.Evaluation{
		InstanceID: instanceID, Time: at, Trigger: "schedule", Resources: 12, Checks: 40,
		Status: qualstate.QSNonCompliant, Opened: []string{"D-000002"}, Closed: []string{"D-000001"},
		Duration: 1500 * time.Millisecond, Error: "resource Logs could not be read: throttled",
	}
}

func evaluationsUTC(es []qualstate.Evaluation) []qualstate.Evaluation {
	out := make([]qualstate.Evaluation, len(es))
	for i, e := range es {
		e.Time = e.Time.UTC()
		if len(e.Opened) == 0 {
			e.Opened = nil
		}
		if len(e.Closed) == 0 {
			e.Closed = nil
		}
		out[i] = e
	}
	return out
}

// storedInstance fails the test unless the instance reads back as want,
// or is not found when want is nil.
func storedInstance(t *testing.T, m qualstate.MonitorStore, id string, want *qualstate.Instance) {
	t.Helper()
	got, err := m.Instance(t.Context(), id)
	if want == nil {
		wantCode(t, "Instance "+id, err, qualstate.ErrNotFound)
		return
	}
	must(t, "Instance "+id, err)
	same(t, "Instance "+id, instanceUTC(got), instanceUTC(want))
}

func testInstances(t *testing.T, open opener) {
	requireAllSet(t, fullInstance("x", "y"))
	const r1, r2 = "run-inst-01", "run-inst-02"
	s, m := freshMonitor(t, open, r1, r2)
	ctx := t.Context()
	longest := strings.Repeat("i", 64)
	created := []*qualstate.Instance{
		fullInstance("web-prod", r1),
		{ID: "a_1", RunID: r1},
		{ID: "a.1", RunID: r2},
		{ID: "a-1", RunID: r1},
		{ID: "B", RunID: r1},
		{ID: longest, RunID: r1},
	}
	for _, in := range created {
		must(t, "CreateInstance "+in.ID, m.CreateInstance(ctx, in, nil))
	}
	t.Run("round trip", func(t *testing.T) {
		for _, in := range created {
			storedInstance(t, m, in.ID, in)
		}
	})
	t.Run("listed by id, byte by byte", func(t *testing.T) {
		got, err := m.Instances(ctx)
		must(t, "Instances", err)
		want := []qualstate.Instance{*created[4], *created[3], *created[2], *created[1], *created[5], *created[0]}
		same(t, "Instances", instancesUTC(got), instancesUTC(want))
	})

	refused := []struct {
		name     string
		inst     *qualstate.Instance
		baseline []qualstate.BaselineResource
		code     qualstate.ErrorCode
	}{
		{"no instance", nil, nil, qualstate.ErrInvalidInput},
		{"an empty id", &qualstate.Instance{RunID: r1}, nil, qualstate.ErrInvalidInput},
		{"an id of 65 characters", &qualstate.Instance{ID: longest + "i", RunID: r1}, nil, qualstate.ErrInvalidInput},
		{"an id with a slash", &qualstate.Instance{ID: "web/prod", RunID: r1}, nil, qualstate.ErrInvalidInput},
		{"an id with a space", &qualstate.Instance{ID: "web prod", RunID: r1}, nil, qualstate.ErrInvalidInput},
		{"an id with a letter beyond ASCII", &qualstate.Instance{ID: "wéb", RunID: r1}, nil, qualstate.ErrInvalidInput},
		{"no run", &qualstate.Instance{ID: "web-norun"}, nil, qualstate.ErrInvalidInput},
		{"a run not recorded", &qualstate.Instance{ID: "web-norun", RunID: "run-none-0001"}, nil, qualstate.ErrNotFound},
		{"a recorded id", &qualstate.Instance{ID: "web-prod", RunID: r2}, nil, qualstate.ErrConflict},
		{"a recorded id, with a baseline", &qualstate.Instance{ID: "B", RunID: r1},
			[]qualstate.BaselineResource{fullBaseline("Alpha")}, qualstate.ErrConflict},
		{"a resource without a logical id", &qualstate.Instance{ID: "web-nolid", RunID: r1},
			[]qualstate.BaselineResource{fullBaseline("Alpha"), fullBaseline("")}, qualstate.ErrInvalidInput},
		{"a logical id twice", &qualstate.Instance{ID: "web-twice", RunID: r1},
			[]qualstate.BaselineResource{fullBaseline("Alpha"), fullBaseline("Beta"), fullBaseline("Alpha")}, qualstate.ErrInvalidInput},
	}
	for _, tt := range refused {
		t.Run("CreateInstance refuses "+tt.name, func(t *testing.T) {
			size := auditSize(t, s)
			wantCode(t, "CreateInstance", m.CreateInstance(ctx, tt.inst, tt.baseline), tt.code)
			unchangedTrail(t, s, size, "a refused CreateInstance")
			if tt.inst == nil || tt.inst.ID == "" {
				return
			}
			var want *qualstate.Instance
			for _, in := range created {
				if in.ID == tt.inst.ID {
					want = in
				}
			}
			storedInstance(t, m, tt.inst.ID, want)
			if want != nil {
				base, err := m.InstanceBaseline(ctx, want.ID)
				must(t, "InstanceBaseline", err)
				if len(base) != 0 {
					t.Errorf("a refused CreateInstance left a baseline of %d resources", len(base))
				}
			}
		})
	}

	updated := fullInstance("web-prod", r1)
	updated.Status, updated.StatusReason, updated.Disabled = qualstate.QSQualified, "", false
	updated.LastEvaluated = t0.Add(2 * time.Hour)
	t.Run("UpdateInstance rewrites", func(t *testing.T) {
		must(t, "UpdateInstance", m.UpdateInstance(ctx, updated))
		storedInstance(t, m, "web-prod", updated)
	})
	updates := []struct {
		name string
		inst *qualstate.Instance
		code qualstate.ErrorCode
	}{
		{"no instance", nil, qualstate.ErrInvalidInput},
		{"an instance not recorded", &qualstate.Instance{ID: "web-none", RunID: r1}, qualstate.ErrNotFound},
		{"an invalid id", &qualstate.Instance{ID: "web/prod", RunID: r1}, qualstate.ErrInvalidInput},
		{"no run", &qualstate.Instance{ID: "web-prod"}, qualstate.ErrInvalidInput},
		{"another run", func() *qualstate.Instance { c := *updated; c.RunID = r2; return &c }(), qualstate.ErrConflict},
	}
	for _, tt := range updates {
		t.Run("UpdateInstance refuses "+tt.name, func(t *testing.T) {
			size := auditSize(t, s)
			wantCode(t, "UpdateInstance", m.UpdateInstance(ctx, tt.inst), tt.code)
			unchangedTrail(t, s, size, "a refused UpdateInstance")
			storedInstance(t, m, "web-prod", updated)
		})
	}
}

func testInstanceBaseline(t *testing.T, open opener) {
	const r1, r2 = "run-ib-01", "run-ib-02"
	s, m := freshMonitor(t, open, r1, r2)
	ctx := t.Context()
	types := []struct {
		name  string
		value any
	}{
		{"int64", int64(443)},
		{"largest int64", int64(math.MaxInt64)},
		{"float64", 0.25},
		{"huge float64", 1e300},
		{"string holding a number", "30"},
		{"true", true},
		{"null", nil},
		{"list", []any{int64(1), "two", 3.5, false, nil}},
		{"map", map[string]any{"Days": int64(30), "Ratio": 0.5, "Tags": []any{map[string]any{"Key": "env", "Value": "test"}}}},
	}
	var typed []qualstate.BaselineResource
	for _, tt := range types {
		r := fullBaseline(tt.name)
		r.Properties = map[string]any{"Value": tt.value}
		typed = append(typed, r)
	}
	// Not in logical-id order: reading gives that order.
	base := []qualstate.BaselineResource{fullBaseline("Gamma"), fullBaseline("Alpha"), fullBaseline("Beta")}
	must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: "web-a", RunID: r1}, base))
	must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: "web-b", RunID: r1}, typed))
	must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: "web-c", RunID: r1}, []qualstate.BaselineResource{}))
	must(t, "PutBaseline", s.PutBaseline(ctx, r1, []qualstate.BaselineResource{fullBaseline("RunOnly")}))

	t.Run("in logical-id order", func(t *testing.T) {
		got, err := m.InstanceBaseline(ctx, "web-a")
		must(t, "InstanceBaseline", err)
		same(t, "InstanceBaseline", got, []qualstate.BaselineResource{base[1], base[2], base[0]})
	})
	t.Run("an instance with none", func(t *testing.T) {
		got, err := m.InstanceBaseline(ctx, "web-c")
		must(t, "InstanceBaseline", err)
		if len(got) != 0 {
			t.Errorf("InstanceBaseline = %v, want none", got)
		}
	})
	t.Run("the run's baseline apart", func(t *testing.T) {
		got, err := s.Baseline(ctx, r1)
		must(t, "Baseline", err)
		same(t, "Baseline of the run", got, []qualstate.BaselineResource{fullBaseline("RunOnly")})
	})
	t.Run("an instance not recorded", func(t *testing.T) {
		_, err := m.InstanceBaseline(ctx, "web-none")
		wantCode(t, "InstanceBaseline", err, qualstate.ErrNotFound)
	})
	t.Run("value types", func(t *testing.T) {
		got, err := m.InstanceBaseline(ctx, "web-b")
		must(t, "InstanceBaseline", err)
		byID := map[string]any{}
		for _, r := range got {
			byID[r.LogicalID] = r.Properties["Value"]
		}
		for _, tt := range types {
			if v := byID[tt.name]; !reflect.DeepEqual(v, tt.value) {
				t.Errorf("%s came back as %#v (%T), want %#v (%T)", tt.name, v, v, tt.value, tt.value)
			}
		}
	})

	rebased := &qualstate.Instance{ID: "web-a", RunID: r2, Status: qualstate.QSQualified}
	changed := fullBaseline("Beta")
	changed.PhysicalID = "replaced"
	newBase := []qualstate.BaselineResource{fullBaseline("Delta"), changed, fullBaseline("Alpha")}
	t.Run("RebaseInstance replaces instance and baseline", func(t *testing.T) {
		must(t, "RebaseInstance", m.RebaseInstance(ctx, rebased, newBase))
		storedInstance(t, m, "web-a", rebased)
		got, err := m.InstanceBaseline(ctx, "web-a")
		must(t, "InstanceBaseline", err)
		same(t, "InstanceBaseline", got, []qualstate.BaselineResource{fullBaseline("Alpha"), changed, fullBaseline("Delta")})
		other, err := m.InstanceBaseline(ctx, "web-b")
		must(t, "InstanceBaseline", err)
		if len(other) != len(types) {
			t.Errorf("rebasing web-a left web-b with %d resources, want %d", len(other), len(types))
		}
	})
	refused := []struct {
		name     string
		inst     *qualstate.Instance
		baseline []qualstate.BaselineResource
		code     qualstate.ErrorCode
	}{
		{"no instance", nil, nil, qualstate.ErrInvalidInput},
		{"an instance not recorded", &qualstate.Instance{ID: "web-none", RunID: r1}, nil, qualstate.ErrNotFound},
		{"a run not recorded", &qualstate.Instance{ID: "web-a", RunID: "run-none-0001"}, nil, qualstate.ErrNotFound},
		{"no run", &qualstate.Instance{ID: "web-a"}, nil, qualstate.ErrInvalidInput},
		{"a logical id twice", &qualstate.Instance{ID: "web-a", RunID: r1},
			[]qualstate.BaselineResource{fullBaseline("Alpha"), fullBaseline("Alpha")}, qualstate.ErrInvalidInput},
		{"a resource without a logical id", &qualstate.Instance{ID: "web-a", RunID: r1},
			[]qualstate.BaselineResource{fullBaseline("")}, qualstate.ErrInvalidInput},
	}
	for _, tt := range refused {
		t.Run("RebaseInstance refuses "+tt.name, func(t *testing.T) {
			size := auditSize(t, s)
			wantCode(t, "RebaseInstance", m.RebaseInstance(ctx, tt.inst, tt.baseline), tt.code)
			unchangedTrail(t, s, size, "a refused RebaseInstance")
			storedInstance(t, m, "web-a", rebased)
			got, err := m.InstanceBaseline(ctx, "web-a")
			must(t, "InstanceBaseline", err)
			same(t, "InstanceBaseline after a refused rebase", got,
				[]qualstate.BaselineResource{fullBaseline("Alpha"), changed, fullBaseline("Delta")})
		})
	}
}

func testInstanceEvidence(t *testing.T, open opener) {
	const r1 = "run-iev-01"
	s, m := freshMonitor(t, open, r1)
	ctx := t.Context()
	must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: "web-a", RunID: r1}, nil))
	d1, b1, _ := sealed(t, `{"TypeName":"AWS::S3::Bucket","Identifier":"records"}`)
	must(t, "PutInstanceEvidence", m.PutInstanceEvidence(ctx, "web-a", d1, b1))
	t.Run("the blob is stored", func(t *testing.T) {
		got, err := s.Evidence(ctx, d1)
		must(t, "Evidence", err)
		if string(got) != string(b1) {
			t.Errorf("Evidence returned %d bytes that differ from the %d stored", len(got), len(b1))
		}
	})
	t.Run("storing it again changes nothing", func(t *testing.T) {
		size := auditSize(t, s)
		must(t, "PutInstanceEvidence", m.PutInstanceEvidence(ctx, "web-a", d1, b1))
		unchangedTrail(t, s, size, "storing the same evidence again")
	})
	d2, b2, _ := sealed(t, "never stored")
	refused := []struct {
		name, instance, digest string
		blob                   []byte
		code                   qualstate.ErrorCode
	}{
		{"a blob that is not the digest's", "web-a", d2, b1, qualstate.ErrInvalidInput},
		{"no instance id", "", d2, b2, qualstate.ErrInvalidInput},
		{"an instance not recorded", "web-none", d2, b2, qualstate.ErrNotFound},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			size := auditSize(t, s)
			err := m.PutInstanceEvidence(ctx, tt.instance, tt.digest, tt.blob)
			wantCode(t, "PutInstanceEvidence", err, tt.code)
			if tt.code == qualstate.ErrInvalidInput && tt.instance != "" && !errors.Is(err, qualstate.ErrDigestMismatch) {
				t.Errorf("error %v does not wrap ErrDigestMismatch", err)
			}
			unchangedTrail(t, s, size, "a refused PutInstanceEvidence")
			_, err = s.Evidence(ctx, d2)
			wantCode(t, "Evidence after a refused PutInstanceEvidence", err, qualstate.ErrNotFound)
		})
	}
}

func testDeviations(t *testing.T, open opener) {
	// The store gives the id: the fixture has none.
	withID := fullDeviation("x", "y")
	withID.ID = "D-000001"
	requireAllSet(t, withID)
	const r1 = "run-dev-01"
	s, m := freshMonitor(t, open, r1)
	ctx := t.Context()
	for _, id := range []string{"web-a", "web-b"} {
		must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: id, RunID: r1}, nil))
	}
	keyEnc := qualstate.DeviationKey(qualstate.DeviationCheck, "Records", "S3-ENC-01")
	full := fullDeviation("web-a", keyEnc)
	t.Run("a new deviation gets the first id", func(t *testing.T) {
		must(t, "PutDeviation", m.PutDeviation(ctx, full))
		if full.ID != "D-000001" {
			t.Fatalf("ID = %q, want D-000001", full.ID)
		}
		got, err := m.Deviation(ctx, full.ID)
		must(t, "Deviation", err)
		same(t, "Deviation", deviationUTC(got), deviationUTC(full))
	})
	t.Run("remediation values come back typed", func(t *testing.T) {
		got, err := m.Deviation(ctx, full.ID)
		must(t, "Deviation", err)
		want := map[string]any{"Days": int64(30), "Ratio": 0.5}
		if v := got.Remediation[1].Value; !reflect.DeepEqual(v, want) {
			t.Errorf("remediation value %#v, want %#v", v, want)
		}
	})
	t.Run("a deviation with only what is required", func(t *testing.T) {
		d := bareDeviation("web-b", keyEnc, t0)
		d.Controls, d.Evidence, d.History = []qualstate.Control{}, []string{}, []qualstate.DeviationChange{}
		must(t, "PutDeviation", m.PutDeviation(ctx, d))
		if d.ID != "D-000002" {
			t.Fatalf("ID = %q, want D-000002", d.ID)
		}
		got, err := m.Deviation(ctx, d.ID)
		must(t, "Deviation", err)
		same(t, "Deviation", deviationUTC(got), deviationUTC(d))
	})

	with := func(f func(d *qualstate.Deviation)) *qualstate.Deviation {
		d := bareDeviation("web-a", "drift|Records|/Tags", t0)
		f(d)
		return d
	}
	refused := []struct {
		name string
		d    *qualstate.Deviation
		code qualstate.ErrorCode
	}{
		{"no deviation", nil, qualstate.ErrInvalidInput},
		{"no instance", with(func(d *qualstate.Deviation) { d.InstanceID = "" }), qualstate.ErrInvalidInput},
		{"no kind", with(func(d *qualstate.Deviation) { d.Kind = "" }), qualstate.ErrInvalidInput},
		{"no key", with(func(d *qualstate.Deviation) { d.Key = "" }), qualstate.ErrInvalidInput},
		{"no state", with(func(d *qualstate.Deviation) { d.State = "" }), qualstate.ErrInvalidInput},
		{"an unknown state", with(func(d *qualstate.Deviation) { d.State = "resolved" }), qualstate.ErrInvalidInput},
		{"an id with a slash", with(func(d *qualstate.Deviation) { d.ID = "D/000009" }), qualstate.ErrInvalidInput},
		{"an id of 65 characters", with(func(d *qualstate.Deviation) { d.ID = strings.Repeat("d", 65) }), qualstate.ErrInvalidInput},
		{"an instance not recorded", with(func(d *qualstate.Deviation) { d.InstanceID = "web-none" }), qualstate.ErrNotFound},
		{"a second open deviation for a key", with(func(d *qualstate.Deviation) { d.Key = keyEnc }), qualstate.ErrConflict},
		{"a second one under an id of its own", with(func(d *qualstate.Deviation) { d.Key, d.ID = keyEnc, "D-000050" }), qualstate.ErrConflict},
		{"a second one, accepted", with(func(d *qualstate.Deviation) { d.Key, d.State = keyEnc, qualstate.DeviationAccepted }), qualstate.ErrConflict},
		{"a second one, treated", with(func(d *qualstate.Deviation) { d.Key, d.State = keyEnc, qualstate.DeviationTreated }), qualstate.ErrConflict},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			size := auditSize(t, s)
			var id string
			if tt.d != nil {
				id = tt.d.ID
			}
			wantCode(t, "PutDeviation", m.PutDeviation(ctx, tt.d), tt.code)
			unchangedTrail(t, s, size, "a refused PutDeviation")
			if tt.d != nil && tt.d.ID != id {
				t.Errorf("a refused PutDeviation set ID %q", tt.d.ID)
			}
			all, err := m.Deviations(ctx, qualstate.DeviationFilter{})
			must(t, "Deviations", err)
			if len(all) != 2 {
				t.Errorf("a refused PutDeviation left %d deviations, want 2", len(all))
			}
		})
	}

	t.Run("a rewrite records the change", func(t *testing.T) {
		full.Move(t0.Add(time.Hour), "jdoe", qualstate.DeviationTreated, "treated", "patched")
		full.Remediation = full.Remediation[:1]
		must(t, "PutDeviation", m.PutDeviation(ctx, full))
		got, err := m.Deviation(ctx, full.ID)
		must(t, "Deviation", err)
		same(t, "Deviation", deviationUTC(got), deviationUTC(full))
	})
	rewrites := []struct {
		name string
		f    func(d *qualstate.Deviation)
		code qualstate.ErrorCode
	}{
		{"to another instance", func(d *qualstate.Deviation) { d.InstanceID = "web-b" }, qualstate.ErrConflict},
		{"to another key", func(d *qualstate.Deviation) { d.Key = "check|Records|S3-VER-01" }, qualstate.ErrConflict},
		{"to an instance not recorded", func(d *qualstate.Deviation) { d.InstanceID = "web-none" }, qualstate.ErrNotFound},
		{"without a state", func(d *qualstate.Deviation) { d.State = "" }, qualstate.ErrInvalidInput},
	}
	for _, tt := range rewrites {
		t.Run("refuses a rewrite "+tt.name, func(t *testing.T) {
			c := deviationUTC(full)
			tt.f(&c)
			size := auditSize(t, s)
			wantCode(t, "PutDeviation", m.PutDeviation(ctx, &c), tt.code)
			unchangedTrail(t, s, size, "a refused PutDeviation")
			got, err := m.Deviation(ctx, full.ID)
			must(t, "Deviation", err)
			same(t, "Deviation after a refused rewrite", deviationUTC(got), deviationUTC(full))
		})
	}

	t.Run("closed, its key is free again", func(t *testing.T) {
		full.Move(t0.Add(2*time.Hour), "monitor", qualstate.DeviationClosed, "closed", "back in the qualified state")
		must(t, "PutDeviation", m.PutDeviation(ctx, full))
		again := bareDeviation("web-a", keyEnc, t0.Add(3*time.Hour))
		must(t, "PutDeviation", m.PutDeviation(ctx, again))
		if again.ID != "D-000003" {
			t.Errorf("ID = %q, want D-000003", again.ID)
		}
	})
	t.Run("an unchanged rewrite of a closed deviation is no change", func(t *testing.T) {
		size := auditSize(t, s)
		must(t, "PutDeviation", m.PutDeviation(ctx, full))
		unchangedTrail(t, s, size, "an unchanged rewrite")
	})
	closedRewrites := []struct {
		name string
		f    func(d *qualstate.Deviation)
	}{
		{"reopened", func(d *qualstate.Deviation) {
			d.Move(t0.Add(4*time.Hour), "jdoe", qualstate.DeviationOpen, "reopened", "")
		}},
		{"its history changed", func(d *qualstate.Deviation) { d.History[0].Note = "rewritten" }},
		{"a note added", func(d *qualstate.Deviation) { d.Reason += " (see CAPA-12)" }},
	}
	for _, tt := range closedRewrites {
		t.Run("refuses a closed deviation "+tt.name, func(t *testing.T) {
			c := deviationUTC(full)
			c.History = slices.Clone(c.History)
			tt.f(&c)
			size := auditSize(t, s)
			wantCode(t, "PutDeviation", m.PutDeviation(ctx, &c), qualstate.ErrConflict)
			unchangedTrail(t, s, size, "a refused PutDeviation")
			got, err := m.Deviation(ctx, full.ID)
			must(t, "Deviation", err)
			same(t, "closed Deviation", deviationUTC(got), deviationUTC(full))
		})
	}
	t.Run("a deviation not recorded", func(t *testing.T) {
		_, err := m.Deviation(ctx, "D-999999")
		wantCode(t, "Deviation", err, qualstate.ErrNotFound)
	})
}

func testDeviationIDs(t *testing.T, open opener) {
	const r1 = "run-devid-01"
	_, m := freshMonitor(t, open, r1)
	ctx := t.Context()
	must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: "web-a", RunID: r1}, nil))
	n := 0
	put := func(id string) string {
		t.Helper()
		n++
		d := bareDeviation("web-a", fmt.Sprintf("drift|R%d|/P", n), t0)
		d.ID = id
		must(t, "PutDeviation "+id, m.PutDeviation(ctx, d))
		return d.ID
	}
	steps := []struct {
		name, id, want string
	}{
		{"the first", "", "D-000001"},
		{"the next", "", "D-000002"},
		{"an id of its own kept", "ops-2026.11_a", "ops-2026.11_a"},
		{"an id of another form does not count", "", "D-000003"},
		{"a higher number given", "D-000041", "D-000041"},
		{"numbering goes on above it", "", "D-000042"},
		{"a lower number given", "D-000010", "D-000010"},
		{"numbering goes on above the highest", "", "D-000043"},
		{"the last of six digits given", "D-999999", "D-999999"},
		{"seven digits after", "", "D-1000000"},
		{"and on", "", "D-1000001"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := put(st.id); got != st.want {
				t.Errorf("ID = %q, want %q", got, st.want)
			}
		})
	}
	t.Run("an id taken is a rewrite, not a second deviation", func(t *testing.T) {
		d := bareDeviation("web-a", "drift|Other|/P", t0)
		d.ID = "D-000001"
		wantCode(t, "PutDeviation", m.PutDeviation(ctx, d), qualstate.ErrConflict)
	})
}

func testDeviationFilter(t *testing.T, open opener) {
	const r1 = "run-devf-01"
	_, m := freshMonitor(t, open, r1)
	ctx := t.Context()
	for _, id := range []string{"web-a", "web-b", "web-c"} {
		must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: id, RunID: r1}, nil))
	}
	// Put in an order that is neither time nor id order.
	type spec struct {
		id, instance string
		at           time.Duration
		state        qualstate.DeviationState
	}
	specs := []spec{
		{"D-000005", "web-a", 2 * time.Minute, qualstate.DeviationOpen},
		{"D-000002", "web-b", time.Minute, qualstate.DeviationAcknowledged},
		{"D-000004", "web-a", 0, qualstate.DeviationClosed},
		{"D-000001", "web-a", time.Minute, qualstate.DeviationAccepted},
		{"D-000003", "web-a", time.Minute, qualstate.DeviationTreated},
		{"D-000006", "web-b", 3 * time.Minute, qualstate.DeviationClosed},
	}
	// The latest in a zone whose clock reads earlier than t0's: order is
	// by instant.
	est := time.FixedZone("EST", -5*3600)
	byID := map[string]qualstate.Deviation{}
	for i, sp := range specs {
		opened := t0.Add(sp.at)
		if i == len(specs)-1 {
			opened = opened.In(est)
		}
		d := bareDeviation(sp.instance, fmt.Sprintf("drift|R%d|/P", i), opened)
		d.ID, d.State = sp.id, sp.state
		must(t, "PutDeviation", m.PutDeviation(ctx, d))
		byID[d.ID] = *d
	}
	active := []qualstate.DeviationState{qualstate.DeviationOpen, qualstate.DeviationAcknowledged,
		qualstate.DeviationTreated, qualstate.DeviationAccepted}
	tests := []struct {
		name   string
		filter qualstate.DeviationFilter
		want   []string
	}{
		{"all, oldest first, then by id", qualstate.DeviationFilter{},
			[]string{"D-000004", "D-000001", "D-000002", "D-000003", "D-000005", "D-000006"}},
		{"one instance's", qualstate.DeviationFilter{InstanceID: "web-a"},
			[]string{"D-000004", "D-000001", "D-000003", "D-000005"}},
		{"one instance's active ones", qualstate.DeviationFilter{InstanceID: "web-a", States: active},
			[]string{"D-000001", "D-000003", "D-000005"}},
		{"every active one", qualstate.DeviationFilter{States: active},
			[]string{"D-000001", "D-000002", "D-000003", "D-000005"}},
		{"closed ones", qualstate.DeviationFilter{States: []qualstate.DeviationState{qualstate.DeviationClosed}},
			[]string{"D-000004", "D-000006"}},
		{"two states", qualstate.DeviationFilter{States: []qualstate.DeviationState{qualstate.DeviationClosed, qualstate.DeviationOpen}},
			[]string{"D-000004", "D-000005", "D-000006"}},
		{"limited", qualstate.DeviationFilter{InstanceID: "web-a", Limit: 2}, []string{"D-000004", "D-000001"}},
		{"a limit above the count", qualstate.DeviationFilter{InstanceID: "web-b", Limit: 10}, []string{"D-000002", "D-000006"}},
		{"an instance with none", qualstate.DeviationFilter{InstanceID: "web-c"}, nil},
		{"a state none is in", qualstate.DeviationFilter{InstanceID: "web-b", States: []qualstate.DeviationState{qualstate.DeviationOpen}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Deviations(ctx, tt.filter)
			must(t, "Deviations", err)
			var want []qualstate.Deviation
			for _, id := range tt.want {
				want = append(want, byID[id])
			}
			same(t, "Deviations", deviationsUTC(got), deviationsUTC(want))
		})
	}
	refused := []struct {
		name   string
		filter qualstate.DeviationFilter
		code   qualstate.ErrorCode
	}{
		{"a negative limit", qualstate.DeviationFilter{Limit: -1}, qualstate.ErrInvalidInput},
		{"an unknown state", qualstate.DeviationFilter{States: []qualstate.DeviationState{"resolved"}}, qualstate.ErrInvalidInput},
		{"an instance not recorded", qualstate.DeviationFilter{InstanceID: "web-none"}, qualstate.ErrNotFound},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			_, err := m.Deviations(ctx, tt.filter)
			wantCode(t, "Deviations", err, tt.code)
		})
	}
}

// testDeviationRace opens the same departure from many goroutines at once,
// as an event and a scheduled evaluation may: one deviation is recorded,
// every other call is ErrConflict.
func testDeviationRace(t *testing.T, open opener) {
	const r1 = "run-race-01"
	_, m := freshMonitor(t, open, r1)
	ctx := t.Context()
	must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: "web-a", RunID: r1}, nil))
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = m.PutDeviation(ctx, bareDeviation("web-a", "drift|Records|/Tags", t0)) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		wantCode(t, "a racing PutDeviation", err, qualstate.ErrConflict)
	}
	if ok != 1 {
		t.Errorf("%d of %d racing PutDeviation calls succeeded, want 1", ok, n)
	}
	got, err := m.Deviations(ctx, qualstate.DeviationFilter{InstanceID: "web-a"})
	must(t, "Deviations", err)
	if len(got) != 1 {
		t.Errorf("%d deviations recorded, want 1", len(got))
	}
}

func testEvaluations(t *testing.T, open opener) {
	withID := fullEvaluation("x", t0)
	withID.ID = 1
	requireAllSet(t, withID)
	const r1 = "run-eval-01"
	s, m := freshMonitor(t, open, r1)
	ctx := t.Context()
	for _, id := range []string{"web-a", "web-b", "web-c"} {
		must(t, "CreateInstance", m.CreateInstance(ctx, &qualstate.Instance{ID: id, RunID: r1}, nil))
	}
	// Not in time order: the list is by time, then newest id first.
	adds := []*qualstate.Evaluation{
		fullEvaluation("web-a", t0.Add(time.Minute)),
		{InstanceID: "web-a", Time: t0, Opened: []string{}, Closed: []string{}},
		fullEvaluation("web-b", t0.Add(5*time.Minute)),
		{InstanceID: "web-a", Time: t0.Add(time.Minute), Status: qualstate.QSQualified},
		// Later than the others, in a zone whose clock reads earlier.
		fullEvaluation("web-a", t0.Add(2*time.Minute).In(time.FixedZone("EST", -5*3600))),
	}
	for i, e := range adds {
		must(t, "AddEvaluation", m.AddEvaluation(ctx, e))
		if e.ID != int64(i+1) {
			t.Errorf("evaluation %d got ID %d, want %d", i, e.ID, i+1)
		}
	}
	tests := []struct {
		name     string
		instance string
		limit    int
		want     []*qualstate.Evaluation
	}{
		{"newest first, then by id", "web-a", 0, []*qualstate.Evaluation{adds[4], adds[3], adds[0], adds[1]}},
		{"limited", "web-a", 2, []*qualstate.Evaluation{adds[4], adds[3]}},
		{"another instance's apart", "web-b", 0, []*qualstate.Evaluation{adds[2]}},
		{"an instance with none", "web-c", 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Evaluations(ctx, tt.instance, tt.limit)
			must(t, "Evaluations", err)
			var want []qualstate.Evaluation
			for _, e := range tt.want {
				want = append(want, *e)
			}
			same(t, "Evaluations", evaluationsUTC(got), evaluationsUTC(want))
		})
	}
	t.Run("refuses to list with a negative limit", func(t *testing.T) {
		_, err := m.Evaluations(ctx, "web-a", -1)
		wantCode(t, "Evaluations", err, qualstate.ErrInvalidInput)
	})
	t.Run("refuses to list an instance not recorded", func(t *testing.T) {
		_, err := m.Evaluations(ctx, "web-none", 0)
		wantCode(t, "Evaluations", err, qualstate.ErrNotFound)
	})
	refused := []struct {
		name string
		e    *qualstate.Evaluation
		code qualstate.ErrorCode
	}{
		{"no evaluation", nil, qualstate.ErrInvalidInput},
		{"one recorded already", adds[0], qualstate.ErrInvalidInput},
		{"no instance", &qualstate.Evaluation{Time: t0}, qualstate.ErrInvalidInput},
		{"an instance not recorded", &qualstate.Evaluation{InstanceID: "web-none", Time: t0}, qualstate.ErrNotFound},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			size := auditSize(t, s)
			var id int64
			if tt.e != nil {
				id = tt.e.ID
			}
			wantCode(t, "AddEvaluation", m.AddEvaluation(ctx, tt.e), tt.code)
			unchangedTrail(t, s, size, "a refused AddEvaluation")
			if tt.e != nil && tt.e.ID != id {
				t.Errorf("a refused AddEvaluation set ID %d", tt.e.ID)
			}
		})
	}
	t.Run("numbering goes on after a refusal", func(t *testing.T) {
		e := &qualstate.Evaluation{InstanceID: "web-c", Time: t0}
		must(t, "AddEvaluation", m.AddEvaluation(ctx, e))
		if e.ID != int64(len(adds)+1) {
			t.Errorf("ID = %d, want %d", e.ID, len(adds)+1)
		}
	})
}

// monitorStep is one write of testMonitorAudit and the events it must
// append, each written "action subject"; reasons, when set, are the
// events' reasons in order, where otherwise every event has the context's.
type monitorStep struct {
	name    string
	actor   string
	reason  string
	do      func(ctx context.Context, m qualstate.MonitorStore) error
	want    []string
	reasons []string
}

// testMonitorAudit makes every kind of monitoring write, checks the events
// each appends, then checks the trail as a whole as testAuditTrail does:
// each event starts where the last on its subject ended, and RecordDigests
// gives every record the digest its last event left, across a restart.
func testMonitorAudit(t *testing.T, open opener) {
	s, reopen := open(t)
	m := monitorOf(t, s)
	const r1, r2, id = "run-mon-01", "run-mon-02", "web-prod"
	inst := fullInstance(id, r1)
	base := []qualstate.BaselineResource{fullBaseline("Alpha"), fullBaseline("Beta")}
	changed := fullBaseline("Beta")
	changed.PhysicalID = "replaced"
	base2 := []qualstate.BaselineResource{changed, fullBaseline("Gamma")}
	ev1, ev1blob, _ := sealed(t, "monitored")
	dev := bareDeviation(id, qualstate.DeviationKey(qualstate.DeviationDrift, "Beta", "/Tags"), t0)
	dev.History = []qualstate.DeviationChange{{Time: t0, Actor: "monitor", To: qualstate.DeviationOpen, Action: "opened"}}
	eval := fullEvaluation(id, t0)

	steps := []monitorStep{
		{name: "create runs", actor: "jdoe", do: func(ctx context.Context, _ qualstate.MonitorStore) error {
			if err := s.CreateRun(ctx, &qualstate.Run{ID: r1}); err != nil {
				return err
			}
			return s.CreateRun(ctx, &qualstate.Run{ID: r2})
		}, want: []string{"run.created run/" + r1, "run.created run/" + r2}},
		{name: "register an instance", actor: "jdoe", reason: "go-live CHG-1", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			return m.CreateInstance(ctx, inst, base)
		}, want: []string{"instance.registered instance/" + id, "baseline.recorded instance/" + id + "/baseline/Alpha",
			"baseline.recorded instance/" + id + "/baseline/Beta"}},
		{name: "update it unchanged", actor: "monitor", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			return m.UpdateInstance(ctx, inst)
		}},
		{name: "update its status", actor: "monitor", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			inst.Status, inst.LastEvaluated = qualstate.QSNonCompliant, t0.Add(3*time.Hour)
			return m.UpdateInstance(ctx, inst)
		}, want: []string{"instance.updated instance/" + id}},
		{name: "rebase it on another run", actor: "jdoe", reason: "CHG-2", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			inst.RunID = r2
			return m.RebaseInstance(ctx, inst, base2)
		}, want: []string{"instance.rebased instance/" + id, "baseline.recorded instance/" + id + "/baseline/Beta",
			"baseline.recorded instance/" + id + "/baseline/Gamma", "baseline.removed instance/" + id + "/baseline/Alpha"}},
		{name: "rebase it as it is", actor: "jdoe", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			return m.RebaseInstance(ctx, inst, base2)
		}},
		{name: "rebase only its baseline", actor: "jdoe", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			return m.RebaseInstance(ctx, inst, []qualstate.BaselineResource{fullBaseline("Alpha"), changed, fullBaseline("Gamma")})
		}, want: []string{"baseline.recorded instance/" + id + "/baseline/Alpha"}},
		{name: "store evidence", actor: "monitor", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			return m.PutInstanceEvidence(ctx, id, ev1, ev1blob)
		}, want: []string{"evidence.stored evidence/" + ev1, "evidence.linked instance/" + id + "/evidence/" + ev1}},
		{name: "store it again", actor: "monitor", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			return m.PutInstanceEvidence(ctx, id, ev1, ev1blob)
		}},
		{name: "link it to a run too", actor: "monitor", do: func(ctx context.Context, _ qualstate.MonitorStore) error {
			return s.PutEvidence(ctx, r1, ev1, ev1blob)
		}, want: []string{"evidence.linked run/" + r1 + "/evidence/" + ev1}},
		{name: "open a deviation", actor: "monitor", reason: "schedule", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			return m.PutDeviation(ctx, dev)
		}, want: []string{"deviation.opened deviation/D-000001"}},
		{name: "acknowledge it", actor: "jdoe", reason: "from the context", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			dev.Move(t0.Add(time.Minute), "jdoe", qualstate.DeviationAcknowledged, "acknowledged", "looking")
			return m.PutDeviation(ctx, dev)
		}, want: []string{"deviation.updated deviation/D-000001"}, reasons: []string{"acknowledged"}},
		{name: "rewrite it unchanged", actor: "jdoe", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			return m.PutDeviation(ctx, dev)
		}},
		{name: "rewrite it without a history", actor: "jdoe", reason: "tidied", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			c := *dev
			c.History = nil
			return m.PutDeviation(ctx, &c)
		}, want: []string{"deviation.updated deviation/D-000001"}, reasons: []string{"tidied"}},
		{name: "close it", actor: "monitor", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			dev.Move(t0.Add(time.Hour), "monitor", qualstate.DeviationClosed, "closed", "back in the qualified state")
			return m.PutDeviation(ctx, dev)
		}, want: []string{"deviation.updated deviation/D-000001"}, reasons: []string{"closed"}},
		{name: "record evaluations", actor: "monitor", reason: "schedule", do: func(ctx context.Context, m qualstate.MonitorStore) error {
			if err := m.AddEvaluation(ctx, eval); err != nil {
				return err
			}
			return m.AddEvaluation(ctx, &qualstate.Evaluation{InstanceID: id, Time: t0.Add(time.Hour)})
		}, want: []string{"evaluation.recorded evaluation/1", "evaluation.recorded evaluation/2"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ctx := qualstate.WithActor(t.Context(), st.actor)
			if st.reason != "" {
				ctx = qualstate.WithReason(ctx, st.reason)
			}
			from := auditSize(t, s)
			must(t, st.name, st.do(ctx, m))
			evs := scanEvents(t, s, from)
			var got, reasons []string
			for _, ev := range evs {
				got, reasons = append(got, ev.Action+" "+ev.Subject), append(reasons, ev.Reason)
				if ev.Actor != st.actor {
					t.Errorf("%s %s: actor %q, want %q", ev.Action, ev.Subject, ev.Actor, st.actor)
				}
				if ev.Time.IsZero() || ev.Time.Location() != time.UTC {
					t.Errorf("%s %s: time %v, want a UTC time", ev.Action, ev.Subject, ev.Time)
				}
			}
			same(t, "events", got, st.want)
			want := st.reasons
			if want == nil {
				for range evs {
					want = append(want, st.reason)
				}
			}
			same(t, "reasons", reasons, want)
		})
	}

	evs := scanEvents(t, s, 0)
	last := map[string]string{}
	t.Run("each event starts where the last on its subject ended", func(t *testing.T) {
		for _, ev := range evs {
			if ev.Before != last[ev.Subject] {
				t.Errorf("%s %s: before %q, but the last event on it left %q", ev.Action, ev.Subject, ev.Before, last[ev.Subject])
			}
			if ev.After == "" && !strings.HasSuffix(ev.Action, ".removed") {
				t.Errorf("%s %s names no digest after", ev.Action, ev.Subject)
			}
			last[ev.Subject] = ev.After
		}
	})
	want := map[string]string{}
	for subject, d := range last {
		if d != "" {
			want[subject] = d
		}
	}
	t.Run("record digests are what the last events left", func(t *testing.T) {
		same(t, "RecordDigests", recordDigests(t, s), want)
	})
	// Records as read now, to compare after the restart.
	instances, err := m.Instances(t.Context())
	must(t, "Instances", err)
	baseline, err := m.InstanceBaseline(t.Context(), id)
	must(t, "InstanceBaseline", err)
	deviations, err := m.Deviations(t.Context(), qualstate.DeviationFilter{})
	must(t, "Deviations", err)
	evaluations, err := m.Evaluations(t.Context(), id, 0)
	must(t, "Evaluations", err)
	must(t, "Close", s.Close())
	if reopen == nil {
		return
	}
	s = reopen(t)
	closeAtEnd(t, s)
	m = monitorOf(t, s)
	t.Run("the records and their trail are kept across a restart", func(t *testing.T) {
		same(t, "events after reopening", scanEvents(t, s, 0), evs)
		same(t, "RecordDigests after reopening", recordDigests(t, s), want)
		got, err := m.Instances(t.Context())
		must(t, "Instances", err)
		same(t, "Instances", got, instances)
		gotBase, err := m.InstanceBaseline(t.Context(), id)
		must(t, "InstanceBaseline", err)
		same(t, "InstanceBaseline", gotBase, baseline)
		gotDevs, err := m.Deviations(t.Context(), qualstate.DeviationFilter{})
		must(t, "Deviations", err)
		same(t, "Deviations", gotDevs, deviations)
		gotEvals, err := m.Evaluations(t.Context(), id, 0)
		must(t, "Evaluations", err)
		same(t, "Evaluations", gotEvals, evaluations)
	})
}
