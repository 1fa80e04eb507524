package monitor

import (
	"qualstate"
	"qualstate/monitor/internal/trail"
)

// Bounds of what an event may make monitoring look at.
const (
	// MaxEventSize bounds a message body.
	MaxEventSize = trail.MaxEventSize
	// MaxRecords bounds the records of one body.
	MaxRecords = trail.MaxRecords
	// MaxEventStrings bounds the strings kept from one event.
	MaxEventStrings = trail.MaxEventStrings
	// MaxStringLen bounds a kept string.
	MaxStringLen = trail.MaxStringLen
	// MaxNesting bounds how deep into the request and response strings
	// are looked for.
	MaxNesting = trail.MaxNesting
)

// ParseEvent reads one change event: a CloudTrail record, or an
// EventBridge event whose detail is one (detail-type "AWS API Call via
// CloudTrail"), as EventBridge delivers them to a queue. Its Strings are
// every string of the record's resources[].ARN, requestParameters and
// responseElements, without duplicates and within the bounds above.
func ParseEvent(body []byte) (qualstate.ChangeEvent, error) { return trail.Parse(body) }

// ParseRecords reads the change events of a body: a CloudTrail log file
// ({"Records": [...]}, as the sandbox's event log answers too), a single
// CloudTrail record, or an EventBridge event.
func ParseRecords(body []byte) ([]qualstate.ChangeEvent, error) { return trail.ParseRecords(body) }
