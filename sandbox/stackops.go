package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"qualstate/sandbox/registry"
)

// begin marks a stack busy; its operation runs in the background and
// ends with finish. Callers hold s.mu.
func (s *Sandbox) begin(st *stack, run func()) {
	st.done = make(chan struct{})
	s.ops.Add(1)
	go func() {
		defer s.ops.Done()
		s.mu.Lock()
		defer s.mu.Unlock()
		run()
		close(st.done)
		st.done = nil
	}()
}

// fatal ends an operation that the sandbox's own state cannot record:
// the stack fails with the reason, in memory at least.
func (s *Sandbox) fatal(st *stack, status string, err error) {
	s.log.Error("stack operation failed", "stack", st.Name, "error", err)
	st.Status, st.StatusReason = status, "sandbox internal failure: "+err.Error()
}

// runCreate provisions a new stack; on failure it rolls back, keeps the
// resources (DisableRollback) or deletes the stack (OnFailure=DELETE).
func (s *Sandbox) runCreate(op *operation, onFailure string) {
	st := op.st
	if err := s.setStackStatus(st, "CREATE_IN_PROGRESS", "User Initiated"); err != nil {
		s.fatal(st, "CREATE_FAILED", err)
		return
	}
	outs, err := s.provisionStack(op)
	var f *failure
	if err != nil && !errors.As(err, &f) {
		s.fatal(st, "CREATE_FAILED", err)
		return
	}
	if err == nil {
		st.Outputs, st.Imports = outs, sortedKeys(op.imports)
		if err := s.setStackStatus(st, "CREATE_COMPLETE", ""); err != nil {
			s.fatal(st, "CREATE_FAILED", err)
		}
		return
	}
	reason := failureReason(f, "create")
	if onFailure == "DO_NOTHING" {
		if err := s.setStackStatus(st, "CREATE_FAILED", reason); err != nil {
			s.fatal(st, "CREATE_FAILED", err)
		}
		return
	}
	if err := s.setStackStatus(st, "ROLLBACK_IN_PROGRESS", reason+" Rollback requested by user."); err != nil {
		s.fatal(st, "ROLLBACK_FAILED", err)
		return
	}
	for _, sr := range deletionOrder(st) {
		if err := s.deleteStackResource(op.c, st, sr, false); err != nil {
			s.fatal(st, "ROLLBACK_FAILED", err)
			return
		}
	}
	if err := s.setStackStatus(st, "ROLLBACK_COMPLETE", ""); err != nil {
		s.fatal(st, "ROLLBACK_FAILED", err)
		return
	}
	if onFailure == "DELETE" {
		s.runDelete(op.c, st, nil)
	}
}

// provisionStack applies the operation's template and resolves the
// outputs and exports it leads to. A *failure is the stack's; any other
// error is the sandbox's own.
func (s *Sandbox) provisionStack(op *operation) ([]output, error) {
	if err := s.apply(op); err != nil {
		return nil, err
	}
	outs, err := s.outputs(op)
	if err != nil {
		return nil, err
	}
	return outs, s.claimExports(op.st, outs)
}

// failureReason is the stack status reason for a failed operation.
func failureReason(f *failure, verb string) string {
	if f.logicalID == "" {
		return f.reason
	}
	return fmt.Sprintf("The following resource(s) failed to %s: [%s].", verb, f.logicalID)
}

// claimExports checks that the stack's export names are free.
func (s *Sandbox) claimExports(st *stack, outs []output) error {
	for _, o := range outs {
		if o.ExportName == "" {
			continue
		}
		if e := s.exports[o.ExportName]; e != nil && e.StackID != st.ID {
			return &failure{reason: fmt.Sprintf("Export with name %s is already exported by stack %s",
				o.ExportName, s.stacks[e.StackID].Name)}
		}
	}
	// Exports the stack stops making must not be in use.
	for _, old := range st.Outputs {
		if old.ExportName == "" || slices.ContainsFunc(outs, func(o output) bool { return o.ExportName == old.ExportName }) {
			continue
		}
		if users := s.importers(old.ExportName, st.ID); len(users) > 0 {
			return &failure{reason: fmt.Sprintf("Cannot delete export %s as it is in use by %s.", old.ExportName, strings.Join(users, " and "))}
		}
	}
	for name, e := range s.exports {
		if e.StackID == st.ID {
			delete(s.exports, name)
		}
	}
	for _, o := range outs {
		if o.ExportName != "" {
			s.exports[o.ExportName] = &export{Name: o.ExportName, Value: o.Value, StackID: st.ID}
		}
	}
	return nil
}

