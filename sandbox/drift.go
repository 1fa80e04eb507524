package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"qualstate/cfn/schema"
	"qualstate/jsonpatch"
	"qualstate/sandbox/awsquery"
	"qualstate/sandbox/registry"
)

// driftOf compares a stack resource's template properties with its live
// state. As CloudFormation does, only the properties the template sets are
// compared (a default the service applies is not drift), write-only
// properties are not (they cannot be read back), and the items of an array
// whose order does not matter are matched whatever their order.
func (s *Sandbox) driftOf(st *stack, sr *stackResource) resourceDrift {
	d := resourceDrift{LogicalID: sr.LogicalID, PhysicalID: sr.PhysicalID, Type: sr.Type, Timestamp: now()}
	t, err := registry.Lookup(sr.Type)
	if err != nil || !provisioned(sr.Status) {
		d.Status = "NOT_CHECKED"
		return d
	}
	expected := map[string]any{}
	for k, v := range sr.Desired {
		expected[k] = normalize(v)
	}
	for _, p := range t.Schema().WriteOnlyProperties() {
		if name, ok := strings.CutPrefix(p, "/properties/"); ok && !strings.Contains(name, "/") {
			delete(expected, name)
		}
	}
	d.Expected, _ = json.Marshal(expected)
	lr := s.resources[resourceKey(sr.Type, sr.Identifier)]
	if lr == nil {
		d.Status = "DELETED"
		return d
	}
	live, _ := normalize(lr.Model).(map[string]any)
	actual := map[string]any{}
	for k := range expected {
		if v, ok := live[k]; ok {
			actual[k] = v
		}
	}
	d.Actual, _ = json.Marshal(actual)
	c := differ{schema: t.Schema()}
	for _, k := range slices.Sorted(maps.Keys(expected)) {
		v, ok := actual[k]
		if !ok {
			c.add("/"+jsonpatch.EscapeToken(k), expected[k], nil, "REMOVE")
			continue
		}
		c.compare("/"+jsonpatch.EscapeToken(k), expected[k], v)
	}
	d.Differences = c.out
	d.Status = "IN_SYNC"
	if len(d.Differences) > 0 {
		d.Status = "MODIFIED"
	}
	return d
}

// differ collects the differences between expected and actual values.
type differ struct {
	schema *schema.Schema
	out    []difference
}

func (c *differ) add(path string, expected, actual any, kind string) {
	c.out = append(c.out, difference{Path: path, Expected: driftText(expected), Actual: driftText(actual), Type: kind})
}

func (c *differ) compare(path string, expected, actual any) {
	switch e := expected.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			c.add(path, expected, actual, "NOT_EQUAL")
			return
		}
		for _, k := range slices.Sorted(maps.Keys(e)) {
			p := path + "/" + jsonpatch.EscapeToken(k)
			if av, ok := a[k]; ok {
				c.compare(p, e[k], av)
			} else {
				c.add(p, e[k], nil, "REMOVE")
			}
		}
	case []any:
		a, ok := actual.([]any)
		if !ok {
			c.add(path, expected, actual, "NOT_EQUAL")
			return
		}
		if c.schema.InsertionOrder(path) {
			for i := range max(len(e), len(a)) {
				p := path + "/" + strconv.Itoa(i)
				switch {
				case i >= len(a):
					c.add(p, e[i], nil, "REMOVE")
				case i >= len(e):
					c.add(p, nil, a[i], "ADD")
				default:
					c.compare(p, e[i], a[i])
				}
			}
			return
		}
		// Unordered: pair equal items, then report the rest.
		used := make([]bool, len(a))
		for i, ev := range e {
			j := -1
			for k := range a {
				if !used[k] && sameValue(ev, a[k]) {
					j = k
					break
				}
			}
			if j >= 0 {
				used[j] = true
				continue
			}
			c.add(path+"/"+strconv.Itoa(i), ev, nil, "REMOVE")
		}
		for j, av := range a {
			if !used[j] {
				c.add(path+"/"+strconv.Itoa(j), nil, av, "ADD")
			}
		}
	default:
		if !sameValue(expected, actual) {
			c.add(path, expected, actual, "NOT_EQUAL")
		}
	}
}

