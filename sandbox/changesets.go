package sandbox

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"qualstate"
	"qualstate/jsonpatch"
	"qualstate/sandbox/awsquery"
	"qualstate/sandbox/registry"
)

var changeSetNamePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

// noChanges is CloudFormation's reason for a change set that changes
// nothing.
const noChanges = "The submitted information didn't contain changes. Submit different information to create a change set."

func changeSetNotFound(name string) *apiError {
	return &apiError{Status: 404, Code: "ChangeSetNotFound", Message: "ChangeSet [" + name + "] does not exist"}
}

// findChangeSet finds a change set by ARN, or by name within a stack.
// Callers hold s.mu.
func (s *Sandbox) findChangeSet(nameOrID, stackName string) (*changeSet, *apiError) {
	if strings.HasPrefix(nameOrID, "arn:") {
		if cs := s.changeSets[nameOrID]; cs != nil {
			return cs, nil
		}
		return nil, changeSetNotFound(nameOrID)
	}
	if stackName == "" {
		return nil, validationError("StackName must be specified if ChangeSetName is not specified as an ARN.")
	}
	st, apiErr := s.findStack(stackName)
	if apiErr != nil {
		return nil, changeSetNotFound(nameOrID)
	}
	for _, cs := range s.changeSets {
		if cs.StackID == st.ID && cs.Name == nameOrID {
			return cs, nil
		}
	}
	return nil, changeSetNotFound(nameOrID)
}