// importers names the live stacks, other than exporter, that import name.
func (s *Sandbox) importers(name, exporter string) []string {
	var out []string
	for _, st := range s.stackOrder {
		if st.ID != exporter && st.Deleted.IsZero() && slices.Contains(st.Imports, name) {
			out = append(out, st.Name)
		}
	}
	return out
}

// stackState is what an update changes on the stack itself, kept to
// restore it on rollback.
type stackState struct {
	body         string
	params       []parameter
	capabilities []string
	tags         []tag
	outputs      []output
	imports      []string
	description  string
}

func (s *Sandbox) snapshot(st *stack) stackState {
	return stackState{st.TemplateBody, st.Parameters, st.Capabilities, st.Tags, st.Outputs, st.Imports, st.Description}
}

func (s *Sandbox) restore(st *stack, old stackState) {
	st.TemplateBody, st.Parameters, st.Capabilities, st.Tags = old.body, old.params, old.capabilities, old.tags
	st.Outputs, st.Imports, st.Description = old.outputs, old.imports, old.description
}

// runUpdate changes a stack to a new template or parameters. On failure it
// rolls back to the resources and settings it had.
func (s *Sandbox) runUpdate(op *operation, old stackState, disableRollback bool) {
	st := op.st
	if err := s.setStackStatus(st, "UPDATE_IN_PROGRESS", "User Initiated"); err != nil {
		s.fatal(st, "UPDATE_ROLLBACK_FAILED", err)
		return
	}
	outs, err := s.provisionStack(op)
	var f *failure
	if err != nil && !errors.As(err, &f) {
		s.fatal(st, "UPDATE_ROLLBACK_FAILED", err)
		return
	}
	if err == nil {
		st.Outputs, st.Imports = outs, sortedKeys(op.imports)
		if err := s.cleanup(op, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"); err != nil {
			s.fatal(st, "UPDATE_COMPLETE", err)
		}
		return
	}
	reason := failureReason(f, "update")
	if disableRollback {
		if err := s.setStackStatus(st, "UPDATE_FAILED", reason); err != nil {
			s.fatal(st, "UPDATE_FAILED", err)
		}
		return
	}
	if err := s.setStackStatus(st, "UPDATE_ROLLBACK_IN_PROGRESS", reason); err != nil {
		s.fatal(st, "UPDATE_ROLLBACK_FAILED", err)
		return
	}
	if err := s.rollbackUpdate(op); err != nil {
		s.fatal(st, "UPDATE_ROLLBACK_FAILED", err)
		return
	}
	s.restore(st, old)
	if err := s.setStackStatus(st, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", ""); err != nil {
		s.fatal(st, "UPDATE_ROLLBACK_FAILED", err)
		return
	}
	if err := s.setStackStatus(st, "UPDATE_ROLLBACK_COMPLETE", ""); err != nil {
		s.fatal(st, "UPDATE_ROLLBACK_FAILED", err)
	}
}

// cleanup deletes what an update made obsolete: resources the template no
// longer has and the old resources of replacements.
func (s *Sandbox) cleanup(op *operation, during, after string) error {
	st := op.st
	if err := s.setStackStatus(st, during, ""); err != nil {
		return err
	}
	for _, t := range slices.Backward(op.log) {
		if t.kind != touchReplaced {
			continue
		}
		old := t.before
		retain := old.UpdateReplacePolicy == "Retain"
		if err := s.deleteOld(op, old, retain); err != nil {
			return err
		}
	}
	plan, err := s.plan(op)
	if err != nil {
		return err
	}
	for _, sr := range deletionOrder(st) {
		if slices.Contains(plan.Order, sr.LogicalID) {
			continue
		}
		if provisioned(sr.Status) || sr.Status == "CREATE_FAILED" {
			if err := s.deleteStackResource(op.c, st, sr, sr.DeletionPolicy == "Retain" && provisioned(sr.Status)); err != nil {
				return err
			}
		}
		if err := s.removeStackResource(st, sr.LogicalID); err != nil {
			return err
		}
	}
	st.Updated = now()
	return s.setStackStatus(st, after, "")
}

