package qualstate

import (
	"context"
	"fmt"
	"time"
)

// QSStatus is whether a deployed instance is still in its qualified state.
type QSStatus string

// Qualified-state statuses, from best to worst.
const (
	// QSUnknown: not evaluated yet, or the last evaluation could not read
	// the live state.
	QSUnknown QSStatus = "unknown"
	// QSQualified: every resource equals its baseline and every check holds
	// (or the deviations are accepted by approved waivers).
	QSQualified QSStatus = "qualified"
	// QSDrifted: the live state differs from the baseline (a property
	// changed, a resource added or removed) but every check still holds.
	QSDrifted QSStatus = "drifted"
	// QSNonCompliant: a requirement's check fails on the live state.
	QSNonCompliant QSStatus = "non-compliant"
)

// Rank orders statuses: qualified 0, unknown 1, drifted 2, non-compliant 3.
func (s QSStatus) Rank() int {
	switch s {
	case QSUnknown:
		return 1
	case QSDrifted:
		return 2
	case QSNonCompliant:
		return 3
	}
	return 0
}

// Instance is a deployed stack bound to the qualification run whose template
// it runs: what monitoring keeps in its qualified state.
type Instance struct {
	// ID names the instance; by default its stack's name.
	ID        string `json:"id"`
	StackName string `json:"stackName"`
	StackID   string `json:"stackId,omitempty"`
	// RunID is the qualification run the stack's template passed; the
	// template digest and requirement set are that run's.
	RunID                string      `json:"runId"`
	TemplateFile         string      `json:"templateFile"`
	TemplateDigest       string      `json:"templateDigest"`
	RequirementSetDigest string      `json:"requirementSetDigest"`
	Environment          Environment `json:"environment"`
	// Schedule is a cron expression for scheduled evaluations; empty uses
	// the monitor's default.
	Schedule     string    `json:"schedule,omitempty"`
	Registered   time.Time `json:"registered"`
	RegisteredBy string    `json:"registeredBy"`
	// Status is the qualified-state status after the last evaluation.
	Status        QSStatus  `json:"status"`
	StatusReason  string    `json:"statusReason,omitempty"`
	LastEvaluated time.Time `json:"lastEvaluated"`
	// Disabled instances are no longer monitored; records are kept.
	Disabled bool `json:"disabled,omitempty"`
}

// WaiverTarget is what the instance's findings are about, for waivers.
func (i *Instance) WaiverTarget() WaiverTarget {
	return WaiverTarget{TemplateFile: i.TemplateFile, TemplateDigest: i.TemplateDigest, Stack: i.StackName}
}

// DriftRequirement is the requirement id a waiver names to accept drift
// from the baseline (a changed, added or removed resource) rather than a
// failed check.
const DriftRequirement = "baseline"

// DeviationKind says what departed from the qualified state.
type DeviationKind string

// Kinds of deviation.
const (
	// DeviationDrift: a property of a resource differs from its baseline.
	DeviationDrift DeviationKind = "drift"
	// DeviationCheck: a requirement's check fails on the live resource.
	DeviationCheck DeviationKind = "check"
	// DeviationAdded: the stack has a resource its baseline does not.
	DeviationAdded DeviationKind = "added"
	// DeviationRemoved: a baseline resource is gone from the stack or
	// cannot be read.
	DeviationRemoved DeviationKind = "removed"
	// DeviationRemediation: a remediation did not restore the qualified
	// state.
	DeviationRemediation DeviationKind = "remediation"
)

// DeviationState is where a deviation is in its life.
type DeviationState string

// Deviation states. Open and acknowledged deviations count against the
// instance's status; treated ones wait for the re-verification that closes
// them; accepted ones are covered by an approved waiver for as long as it is
// in force; closed ones are history.
const (
	DeviationOpen         DeviationState = "open"
	DeviationAcknowledged DeviationState = "acknowledged"
	DeviationTreated      DeviationState = "treated"
	DeviationAccepted     DeviationState = "accepted"
	DeviationClosed       DeviationState = "closed"
)

// Active reports whether the deviation still departs from the qualified
// state as far as anyone knows (every state but closed).
func (s DeviationState) Active() bool { return s != DeviationClosed && s != "" }

// Counts reports whether the deviation counts against the instance's
// status: open, acknowledged or treated (not yet re-verified).
func (s DeviationState) Counts() bool {
	return s == DeviationOpen || s == DeviationAcknowledged || s == DeviationTreated
}

