package qualstate

import (
	"context"
	"time"
)

// Cloud is what a qualification run needs from AWS (or the sandbox): stacks
// through CloudFormation, live resource models through Cloud Control. Every
// call that returns something a decision may rest on returns the raw
// responses as Captures, which become evidence.
//
// Errors are *Error: ErrEnvironment for credentials, permissions, network
// and service failures (the message names the action and resource),
// ErrNotFound for a resource or stack that does not exist, ErrUnsupported
// for a resource type the service cannot handle, ErrInvalidInput for a
// request the service refused as invalid.
type Cloud interface {
	// Environment returns where the cloud is: endpoint, account (from STS),
	// region, partition.
	Environment(ctx context.Context) (Environment, error)
	// Deploy creates the stack, or updates it through a change set when it
	// exists, and waits until the operation settles, calling req.Progress
	// with each new stack event. A stack that ends in a failed or rolled
	// back state is an error naming the status and the first failure reason;
	// the stack is returned too.
	Deploy(ctx context.Context, req DeployRequest) (*Stack, []Capture, error)
	// DescribeStack returns the stack, or nil when it does not exist.
	DescribeStack(ctx context.Context, name string) (*Stack, Capture, error)
	// StackTemplate returns the template body the stack was last created
	// or updated with, as submitted (GetTemplate, stage Original).
	StackTemplate(ctx context.Context, name string) ([]byte, Capture, error)
	// StackResources lists the stack's resources (every page).
	StackResources(ctx context.Context, stack string) ([]StackResource, []Capture, error)
	// GetResource reads a resource's live model through Cloud Control.
	GetResource(ctx context.Context, typeName, identifier string) (*LiveResource, Capture, error)
	// UpdateResource applies a JSON Patch to a live resource through Cloud
	// Control and waits until the request completes.
	UpdateResource(ctx context.Context, typeName, identifier string, patch []PatchOp) (Capture, error)
	// DeleteStack deletes the stack and waits until it is gone, calling
	// progress (when not nil) with each new stack event. Deleting a stack
	// that does not exist is not an error.
	DeleteStack(ctx context.Context, name string, progress func(StackEvent)) error
	// Exports returns the account's CloudFormation exports in the region.
	Exports(ctx context.Context) (map[string]string, error)
}

// ErrUnsupported classifies an operation the cloud cannot perform for this
// input, such as a resource type Cloud Control cannot read.
const ErrUnsupported ErrorCode = "unsupported"

// DeployRequest is a stack to create or update.
type DeployRequest struct {
	StackName    string
	TemplateBody []byte
	Parameters   map[string]string
	// Capabilities to acknowledge; nil means CAPABILITY_IAM,
	// CAPABILITY_NAMED_IAM and CAPABILITY_AUTO_EXPAND.
	Capabilities []string
	Tags         map[string]string
	// Progress, when not nil, is called with each new stack event in order.
	Progress func(StackEvent)
}

// Stack is a CloudFormation stack as described.
type Stack struct {
	Name         string            `json:"name"`
	ID           string            `json:"id"`
	Status       string            `json:"status"`
	StatusReason string            `json:"statusReason,omitempty"`
	Outputs      map[string]string `json:"outputs,omitempty"`
	Created      time.Time         `json:"created"`
}

// StackEvent is one CloudFormation stack event.
type StackEvent struct {
	Time         time.Time `json:"time"`
	LogicalID    string    `json:"logicalId"`
	PhysicalID   string    `json:"physicalId,omitempty"`
	ResourceType string    `json:"resourceType"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason,omitempty"`
}

// StackResource is one resource of a stack as CloudFormation lists it.
type StackResource struct {
	LogicalID    string `json:"logicalId"`
	PhysicalID   string `json:"physicalId"`
	Type         string `json:"type"`
	Status       string `json:"status"`
	StatusReason string `json:"statusReason,omitempty"`
}

// LiveResource is a resource's model as Cloud Control reads it.
type LiveResource struct {
	Type       string         `json:"type"`
	Identifier string         `json:"identifier"`
	Properties map[string]any `json:"properties"`
}

// Capture is one API response as it came over the wire, with what is needed
// to make it evidence.
type Capture struct {
	// Operation is service:Action, e.g. "cloudcontrol:GetResource".
	Operation string
	// Request summarises what was asked ("TypeName=AWS::S3::Bucket
	// Identifier=logs-1"); it never carries parameter values or secrets.
	Request     string
	Time        time.Time
	Endpoint    string
	ContentType string
	Body        []byte
}
