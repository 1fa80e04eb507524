package sandbox

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"qualstate/sandbox/awsquery"
	"qualstate/sandbox/sigv4"
)

// serveQuery answers an awsquery request: CloudFormation or STS.
func (s *Sandbox) serveQuery(w http.ResponseWriter, r *http.Request, body []byte, c *call) (string, *apiError) {
	q, err := awsquery.Parse(body)
	if err != nil {
		return "", &apiError{Status: 400, Code: "MalformedQueryString", Message: err.Error()}
	}
	action := q.Action()
	if action == "" {
		return "", &apiError{Status: 400, Code: "MissingAction", Message: "the request has no Action parameter"}
	}
	if sigv4.Service(r) == "sts" || q.Version() == "2011-06-15" {
		return "sts:" + action, s.serveSTS(w, q, c)
	}
	h, ok := cfnActions[action]
	if !ok {
		return "cloudformation:" + action, &apiError{Status: 400, Code: "InvalidAction",
			Message: "the sandbox's CloudFormation does not implement " + action}
	}
	result, apiErr := h(s, q, c)
	if apiErr != nil {
		return "cloudformation:" + action, apiErr
	}
	if err := awsquery.WriteResult(w, cfnNamespace, action, c.requestID, result); err != nil {
		return "cloudformation:" + action, internalError(err)
	}
	return "cloudformation:" + action, nil
}

// cfnHandler answers one CloudFormation action with its result shape (nil
// for actions without one).
type cfnHandler func(s *Sandbox, q awsquery.Values, c *call) (any, *apiError)

var cfnActions map[string]cfnHandler

func init() {
	cfnActions = map[string]cfnHandler{
		"ValidateTemplate":                  (*Sandbox).validateTemplate,
		"GetTemplateSummary":                (*Sandbox).getTemplateSummary,
		"CreateStack":                       (*Sandbox).createStack,
		"UpdateStack":                       (*Sandbox).updateStack,
		"DeleteStack":                       (*Sandbox).deleteStack,
		"DescribeStacks":                    (*Sandbox).describeStacks,
		"ListStacks":                        (*Sandbox).listStacks,
		"DescribeStackEvents":               (*Sandbox).describeStackEvents,
		"DescribeStackResource":             (*Sandbox).describeStackResource,
		"DescribeStackResources":            (*Sandbox).describeStackResources,
		"ListStackResources":                (*Sandbox).listStackResources,
		"GetTemplate":                       (*Sandbox).getTemplate,
		"UpdateTerminationProtection":       (*Sandbox).updateTerminationProtection,
		"CreateChangeSet":                   (*Sandbox).createChangeSet,
		"DescribeChangeSet":                 (*Sandbox).describeChangeSet,
		"ExecuteChangeSet":                  (*Sandbox).executeChangeSet,
		"DeleteChangeSet":                   (*Sandbox).deleteChangeSet,
		"ListChangeSets":                    (*Sandbox).listChangeSets,
		"DetectStackDrift":                  (*Sandbox).detectStackDrift,
		"DetectStackResourceDrift":          (*Sandbox).detectStackResourceDrift,
		"DescribeStackDriftDetectionStatus": (*Sandbox).describeStackDriftDetectionStatus,
		"DescribeStackResourceDrifts":       (*Sandbox).describeStackResourceDrifts,
		"ListExports":                       (*Sandbox).listExports,
		"ListImports":                       (*Sandbox).listImports,
	}
}

func writeQueryError(w http.ResponseWriter, e *apiError, requestID string) {
	fault := "Sender"
	if e.Receiver {
		fault = "Receiver"
	}
	_ = awsquery.WriteError(w, cfnNamespace, e.Status, awsquery.ErrorResponse{Type: fault, Code: e.Code, Message: e.Message}, requestID)
}

var stackNamePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

