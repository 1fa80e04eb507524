package report

// The SARIF 2.1.0 objects qualstate writes, a subset of the OASIS standard
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/). Section numbers refer
// to it. Field order is output order, so the file reads top-down: identity,
// then rules, then results.

const (
	sarifVersion = "2.1.0"
	// sarifSchema is the $id of the errata01 schema, the one the tests
	// validate against.
	sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// srcRoot is the URI base id of relative paths (§3.4.4); code scanning
	// services resolve it to the checkout.
	srcRoot = "%SRCROOT%"
)

// sarifLog is a SARIF log. R is the type of its run's results: a
// streamedList when writing, []sarifResult when tests read a log back.
type sarifLog[R any] struct {
	Schema  string        `json:"$schema"`
	Version string        `json:"version"`
	Runs    []sarifRun[R] `json:"runs"`
}

// sarifRun is one run; R as in sarifLog.
type sarifRun[R any] struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Artifacts          []sarifArtifact                  `json:"artifacts,omitempty"`
	// Results is a streamedList when writing: the results are written in
	// its place, one at a time.
	Results R `json:"results"`
	// ColumnKind is required when there are results (§3.14.27). Columns
	// are counted in code points, as qualstate.Location counts them.
	ColumnKind string         `json:"columnKind,omitempty"`
	Properties *runProperties `json:"properties,omitempty"`
}

// runProperties ties the run to the requirement set it checked, so a SARIF
// file alone says which version of the requirements was applied.
type runProperties struct {
	RequirementSet *requirementSetRef `json:"requirementSet,omitempty"`
	FailOn         string             `json:"failOn"`
}

type requirementSetRef struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Source  string `json:"source,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri,omitempty"`
	Rules           []sarifRule `json:"rules"`
}

// sarifRule is a reportingDescriptor (§3.49).
type sarifRule struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name,omitempty"`
	ShortDescription     *sarifMessage       `json:"shortDescription,omitempty"`
	FullDescription      *sarifMessage       `json:"fullDescription,omitempty"`
	Help                 *sarifMessage       `json:"help,omitempty"`
	DefaultConfiguration *sarifConfiguration `json:"defaultConfiguration,omitempty"`
	Properties           *ruleProperties     `json:"properties,omitempty"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

// ruleProperties carries the requirement's metadata. security-severity and
// the "security" tag are what GitHub code scanning reads to rank alerts as
// critical/high/medium/low; precision tells it how far to trust results.
type ruleProperties struct {
	Risk             string   `json:"risk,omitempty"`
	Controls         []string `json:"controls,omitempty"`
	ResourceTypes    []string `json:"resourceTypes,omitempty"`
	Tags             []string `json:"tags,omitempty"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Precision        string   `json:"precision,omitempty"`
}

// sarifMessage is both a message (§3.11) and a multiformatMessageString
// (§3.12): text, and markdown where the latter allows it.
type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level          string          `json:"level"`
	Message        sarifMessage    `json:"message"`
	Locations      []sarifLocation `json:"locations,omitempty"`
	AssociatedRule *sarifRuleRef   `json:"associatedRule,omitempty"`
}

// sarifRuleRef is a reportingDescriptorReference (§3.52).
type sarifRuleRef struct {
	ID    string `json:"id"`
	Index int    `json:"index"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
	Roles    []string              `json:"roles,omitempty"`
	Hashes   map[string]string     `json:"hashes,omitempty"`
}

type sarifArtifactLocation struct {
	URI         string        `json:"uri,omitempty"`
	URIBaseID   string        `json:"uriBaseId,omitempty"`
	Index       *int          `json:"index,omitempty"`
	Description *sarifMessage `json:"description,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Kind                string             `json:"kind"`
	Level               string             `json:"level"`
	Message             sarifMessage       `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          *resultProperties  `json:"properties,omitempty"`
}

// sarifSuppression says a result is accepted rather than to be fixed
// (§3.35): qualstate writes one for a finding an approved waiver covers.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

// resultProperties keeps what SARIF's kind and level fold together: the
// qualstate result itself, and where in the lifecycle it was found.
type resultProperties struct {
	Result       string       `json:"result,omitempty"`
	Stage        string       `json:"stage,omitempty"`
	Risk         string       `json:"risk,omitempty"`
	ResourceType string       `json:"resourceType,omitempty"`
	PhysicalID   string       `json:"physicalId,omitempty"`
	Evidence     []string     `json:"evidence,omitempty"`
	Severity     string       `json:"severity,omitempty"`
	Waiver       *sarifWaiver `json:"waiver,omitempty"`
}

// sarifWaiver names a waived finding's waiver for machines; the
// suppression's justification says the same for people.
type sarifWaiver struct {
	ID      string `json:"id"`
	Expires string `json:"expires,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// sarifLogicalLocation names the resource a result is about (§3.33).
type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}
