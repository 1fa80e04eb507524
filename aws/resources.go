package aws

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	cctypes "github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"

	"qualstate"
)

func resourceAction(op, typeName, identifier string) action {
	return action{
		op:       "cloudcontrol:" + op,
		request:  "TypeName=" + typeName + " Identifier=" + identifier,
		resource: typeName + " " + identifier,
	}
}

// GetResource reads a resource's live model through Cloud Control.
func (c *Client) GetResource(ctx context.Context, typeName, identifier string) (*qualstate.LiveResource, qualstate.Capture, error) {
	if err := c.ready(ctx); err != nil {
		return nil, qualstate.Capture{}, err
	}
	a := resourceAction("GetResource", typeName, identifier)
	out, capt, err := invoke(ctx, a, func(ctx context.Context) (*cloudcontrol.GetResourceOutput, error) {
		return c.cc.GetResource(ctx, &cloudcontrol.GetResourceInput{TypeName: sdkaws.String(typeName), Identifier: sdkaws.String(identifier)})
	})
	if err != nil {
		return nil, qualstate.Capture{}, err
	}
	if out.ResourceDescription == nil {
		return nil, qualstate.Capture{}, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: the response has no ResourceDescription", a.describe())
	}
	props, err := decodeProperties(sdkaws.ToString(out.ResourceDescription.Properties))
	if err != nil {
		return nil, qualstate.Capture{}, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: Properties: %w", a.describe(), err)
	}
	id := sdkaws.ToString(out.ResourceDescription.Identifier)
	if id == "" {
		id = identifier
	}
	return &qualstate.LiveResource{Type: typeName, Identifier: id, Properties: props}, capt, nil
}

// decodeProperties decodes a resource model into the value types
// qualstate.Resource documents: integers as int64, exactly, however large
// (a float64 would round account numbers and byte counts past 2^53),
// other numbers as float64.
func decodeProperties(s string) (map[string]any, error) {
	if s == "" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("not one JSON value")
	}
	v, err := numbers(v)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a JSON %T, not an object", v)
	}
	return m, nil
}

// numbers replaces every json.Number in v, in place. A number no float64
// holds (1E700) is an error: it would become infinity, which no JSON
// encoder writes back, and the model could not be kept as evidence or
// baseline.
func numbers(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			n, err := numbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = n
		}
	case []any:
		for i, e := range x {
			n, err := numbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		// Too large for int64, or with a fraction or exponent.
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s is out of range", x)
		}
		return f, nil
	}
	return v, nil
}

// UpdateResource applies a JSON Patch to a live resource through Cloud
// Control and waits until the request completes. The capture is the final
// GetResourceRequestStatus, which records the outcome.
func (c *Client) UpdateResource(ctx context.Context, typeName, identifier string, patch []qualstate.PatchOp) (qualstate.Capture, error) {
	if err := c.ready(ctx); err != nil {
		return qualstate.Capture{}, err
	}
	a := resourceAction("UpdateResource", typeName, identifier)
	doc, err := json.Marshal(patch)
	if err != nil {
		return qualstate.Capture{}, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "%s: encoding the patch: %w", a.describe(), err)
	}
	out, _, err := invoke(ctx, a, func(ctx context.Context) (*cloudcontrol.UpdateResourceOutput, error) {
		return c.cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{
			TypeName:      sdkaws.String(typeName),
			Identifier:    sdkaws.String(identifier),
			PatchDocument: sdkaws.String(string(doc)),
			// Fresh per call: the SDK reuses it across its retries, so a
			// retried request is not applied twice, while a later call
			// with the same patch is a new request.
			ClientToken: sdkaws.String(clientToken()),
		})
	})
	if err != nil {
		return qualstate.Capture{}, err
	}
	if out.ProgressEvent == nil || out.ProgressEvent.RequestToken == nil {
		return qualstate.Capture{}, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: the response has no request token", a.describe())
	}
	token := sdkaws.ToString(out.ProgressEvent.RequestToken)
	status := action{op: "cloudcontrol:GetResourceRequestStatus", request: "RequestToken=" + token, resource: a.resource}
	b := newBackoff()
	for {
		st, capt, err := invoke(ctx, status, func(ctx context.Context) (*cloudcontrol.GetResourceRequestStatusOutput, error) {
			return c.cc.GetResourceRequestStatus(ctx, &cloudcontrol.GetResourceRequestStatusInput{RequestToken: sdkaws.String(token)})
		})
		if err != nil {
			return qualstate.Capture{}, err
		}
		ev := st.ProgressEvent
		if ev == nil {
			return qualstate.Capture{}, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: request %s has no progress event", a.describe(), token)
		}
		switch ev.OperationStatus {
		case cctypes.OperationStatusSuccess:
			return capt, nil
		case cctypes.OperationStatusFailed, cctypes.OperationStatusCancelComplete:
			return capt, requestFailure(a, ev)
		}
		if err := b.sleep(ctx, a.describe()+": waiting for request "+token); err != nil {
			return qualstate.Capture{}, err
		}
	}
}

// requestFailure is the error of a Cloud Control request that failed or
// was cancelled, classified by its handler error code.
func requestFailure(a action, ev *cctypes.ProgressEvent) error {
	code := qualstate.ErrEnvironment
	switch ev.ErrorCode {
	case cctypes.HandlerErrorCodeNotUpdatable, cctypes.HandlerErrorCodeInvalidRequest, cctypes.HandlerErrorCodeAlreadyExists:
		code = qualstate.ErrInvalidInput
	case cctypes.HandlerErrorCodeNotFound:
		code = qualstate.ErrNotFound
	}
	msg := a.describe() + ": " + string(ev.OperationStatus)
	if ev.ErrorCode != "" {
		msg += " " + string(ev.ErrorCode)
	}
	if m := sdkaws.ToString(ev.StatusMessage); m != "" {
		msg += ": " + m
	}
	return &qualstate.Error{Code: code, Msg: msg}
}

func clientToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
