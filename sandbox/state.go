package sandbox

import (
	"encoding/json"
	"time"
)

// liveResource is a provisioned resource: what Cloud Control reads and
// changes, whether a stack or Cloud Control created it.
type liveResource struct {
	Type       string         `json:"type"`
	Identifier string         `json:"identifier"`
	Model      map[string]any `json:"model"`
	// StackID and LogicalID name the stack resource that manages it.
	StackID   string    `json:"stackId,omitempty"`
	LogicalID string    `json:"logicalId,omitempty"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

func resourceKey(typeName, identifier string) string { return typeName + "\x00" + identifier }

// parameter is a stack parameter as given and as resolved.
type parameter struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	NoEcho bool   `json:"noEcho,omitempty"`
}

// tag is a stack tag.
type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// output is a resolved stack output.
type output struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	ExportName  string `json:"exportName,omitempty"`
}

// stack is a CloudFormation stack.
type stack struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Status       string    `json:"status"`
	StatusReason string    `json:"statusReason,omitempty"`
	Description  string    `json:"description,omitempty"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated,omitzero"`
	Deleted      time.Time `json:"deleted,omitzero"`
	// TemplateBody is the template as submitted.
	TemplateBody          string      `json:"templateBody"`
	Parameters            []parameter `json:"parameters,omitempty"`
	Capabilities          []string    `json:"capabilities,omitempty"`
	Tags                  []tag       `json:"tags,omitempty"`
	Outputs               []output    `json:"outputs,omitempty"`
	DisableRollback       bool        `json:"disableRollback,omitempty"`
	TerminationProtection bool        `json:"terminationProtection,omitempty"`
	NotificationARNs      []string    `json:"notificationArns,omitempty"`
	RoleARN               string      `json:"roleArn,omitempty"`
	TimeoutInMinutes      int64       `json:"timeoutInMinutes,omitempty"`
	ChangeSetID           string      `json:"changeSetId,omitempty"`
	// Imports are the export names the stack's template imports.
	Imports        []string  `json:"imports,omitempty"`
	DriftStatus    string    `json:"driftStatus,omitempty"`
	DriftCheckedAt time.Time `json:"driftCheckedAt,omitzero"`

	// resources by logical id, and their events newest last; kept in
	// their own tables.
	resources map[string]*stackResource
	events    []stackEvent
	// done is closed when the operation in progress ends; nil when idle.
	done chan struct{}
}