// deleteOld deletes (or keeps) the replaced resource of a stack resource,
// with events under the old physical id as CloudFormation shows them.
func (s *Sandbox) deleteOld(op *operation, old *stackResource, retain bool) error {
	ev := *old
	if retain {
		if lr := s.resources[resourceKey(old.Type, old.Identifier)]; lr != nil {
			kept := *lr
			kept.StackID, kept.LogicalID = "", ""
			if err := s.putResource(&kept); err != nil {
				return err
			}
		}
		return s.addStackEvent(op.st, stackEvent{LogicalResourceID: ev.LogicalID, PhysicalResourceID: ev.PhysicalID,
			ResourceType: ev.Type, ResourceStatus: "DELETE_SKIPPED"})
	}
	if err := s.addStackEvent(op.st, stackEvent{LogicalResourceID: ev.LogicalID, PhysicalResourceID: ev.PhysicalID,
		ResourceType: ev.Type, ResourceStatus: "DELETE_IN_PROGRESS"}); err != nil {
		return err
	}
	if err := s.destroy(op.c, "cloudformation", old.Type, old.Identifier); err != nil {
		return err
	}
	return s.addStackEvent(op.st, stackEvent{LogicalResourceID: ev.LogicalID, PhysicalResourceID: ev.PhysicalID,
		ResourceType: ev.Type, ResourceStatus: "DELETE_COMPLETE"})
}

// rollbackUpdate undoes an update's changes, newest first.
func (s *Sandbox) rollbackUpdate(op *operation) error {
	st := op.st
	for _, t := range slices.Backward(op.log) {
		cur := st.resources[t.logicalID]
		switch t.kind {
		case touchCreated:
			if cur != nil {
				if provisioned(cur.Status) || cur.Status == "CREATE_COMPLETE" {
					if err := s.deleteStackResource(op.c, st, cur, false); err != nil {
						return err
					}
				} else if err := s.setResourceStatus(st, cur, "DELETE_COMPLETE", ""); err != nil {
					return err
				}
				if err := s.removeStackResource(st, t.logicalID); err != nil {
					return err
				}
			}
			if t.before != nil {
				st.resources[t.logicalID] = t.before
				if err := s.saveStackResource(t.before); err != nil {
					return err
				}
			}
		case touchUpdated:
			prev := t.before
			if err := s.setResourceStatus(st, cur, "UPDATE_IN_PROGRESS", ""); err != nil {
				return err
			}
			if lr := s.resources[resourceKey(prev.Type, prev.Identifier)]; lr != nil && t.model != nil {
				restored := *lr
				restored.Model, restored.Updated = t.model, now()
				if err := s.putResource(&restored); err != nil {
					return err
				}
				if typ, err := registry.Lookup(prev.Type); err == nil {
					if err := s.recordResource(op.c, "cloudformation", "Update", typ, &restored); err != nil {
						return err
					}
				}
			}
			back := *prev
			st.resources[t.logicalID] = &back
			if err := s.setResourceStatus(st, &back, "UPDATE_COMPLETE", ""); err != nil {
				return err
			}
		case touchReplaced:
			if cur != nil && cur.Identifier != "" && cur.Identifier != t.before.Identifier {
				if err := s.addStackEvent(st, stackEvent{LogicalResourceID: cur.LogicalID, PhysicalResourceID: cur.PhysicalID,
					ResourceType: cur.Type, ResourceStatus: "DELETE_IN_PROGRESS"}); err != nil {
					return err
				}
				if err := s.destroy(op.c, "cloudformation", cur.Type, cur.Identifier); err != nil {
					return err
				}
			}
			back := *t.before
			st.resources[t.logicalID] = &back
			if err := s.setResourceStatus(st, &back, "UPDATE_COMPLETE", ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// runDelete deletes a stack's resources, dependents first, keeping those
// with DeletionPolicy Retain and those named in retain.
func (s *Sandbox) runDelete(c *call, st *stack, retain []string) {
	if err := s.setStackStatus(st, "DELETE_IN_PROGRESS", "User Initiated"); err != nil {
		s.fatal(st, "DELETE_FAILED", err)
		return
	}
	for _, sr := range deletionOrder(st) {
		if sr.Status == "DELETE_COMPLETE" || sr.Status == "DELETE_SKIPPED" {
			continue
		}
		keep := (sr.DeletionPolicy == "Retain" || slices.Contains(retain, sr.LogicalID)) && provisioned(sr.Status)
		if err := s.deleteStackResource(c, st, sr, keep); err != nil {
			s.fatal(st, "DELETE_FAILED", err)
			return
		}
	}
	for name, e := range s.exports {
		if e.StackID == st.ID {
			delete(s.exports, name)
		}
	}
	st.Deleted = now()
	if err := s.setStackStatus(st, "DELETE_COMPLETE", ""); err != nil {
		s.fatal(st, "DELETE_FAILED", err)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
