package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"qualstate"
	"qualstate/cfn"
	"qualstate/jsonpatch"
	"qualstate/sandbox/registry"
)

// operation is one stack operation (create, update, rollback) in
// progress: what it has changed, so that a failure can be undone.
type operation struct {
	st     *stack
	doc    *cfn.Document
	params map[string]string
	c      *call
	// log lists what the operation changed, in order.
	log []touch
	// imports are the export names the template resolved.
	imports map[string]bool
}

// touch is one change an operation made to a stack resource.
type touch struct {
	kind      touchKind
	logicalID string
	// before is the stack resource as it was (nil if new); model the live
	// state before an in-place update.
	before *stackResource
	model  map[string]any
}

type touchKind int

const (
	touchCreated touchKind = iota
	touchUpdated
	touchReplaced
)

// resolver gives cfn the values of what the stack has provisioned. It is
// called with s.mu held.
type resolver struct {
	s  *Sandbox
	op *operation
}

func (r resolver) live(logicalID string) (*registry.Type, *liveResource, bool) {
	sr := r.op.st.resources[logicalID]
	if sr == nil || sr.Identifier == "" || !provisioned(sr.Status) {
		return nil, nil, false
	}
	t, err := registry.Lookup(sr.Type)
	if err != nil {
		return nil, nil, false
	}
	lr := r.s.resources[resourceKey(sr.Type, sr.Identifier)]
	if lr == nil {
		return nil, nil, false
	}
	return t, lr, true
}

// Ref implements cfn.Resolver.
func (r resolver) Ref(logicalID string) (any, bool) {
	switch logicalID {
	case "AWS::StackId":
		return r.op.st.ID, true
	case "AWS::NotificationARNs":
		out := make([]any, len(r.op.st.NotificationARNs))
		for i, a := range r.op.st.NotificationARNs {
			out[i] = a
		}
		return out, true
	}
	t, lr, ok := r.live(logicalID)
	if !ok {
		return nil, false
	}
	return t.Ref(lr.Model), true
}

// GetAtt implements cfn.Resolver.
func (r resolver) GetAtt(logicalID, attribute string) (any, bool) {
	t, lr, ok := r.live(logicalID)
	if !ok {
		return nil, false
	}
	return t.GetAtt(lr.Model, attribute)
}

// ImportValue implements cfn.Resolver.
func (r resolver) ImportValue(name string) (any, bool) {
	r.op.imports[name] = true
	e := r.s.exports[name]
	if e == nil || e.StackID == r.op.st.ID {
		return nil, false
	}
	return e.Value, true
}

// provisioned reports whether a stack resource's live resource exists.
func provisioned(status string) bool {
	switch status {
	case "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_FAILED",
		"UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "DELETE_FAILED":
		return true
	}
	return false
}

// plan resolves the operation's template against what exists now.
func (s *Sandbox) plan(op *operation) (*cfn.Plan, error) {
	op.imports = map[string]bool{}
	return op.doc.Plan(cfn.Options{
		Parameters: op.params, Region: s.opts.Region, AccountID: s.opts.Account,
		StackName: op.st.Name, Resolver: resolver{s, op}, NoValidate: true,
	})
}

// failure is why a stack operation stopped: the resource that failed (""
// for the stack itself) and the reason, as the events show them.
type failure struct {
	logicalID string
	reason    string
}

func (f *failure) Error() string { return f.reason }

// apply brings the stack's resources to the operation's template, in
// dependency order: creates what is new, updates what changed in place and
// replaces what must be. Resources the template no longer has are left to
// cleanup.
func (s *Sandbox) apply(op *operation) error {
	plan, err := s.plan(op)
	if err != nil {
		return &failure{reason: "Template error: " + err.Error()}
	}
	for _, id := range plan.Order {
		r := plan.Template.Resource(id)
		if hasUnknown(r.Properties) {
			// Something it refers to was created since the last plan.
			if plan, err = s.plan(op); err != nil {
				return &failure{reason: "Template error: " + err.Error()}
			}
			r = plan.Template.Resource(id)
		}
		if err := s.applyResource(op, r, plan.DependsOn[id]); err != nil {
			return err
		}
	}
	return nil
}