// sameValue compares values as CloudFormation reads them: a template's
// "30" and the service's 30 are the same.
func sameValue(a, b any) bool {
	if jsonpatch.Equal(a, b) {
		return true
	}
	as, aScalar := scalarText(a)
	bs, bScalar := scalarText(b)
	if aScalar && bScalar {
		return as == bs
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for k, v := range am {
			if !sameValue(v, bm[k]) {
				return false
			}
		}
		return true
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			if !sameValue(al[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// driftText renders a value as PropertyDifference shows it: scalars as
// text, the rest as JSON.
func driftText(v any) string {
	if s, ok := scalarText(v); ok {
		return s
	}
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// detect runs drift detection on a stack's resources (all, or those
// named) and records the outcome on them.
func (s *Sandbox) detect(st *stack, only []string) (*driftDetection, error) {
	det := &driftDetection{ID: newUUID(), StackID: st.ID, Status: "DETECTION_COMPLETE", Timestamp: now()}
	for _, sr := range sortedResources(st) {
		if len(only) > 0 && !slices.Contains(only, sr.LogicalID) {
			continue
		}
		d := s.driftOf(st, sr)
		det.ResourceDrift = append(det.ResourceDrift, d)
		sr.DriftStatus, sr.DriftCheckedAt = d.Status, d.Timestamp
		if err := s.saveStackResource(sr); err != nil {
			return nil, err
		}
		if d.Status == "MODIFIED" || d.Status == "DELETED" {
			det.DriftedCount++
		}
	}
	det.StackDrift = "IN_SYNC"
	if det.DriftedCount > 0 {
		det.StackDrift = "DRIFTED"
	}
	st.DriftStatus, st.DriftCheckedAt = det.StackDrift, det.Timestamp
	if err := s.saveStack(st); err != nil {
		return nil, err
	}
	if err := s.store.put(kindDrift, det.ID, det); err != nil {
		return nil, err
	}
	s.drifts[det.ID] = det
	return det, nil
}

// driftable reports whether drift detection may run on a stack in its
// status.
func driftable(st *stack) bool {
	switch st.Status {
	case "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED",
		"IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_FAILED":
		return st.done == nil
	}
	return false
}

func (s *Sandbox) detectStackDrift(q awsquery.Values, c *call) (any, *apiError) {
	only, err := q.List("LogicalResourceIds")
	if err != nil {
		return nil, validationError("LogicalResourceIds: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	if !driftable(st) {
		return nil, validationError("Drift detection cannot be performed on stack %s in %s state", st.ID, st.Status)
	}
	for _, id := range only {
		if st.resources[id] == nil {
			return nil, validationError("Resource %s does not exist for stack %s", id, st.Name)
		}
	}
	det, err := s.detect(st, only)
	if err != nil {
		return nil, internalError(err)
	}
	if err := s.recordStackCall(c, "DetectStackDrift", st, map[string]any{"stackName": st.Name, "logicalResourceIds": only}); err != nil {
		return nil, internalError(err)
	}
	return xDetectStackDrift{StackDriftDetectionID: det.ID}, nil
}

func (s *Sandbox) describeStackDriftDetectionStatus(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := q.String("StackDriftDetectionId")
	det := s.drifts[id]
	if det == nil {
		return nil, validationError("Drift detection with id %s does not exist", id)
	}
	return xDriftDetectionStatus{
		StackID: det.StackID, StackDriftDetectionID: det.ID, StackDriftStatus: det.StackDrift,
		DetectionStatus: det.Status, DetectionStatusReason: det.StatusReason,
		DriftedStackResourceCount: det.DriftedCount, Timestamp: det.Timestamp,
	}, nil
}

func driftShape(st *stack, d resourceDrift) xResourceDrift {
	x := xResourceDrift{
		StackID: st.ID, LogicalResourceID: d.LogicalID, PhysicalResourceID: d.PhysicalID, ResourceType: d.Type,
		ExpectedProperties: string(d.Expected), ActualProperties: string(d.Actual),
		StackResourceDriftStatus: d.Status, Timestamp: d.Timestamp,
	}
	for _, p := range d.Differences {
		x.PropertyDifferences = append(x.PropertyDifferences, xPropertyDifference{
			PropertyPath: p.Path, ExpectedValue: p.Expected, ActualValue: p.Actual, DifferenceType: p.Type})
	}
	return x
}

func (s *Sandbox) describeStackResourceDrifts(q awsquery.Values, _ *call) (any, *apiError) {
	filter, err := q.List("StackResourceDriftStatusFilters")
	if err != nil {
		return nil, validationError("StackResourceDriftStatusFilters: %v", err)
	}
	size := 100
	if n, present, err := q.Int("MaxResults"); err != nil || (present && (n < 1 || n > 100)) {
		return nil, validationError("MaxResults must be between 1 and 100")
	} else if present {
		size = int(n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	// The latest detection of each resource.
	latest := map[string]resourceDrift{}
	for _, det := range s.drifts {
		if det.StackID != st.ID {
			continue
		}
		for _, d := range det.ResourceDrift {
			if prev, ok := latest[d.LogicalID]; !ok || d.Timestamp.After(prev.Timestamp) {
				latest[d.LogicalID] = d
			}
		}
	}
	var drifts []resourceDrift
	for _, id := range slices.Sorted(maps.Keys(latest)) {
		d := latest[id]
		if len(filter) == 0 || slices.Contains(filter, d.Status) {
			drifts = append(drifts, d)
		}
	}
	start, end, next, apiErr := page(len(drifts), q.String("NextToken"), size)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xDescribeResourceDrifts{StackResourceDrifts: []xResourceDrift{}, NextToken: next}
	for _, d := range drifts[start:end] {
		out.StackResourceDrifts = append(out.StackResourceDrifts, driftShape(st, d))
	}
	return out, nil
}

func (s *Sandbox) detectStackResourceDrift(q awsquery.Values, c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, sr, apiErr := s.findStackResource(q)
	if apiErr != nil {
		return nil, apiErr
	}
	det := &driftDetection{ID: newUUID(), StackID: st.ID, Status: "DETECTION_COMPLETE", Timestamp: now()}
	d := s.driftOf(st, sr)
	det.ResourceDrift = []resourceDrift{d}
	sr.DriftStatus, sr.DriftCheckedAt = d.Status, d.Timestamp
	if err := s.saveStackResource(sr); err != nil {
		return nil, internalError(err)
	}
	if err := s.store.put(kindDrift, det.ID, det); err != nil {
		return nil, internalError(err)
	}
	s.drifts[det.ID] = det
	return xDetectResourceDrift{StackResourceDrift: driftShape(st, d)}, nil
}
