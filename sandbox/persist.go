package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"qualstate/sandbox/registry"
)

// load reads the state file into memory. An operation that was in
// progress when the sandbox stopped cannot go on (its goroutine is gone):
// it is marked failed, which is what AWS shows after an internal failure,
// and the stack stays usable.
func (s *Sandbox) load() error {
	err := s.store.each(kindStack, func(_ string, doc []byte) error {
		var st stack
		if err := json.Unmarshal(doc, &st); err != nil {
			return err
		}
		st.resources = map[string]*stackResource{}
		s.stacks[st.ID] = &st
		s.stackOrder = append(s.stackOrder, &st)
		return nil
	})
	if err != nil {
		return err
	}
	err = s.store.each(kindStackRes, func(_ string, doc []byte) error {
		var sr stackResource
		if err := json.Unmarshal(doc, &sr); err != nil {
			return err
		}
		if st := s.stacks[sr.StackID]; st != nil {
			st.resources[sr.LogicalID] = &sr
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = s.store.each(kindResource, func(_ string, doc []byte) error {
		var lr liveResource
		if err := json.Unmarshal(doc, &lr); err != nil {
			return err
		}
		s.resources[resourceKey(lr.Type, lr.Identifier)] = &lr
		return nil
	})
	if err != nil {
		return err
	}
	err = s.store.each(kindChangeSet, func(_ string, doc []byte) error {
		var cs changeSet
		if err := json.Unmarshal(doc, &cs); err != nil {
			return err
		}
		s.changeSets[cs.ID] = &cs
		return nil
	})
	if err != nil {
		return err
	}
	err = s.store.each(kindRequest, func(_ string, doc []byte) error {
		var rq request
		if err := json.Unmarshal(doc, &rq); err != nil {
			return err
		}
		if rq.Status == "PENDING" || rq.Status == "IN_PROGRESS" {
			rq.Status, rq.ErrorCode = "FAILED", "ServiceInternalError"
			rq.StatusMessage = "the sandbox stopped while the request was in progress"
		}
		s.requests[rq.Token] = &rq
		s.reqOrder = append(s.reqOrder, &rq)
		return nil
	})
	if err != nil {
		return err
	}
	err = s.store.each(kindDrift, func(_ string, doc []byte) error {
		var d driftDetection
		if err := json.Unmarshal(doc, &d); err != nil {
			return err
		}
		s.drifts[d.ID] = &d
		return nil
	})
	if err != nil {
		return err
	}
	err = s.store.stackEvents(func(stackID string, doc []byte) error {
		var ev stackEvent
		if err := json.Unmarshal(doc, &ev); err != nil {
			return err
		}
		if st := s.stacks[stackID]; st != nil {
			st.events = append(st.events, ev)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(s.stackOrder, func(a, b *stack) int { return a.Created.Compare(b.Created) })
	for _, st := range s.stackOrder {
		if strings.HasSuffix(st.Status, "_IN_PROGRESS") && st.Status != "REVIEW_IN_PROGRESS" {
			if err := s.interrupted(st); err != nil {
				return err
			}
		}
		if !st.Deleted.IsZero() {
			continue
		}
		for _, o := range st.Outputs {
			if o.ExportName != "" {
				s.exports[o.ExportName] = &export{Name: o.ExportName, Value: o.Value, StackID: st.ID}
			}
		}
	}
	return nil
}

// interrupted ends an operation the sandbox's last run left in progress.
func (s *Sandbox) interrupted(st *stack) error {
	failed := map[string]string{
		"CREATE_IN_PROGRESS":                           "CREATE_FAILED",
		"ROLLBACK_IN_PROGRESS":                         "ROLLBACK_FAILED",
		"DELETE_IN_PROGRESS":                           "DELETE_FAILED",
		"UPDATE_IN_PROGRESS":                           "UPDATE_ROLLBACK_FAILED",
		"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS":          "UPDATE_COMPLETE",
		"UPDATE_ROLLBACK_IN_PROGRESS":                  "UPDATE_ROLLBACK_FAILED",
		"UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE",
		"IMPORT_IN_PROGRESS":                           "IMPORT_ROLLBACK_FAILED",
	}[st.Status]
	if failed == "" {
		failed = "UPDATE_ROLLBACK_FAILED"
	}
	return s.setStackStatus(st, failed, "the sandbox stopped while the stack operation was in progress")
}

// saveStack persists a stack's own fields.
func (s *Sandbox) saveStack(st *stack) error { return s.store.put(kindStack, st.ID, st) }

// saveStackResource persists one stack resource.
func (s *Sandbox) saveStackResource(sr *stackResource) error {
	return s.store.put(kindStackRes, stackResourceKey(sr.StackID, sr.LogicalID), sr)
}

// removeStackResource forgets a stack resource.
func (s *Sandbox) removeStackResource(st *stack, logicalID string) error {
	delete(st.resources, logicalID)
	return s.store.remove(kindStackRes, stackResourceKey(st.ID, logicalID))
}

// putResource stores a live resource.
func (s *Sandbox) putResource(lr *liveResource) error {
	s.resources[resourceKey(lr.Type, lr.Identifier)] = lr
	return s.store.put(kindResource, resourceKey(lr.Type, lr.Identifier), lr)
}

// dropResource removes a live resource.
func (s *Sandbox) dropResource(typeName, identifier string) error {
	delete(s.resources, resourceKey(typeName, identifier))
	return s.store.remove(kindResource, resourceKey(typeName, identifier))
}

// addStackEvent records a stack event.
func (s *Sandbox) addStackEvent(st *stack, ev stackEvent) error {
	ev.EventID = newUUID()
	ev.StackID, ev.StackName = st.ID, st.Name
	if ev.Timestamp.IsZero() {
		ev.Timestamp = now()
	}
	// Events are listed newest first by time; two events in the same
	// millisecond would tie, so time never goes backwards within a stack.
	if n := len(st.events); n > 0 && !ev.Timestamp.After(st.events[n-1].Timestamp) {
		ev.Timestamp = st.events[n-1].Timestamp.Add(1e6)
	}
	st.events = append(st.events, ev)
	return s.store.appendStackEvent(st.ID, ev)
}

// setStackStatus changes a stack's status and records the event.
func (s *Sandbox) setStackStatus(st *stack, status, reason string) error {
	st.Status = status
	// A rolled-back stack keeps saying why it was rolled back; the event
	// of the final status has no reason, as on AWS.
	if reason != "" || !strings.HasSuffix(status, "ROLLBACK_COMPLETE") {
		st.StatusReason = reason
	}
	if err := s.saveStack(st); err != nil {
		return err
	}
	return s.addStackEvent(st, stackEvent{
		LogicalResourceID: st.Name, PhysicalResourceID: st.ID, ResourceType: "AWS::CloudFormation::Stack",
		ResourceStatus: status, ResourceStatusReason: reason,
	})
}

// setResourceStatus changes a stack resource's status and records the
// event.
func (s *Sandbox) setResourceStatus(st *stack, sr *stackResource, status, reason string) error {
	sr.Status, sr.Reason, sr.Updated = status, reason, now()
	if err := s.saveStackResource(sr); err != nil {
		return err
	}
	ev := stackEvent{
		LogicalResourceID: sr.LogicalID, PhysicalResourceID: sr.PhysicalID, ResourceType: sr.Type,
		ResourceStatus: status, ResourceStatusReason: reason, Timestamp: sr.Updated,
	}
	if strings.HasSuffix(status, "_IN_PROGRESS") && sr.Desired != nil {
		if b, err := json.Marshal(redact(st, sr.Type, sr.Desired)); err == nil {
			ev.ResourceProperties = string(b)
		}
	}
	return s.addStackEvent(st, ev)
}

// errStore wraps a failure to persist, which the operation cannot recover.
func errStore(err error) error { return fmt.Errorf("sandbox state: %w", err) }

// redact masks what events must not show of a resource's properties:
// write-only properties (passwords, secret strings) and the values of
// NoEcho parameters wherever they were substituted.
func redact(st *stack, typeName string, props map[string]any) map[string]any {
	secret := map[string]bool{}
	for _, p := range st.Parameters {
		if p.NoEcho && p.Value != "" {
			secret[p.Value] = true
		}
	}
	writeOnly := map[string]bool{}
	if t, err := registry.Lookup(typeName); err == nil {
		for _, p := range t.Schema().WriteOnlyProperties() {
			if name, ok := strings.CutPrefix(p, "/properties/"); ok {
				writeOnly[strings.SplitN(name, "/", 2)[0]] = true
			}
		}
	}
	out := make(map[string]any, len(props))
	for k, v := range props {
		if writeOnly[k] {
			out[k] = "****"
			continue
		}
		out[k] = maskValues(v, secret)
	}
	return out
}

func maskValues(v any, secret map[string]bool) any {
	switch v := v.(type) {
	case string:
		for s := range secret {
			if strings.Contains(v, s) {
				v = strings.ReplaceAll(v, s, "****")
			}
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = maskValues(e, secret)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = maskValues(e, secret)
		}
		return out
	}
	return v
}