// applyResource creates, updates or replaces one resource.
func (s *Sandbox) applyResource(op *operation, r *qualstate.Resource, deps []string) error {
	st := op.st
	cur := st.resources[r.LogicalID]
	props := r.Properties
	if props == nil {
		props = map[string]any{}
	}
	if cur == nil || !provisioned(cur.Status) {
		return s.createResource(op, r, props, deps, cur)
	}
	if cur.Type == r.Type && jsonpatch.Equal(normalize(cur.Desired), normalize(props)) &&
		cur.DeletionPolicy == r.DeletionPolicy && cur.UpdateReplacePolicy == r.UpdateReplacePolicy {
		return nil
	}
	t, err := registry.Lookup(r.Type)
	if err != nil {
		return s.resourceFailed(op, cur, "UPDATE_FAILED", err)
	}
	lr := s.resources[resourceKey(cur.Type, cur.Identifier)]
	if cur.Type != r.Type || lr == nil || len(t.RequiresReplacement(lr.Model, props)) > 0 {
		return s.replaceResource(op, r, props, deps, cur, t, lr)
	}
	before := *cur
	// Logged before the attempt, so that a failed update is rolled back too.
	op.log = append(op.log, touch{kind: touchUpdated, logicalID: r.LogicalID, before: &before, model: lr.Model})
	cur.Desired, cur.DeletionPolicy, cur.UpdateReplacePolicy, cur.DependsOn = props, r.DeletionPolicy, r.UpdateReplacePolicy, deps
	if err := s.setResourceStatus(st, cur, "UPDATE_IN_PROGRESS", ""); err != nil {
		return err
	}
	if reason, ok := unresolved(props); !ok {
		return s.resourceFailed(op, cur, "UPDATE_FAILED", errors.New(reason))
	}
	model, err := t.Update(s.env, lr.Model, props)
	if err != nil {
		return s.resourceFailed(op, cur, "UPDATE_FAILED", err)
	}
	updated := *lr
	updated.Model, updated.Updated = model, now()
	if err := s.putResource(&updated); err != nil {
		return err
	}
	if err := s.recordResource(op.c, "cloudformation", "Update", t, &updated); err != nil {
		return err
	}
	s.pause()
	return s.setResourceStatus(st, cur, "UPDATE_COMPLETE", "")
}

// createResource provisions a resource new to the stack.
func (s *Sandbox) createResource(op *operation, r *qualstate.Resource, props map[string]any, deps []string, failed *stackResource) error {
	st := op.st
	sr := &stackResource{
		StackID: st.ID, LogicalID: r.LogicalID, Type: r.Type, Desired: props,
		DeletionPolicy: r.DeletionPolicy, UpdateReplacePolicy: r.UpdateReplacePolicy, DependsOn: deps,
	}
	var before *stackResource
	if failed != nil {
		b := *failed
		before = &b
	}
	st.resources[r.LogicalID] = sr
	op.log = append(op.log, touch{kind: touchCreated, logicalID: r.LogicalID, before: before})
	if err := s.setResourceStatus(st, sr, "CREATE_IN_PROGRESS", ""); err != nil {
		return err
	}
	t, lr, err := s.provision(op.c, r.Type, props, registry.NameHint{StackName: st.Name, LogicalID: r.LogicalID})
	if err != nil {
		return s.resourceFailed(op, sr, "CREATE_FAILED", err)
	}
	lr.StackID, lr.LogicalID = st.ID, r.LogicalID
	if err := s.putResource(lr); err != nil {
		return err
	}
	sr.Identifier, sr.PhysicalID = lr.Identifier, physicalID(t.Ref(lr.Model))
	if err := s.setResourceStatus(st, sr, "CREATE_IN_PROGRESS", "Resource creation Initiated"); err != nil {
		return err
	}
	if err := s.recordResource(op.c, "cloudformation", "Create", t, lr); err != nil {
		return err
	}
	s.pause()
	return s.setResourceStatus(st, sr, "CREATE_COMPLETE", "")
}

