package sandbox

import "time"

// The XML shapes of CloudFormation's responses, named and ordered as in the
// service model (cloudformation 2010-05-15). Lists are wrapped in <member>
// elements as the awsquery protocol does.

const cfnNamespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

type xParameter struct {
	ParameterKey   string `xml:"ParameterKey"`
	ParameterValue string `xml:"ParameterValue"`
}

type xOutput struct {
	OutputKey   string `xml:"OutputKey"`
	OutputValue string `xml:"OutputValue"`
	Description string `xml:"Description,omitempty"`
	ExportName  string `xml:"ExportName,omitempty"`
}

type xTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xDriftInfo struct {
	StackDriftStatus   string     `xml:"StackDriftStatus"`
	LastCheckTimestamp *time.Time `xml:"LastCheckTimestamp,omitempty"`
}

type xResourceDriftInfo struct {
	StackResourceDriftStatus string     `xml:"StackResourceDriftStatus"`
	LastCheckTimestamp       *time.Time `xml:"LastCheckTimestamp,omitempty"`
}

type xStack struct {
	StackID                     string       `xml:"StackId"`
	StackName                   string       `xml:"StackName"`
	ChangeSetID                 string       `xml:"ChangeSetId,omitempty"`
	Description                 string       `xml:"Description,omitempty"`
	Parameters                  []xParameter `xml:"Parameters>member"`
	CreationTime                time.Time    `xml:"CreationTime"`
	DeletionTime                *time.Time   `xml:"DeletionTime,omitempty"`
	LastUpdatedTime             *time.Time   `xml:"LastUpdatedTime,omitempty"`
	StackStatus                 string       `xml:"StackStatus"`
	StackStatusReason           string       `xml:"StackStatusReason,omitempty"`
	DisableRollback             bool         `xml:"DisableRollback"`
	NotificationARNs            []string     `xml:"NotificationARNs>member"`
	TimeoutInMinutes            int64        `xml:"TimeoutInMinutes,omitempty"`
	Capabilities                []string     `xml:"Capabilities>member"`
	Outputs                     []xOutput    `xml:"Outputs>member"`
	RoleARN                     string       `xml:"RoleARN,omitempty"`
	Tags                        []xTag       `xml:"Tags>member"`
	EnableTerminationProtection bool         `xml:"EnableTerminationProtection"`
	DriftInformation            xDriftInfo   `xml:"DriftInformation"`
}

type xDescribeStacks struct {
	Stacks    []xStack `xml:"Stacks>member"`
	NextToken string   `xml:"NextToken,omitempty"`
}

type xStackID struct {
	StackID string `xml:"StackId"`
}

type xStackSummary struct {
	StackID             string     `xml:"StackId"`
	StackName           string     `xml:"StackName"`
	TemplateDescription string     `xml:"TemplateDescription,omitempty"`
	CreationTime        time.Time  `xml:"CreationTime"`
	LastUpdatedTime     *time.Time `xml:"LastUpdatedTime,omitempty"`
	DeletionTime        *time.Time `xml:"DeletionTime,omitempty"`
	StackStatus         string     `xml:"StackStatus"`
	StackStatusReason   string     `xml:"StackStatusReason,omitempty"`
	DriftInformation    xDriftInfo `xml:"DriftInformation"`
}

type xListStacks struct {
	StackSummaries []xStackSummary `xml:"StackSummaries>member"`
	NextToken      string          `xml:"NextToken,omitempty"`
}

type xStackEvent struct {
	EventID              string    `xml:"EventId"`
	StackID              string    `xml:"StackId"`
	StackName            string    `xml:"StackName"`
	LogicalResourceID    string    `xml:"LogicalResourceId"`
	PhysicalResourceID   string    `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string    `xml:"ResourceType"`
	Timestamp            time.Time `xml:"Timestamp"`
	ResourceStatus       string    `xml:"ResourceStatus"`
	ResourceStatusReason string    `xml:"ResourceStatusReason,omitempty"`
	ResourceProperties   string    `xml:"ResourceProperties,omitempty"`
	ClientRequestToken   string    `xml:"ClientRequestToken,omitempty"`
}

type xDescribeStackEvents struct {
	StackEvents []xStackEvent `xml:"StackEvents>member"`
	NextToken   string        `xml:"NextToken,omitempty"`
}

type xStackResource struct {
	StackName            string             `xml:"StackName"`
	StackID              string             `xml:"StackId"`
	LogicalResourceID    string             `xml:"LogicalResourceId"`
	PhysicalResourceID   string             `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string             `xml:"ResourceType"`
	Timestamp            time.Time          `xml:"Timestamp"`
	ResourceStatus       string             `xml:"ResourceStatus"`
	ResourceStatusReason string             `xml:"ResourceStatusReason,omitempty"`
	DriftInformation     xResourceDriftInfo `xml:"DriftInformation"`
}

