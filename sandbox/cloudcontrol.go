package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"qualstate"
	"qualstate/cfn/schema"
	"qualstate/jsonpatch"
	"qualstate/sandbox/registry"
)

// ccResourceDescription is Cloud Control's ResourceDescription.
type ccResourceDescription struct {
	Identifier string `json:"Identifier"`
	Properties string `json:"Properties"`
}

// ccProgressEvent is Cloud Control's ProgressEvent. Times are epoch
// seconds, as awsJson1_0 encodes timestamps.
type ccProgressEvent struct {
	TypeName        string  `json:"TypeName"`
	Identifier      string  `json:"Identifier,omitempty"`
	RequestToken    string  `json:"RequestToken"`
	Operation       string  `json:"Operation"`
	OperationStatus string  `json:"OperationStatus"`
	EventTime       float64 `json:"EventTime"`
	ResourceModel   string  `json:"ResourceModel,omitempty"`
	StatusMessage   string  `json:"StatusMessage,omitempty"`
	ErrorCode       string  `json:"ErrorCode,omitempty"`
}

type ccInput struct {
	TypeName      string          `json:"TypeName"`
	TypeVersionID string          `json:"TypeVersionId"`
	RoleArn       string          `json:"RoleArn"`
	Identifier    string          `json:"Identifier"`
	ClientToken   string          `json:"ClientToken"`
	DesiredState  string          `json:"DesiredState"`
	PatchDocument string          `json:"PatchDocument"`
	NextToken     string          `json:"NextToken"`
	MaxResults    *int            `json:"MaxResults"`
	ResourceModel string          `json:"ResourceModel"`
	RequestToken  string          `json:"RequestToken"`
	Filter        *ccStatusFilter `json:"ResourceRequestStatusFilter"`
}

type ccStatusFilter struct {
	Operations        []string `json:"Operations"`
	OperationStatuses []string `json:"OperationStatuses"`
}

func ccError(code, format string, args ...any) *apiError {
	return &apiError{Status: 400, Code: code, Message: fmt.Sprintf(format, args...)}
}

// serveJSON answers an awsJson1_0 request: the Cloud Control API.
func (s *Sandbox) serveJSON(w http.ResponseWriter, _ *http.Request, body []byte, target string, c *call) (string, *apiError) {
	op, ok := strings.CutPrefix(target, "CloudApiService.")
	if !ok {
		return target, &apiError{Status: 400, Code: "UnknownOperationException",
			Message: "the sandbox serves the Cloud Control API (CloudApiService.*) over JSON, not " + target}
	}
	in, apiErr := decodeCCInput(body)
	if apiErr != nil {
		return "cloudcontrol:" + op, apiErr
	}
	var out any
	switch op {
	case "GetResource":
		out, apiErr = s.ccGet(in)
	case "ListResources":
		out, apiErr = s.ccList(in)
	case "CreateResource":
		out, apiErr = s.ccCreate(in, c)
	case "UpdateResource":
		out, apiErr = s.ccUpdate(in, c)
	case "DeleteResource":
		out, apiErr = s.ccDelete(in, c)
	case "GetResourceRequestStatus":
		out, apiErr = s.ccStatus(in)
	case "ListResourceRequests":
		out, apiErr = s.ccListRequests(in)
	case "CancelResourceRequest":
		out, apiErr = s.ccCancel(in)
	default:
		apiErr = &apiError{Status: 400, Code: "UnknownOperationException", Message: "the sandbox's Cloud Control API does not implement " + op}
	}
	if apiErr != nil {
		return "cloudcontrol:" + op, apiErr
	}
	writeJSON(w, out)
	return "cloudcontrol:" + op, nil
}

// decodeCCInput decodes a Cloud Control request body strictly.
func decodeCCInput(body []byte) (*ccInput, *apiError) {
	in := &ccInput{}
	if len(bytes.TrimSpace(body)) == 0 {
		return in, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return nil, &apiError{Status: 400, Code: "SerializationException", Message: "request body: " + err.Error()}
	}
	if dec.More() {
		return nil, &apiError{Status: 400, Code: "SerializationException", Message: "request body: more than one JSON value"}
	}
	return in, nil
}

// ccType looks a type up for Cloud Control.
func ccType(name string) (*registry.Type, *apiError) {
	if name == "" {
		return nil, ccError("InvalidRequestException", "TypeName is required")
	}
	t, err := registry.Lookup(name)
	if err != nil {
		if _, known := schema.Lookup(name); known {
			return nil, ccError("UnsupportedActionException", "%s", err.Error())
		}
		return nil, ccError("TypeNotFoundException", "The type %s cannot be found. %v", name, err)
	}
	if !t.CloudControl() {
		return nil, ccError("UnsupportedActionException", "Resource type %s does not support Cloud Control API operations", name)
	}
	return t, nil
}