// stackResource is a resource as a stack knows it.
type stackResource struct {
	StackID    string `json:"stackId"`
	LogicalID  string `json:"logicalId"`
	Type       string `json:"type"`
	PhysicalID string `json:"physicalId,omitempty"`
	// Identifier is the Cloud Control identifier of the live resource.
	Identifier string    `json:"identifier,omitempty"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Updated    time.Time `json:"updated"`
	// Desired are the properties the template gave, resolved: what drift
	// detection compares the live state with.
	Desired             map[string]any `json:"desired,omitempty"`
	DeletionPolicy      string         `json:"deletionPolicy,omitempty"`
	UpdateReplacePolicy string         `json:"updateReplacePolicy,omitempty"`
	// DependsOn lists the stack resources it depends on, so that deletion
	// can go in reverse.
	DependsOn      []string  `json:"dependsOn,omitempty"`
	DriftStatus    string    `json:"driftStatus,omitempty"`
	DriftCheckedAt time.Time `json:"driftCheckedAt,omitzero"`
}

func stackResourceKey(stackID, logicalID string) string { return stackID + "\x00" + logicalID }

// stackEvent is one entry of DescribeStackEvents.
type stackEvent struct {
	EventID              string    `json:"eventId"`
	StackID              string    `json:"stackId"`
	StackName            string    `json:"stackName"`
	LogicalResourceID    string    `json:"logicalResourceId"`
	PhysicalResourceID   string    `json:"physicalResourceId,omitempty"`
	ResourceType         string    `json:"resourceType"`
	Timestamp            time.Time `json:"timestamp"`
	ResourceStatus       string    `json:"resourceStatus"`
	ResourceStatusReason string    `json:"resourceStatusReason,omitempty"`
	ResourceProperties   string    `json:"resourceProperties,omitempty"`
	ClientRequestToken   string    `json:"clientRequestToken,omitempty"`
}

// change is one entry of a change set.
type change struct {
	Action       string   `json:"action"` // Add, Modify, Remove
	LogicalID    string   `json:"logicalId"`
	PhysicalID   string   `json:"physicalId,omitempty"`
	Type         string   `json:"type"`
	Replacement  string   `json:"replacement,omitempty"` // True, False
	Scope        []string `json:"scope,omitempty"`
	Details      []detail `json:"details,omitempty"`
	PolicyAction string   `json:"policyAction,omitempty"`
}

// detail is one changed property of a Modify change.
type detail struct {
	Name               string `json:"name"`
	RequiresRecreation string `json:"requiresRecreation"` // Never, Always
	Attribute          string `json:"attribute"`          // Properties, Tags
}

// changeSet is a proposed stack operation.
type changeSet struct {
	ID              string      `json:"id"`
	Name            string      `json:"name"`
	StackID         string      `json:"stackId"`
	StackName       string      `json:"stackName"`
	Type            string      `json:"type"` // CREATE, UPDATE
	Description     string      `json:"description,omitempty"`
	Status          string      `json:"status"`
	StatusReason    string      `json:"statusReason,omitempty"`
	ExecutionStatus string      `json:"executionStatus"`
	Created         time.Time   `json:"created"`
	TemplateBody    string      `json:"templateBody"`
	Parameters      []parameter `json:"parameters,omitempty"`
	Capabilities    []string    `json:"capabilities,omitempty"`
	Tags            []tag       `json:"tags,omitempty"`
	Changes         []change    `json:"changes,omitempty"`
	DisableRollback bool        `json:"disableRollback,omitempty"`
}

// request is a Cloud Control resource operation request.
type request struct {
	Token         string         `json:"token"`
	ClientToken   string         `json:"clientToken,omitempty"`
	Operation     string         `json:"operation"` // CREATE, UPDATE, DELETE
	Status        string         `json:"status"`    // PENDING, IN_PROGRESS, SUCCESS, FAILED, CANCEL_COMPLETE
	TypeName      string         `json:"typeName"`
	Identifier    string         `json:"identifier,omitempty"`
	Model         map[string]any `json:"model,omitempty"`
	ErrorCode     string         `json:"errorCode,omitempty"`
	StatusMessage string         `json:"statusMessage,omitempty"`
	EventTime     time.Time      `json:"eventTime"`
	Started       time.Time      `json:"started"`

	done chan struct{}
}

// difference is one property that drifted.
type difference struct {
	Path     string `json:"path"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Type     string `json:"type"` // ADD, REMOVE, NOT_EQUAL
}

// resourceDrift is the drift of one stack resource at one detection.
type resourceDrift struct {
	LogicalID   string          `json:"logicalId"`
	PhysicalID  string          `json:"physicalId"`
	Type        string          `json:"type"`
	Status      string          `json:"status"` // IN_SYNC, MODIFIED, DELETED, NOT_CHECKED
	Expected    json.RawMessage `json:"expected,omitempty"`
	Actual      json.RawMessage `json:"actual,omitempty"`
	Differences []difference    `json:"differences,omitempty"`
	Timestamp   time.Time       `json:"timestamp"`
}

// driftDetection is one DetectStackDrift run.
type driftDetection struct {
	ID            string          `json:"id"`
	StackID       string          `json:"stackId"`
	Status        string          `json:"status"` // DETECTION_IN_PROGRESS, DETECTION_COMPLETE, DETECTION_FAILED
	StatusReason  string          `json:"statusReason,omitempty"`
	StackDrift    string          `json:"stackDrift"`
	DriftedCount  int             `json:"driftedCount"`
	Timestamp     time.Time       `json:"timestamp"`
	ResourceDrift []resourceDrift `json:"resourceDrift,omitempty"`
}

// export is an output exported by a stack.
type export struct {
	Name    string
	Value   string
	StackID string
}