type xDescribeStackResources struct {
	StackResources []xStackResource `xml:"StackResources>member"`
}

type xStackResourceDetail struct {
	StackName            string             `xml:"StackName"`
	StackID              string             `xml:"StackId"`
	LogicalResourceID    string             `xml:"LogicalResourceId"`
	PhysicalResourceID   string             `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string             `xml:"ResourceType"`
	LastUpdatedTimestamp time.Time          `xml:"LastUpdatedTimestamp"`
	ResourceStatus       string             `xml:"ResourceStatus"`
	ResourceStatusReason string             `xml:"ResourceStatusReason,omitempty"`
	Metadata             string             `xml:"Metadata,omitempty"`
	DriftInformation     xResourceDriftInfo `xml:"DriftInformation"`
}

type xDescribeStackResource struct {
	StackResourceDetail xStackResourceDetail `xml:"StackResourceDetail"`
}

type xStackResourceSummary struct {
	LogicalResourceID    string             `xml:"LogicalResourceId"`
	PhysicalResourceID   string             `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string             `xml:"ResourceType"`
	LastUpdatedTimestamp time.Time          `xml:"LastUpdatedTimestamp"`
	ResourceStatus       string             `xml:"ResourceStatus"`
	ResourceStatusReason string             `xml:"ResourceStatusReason,omitempty"`
	DriftInformation     xResourceDriftInfo `xml:"DriftInformation"`
}

type xListStackResources struct {
	StackResourceSummaries []xStackResourceSummary `xml:"StackResourceSummaries>member"`
	NextToken              string                  `xml:"NextToken,omitempty"`
}

type xGetTemplate struct {
	TemplateBody    string   `xml:"TemplateBody"`
	StagesAvailable []string `xml:"StagesAvailable>member"`
}

type xTemplateParameter struct {
	ParameterKey string `xml:"ParameterKey"`
	DefaultValue string `xml:"DefaultValue,omitempty"`
	NoEcho       bool   `xml:"NoEcho"`
	Description  string `xml:"Description,omitempty"`
}

type xValidateTemplate struct {
	Parameters         []xTemplateParameter `xml:"Parameters>member"`
	Description        string               `xml:"Description,omitempty"`
	Capabilities       []string             `xml:"Capabilities>member"`
	CapabilitiesReason string               `xml:"CapabilitiesReason,omitempty"`
	DeclaredTransforms []string             `xml:"DeclaredTransforms>member"`
}

type xParameterDeclaration struct {
	ParameterKey  string `xml:"ParameterKey"`
	DefaultValue  string `xml:"DefaultValue,omitempty"`
	ParameterType string `xml:"ParameterType"`
	NoEcho        bool   `xml:"NoEcho"`
	Description   string `xml:"Description,omitempty"`
}

type xResourceIdentifierSummary struct {
	ResourceType       string   `xml:"ResourceType"`
	LogicalResourceIDs []string `xml:"LogicalResourceIds>member"`
	ResourceIDs        []string `xml:"ResourceIdentifiers>member"`
}

type xGetTemplateSummary struct {
	Parameters                  []xParameterDeclaration      `xml:"Parameters>member"`
	Description                 string                       `xml:"Description,omitempty"`
	Capabilities                []string                     `xml:"Capabilities>member"`
	CapabilitiesReason          string                       `xml:"CapabilitiesReason,omitempty"`
	ResourceTypes               []string                     `xml:"ResourceTypes>member"`
	Version                     string                       `xml:"Version,omitempty"`
	DeclaredTransforms          []string                     `xml:"DeclaredTransforms>member"`
	ResourceIdentifierSummaries []xResourceIdentifierSummary `xml:"ResourceIdentifierSummaries>member"`
}

type xCreateChangeSet struct {
	ID      string `xml:"Id"`
	StackID string `xml:"StackId"`
}

type xTarget struct {
	Attribute          string `xml:"Attribute"`
	Name               string `xml:"Name,omitempty"`
	RequiresRecreation string `xml:"RequiresRecreation,omitempty"`
}

type xChangeDetail struct {
	Target       xTarget `xml:"Target"`
	Evaluation   string  `xml:"Evaluation"`
	ChangeSource string  `xml:"ChangeSource"`
}