// replaceResource creates the resource anew and leaves the old one to
// cleanup, as CloudFormation replaces a resource whose create-only
// property changed.
func (s *Sandbox) replaceResource(op *operation, r *qualstate.Resource, props map[string]any, deps []string,
	cur *stackResource, t *registry.Type, old *liveResource) error {
	st := op.st
	before := *cur
	sr := &stackResource{
		StackID: st.ID, LogicalID: r.LogicalID, Type: r.Type, Desired: props, PhysicalID: cur.PhysicalID,
		DeletionPolicy: r.DeletionPolicy, UpdateReplacePolicy: r.UpdateReplacePolicy, DependsOn: deps,
	}
	st.resources[r.LogicalID] = sr
	op.log = append(op.log, touch{kind: touchReplaced, logicalID: r.LogicalID, before: &before})
	if err := s.setResourceStatus(st, sr, "UPDATE_IN_PROGRESS",
		"Requested update requires the creation of a new physical resource; hence creating one."); err != nil {
		return err
	}
	if t == nil || t.Name() != r.Type {
		var err error
		if t, err = registry.Lookup(r.Type); err != nil {
			return s.resourceFailed(op, sr, "UPDATE_FAILED", err)
		}
	}
	if old != nil && old.Type == r.Type {
		// A custom name that stays the same cannot be taken twice.
		if next, err := t.Create(s.env, props, registry.NameHint{StackName: st.Name, LogicalID: r.LogicalID}); err == nil {
			if id, err := t.Identifier(next); err == nil && id == old.Identifier {
				return s.resourceFailed(op, sr, "UPDATE_FAILED", &registry.Error{Code: "InvalidRequest", Message: fmt.Sprintf(
					"CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename %s and update the stack again.", old.Identifier)})
			}
		}
	}
	t, lr, err := s.provision(op.c, r.Type, props, registry.NameHint{StackName: st.Name, LogicalID: r.LogicalID})
	if err != nil {
		return s.resourceFailed(op, sr, "UPDATE_FAILED", err)
	}
	lr.StackID, lr.LogicalID = st.ID, r.LogicalID
	if err := s.putResource(lr); err != nil {
		return err
	}
	sr.Identifier, sr.PhysicalID = lr.Identifier, physicalID(t.Ref(lr.Model))
	if err := s.setResourceStatus(st, sr, "UPDATE_IN_PROGRESS", "Resource creation Initiated"); err != nil {
		return err
	}
	if err := s.recordResource(op.c, "cloudformation", "Create", t, lr); err != nil {
		return err
	}
	s.pause()
	return s.setResourceStatus(st, sr, "UPDATE_COMPLETE", "")
}

// provision creates a live resource of a type, for a stack or for Cloud
// Control: it validates, applies the service's defaults and assigns the
// identifier, which must be free.
func (s *Sandbox) provision(c *call, typeName string, props map[string]any, hint registry.NameHint) (*registry.Type, *liveResource, error) {
	t, err := registry.Lookup(typeName)
	if err != nil {
		return nil, nil, err
	}
	if reason, ok := unresolved(props); !ok {
		return nil, nil, errors.New(reason)
	}
	model, err := t.Create(s.env, props, hint)
	if err != nil {
		return nil, nil, err
	}
	id, err := t.Identifier(model)
	if err != nil {
		return nil, nil, &registry.Error{Code: "GeneralServiceException", Message: err.Error()}
	}
	if s.resources[resourceKey(typeName, id)] != nil {
		return nil, nil, &registry.Error{Code: "AlreadyExists", Message: fmt.Sprintf("%s already exists", id)}
	}
	ts := now()
	return t, &liveResource{Type: typeName, Identifier: id, Model: model, Created: ts, Updated: ts}, nil
}

// resourceFailed marks a stack resource failed and returns the failure.
func (s *Sandbox) resourceFailed(op *operation, sr *stackResource, status string, cause error) error {
	reason := cause.Error()
	var re *registry.Error
	if errors.As(cause, &re) {
		reason = re.Message
		if re.Code != "" && re.Code != "InvalidRequest" {
			reason = fmt.Sprintf("%s (HandlerErrorCode: %s)", re.Message, re.Code)
		}
	}
	if err := s.setResourceStatus(op.st, sr, status, reason); err != nil {
		return err
	}
	return &failure{logicalID: sr.LogicalID, reason: reason}
}

// pause waits the configured resource delay, without holding the lock.
func (s *Sandbox) pause() {
	if s.opts.ResourceDelay <= 0 {
		return
	}
	s.mu.Unlock()
	time.Sleep(s.opts.ResourceDelay)
	s.mu.Lock()
}

// deleteStackResource deletes one stack resource's live resource, or keeps
// it when its policy says Retain.
func (s *Sandbox) deleteStackResource(c *call, st *stack, sr *stackResource, retain bool) error {
	if retain {
		if lr := s.resources[resourceKey(sr.Type, sr.Identifier)]; lr != nil && lr.StackID == st.ID {
			kept := *lr
			kept.StackID, kept.LogicalID = "", ""
			if err := s.putResource(&kept); err != nil {
				return err
			}
		}
		return s.setResourceStatus(st, sr, "DELETE_SKIPPED", "")
	}
	if err := s.setResourceStatus(st, sr, "DELETE_IN_PROGRESS", ""); err != nil {
		return err
	}
	if err := s.destroy(c, "cloudformation", sr.Type, sr.Identifier); err != nil {
		return err
	}
	s.pause()
	return s.setResourceStatus(st, sr, "DELETE_COMPLETE", "")
}

