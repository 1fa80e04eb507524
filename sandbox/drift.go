package sandbox

import (
	"encoding/json"
	"maps"
	"slices"

	"qualstate/drift"
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
	lr := s.resources[resourceKey(sr.Type, sr.Identifier)]
	live := map[string]any{}
	if lr != nil {
		live, _ = normalize(lr.Model).(map[string]any)
	}
	result := drift.Compare(t.Schema(), expected, live)
	for _, name := range result.WriteOnly {
		delete(expected, name)
	}
	d.Expected, _ = json.Marshal(expected)
	if lr == nil {
		d.Status = "DELETED"
		return d
	}
	actual := map[string]any{}
	for k := range expected {
		if v, ok := live[k]; ok {
			actual[k] = v
		}
	}
	d.Actual, _ = json.Marshal(actual)
	for _, diff := range result.Differences {
		d.Differences = append(d.Differences, difference{
			Path: diff.Path, Expected: drift.Text(diff.Expected), Actual: drift.Text(diff.Actual), Type: string(diff.Kind),
		})
	}
	d.Status = "IN_SYNC"
	if len(d.Differences) > 0 {
		d.Status = "MODIFIED"
	}
	return d
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