// Deviation is one departure of an instance from its qualified state: a
// drift from the baseline or a failed check, with its history.
type Deviation struct {
	ID         string `json:"id"` // "D-000001"
	InstanceID string `json:"instance"`
	// Key identifies what deviates, so the same departure seen again is the
	// same deviation: see DeviationKey.
	Key          string        `json:"key"`
	Kind         DeviationKind `json:"kind"`
	LogicalID    string        `json:"logicalId"`
	ResourceType string        `json:"resourceType"`
	PhysicalID   string        `json:"physicalId,omitempty"`
	// RequirementID is set for checks and remediations; Risk and Controls
	// are the requirement's.
	RequirementID string    `json:"requirement,omitempty"`
	Risk          Risk      `json:"risk,omitempty"`
	Controls      []Control `json:"controls,omitempty"`
	// Path is the top-level property (a JSON pointer) that drifted.
	Path     string         `json:"path,omitempty"`
	Expected string         `json:"expected"`
	Actual   string         `json:"actual"`
	Reason   string         `json:"reason"`
	State    DeviationState `json:"state"`
	// Trigger is what detected it: "schedule", "event EVENT-ID",
	// "register", "manual", "remediation".
	Trigger string    `json:"trigger"`
	Opened  time.Time `json:"opened"`
	Updated time.Time `json:"updated"`
	Closed  time.Time `json:"closed"`
	// Evidence lists the digests of the reads the deviation rests on: the
	// one that opened it, and the one that closed it.
	Evidence []string `json:"evidence,omitempty"`
	// Waiver names the waiver of an accepted deviation.
	Waiver *WaiverRef `json:"waiver,omitempty"`
	// Remediation is the patch proposed or applied, if any.
	Remediation []PatchOp `json:"remediation,omitempty"`
	// History lists every change of state, oldest first.
	History []DeviationChange `json:"history"`
}

// DeviationChange is one step in a deviation's history.
type DeviationChange struct {
	Time  time.Time      `json:"time"`
	Actor string         `json:"actor"`
	From  DeviationState `json:"from,omitempty"`
	To    DeviationState `json:"to"`
	// Action names what happened: opened, acknowledged, accepted, reopened,
	// proposed, treated, treatment-failed, skipped, closed.
	Action string `json:"action"`
	Note   string `json:"note,omitempty"`
}

// DeviationKey is the identity of a departure: kind, resource, and the
// requirement or property.
func DeviationKey(kind DeviationKind, logicalID, requirementOrPath string) string {
	return fmt.Sprintf("%s|%s|%s", kind, logicalID, requirementOrPath)
}

// Move changes the deviation's state and appends the change to its history.
func (d *Deviation) Move(at time.Time, actor string, to DeviationState, action, note string) {
	d.History = append(d.History, DeviationChange{Time: at.UTC(), Actor: actor, From: d.State, To: to, Action: action, Note: note})
	d.State, d.Updated = to, at.UTC()
	if to == DeviationClosed {
		d.Closed = at.UTC()
	}
}

// Evaluation is one evaluation of an instance against its baseline and
// requirements: the daily proof that the qualified state still holds.
type Evaluation struct {
	ID         int64     `json:"id"`
	InstanceID string    `json:"instance"`
	Time       time.Time `json:"time"`
	Trigger    string    `json:"trigger"`
	// Resources is how many resources were read; Checks how many checks ran.
	Resources int           `json:"resources"`
	Checks    int           `json:"checks"`
	Status    QSStatus      `json:"status"`
	Opened    []string      `json:"opened,omitempty"` // deviation ids
	Closed    []string      `json:"closed,omitempty"`
	Duration  time.Duration `json:"duration"`
	// Error says why the evaluation could not complete.
	Error string `json:"error,omitempty"`
}

// DeviationFilter narrows Store.Deviations.
type DeviationFilter struct {
	InstanceID string
	// States keeps deviations in these states; empty for all.
	States []DeviationState
	Limit  int // 0 for no limit
}

// MonitorStore keeps instances, their baselines, deviations and
// evaluations. Every write is audited like any other record.
type MonitorStore interface {
	// CreateInstance records a new instance with its baseline in one
	// transaction; a recorded id is ErrConflict.
	CreateInstance(ctx context.Context, inst *Instance, baseline []BaselineResource) error
	// UpdateInstance rewrites an instance (status, schedule, disabled…).
	UpdateInstance(ctx context.Context, inst *Instance) error
	// RebaseInstance replaces an instance's baseline and rewrites it (a
	// new qualified run, a re-registration) in one transaction.
	RebaseInstance(ctx context.Context, inst *Instance, baseline []BaselineResource) error
	Instance(ctx context.Context, id string) (*Instance, error)
	// Instances lists every instance by id.
	Instances(ctx context.Context) ([]Instance, error)
	// InstanceBaseline returns the instance's baseline by logical id.
	InstanceBaseline(ctx context.Context, id string) ([]BaselineResource, error)
	// PutInstanceEvidence stores a sealed evidence blob under its digest
	// and links it to the instance.
	PutInstanceEvidence(ctx context.Context, instanceID, digest string, blob []byte) error

	// PutDeviation records a deviation: inserted when its ID is new,
	// rewritten after. An ID of "" gets the next free one, set on d. At
	// most one active deviation per (instance, key): another is ErrConflict.
	PutDeviation(ctx context.Context, d *Deviation) error
	// Deviation returns the deviation with the id.
	Deviation(ctx context.Context, id string) (*Deviation, error)
	// Deviations lists deviations, oldest first.
	Deviations(ctx context.Context, filter DeviationFilter) ([]Deviation, error)

	// AddEvaluation records an evaluation; its ID is set on e.
	AddEvaluation(ctx context.Context, e *Evaluation) error
	// Evaluations lists an instance's latest evaluations, newest first.
	Evaluations(ctx context.Context, instanceID string, limit int) ([]Evaluation, error)
}