// destroy deletes a live resource if it exists; a resource already gone
// is deleted as far as CloudFormation is concerned.
func (s *Sandbox) destroy(c *call, by, typeName, identifier string) error {
	lr := s.resources[resourceKey(typeName, identifier)]
	if identifier == "" || lr == nil {
		return nil
	}
	if err := s.dropResource(typeName, identifier); err != nil {
		return err
	}
	if t, err := registry.Lookup(typeName); err == nil {
		return s.recordResource(c, by, "Delete", t, lr)
	}
	return nil
}

// deletionOrder returns the stack's resources so that each comes before
// every resource it depends on: the reverse of a creation order.
func deletionOrder(st *stack) []*stackResource {
	ids := slices.Sorted(maps.Keys(st.resources))
	done := map[string]bool{}
	var out []*stackResource
	var visit func(id string, depth int)
	// Depth-first post-order over dependencies gives a creation order;
	// the depth bound only guards against a cycle in stored state.
	visit = func(id string, depth int) {
		sr := st.resources[id]
		if sr == nil || done[id] || depth > len(ids) {
			return
		}
		done[id] = true
		for _, d := range sr.DependsOn {
			visit(d, depth+1)
		}
		out = append(out, sr)
	}
	for _, id := range ids {
		visit(id, 0)
	}
	slices.Reverse(out)
	return out
}

// outputs resolves the stack's outputs once every resource exists.
func (s *Sandbox) outputs(op *operation) ([]output, error) {
	plan, err := s.plan(op)
	if err != nil {
		return nil, &failure{reason: "Template error: " + err.Error()}
	}
	var outs []output
	decls := op.doc.Root().Get("Outputs")
	for _, o := range plan.Template.Outputs {
		value, err := outputText(o.Value)
		if err != nil {
			return nil, &failure{reason: fmt.Sprintf("Output %s: %v", o.Name, err)}
		}
		out := output{Key: o.Name, Value: value}
		if o.ExportName != nil {
			name, err := outputText(o.ExportName)
			if err != nil {
				return nil, &failure{reason: fmt.Sprintf("Output %s: export name: %v", o.Name, err)}
			}
			out.ExportName = name
		}
		if decls != nil {
			if d := decls.Get(o.Name); d != nil {
				if desc := d.Get("Description"); desc != nil {
					out.Description, _ = desc.Str()
				}
			}
		}
		outs = append(outs, out)
	}
	return outs, nil
}

// outputText renders an output value as CloudFormation does: lists
// joined with commas.
func outputText(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case *qualstate.Unknown:
		return "", fmt.Errorf("unresolved value: %s", v.Reason)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, err := outputText(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "", nil
	default:
		b, err := json.Marshal(v)
		return string(b), err
	}
}

// physicalID renders what Ref gives as the physical resource id.
func physicalID(ref any) string {
	s, err := outputText(ref)
	if err != nil {
		return ""
	}
	return s
}

// hasUnknown reports whether a value holds a *qualstate.Unknown.
func hasUnknown(v any) bool {
	_, ok := unresolved(v)
	return !ok
}

// unresolved finds a value the sandbox cannot know (a dynamic reference,
// a resource not created) and says why.
func unresolved(v any) (string, bool) {
	switch v := v.(type) {
	case *qualstate.Unknown:
		return "unresolved value " + v.Reason, false
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if r, ok := unresolved(v[k]); !ok {
				return r, false
			}
		}
	case []any:
		for _, e := range v {
			if r, ok := unresolved(e); !ok {
				return r, false
			}
		}
	}
	return "", true
}

// normalize returns a value as it reads back from JSON, so that values
// compare equal whatever numeric type they were built with.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

// recordResource logs the service call a resource operation stands for.
func (s *Sandbox) recordResource(c *call, by, verb string, t *registry.Type, lr *liveResource) error {
	short := lr.Type[strings.LastIndex(lr.Type, ":")+1:]
	e := trailEntry{
		source: t.Service() + ".amazonaws.com", name: verb + short,
		invokedBy: by + ".amazonaws.com",
		request:   map[string]any{"typeName": lr.Type, "identifier": lr.Identifier},
		additional: map[string]any{
			"resourceType": lr.Type, "identifier": lr.Identifier,
		},
		resources: []trailResource{{ARN: cmp.Or(t.ARN(lr.Model), lr.Identifier), AccountID: s.opts.Account, Type: lr.Type}},
	}
	if verb != "Delete" {
		e.response = map[string]any{"properties": t.Public(lr.Model)}
	}
	return s.record(c, e)
}
