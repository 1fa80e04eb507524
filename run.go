package qualstate

import (
	"time"
)

// Environment is where a run deploys and reads live state.
type Environment struct {
	// Name is "sandbox" for the embedded TEST environment, "aws" otherwise.
	Name string `json:"name"`
	// Endpoint is the API endpoint when it is not AWS's own (the sandbox,
	// an emulator); empty for AWS.
	Endpoint  string `json:"endpoint,omitempty"`
	Account   string `json:"account"`
	Region    string `json:"region"`
	Partition string `json:"partition,omitempty"`
}

// RunStatus is where a qualification run is in its life.
type RunStatus string

// Run statuses. A run is running until it finishes (passed, failed, error),
// is stopped by the user (aborted), or is given up after an interruption
// (abandoned). A running run whose process is gone is interrupted: see
// Run.Interrupted.
const (
	RunRunning   RunStatus = "running"
	RunPassed    RunStatus = "passed"
	RunFailed    RunStatus = "failed"
	RunError     RunStatus = "error"
	RunAborted   RunStatus = "aborted"
	RunAbandoned RunStatus = "abandoned"
)

// Finished reports whether the status is final.
func (s RunStatus) Finished() bool { return s != RunRunning && s != "" }

// ChallengeLevel chooses which requirements get challenge tests in OQ.
type ChallengeLevel string

// Challenge levels.
const (
	ChallengeHigh ChallengeLevel = "high" // high-risk requirements only (the default)
	ChallengeAll  ChallengeLevel = "all"  // every requirement with a challenge
	ChallengeNone ChallengeLevel = "none" // no OQ
)

// Run is one qualification run: a template (by digest) against a
// requirement set (by digest) in an environment.
type Run struct {
	ID string `json:"id"`
	// TemplateFile is the path as given; TemplateDigest the SHA-256 of its
	// body; TemplateEvidence the digest of the evidence holding the body.
	TemplateFile     string `json:"templateFile"`
	TemplateDigest   string `json:"templateDigest"`
	TemplateEvidence string `json:"templateEvidence,omitempty"`
	// RequirementSet names the set, its version, source and digest.
	RequirementSet        string `json:"requirementSet"`
	RequirementSetVersion string `json:"requirementSetVersion,omitempty"`
	RequirementSetSource  string `json:"requirementSetSource"`
	RequirementSetDigest  string `json:"requirementSetDigest"`
	// RequirementSetEvidence is the digest of the evidence holding the set
	// as the run used it, so its report never depends on files that may
	// have changed since.
	RequirementSetEvidence string      `json:"requirementSetEvidence,omitempty"`
	Environment            Environment `json:"environment"`
	StackName              string      `json:"stackName"`
	// Parameters are the template parameters given, NoEcho ones as "****".
	Parameters map[string]string `json:"parameters,omitempty"`
	Challenge  ChallengeLevel    `json:"challenge"`
	Keep       bool              `json:"keep,omitempty"`
	// Executor is who ran it (the operating system user until users exist).
	Executor string `json:"executor"`
	// Owner identifies the process running it ("host:pid"), so a run left
	// running by a process that is gone can be told apart from a live one.
	Owner     string    `json:"owner,omitempty"`
	Heartbeat time.Time `json:"heartbeat"`
	// Attempt counts executions: 1, then one more per resume.
	Attempt int       `json:"attempt"`
	Status  RunStatus `json:"status"`
	// Stage is the stage running, or the last one reached.
	Stage Stage `json:"stage,omitempty"`
	// Result is the outcome over every test case (empty until finished).
	Result   Result    `json:"result,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Tool is the qualstate version that ran it.
	Tool string `json:"tool,omitempty"`
}

// StepStatus is the state of one step of a run.
type StepStatus string

// Step statuses.
const (
	StepRunning StepStatus = "running"
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
	StepSkipped StepStatus = "skipped"
)

// Step is one unit of a run's work (parse, deploy, read resources, a
// challenge, teardown …), recorded when it starts and again when it ends.
type Step struct {
	RunID   string     `json:"runId"`
	Seq     int        `json:"seq"` // 1-based, unique within the run
	Attempt int        `json:"attempt"`
	Stage   Stage      `json:"stage"`
	Name    string     `json:"name"`
	Status  StepStatus `json:"status"`
	Detail  string     `json:"detail,omitempty"`
	Started time.Time  `json:"started"`
	// Finished is zero while the step runs.
	Finished time.Time `json:"finished"`
}

// TestCase kinds.
const (
	CaseCheck     = "check"     // a requirement's check on one resource
	CaseExists    = "exists"    // a template resource exists, created
	CaseProperty  = "property"  // a property the template sets has its value live
	CaseChallenge = "challenge" // a violating change is detected
	CaseRevert    = "revert"    // after a challenge, the resource is back in its qualified state
)

// TestCase is one test with its expected and actual outcome and the
// evidence it rests on. Static, IQ and OQ results are all test cases.
type TestCase struct {
	RunID   string `json:"runId"`
	ID      string `json:"id"` // "IQ-0042": stage and number, unique within the run
	Attempt int    `json:"attempt"`
	Stage   Stage  `json:"stage"`
	Kind    string `json:"kind"`
	// RequirementID is set for checks and challenges.
	RequirementID string    `json:"requirement,omitempty"`
	Risk          Risk      `json:"risk,omitempty"`
	Controls      []Control `json:"controls,omitempty"`
	ResourceType  string    `json:"resourceType,omitempty"`
	LogicalID     string    `json:"logicalId,omitempty"`
	PhysicalID    string    `json:"physicalId,omitempty"`
	// Property is the JSON pointer a property test compares.
	Property    string `json:"property,omitempty"`
	Description string `json:"description"`
	Expected    string `json:"expected"`
	Actual      string `json:"actual"`
	Result      Result `json:"result"`
	Reason      string `json:"reason,omitempty"`
	// Waiver names the waiver of a waived check.
	Waiver *WaiverRef `json:"waiver,omitempty"`
	// Loc is where in the template the tested thing is written.
	Loc Location `json:"location"`
	// Evidence lists the digests of the evidence the outcome rests on.
	Evidence []string `json:"evidence,omitempty"`
	// Duration is how long the test took; for a challenge, how long the
	// violation took to be detected.
	Duration time.Duration `json:"duration,omitempty"`
	Time     time.Time     `json:"time"`
}

// BaselineResource is the full live model of one resource at the end of
// IQ: the qualified state later monitoring compares against.
type BaselineResource struct {
	LogicalID    string         `json:"logicalId"`
	ResourceType string         `json:"resourceType"`
	PhysicalID   string         `json:"physicalId"`
	Identifier   string         `json:"identifier"`
	Properties   map[string]any `json:"properties"`
	Evidence     string         `json:"evidence"`
}