// ccIdentifier turns an identifier as Cloud Control accepts it (values
// joined with "|", or a JSON object of the identifying properties) into
// the primary identifier.
func ccIdentifier(t *registry.Type, id string) (string, *apiError) {
	if id == "" {
		return "", ccError("InvalidRequestException", "Identifier is required")
	}
	if !strings.HasPrefix(strings.TrimSpace(id), "{") {
		return id, nil
	}
	var props map[string]any
	if err := json.Unmarshal([]byte(id), &props); err != nil {
		return "", ccError("InvalidRequestException", "Identifier: %v", err)
	}
	ident, err := t.Identifier(props)
	if err != nil {
		return "", ccError("InvalidRequestException", "Identifier: %v", err)
	}
	return ident, nil
}

// ccTarget is the type and primary identifier a request names.
func ccTarget(in *ccInput) (*registry.Type, string, *apiError) {
	t, apiErr := ccType(in.TypeName)
	if apiErr != nil {
		return nil, "", apiErr
	}
	id, apiErr := ccIdentifier(t, in.Identifier)
	if apiErr != nil {
		return nil, "", apiErr
	}
	return t, id, nil
}

func notFound(typeName, id string) *apiError {
	return ccError("ResourceNotFoundException", "Resource of type '%s' with identifier '%s' was not found.", typeName, id)
}

func describe(t *registry.Type, lr *liveResource) (ccResourceDescription, error) {
	b, err := json.Marshal(t.Public(lr.Model))
	if err != nil {
		return ccResourceDescription{}, fmt.Errorf("encode %s %s: %w", lr.Type, lr.Identifier, err)
	}
	return ccResourceDescription{Identifier: lr.Identifier, Properties: string(b)}, nil
}

func (s *Sandbox) ccGet(in *ccInput) (any, *apiError) {
	t, id, apiErr := ccTarget(in)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	lr := s.resources[resourceKey(t.Name(), id)]
	var desc ccResourceDescription
	var err error
	if lr != nil {
		desc, err = describe(t, lr)
	}
	s.mu.Unlock()
	switch {
	case lr == nil:
		return nil, notFound(t.Name(), id)
	case err != nil:
		return nil, internalError(err)
	}
	return map[string]any{"TypeName": t.Name(), "ResourceDescription": desc}, nil
}

func (s *Sandbox) ccList(in *ccInput) (any, *apiError) {
	t, apiErr := ccType(in.TypeName)
	if apiErr != nil {
		return nil, apiErr
	}
	size, apiErr := pageSize(in)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*liveResource
	for _, lr := range s.resources {
		if lr.Type == t.Name() {
			all = append(all, lr)
		}
	}
	// Creation order, so that paging with offsets is stable while
	// resources are added.
	slices.SortFunc(all, func(a, b *liveResource) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Identifier, b.Identifier)
	})
	start, end, next, apiErr := page(len(all), in.NextToken, size)
	if apiErr != nil {
		return nil, ccError("InvalidRequestException", "%s", apiErr.Message)
	}
	descs := []ccResourceDescription{}
	for _, lr := range all[start:end] {
		d, err := describe(t, lr)
		if err != nil {
			return nil, internalError(err)
		}
		descs = append(descs, d)
	}
	out := map[string]any{"TypeName": t.Name(), "ResourceDescriptions": descs}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// pageSize is the MaxResults of a list request, 100 by default.
func pageSize(in *ccInput) (int, *apiError) {
	if in.MaxResults == nil {
		return 100, nil
	}
	if *in.MaxResults < 1 || *in.MaxResults > 100 {
		return 0, ccError("InvalidRequestException", "MaxResults must be between 1 and 100")
	}
	return *in.MaxResults, nil
}

func (rq *request) event() ccProgressEvent {
	ev := ccProgressEvent{
		TypeName: rq.TypeName, Identifier: rq.Identifier, RequestToken: rq.Token, Operation: rq.Operation,
		OperationStatus: rq.Status, EventTime: float64(rq.EventTime.UnixMilli()) / 1000,
		StatusMessage: rq.StatusMessage, ErrorCode: rq.ErrorCode,
	}
	if rq.Model != nil {
		if b, err := json.Marshal(rq.Model); err == nil {
			ev.ResourceModel = string(b)
		}
	}
	return ev
}