// findStack finds a stack by id (any status) or by name (not deleted).
// Callers hold s.mu.
func (s *Sandbox) findStack(nameOrID string) (*stack, *apiError) {
	if nameOrID == "" {
		return nil, validationError("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	if strings.HasPrefix(nameOrID, "arn:") {
		if st := s.stacks[nameOrID]; st != nil {
			return st, nil
		}
	} else {
		for _, st := range slices.Backward(s.stackOrder) {
			if st.Name == nameOrID && st.Deleted.IsZero() {
				return st, nil
			}
		}
	}
	return nil, validationError("Stack with id %s does not exist", nameOrID)
}

// waitStack lets an operation in progress settle before a describe call
// reads it. It is called with s.mu held and returns with it held.
func (s *Sandbox) waitStack(st *stack) {
	if done := st.done; done != nil {
		s.mu.Unlock()
		s.settle(done)
		s.mu.Lock()
	}
}

func (s *Sandbox) validateTemplate(q awsquery.Values, _ *call) (any, *apiError) {
	body, apiErr := templateBody(q)
	if apiErr != nil {
		return nil, apiErr
	}
	doc, apiErr := loadTemplate(body)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xValidateTemplate{DeclaredTransforms: doc.Transforms()}
	if d := doc.Root().Get("Description"); d != nil {
		out.Description, _ = d.Str()
	}
	for _, p := range paramDecls(doc) {
		out.Parameters = append(out.Parameters, xTemplateParameter{ParameterKey: p.Key, DefaultValue: p.Default, NoEcho: p.NoEcho, Description: p.Description})
	}
	out.Capabilities, out.CapabilitiesReason = capabilityNeeds(doc)
	return out, nil
}

func (s *Sandbox) getTemplateSummary(q awsquery.Values, _ *call) (any, *apiError) {
	var body string
	if name := q.String("StackName"); name != "" {
		s.mu.Lock()
		st, apiErr := s.findStack(name)
		if apiErr == nil {
			body = st.TemplateBody
		}
		s.mu.Unlock()
		if apiErr != nil {
			return nil, apiErr
		}
	} else {
		var apiErr *apiError
		if body, apiErr = templateBody(q); apiErr != nil {
			return nil, apiErr
		}
	}
	doc, apiErr := loadTemplate(body)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xGetTemplateSummary{DeclaredTransforms: doc.Transforms(), Version: "2010-09-09"}
	if d := doc.Root().Get("Description"); d != nil {
		out.Description, _ = d.Str()
	}
	for _, p := range paramDecls(doc) {
		out.Parameters = append(out.Parameters, xParameterDeclaration{ParameterKey: p.Key, DefaultValue: p.Default,
			ParameterType: p.Type, NoEcho: p.NoEcho, Description: p.Description})
	}
	out.Capabilities, out.CapabilitiesReason = capabilityNeeds(doc)
	for _, r := range doc.Resources() {
		if !slices.Contains(out.ResourceTypes, r.Type) {
			out.ResourceTypes = append(out.ResourceTypes, r.Type)
		}
	}
	return out, nil
}

// stackRequest is what CreateStack, UpdateStack and CreateChangeSet share.
type stackRequest struct {
	body         string
	params       map[string]string
	stored       []parameter
	capabilities []string
	tags         []tag
}

// readStackRequest decodes and checks a template, its parameters and
// capabilities; previous is the stack being updated, or nil.
func (s *Sandbox) readStackRequest(q awsquery.Values, previous *stack) (*stackRequest, *apiError) {
	req := &stackRequest{}
	use, _, err := q.Bool("UsePreviousTemplate")
	if err != nil {
		return nil, validationError("UsePreviousTemplate: %v", err)
	}
	switch {
	case use && previous == nil:
		return nil, validationError("UsePreviousTemplate can only be used with an existing stack")
	case use:
		req.body = previous.TemplateBody
	default:
		body, apiErr := templateBody(q)
		if apiErr != nil {
			return nil, apiErr
		}
		req.body = body
	}
	doc, apiErr := loadTemplate(req.body)
	if apiErr != nil {
		return nil, apiErr
	}
	given, apiErr := readParams(q)
	if apiErr != nil {
		return nil, apiErr
	}
	var prev []parameter
	if previous != nil {
		prev = previous.Parameters
	}
	if req.params, req.stored, apiErr = bindParams(paramDecls(doc), given, prev); apiErr != nil {
		return nil, apiErr
	}
	if req.capabilities, apiErr = readCapabilities(q); apiErr != nil {
		return nil, apiErr
	}
	if apiErr := checkCapabilities(doc, req.capabilities); apiErr != nil {
		return nil, apiErr
	}
	if req.tags, apiErr = readTags(q); apiErr != nil {
		return nil, apiErr
	}
	if previous != nil && !q.ListPresent("Tags") {
		req.tags = previous.Tags
	}
	return req, nil
}

// checkPlan resolves the template once before starting, so that what
// CloudFormation rejects synchronously (a parameter outside its
// constraints, an invalid Fn::Select) is a ValidationError, not a failed
// stack. Callers hold s.mu.
func (s *Sandbox) checkPlan(op *operation) *apiError {
	if _, err := s.plan(op); err != nil {
		return validationError("%s", oneLine(err.Error()))
	}
	for _, name := range sortedKeys(op.imports) {
		if e := s.exports[name]; e == nil || e.StackID == op.st.ID {
			return validationError("No export named %s found.", name)
		}
	}
	return nil
}

func (s *Sandbox) newStackID(name string) string {
	return "arn:" + s.partition() + ":cloudformation:" + s.opts.Region + ":" + s.opts.Account + ":stack/" + name + "/" + newUUID()
}

func (s *Sandbox) createStack(q awsquery.Values, c *call) (any, *apiError) {
	name := q.String("StackName")
	if !stackNamePattern.MatchString(name) {
		return nil, validationError("1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name)
	}
	req, apiErr := s.readStackRequest(q, nil)
	if apiErr != nil {
		return nil, apiErr
	}
	disable, _, err := q.Bool("DisableRollback")
	if err != nil {
		return nil, validationError("DisableRollback: %v", err)
	}
	onFailure := q.String("OnFailure")
	switch {
	case onFailure != "" && q.Has("DisableRollback"):
		return nil, validationError("You may not specify both DisableRollback and OnFailure.")
	case onFailure == "":
		onFailure = "ROLLBACK"
		if disable {
			onFailure = "DO_NOTHING"
		}
	case onFailure != "ROLLBACK" && onFailure != "DO_NOTHING" && onFailure != "DELETE":
		return nil, validationError("OnFailure: %q is not one of DO_NOTHING, ROLLBACK, DELETE", onFailure)
	}
	protect, _, err := q.Bool("EnableTerminationProtection")
	if err != nil {
		return nil, validationError("EnableTerminationProtection: %v", err)
	}
	timeout, _, err := q.Int("TimeoutInMinutes")
	if err != nil {
		return nil, validationError("TimeoutInMinutes: %v", err)
	}
	notify, err := q.List("NotificationARNs")
	if err != nil {
		return nil, validationError("NotificationARNs: %v", err)
	}
	doc, _ := loadTemplate(req.body)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, &apiError{Status: 503, Code: "ServiceUnavailable", Message: "the sandbox is shutting down", Receiver: true}
	}
	if existing, _ := s.findStack(name); existing != nil {
		return nil, &apiError{Status: 400, Code: "AlreadyExistsException", Message: "Stack [" + name + "] already exists"}
	}
	st := &stack{
		ID: s.newStackID(name), Name: name, Created: now(), TemplateBody: req.body,
		Parameters: req.stored, Capabilities: req.capabilities, Tags: req.tags,
		DisableRollback: onFailure == "DO_NOTHING", TerminationProtection: protect,
		NotificationARNs: notify, RoleARN: q.String("RoleARN"), TimeoutInMinutes: timeout,
		DriftStatus: "NOT_CHECKED", resources: map[string]*stackResource{},
	}
	if d := doc.Root().Get("Description"); d != nil {
		st.Description, _ = d.Str()
	}
	op := &operation{st: st, doc: doc, params: req.params, c: c}
	if apiErr := s.checkPlan(op); apiErr != nil {
		return nil, apiErr
	}
	st.Status = "CREATE_IN_PROGRESS"
	if err := s.saveStack(st); err != nil {
		return nil, internalError(err)
	}
	s.stacks[st.ID] = st
	s.stackOrder = append(s.stackOrder, st)
	if err := s.recordStackCall(c, "CreateStack", st, map[string]any{
		"stackName": name, "templateDigest": digest(req.body), "parameters": trailParams(st.Parameters),
		"capabilities": req.capabilities, "tags": req.tags, "onFailure": onFailure,
	}); err != nil {
		return nil, internalError(err)
	}
	s.begin(st, func() { s.runCreate(op, onFailure) })
	return xStackID{StackID: st.ID}, nil
}

// busyError is CloudFormation's answer to an operation on a stack that is
// in the middle of one, or in a state that forbids it.
func busyError(st *stack, verb string) *apiError {
	return validationError("Stack:%s is in %s state and can not be %s.", st.ID, st.Status, verb)
}

// updatable reports whether a stack in its status accepts an update.
func updatable(st *stack) bool {
	switch st.Status {
	case "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE", "UPDATE_FAILED":
		return st.done == nil
	}
	return false
}

func (s *Sandbox) updateStack(q awsquery.Values, c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	if !updatable(st) {
		return nil, busyError(st, "updated")
	}
	req, apiErr := s.readStackRequest(q, st)
	if apiErr != nil {
		return nil, apiErr
	}
	disable, _, err := q.Bool("DisableRollback")
	if err != nil {
		return nil, validationError("DisableRollback: %v", err)
	}
	if req.body == st.TemplateBody && slices.Equal(req.stored, st.Parameters) && slices.Equal(req.tags, st.Tags) {
		return nil, validationError("No updates are to be performed.")
	}
	doc, _ := loadTemplate(req.body)
	op := &operation{st: st, doc: doc, params: req.params, c: c}
	if apiErr := s.checkPlan(op); apiErr != nil {
		return nil, apiErr
	}
	old := s.snapshot(st)
	st.TemplateBody, st.Parameters, st.Capabilities, st.Tags = req.body, req.stored, req.capabilities, req.tags
	st.Description = ""
	if d := doc.Root().Get("Description"); d != nil {
		st.Description, _ = d.Str()
	}
	st.Status, st.Updated = "UPDATE_IN_PROGRESS", now()
	if err := s.recordStackCall(c, "UpdateStack", st, map[string]any{
		"stackName": st.Name, "templateDigest": digest(req.body), "parameters": trailParams(st.Parameters),
		"capabilities": req.capabilities, "tags": req.tags,
	}); err != nil {
		return nil, internalError(err)
	}
	s.begin(st, func() { s.runUpdate(op, old, disable) })
	return xStackID{StackID: st.ID}, nil
}

func (s *Sandbox) deleteStack(q awsquery.Values, c *call) (any, *apiError) {
	retain, err := q.List("RetainResources")
	if err != nil {
		return nil, validationError("RetainResources: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := q.String("StackName")
	st, apiErr := s.findStack(name)
	if apiErr != nil {
		// Deleting a stack that does not exist succeeds, as on AWS.
		if name != "" {
			return nil, nil
		}
		return nil, apiErr
	}
	if st.Status == "DELETE_COMPLETE" || st.Status == "DELETE_IN_PROGRESS" {
		return nil, nil
	}
	if st.done != nil {
		return nil, busyError(st, "deleted")
	}
	if st.TerminationProtection {
		return nil, validationError("Stack [%s] cannot be deleted while TerminationProtection is enabled", st.Name)
	}
	if len(retain) > 0 && st.Status != "DELETE_FAILED" {
		return nil, validationError("Invalid operation on stack [%s]. RetainResources can only be specified when the stack is in the DELETE_FAILED state", st.ID)
	}
	for _, o := range st.Outputs {
		if o.ExportName == "" {
			continue
		}
		if users := s.importers(o.ExportName, st.ID); len(users) > 0 {
			return nil, validationError("Export %s cannot be deleted as it is in use by %s", o.ExportName, strings.Join(users, ", "))
		}
	}
	st.Status = "DELETE_IN_PROGRESS"
	if err := s.recordStackCall(c, "DeleteStack", st, map[string]any{"stackName": name, "retainResources": retain}); err != nil {
		return nil, internalError(err)
	}
	s.begin(st, func() { s.runDelete(c, st, retain) })
	return nil, nil
}

func (s *Sandbox) updateTerminationProtection(q awsquery.Values, c *call) (any, *apiError) {
	enable, present, err := q.Bool("EnableTerminationProtection")
	if err != nil || !present {
		return nil, validationError("EnableTerminationProtection must be true or false")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	if !st.Deleted.IsZero() {
		return nil, busyError(st, "updated")
	}
	st.TerminationProtection = enable
	if err := s.saveStack(st); err != nil {
		return nil, internalError(err)
	}
	if err := s.recordStackCall(c, "UpdateTerminationProtection", st, map[string]any{
		"stackName": q.String("StackName"), "enableTerminationProtection": enable}); err != nil {
		return nil, internalError(err)
	}
	return xStackID{StackID: st.ID}, nil
}

// recordStackCall logs a CloudFormation API call on a stack.
func (s *Sandbox) recordStackCall(c *call, name string, st *stack, params map[string]any) error {
	return s.record(c, trailEntry{
		source: "cloudformation.amazonaws.com", name: name, request: params,
		response:  map[string]any{"stackId": st.ID},
		resources: []trailResource{{ARN: st.ID, AccountID: s.opts.Account, Type: "AWS::CloudFormation::Stack"}},
	})
}

// trailParams lists parameters for a CloudTrail record, NoEcho values
// hidden.
func trailParams(ps []parameter) []map[string]string {
	out := []map[string]string{}
	for _, p := range maskedParams(ps) {
		out = append(out, map[string]string{"parameterKey": p.ParameterKey, "parameterValue": p.ParameterValue})
	}
	return out
}

// maskedParams lists parameters with NoEcho values hidden, as
// CloudFormation shows them.
func maskedParams(ps []parameter) []xParameter {
	out := make([]xParameter, len(ps))
	for i, p := range ps {
		v := p.Value
		if p.NoEcho {
			v = "****"
		}
		out[i] = xParameter{ParameterKey: p.Key, ParameterValue: v}
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Sandbox) stackShape(st *stack) xStack {
	x := xStack{
		StackID: st.ID, StackName: st.Name, ChangeSetID: st.ChangeSetID, Description: st.Description,
		Parameters: maskedParams(st.Parameters), CreationTime: st.Created, DeletionTime: timePtr(st.Deleted),
		LastUpdatedTime: timePtr(st.Updated), StackStatus: st.Status, StackStatusReason: st.StatusReason,
		DisableRollback: st.DisableRollback, NotificationARNs: st.NotificationARNs, TimeoutInMinutes: st.TimeoutInMinutes,
		Capabilities: st.Capabilities, RoleARN: st.RoleARN, EnableTerminationProtection: st.TerminationProtection,
		DriftInformation: xDriftInfo{StackDriftStatus: cmpOr(st.DriftStatus, "NOT_CHECKED"), LastCheckTimestamp: timePtr(st.DriftCheckedAt)},
	}
	for _, o := range st.Outputs {
		x.Outputs = append(x.Outputs, xOutput{OutputKey: o.Key, OutputValue: o.Value, Description: o.Description, ExportName: o.ExportName})
	}
	for _, t := range st.Tags {
		x.Tags = append(x.Tags, xTag(t))
	}
	return x
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Sandbox) describeStacks(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name := q.String("StackName"); name != "" {
		st, apiErr := s.findStack(name)
		if apiErr != nil {
			return nil, apiErr
		}
		s.waitStack(st)
		return xDescribeStacks{Stacks: []xStack{s.stackShape(st)}}, nil
	}
	var live []*stack
	for _, st := range slices.Backward(s.stackOrder) {
		if st.Deleted.IsZero() {
			live = append(live, st)
		}
	}
	start, end, next, apiErr := page(len(live), q.String("NextToken"), 100)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xDescribeStacks{Stacks: []xStack{}, NextToken: next}
	for _, st := range live[start:end] {
		out.Stacks = append(out.Stacks, s.stackShape(st))
	}
	return out, nil
}

// page picks the slice of a list a NextToken asks for. Tokens are offsets:
// the sandbox's lists only grow at their ends between calls.
func page(n int, token string, size int) (start, end int, next string, apiErr *apiError) {
	if token != "" {
		i, err := strconv.Atoi(token)
		if err != nil || i < 0 || i > n {
			return 0, 0, "", validationError("Invalid NextToken: %s", token)
		}
		start = i
	}
	end = min(start+size, n)
	if end < n {
		next = strconv.Itoa(end)
	}
	return start, end, next, nil
}

func (s *Sandbox) listStacks(q awsquery.Values, _ *call) (any, *apiError) {
	filter, err := q.List("StackStatusFilter")
	if err != nil {
		return nil, validationError("StackStatusFilter: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*stack
	for _, st := range slices.Backward(s.stackOrder) {
		if len(filter) == 0 || slices.Contains(filter, st.Status) {
			match = append(match, st)
		}
	}
	start, end, next, apiErr := page(len(match), q.String("NextToken"), 100)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xListStacks{StackSummaries: []xStackSummary{}, NextToken: next}
	for _, st := range match[start:end] {
		out.StackSummaries = append(out.StackSummaries, xStackSummary{
			StackID: st.ID, StackName: st.Name, TemplateDescription: st.Description, CreationTime: st.Created,
			LastUpdatedTime: timePtr(st.Updated), DeletionTime: timePtr(st.Deleted), StackStatus: st.Status,
			StackStatusReason: st.StatusReason,
			DriftInformation:  xDriftInfo{StackDriftStatus: cmpOr(st.DriftStatus, "NOT_CHECKED"), LastCheckTimestamp: timePtr(st.DriftCheckedAt)},
		})
	}
	return out, nil
}

func (s *Sandbox) describeStackEvents(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	start, end, next, apiErr := page(len(st.events), q.String("NextToken"), 100)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xDescribeStackEvents{StackEvents: []xStackEvent{}, NextToken: next}
	// Newest first, as CloudFormation lists them.
	for i := start; i < end; i++ {
		ev := st.events[len(st.events)-1-i]
		out.StackEvents = append(out.StackEvents, xStackEvent(ev))
	}
	return out, nil
}

// sortedResources lists a stack's resources by logical id.
func sortedResources(st *stack) []*stackResource {
	out := make([]*stackResource, 0, len(st.resources))
	for _, sr := range st.resources {
		out = append(out, sr)
	}
	slices.SortFunc(out, func(a, b *stackResource) int { return strings.Compare(a.LogicalID, b.LogicalID) })
	return out
}

// findStackResource finds the stack resource a request names by
// StackName and LogicalResourceId. Callers hold s.mu.
func (s *Sandbox) findStackResource(q awsquery.Values) (*stack, *stackResource, *apiError) {
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, nil, apiErr
	}
	id := q.String("LogicalResourceId")
	sr := st.resources[id]
	if sr == nil {
		return nil, nil, validationError("Resource %s does not exist for stack %s", id, st.Name)
	}
	return st, sr, nil
}

func resourceDriftInfo(sr *stackResource) xResourceDriftInfo {
	return xResourceDriftInfo{StackResourceDriftStatus: cmpOr(sr.DriftStatus, "NOT_CHECKED"), LastCheckTimestamp: timePtr(sr.DriftCheckedAt)}
}

func (s *Sandbox) describeStackResource(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, sr, apiErr := s.findStackResource(q)
	if apiErr != nil {
		return nil, apiErr
	}
	return xDescribeStackResource{StackResourceDetail: xStackResourceDetail{
		StackName: st.Name, StackID: st.ID, LogicalResourceID: sr.LogicalID, PhysicalResourceID: sr.PhysicalID,
		ResourceType: sr.Type, LastUpdatedTimestamp: sr.Updated, ResourceStatus: sr.Status,
		ResourceStatusReason: sr.Reason, DriftInformation: resourceDriftInfo(sr),
	}}, nil
}

func (s *Sandbox) describeStackResources(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, physical := q.String("StackName"), q.String("PhysicalResourceId")
	var st *stack
	switch {
	case name != "":
		var apiErr *apiError
		if st, apiErr = s.findStack(name); apiErr != nil {
			return nil, apiErr
		}
	case physical != "":
		for _, cand := range slices.Backward(s.stackOrder) {
			if slices.ContainsFunc(sortedResources(cand), func(sr *stackResource) bool { return sr.PhysicalID == physical }) {
				st = cand
				break
			}
		}
		if st == nil {
			return nil, validationError("Stack for %s does not exist", physical)
		}
	default:
		return nil, validationError("Either StackName or PhysicalResourceId must be specified.")
	}
	out := xDescribeStackResources{StackResources: []xStackResource{}}
	logical := q.String("LogicalResourceId")
	for _, sr := range sortedResources(st) {
		if logical != "" && sr.LogicalID != logical {
			continue
		}
		out.StackResources = append(out.StackResources, xStackResource{
			StackName: st.Name, StackID: st.ID, LogicalResourceID: sr.LogicalID, PhysicalResourceID: sr.PhysicalID,
			ResourceType: sr.Type, Timestamp: sr.Updated, ResourceStatus: sr.Status, ResourceStatusReason: sr.Reason,
			DriftInformation: resourceDriftInfo(sr),
		})
	}
	return out, nil
}

func (s *Sandbox) listStackResources(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	all := sortedResources(st)
	start, end, next, apiErr := page(len(all), q.String("NextToken"), 100)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xListStackResources{StackResourceSummaries: []xStackResourceSummary{}, NextToken: next}
	for _, sr := range all[start:end] {
		out.StackResourceSummaries = append(out.StackResourceSummaries, xStackResourceSummary{
			LogicalResourceID: sr.LogicalID, PhysicalResourceID: sr.PhysicalID, ResourceType: sr.Type,
			LastUpdatedTimestamp: sr.Updated, ResourceStatus: sr.Status, ResourceStatusReason: sr.Reason,
			DriftInformation: resourceDriftInfo(sr),
		})
	}
	return out, nil
}

func (s *Sandbox) getTemplate(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name := q.String("ChangeSetName"); name != "" {
		cs, apiErr := s.findChangeSet(name, q.String("StackName"))
		if apiErr != nil {
			return nil, apiErr
		}
		return xGetTemplate{TemplateBody: cs.TemplateBody, StagesAvailable: []string{"Original", "Processed"}}, nil
	}
	st, apiErr := s.findStack(q.String("StackName"))
	if apiErr != nil {
		return nil, apiErr
	}
	return xGetTemplate{TemplateBody: st.TemplateBody, StagesAvailable: []string{"Original", "Processed"}}, nil
}

func (s *Sandbox) listExports(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.exports))
	for n := range s.exports {
		names = append(names, n)
	}
	slices.Sort(names)
	start, end, next, apiErr := page(len(names), q.String("NextToken"), 100)
	if apiErr != nil {
		return nil, apiErr
	}
	out := xListExports{Exports: []xExport{}, NextToken: next}
	for _, n := range names[start:end] {
		e := s.exports[n]
		out.Exports = append(out.Exports, xExport{ExportingStackID: e.StackID, Name: e.Name, Value: e.Value})
	}
	return out, nil
}

func (s *Sandbox) listImports(q awsquery.Values, _ *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := q.String("ExportName")
	e := s.exports[name]
	if e == nil {
		return nil, validationError("Export '%s' does not exist.", name)
	}
	users := s.importers(name, e.StackID)
	if len(users) == 0 {
		return nil, validationError("Export '%s' is not imported by any stack.", name)
	}
	return xListImports{Imports: users}, nil
}