type xResourceChange struct {
	PolicyAction       string          `xml:"PolicyAction,omitempty"`
	Action             string          `xml:"Action"`
	LogicalResourceID  string          `xml:"LogicalResourceId"`
	PhysicalResourceID string          `xml:"PhysicalResourceId,omitempty"`
	ResourceType       string          `xml:"ResourceType"`
	Replacement        string          `xml:"Replacement,omitempty"`
	Scope              []string        `xml:"Scope>member"`
	Details            []xChangeDetail `xml:"Details>member"`
}

type xChange struct {
	Type           string          `xml:"Type"`
	ResourceChange xResourceChange `xml:"ResourceChange"`
}

type xDescribeChangeSet struct {
	ChangeSetName    string       `xml:"ChangeSetName"`
	ChangeSetID      string       `xml:"ChangeSetId"`
	StackID          string       `xml:"StackId"`
	StackName        string       `xml:"StackName"`
	Description      string       `xml:"Description,omitempty"`
	Parameters       []xParameter `xml:"Parameters>member"`
	CreationTime     time.Time    `xml:"CreationTime"`
	ExecutionStatus  string       `xml:"ExecutionStatus"`
	Status           string       `xml:"Status"`
	StatusReason     string       `xml:"StatusReason,omitempty"`
	NotificationARNs []string     `xml:"NotificationARNs>member"`
	Capabilities     []string     `xml:"Capabilities>member"`
	Tags             []xTag       `xml:"Tags>member"`
	Changes          []xChange    `xml:"Changes>member"`
	NextToken        string       `xml:"NextToken,omitempty"`
}

type xChangeSetSummary struct {
	StackID         string    `xml:"StackId"`
	StackName       string    `xml:"StackName"`
	ChangeSetID     string    `xml:"ChangeSetId"`
	ChangeSetName   string    `xml:"ChangeSetName"`
	ExecutionStatus string    `xml:"ExecutionStatus"`
	Status          string    `xml:"Status"`
	StatusReason    string    `xml:"StatusReason,omitempty"`
	CreationTime    time.Time `xml:"CreationTime"`
	Description     string    `xml:"Description,omitempty"`
}

type xListChangeSets struct {
	Summaries []xChangeSetSummary `xml:"Summaries>member"`
	NextToken string              `xml:"NextToken,omitempty"`
}

type xDetectStackDrift struct {
	StackDriftDetectionID string `xml:"StackDriftDetectionId"`
}

type xDriftDetectionStatus struct {
	StackID                   string    `xml:"StackId"`
	StackDriftDetectionID     string    `xml:"StackDriftDetectionId"`
	StackDriftStatus          string    `xml:"StackDriftStatus,omitempty"`
	DetectionStatus           string    `xml:"DetectionStatus"`
	DetectionStatusReason     string    `xml:"DetectionStatusReason,omitempty"`
	DriftedStackResourceCount int       `xml:"DriftedStackResourceCount"`
	Timestamp                 time.Time `xml:"Timestamp"`
}

type xPropertyDifference struct {
	PropertyPath   string `xml:"PropertyPath"`
	ExpectedValue  string `xml:"ExpectedValue"`
	ActualValue    string `xml:"ActualValue"`
	DifferenceType string `xml:"DifferenceType"`
}

type xResourceDrift struct {
	StackID                  string                `xml:"StackId"`
	LogicalResourceID        string                `xml:"LogicalResourceId"`
	PhysicalResourceID       string                `xml:"PhysicalResourceId,omitempty"`
	ResourceType             string                `xml:"ResourceType"`
	ExpectedProperties       string                `xml:"ExpectedProperties,omitempty"`
	ActualProperties         string                `xml:"ActualProperties,omitempty"`
	PropertyDifferences      []xPropertyDifference `xml:"PropertyDifferences>member"`
	StackResourceDriftStatus string                `xml:"StackResourceDriftStatus"`
	Timestamp                time.Time             `xml:"Timestamp"`
}

type xDescribeResourceDrifts struct {
	StackResourceDrifts []xResourceDrift `xml:"StackResourceDrifts>member"`
	NextToken           string           `xml:"NextToken,omitempty"`
}

type xDetectResourceDrift struct {
	StackResourceDrift xResourceDrift `xml:"StackResourceDrift"`
}

type xExport struct {
	ExportingStackID string `xml:"ExportingStackId"`
	Name             string `xml:"Name"`
	Value            string `xml:"Value"`
}

type xListExports struct {
	Exports   []xExport `xml:"Exports>member"`
	NextToken string    `xml:"NextToken,omitempty"`
}

type xListImports struct {
	Imports   []string `xml:"Imports>member"`
	NextToken string   `xml:"NextToken,omitempty"`
}