// startRequest records a new resource request and runs work in the
// background; work runs with s.mu held and returns the outcome. Callers
// hold s.mu.
func (s *Sandbox) startRequest(in *ccInput, operation, typeName, identifier string, work func(rq *request) error) (any, *apiError) {
	if in.ClientToken != "" {
		for _, rq := range s.reqOrder {
			if rq.ClientToken == in.ClientToken {
				if rq.Operation != operation || rq.TypeName != typeName {
					return nil, ccError("ClientTokenConflictException", "ClientToken %s was used for another request", in.ClientToken)
				}
				return map[string]any{"ProgressEvent": rq.event()}, nil
			}
		}
	}
	if identifier != "" {
		for _, rq := range s.reqOrder {
			if rq.done != nil && rq.TypeName == typeName && rq.Identifier == identifier {
				return nil, ccError("ConcurrentOperationException", "Another resource operation (%s) is in progress on %s", rq.Token, identifier)
			}
		}
	}
	ts := now()
	rq := &request{Token: newUUID(), ClientToken: in.ClientToken, Operation: operation, Status: "IN_PROGRESS",
		TypeName: typeName, Identifier: identifier, EventTime: ts, Started: ts, done: make(chan struct{})}
	if err := s.store.put(kindRequest, rq.Token, rq); err != nil {
		return nil, internalError(err)
	}
	s.requests[rq.Token] = rq
	s.reqOrder = append(s.reqOrder, rq)
	first := rq.event()
	s.ops.Add(1)
	go func() {
		defer s.ops.Done()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.pause()
		if err := work(rq); err != nil {
			rq.Status = "FAILED"
			var re *registry.Error
			if errors.As(err, &re) {
				rq.ErrorCode, rq.StatusMessage = cmpOr(re.Code, "GeneralServiceException"), re.Message
			} else {
				rq.ErrorCode, rq.StatusMessage = "ServiceInternalError", err.Error()
			}
		} else {
			rq.Status = "SUCCESS"
		}
		rq.EventTime = now()
		if err := s.store.put(kindRequest, rq.Token, rq); err != nil {
			s.log.Error("save resource request", "error", err)
		}
		close(rq.done)
		rq.done = nil
	}()
	return map[string]any{"ProgressEvent": first}, nil
}

func (s *Sandbox) ccCreate(in *ccInput, c *call) (any, *apiError) {
	t, apiErr := ccType(in.TypeName)
	if apiErr != nil {
		return nil, apiErr
	}
	var desired map[string]any
	if err := json.Unmarshal([]byte(in.DesiredState), &desired); err != nil || desired == nil {
		return nil, ccError("InvalidRequestException", "DesiredState must be a JSON object of the resource's properties: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startRequest(in, "CREATE", t.Name(), "", func(rq *request) error {
		_, lr, err := s.provision(c, t.Name(), desired, registry.NameHint{})
		if err != nil {
			return err
		}
		if err := s.putResource(lr); err != nil {
			return err
		}
		rq.Identifier, rq.Model = lr.Identifier, t.Public(lr.Model)
		if err := s.recordCC(c, "CreateResource", t, lr, nil, rq.Token); err != nil {
			return err
		}
		return s.recordResource(c, "cloudcontrolapi", "Create", t, lr)
	})
}

func (s *Sandbox) ccUpdate(in *ccInput, c *call) (any, *apiError) {
	t, id, apiErr := ccTarget(in)
	if apiErr != nil {
		return nil, apiErr
	}
	var ops []qualstate.PatchOp
	if err := json.Unmarshal([]byte(in.PatchDocument), &ops); err != nil {
		return nil, ccError("InvalidRequestException", "PatchDocument must be a JSON Patch (RFC 6902) array: %v", err)
	}
	if err := jsonpatch.Validate(ops); err != nil {
		return nil, ccError("InvalidRequestException", "PatchDocument: %v", err)
	}
	if apiErr := checkPatchPaths(t, ops); apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lr := s.resources[resourceKey(t.Name(), id)]
	if lr == nil {
		return nil, notFound(t.Name(), id)
	}
	desired, err := jsonpatch.Apply(t.Desired(lr.Model), ops)
	if err != nil {
		return nil, ccError("InvalidRequestException", "PatchDocument: %v", err)
	}
	props, ok := desired.(map[string]any)
	if !ok {
		return nil, ccError("InvalidRequestException", "PatchDocument: the patched resource is not an object")
	}
	if changed := t.RequiresReplacement(lr.Model, props); len(changed) > 0 {
		return nil, ccError("NotUpdatableException", "Invalid patch update: createOnlyProperties [%s] cannot be updated", strings.Join(prefixed(changed), ", "))
	}
	return s.startRequest(in, "UPDATE", t.Name(), id, func(rq *request) error {
		cur := s.resources[resourceKey(t.Name(), id)]
		if cur == nil {
			return &registry.Error{Code: "NotFound", Message: fmt.Sprintf("Resource of type '%s' with identifier '%s' was not found.", t.Name(), id)}
		}
		model, err := t.Update(s.env, cur.Model, props)
		if err != nil {
			return err
		}
		next := *cur
		next.Model, next.Updated = model, now()
		if err := s.putResource(&next); err != nil {
			return err
		}
		rq.Model = t.Public(model)
		if err := s.recordCC(c, "UpdateResource", t, &next, ops, rq.Token); err != nil {
			return err
		}
		return s.recordResource(c, "cloudcontrolapi", "Update", t, &next)
	})
}