func (s *Sandbox) createChangeSet(q awsquery.Values, c *call) (any, *apiError) {
	name, stackName := q.String("ChangeSetName"), q.String("StackName")
	if !changeSetNamePattern.MatchString(name) {
		return nil, validationError("1 validation error detected: Value '%s' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name)
	}
	if !stackNamePattern.MatchString(stackName) && !strings.HasPrefix(stackName, "arn:") {
		return nil, validationError("1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", stackName)
	}
	kind := cmpOr(q.String("ChangeSetType"), "UPDATE")
	if kind != "CREATE" && kind != "UPDATE" {
		return nil, validationError("ChangeSetType %s is not supported by the sandbox (CREATE or UPDATE)", kind)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, _ := s.findStack(stackName)
	switch {
	case kind == "CREATE" && st != nil && st.Status != "REVIEW_IN_PROGRESS":
		return nil, &apiError{Status: 400, Code: "AlreadyExistsException", Message: "Stack [" + stackName + "] already exists and cannot be created again with the changeSet [" + name + "]."}
	case kind == "UPDATE" && st == nil:
		return nil, validationError("Stack [%s] does not exist", stackName)
	case kind == "UPDATE" && st.Status == "REVIEW_IN_PROGRESS":
		return nil, validationError("Stack [%s] is in REVIEW_IN_PROGRESS state and can not be updated; create the change set with ChangeSetType CREATE", stackName)
	case kind == "UPDATE" && !updatable(st):
		return nil, busyError(st, "updated")
	}
	var previous *stack
	if kind == "UPDATE" {
		previous = st
	}
	req, apiErr := s.readStackRequest(q, previous)
	if apiErr != nil {
		return nil, apiErr
	}
	if st != nil {
		for _, cs := range s.changeSets {
			if cs.StackID == st.ID && cs.Name == name {
				return nil, &apiError{Status: 400, Code: "AlreadyExistsException", Message: "ChangeSet " + name + " cannot be created due to a mismatch with existing attribute ChangeSetName"}
			}
		}
	}
	doc, _ := loadTemplate(req.body)
	newStack := st == nil
	if newStack {
		st = &stack{ID: s.newStackID(stackName), Name: stackName, Created: now(), Status: "REVIEW_IN_PROGRESS",
			DriftStatus: "NOT_CHECKED", resources: map[string]*stackResource{}}
	}
	op := &operation{st: st, doc: doc, params: req.params, c: c}
	plan, err := s.plan(op)
	if err != nil {
		return nil, validationError("%s", oneLine(err.Error()))
	}
	if newStack {
		if d := doc.Root().Get("Description"); d != nil {
			st.Description, _ = d.Str()
		}
		if err := s.saveStack(st); err != nil {
			return nil, internalError(err)
		}
		s.stacks[st.ID] = st
		s.stackOrder = append(s.stackOrder, st)
		if err := s.setStackStatus(st, "REVIEW_IN_PROGRESS", "User Initiated"); err != nil {
			return nil, internalError(err)
		}
	}
	disable, _, _ := q.Bool("DisableRollback")
	cs := &changeSet{
		ID:   "arn:" + s.partition() + ":cloudformation:" + s.opts.Region + ":" + s.opts.Account + ":changeSet/" + name + "/" + newUUID(),
		Name: name, StackID: st.ID, StackName: st.Name, Type: kind, Description: q.String("Description"),
		Created: now(), TemplateBody: req.body, Parameters: req.stored, Capabilities: req.capabilities, Tags: req.tags,
		DisableRollback: disable,
	}
	cs.Changes = s.changes(st, plan.Order, plan.Template.Resource)
	if len(cs.Changes) == 0 {
		cs.Status, cs.StatusReason, cs.ExecutionStatus = "FAILED", noChanges, "UNAVAILABLE"
	} else {
		cs.Status, cs.ExecutionStatus = "CREATE_COMPLETE", "AVAILABLE"
	}
	if err := s.store.put(kindChangeSet, cs.ID, cs); err != nil {
		return nil, internalError(err)
	}
	s.changeSets[cs.ID] = cs
	if err := s.record(c, trailEntry{
		source: "cloudformation.amazonaws.com", name: "CreateChangeSet",
		request: map[string]any{"stackName": stackName, "changeSetName": name, "changeSetType": kind,
			"templateDigest": digest(req.body), "parameters": trailParams(req.stored)},
		response:  map[string]any{"id": cs.ID, "stackId": st.ID},
		resources: []trailResource{{ARN: st.ID, AccountID: s.opts.Account, Type: "AWS::CloudFormation::Stack"}},
	}); err != nil {
		return nil, internalError(err)
	}
	return xCreateChangeSet{ID: cs.ID, StackID: st.ID}, nil
}

// changes compares a resolved template with the stack's resources.
func (s *Sandbox) changes(st *stack, order []string, resource func(string) *qualstate.Resource) []change {
	var out []change
	for _, id := range order {
		r := resource(id)
		cur := st.resources[id]
		if cur == nil || !provisioned(cur.Status) {
			out = append(out, change{Action: "Add", LogicalID: id, Type: r.Type})
			continue
		}
		props := r.Properties
		if props == nil {
			props = map[string]any{}
		}
		if cur.Type != r.Type {
			out = append(out, change{Action: "Modify", LogicalID: id, PhysicalID: cur.PhysicalID, Type: r.Type,
				Replacement: "True", Scope: []string{"Properties"}})
			continue
		}
		var createOnly []string
		t, err := registry.Lookup(r.Type)
		if lr := s.resources[resourceKey(cur.Type, cur.Identifier)]; err == nil && lr != nil {
			createOnly = t.RequiresReplacement(lr.Model, props)
		}
		ch := change{Action: "Modify", LogicalID: id, PhysicalID: cur.PhysicalID, Type: r.Type, Replacement: "False"}
		names := map[string]bool{}
		for k := range props {
			names[k] = true
		}
		for k := range cur.Desired {
			names[k] = true
		}
		scope := map[string]bool{}
		for _, k := range slices.Sorted(maps.Keys(names)) {
			if jsonpatch.Equal(normalize(cur.Desired[k]), normalize(props[k])) && !hasUnknown(props[k]) {
				continue
			}
			attr, recreate := "Properties", "Never"
			if k == "Tags" {
				attr = "Tags"
			}
			if slices.Contains(createOnly, k) {
				recreate, ch.Replacement = "Always", "True"
			} else if hasUnknown(props[k]) && t != nil && slices.Contains(t.Schema().CreateOnlyProperties(), "/properties/"+k) {
				recreate = "Conditional"
				if ch.Replacement == "False" {
					ch.Replacement = "Conditional"
				}
			}
			scope[attr] = true
			ch.Details = append(ch.Details, detail{Name: k, RequiresRecreation: recreate, Attribute: attr})
		}
		if len(ch.Details) == 0 && cur.DeletionPolicy == r.DeletionPolicy && cur.UpdateReplacePolicy == r.UpdateReplacePolicy {
			continue
		}
		ch.Scope = slices.Sorted(maps.Keys(scope))
		out = append(out, ch)
	}
	for _, sr := range sortedResources(st) {
		if !slices.Contains(order, sr.LogicalID) && provisioned(sr.Status) {
			out = append(out, change{Action: "Remove", LogicalID: sr.LogicalID, PhysicalID: sr.PhysicalID, Type: sr.Type})
		}
	}
	return out
}

func (s *Sandbox) describeChangeSet(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, apiErr := s.findChangeSet(q.String("ChangeSetName"), q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	start, end, next, apiErr := page(len(cs.Changes), q.String("NextToken"), 100)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xDescribeChangeSet{
		ChangeSetName: cs.Name, ChangeSetID: cs.ID, StackID: cs.StackID, StackName: cs.StackName,
		Description: cs.Description, Parameters: maskedParams(cs.Parameters), CreationTime: cs.Created,
		ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.StatusReason,
		Capabilities: cs.Capabilities, NextToken: next,
	}
	for _, t := range cs.Tags {
		out.Tags = append(out.Tags, xTag(t))
	}
	for _, ch := range cs.Changes[start:end] {
		rc := xResourceChange{Action: ch.Action, LogicalResourceID: ch.LogicalID, PhysicalResourceID: ch.PhysicalID,
			ResourceType: ch.Type, Replacement: ch.Replacement, Scope: ch.Scope, PolicyAction: ch.PolicyAction}
		for _, d := range ch.Details {
			evaluation := "Static"
			if d.RequiresRecreation == "Conditional" {
				evaluation = "Dynamic"
			}
			rc.Details = append(rc.Details, xChangeDetail{
				Target:     xTarget{Attribute: d.Attribute, Name: d.Name, RequiresRecreation: d.RequiresRecreation},
				Evaluation: evaluation, ChangeSource: "DirectModification",
			})
		}
		out.Changes = append(out.Changes, xChange{Type: "Resource", ResourceChange: rc})
	}
	return out, nil
}

func (s *Sandbox) listChangeSets(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	var sets []*changeSet
	for _, cs := range s.changeSets {
		if cs.StackID == st.ID {
			sets = append(sets, cs)
		}
	}
	slices.SortFunc(sets, func(a, b *changeSet) int { return a.Created.Compare(b.Created) })
	start, end, next, apiErr := page(len(sets), q.String("NextToken"), 100)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xListChangeSets{Summaries: []xChangeSetSummary{}, NextToken: next}
	for _, cs := range sets[start:end] {
		out.Summaries = append(out.Summaries, xChangeSetSummary{
			StackID: cs.StackID, StackName: cs.StackName, ChangeSetID: cs.ID, ChangeSetName: cs.Name,
			ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.StatusReason,
			CreationTime: cs.Created, Description: cs.Description,
		})
	}
	return out, nil
}

func (s *Sandbox) executeChangeSet(q awsquery.Values, c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, apiErr := s.findChangeSet(q.String("ChangeSetName"), q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	if cs.ExecutionStatus != "AVAILABLE" {
		return nil, &apiError{Status: 400, Code: "InvalidChangeSetStatus",
			Message: "ChangeSet [" + cs.ID + "] cannot be executed in its current status of [" + cs.Status + "]"}
	}
	st := s.stacks[cs.StackID]
	if st == nil || (cs.Type == "CREATE" && st.Status != "REVIEW_IN_PROGRESS") || (cs.Type == "UPDATE" && !updatable(st)) {
		return nil, &apiError{Status: 400, Code: "InvalidChangeSetStatus",
			Message: "ChangeSet [" + cs.ID + "] cannot be executed: stack " + cs.StackName + " is not in a state that accepts it"}
	}
	disable, present, err := q.Bool("DisableRollback")
	if err != nil {
		return nil, validationError("DisableRollback: %v", err)
	}
	if !present {
		disable = cs.DisableRollback
	}
	doc, apiErr := loadTemplate(cs.TemplateBody)
	if apiErr != nil {
		return nil, apiErr
	}
	values := map[string]string{}
	for _, p := range cs.Parameters {
		values[p.Key] = p.Value
	}
	op := &operation{st: st, doc: doc, params: values, c: c}
	old := s.snapshot(st)
	st.TemplateBody, st.Parameters, st.Capabilities, st.Tags = cs.TemplateBody, cs.Parameters, cs.Capabilities, cs.Tags
	st.ChangeSetID = cs.ID
	if d := doc.Root().Get("Description"); d != nil {
		st.Description, _ = d.Str()
	}
	cs.ExecutionStatus = "EXECUTE_IN_PROGRESS"
	// Executing a change set makes the stack's other change sets obsolete.
	for id, other := range s.changeSets {
		if other.StackID == st.ID && other.ID != cs.ID {
			delete(s.changeSets, id)
			if err := s.store.remove(kindChangeSet, id); err != nil {
				return nil, internalError(err)
			}
		}
	}
	if err := s.store.put(kindChangeSet, cs.ID, cs); err != nil {
		return nil, internalError(err)
	}
	if err := s.recordStackCall(c, "ExecuteChangeSet", st, map[string]any{"changeSetName": cs.ID, "stackName": st.Name}); err != nil {
		return nil, internalError(err)
	}
	finish := func() {
		cs.ExecutionStatus = "EXECUTE_COMPLETE"
		if strings.HasSuffix(st.Status, "_FAILED") || strings.Contains(st.Status, "ROLLBACK") {
			cs.ExecutionStatus = "EXECUTE_FAILED"
		}
		if err := s.store.put(kindChangeSet, cs.ID, cs); err != nil {
			s.log.Error("save change set", "error", err)
		}
	}
	if cs.Type == "CREATE" {
		onFailure := "ROLLBACK"
		if disable {
			onFailure = "DO_NOTHING"
		}
		st.DisableRollback = disable
		s.begin(st, func() { s.runCreate(op, onFailure); finish() })
	} else {
		st.Updated = now()
		s.begin(st, func() { s.runUpdate(op, old, disable); finish() })
	}
	return struct{}{}, nil
}

func (s *Sandbox) deleteChangeSet(q awsquery.Values, c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, apiErr := s.findChangeSet(q.String("ChangeSetName"), q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	if cs.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
		return nil, &apiError{Status: 400, Code: "InvalidChangeSetStatus",
			Message: "ChangeSet [" + cs.ID + "] cannot be deleted in its current status of [EXECUTE_IN_PROGRESS]"}
	}
	delete(s.changeSets, cs.ID)
	if err := s.store.remove(kindChangeSet, cs.ID); err != nil {
		return nil, internalError(err)
	}
	if err := s.record(c, trailEntry{source: "cloudformation.amazonaws.com", name: "DeleteChangeSet",
		request:   map[string]any{"changeSetName": cs.ID},
		resources: []trailResource{{ARN: cs.StackID, AccountID: s.opts.Account, Type: "AWS::CloudFormation::Stack"}},
	}); err != nil {
		return nil, internalError(err)
	}
	return struct{}{}, nil
}