// prefixed renders property names as the schema's pointers.
func prefixed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "/properties/" + n
	}
	return out
}

// checkPatchPaths rejects patches of read-only properties, which Cloud
// Control refuses before any handler runs.
func checkPatchPaths(t *registry.Type, ops []qualstate.PatchOp) *apiError {
	readOnly := t.Schema().ReadOnlyProperties()
	for _, op := range ops {
		for _, p := range []string{op.Path, op.From} {
			if p == "" {
				continue
			}
			for _, ro := range readOnly {
				ptr := strings.TrimPrefix(ro, "/properties")
				if p == ptr || strings.HasPrefix(p, ptr+"/") {
					return ccError("InvalidRequestException", "Invalid patch update: readOnlyProperties [%s] cannot be updated", ro)
				}
			}
		}
	}
	return nil
}

func (s *Sandbox) ccDelete(in *ccInput, c *call) (any, *apiError) {
	t, id, apiErr := ccTarget(in)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resources[resourceKey(t.Name(), id)] == nil {
		return nil, notFound(t.Name(), id)
	}
	return s.startRequest(in, "DELETE", t.Name(), id, func(rq *request) error {
		lr := s.resources[resourceKey(t.Name(), id)]
		if lr == nil {
			return &registry.Error{Code: "NotFound", Message: fmt.Sprintf("Resource of type '%s' with identifier '%s' was not found.", t.Name(), id)}
		}
		if err := s.recordCC(c, "DeleteResource", t, lr, nil, rq.Token); err != nil {
			return err
		}
		return s.destroy(c, "cloudcontrolapi", t.Name(), id)
	})
}

// recordCC logs a Cloud Control API call. Patch values are left out: they
// may be secrets (a write-only password), and the resource's own record
// carries its new readable state.
func (s *Sandbox) recordCC(c *call, name string, t *registry.Type, lr *liveResource, ops []qualstate.PatchOp, token string) error {
	params := map[string]any{"typeName": t.Name(), "identifier": lr.Identifier}
	if ops != nil {
		var paths []map[string]string
		for _, op := range ops {
			paths = append(paths, map[string]string{"op": op.Op, "path": op.Path})
		}
		params["patchDocument"] = paths
	}
	return s.record(c, trailEntry{
		source: "cloudcontrolapi.amazonaws.com", name: name, request: params,
		response:  map[string]any{"progressEvent": map[string]any{"requestToken": token, "typeName": t.Name(), "identifier": lr.Identifier}},
		resources: []trailResource{{ARN: cmpOr(t.ARN(lr.Model), lr.Identifier), AccountID: s.opts.Account, Type: t.Name()}},
	})
}

func (s *Sandbox) ccStatus(in *ccInput) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rq := s.requests[in.RequestToken]
	if rq == nil {
		return nil, ccError("RequestTokenNotFoundException", "Request with token %s was not found", in.RequestToken)
	}
	if done := rq.done; done != nil {
		s.mu.Unlock()
		s.settle(done)
		s.mu.Lock()
	}
	return map[string]any{"ProgressEvent": rq.event()}, nil
}

func (s *Sandbox) ccCancel(in *ccInput) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rq := s.requests[in.RequestToken]
	if rq == nil {
		return nil, ccError("RequestTokenNotFoundException", "Request with token %s was not found", in.RequestToken)
	}
	// Operations here finish as soon as they run; one that has finished
	// cannot be cancelled, as on AWS.
	if rq.Status != "PENDING" {
		return nil, ccError("ConcurrentModificationException", "Request %s is %s and cannot be cancelled", rq.Token, rq.Status)
	}
	return map[string]any{"ProgressEvent": rq.event()}, nil
}

func (s *Sandbox) ccListRequests(in *ccInput) (any, *apiError) {
	size, apiErr := pageSize(in)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*request
	for _, rq := range slices.Backward(s.reqOrder) {
		if f := in.Filter; f != nil {
			if len(f.Operations) > 0 && !slices.Contains(f.Operations, rq.Operation) {
				continue
			}
			if len(f.OperationStatuses) > 0 && !slices.Contains(f.OperationStatuses, rq.Status) {
				continue
			}
		}
		// Cloud Control keeps requests for seven days.
		if time.Since(rq.Started) > 7*24*time.Hour {
			continue
		}
		match = append(match, rq)
	}
	start, end, next, apiErr := page(len(match), in.NextToken, size)
	if apiErr != nil {
		return nil, ccError("InvalidRequestException", "%s", apiErr.Message)
	}
	events := []ccProgressEvent{}
	for _, rq := range match[start:end] {
		events = append(events, rq.event())
	}
	out := map[string]any{"ResourceRequestStatusSummaries": events}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}
