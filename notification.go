package qualstate

import "time"

// ChangeEvent is a change made to cloud resources, as CloudTrail records it
// (the sandbox's event log, or EventBridge through SQS on AWS), reduced to
// what monitoring needs to find the resources it touches.
type ChangeEvent struct {
	// ID is CloudTrail's eventID.
	ID     string    `json:"id"`
	Time   time.Time `json:"time"`
	Source string    `json:"source"` // "s3.amazonaws.com"
	Name   string    `json:"name"`   // "PutBucketEncryption"
	// Strings are every string value of the record's resources,
	// requestParameters and responseElements: identifiers, names and ARNs
	// that may name a monitored resource.
	Strings []string `json:"strings,omitempty"`
	// Failed is set when the call failed (errorCode), so changed nothing.
	Failed bool `json:"failed,omitempty"`
	// ReadOnly is set for calls that change nothing.
	ReadOnly bool `json:"readOnly,omitempty"`
}

// Notification tells people that an instance's qualified state changed: a
// deviation opened, changed state or closed, or the instance's status moved.
type Notification struct {
	// ID is unique per notification, so receivers can drop duplicates of a
	// retried delivery.
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	Event    string    `json:"event"` // "deviation.opened", "deviation.closed", "instance.status" …
	Instance string    `json:"instance"`
	Stack    string    `json:"stack"`
	Status   QSStatus  `json:"status"`
	// Summary is one line for a person.
	Summary   string     `json:"summary"`
	Deviation *Deviation `json:"deviation,omitempty"`
}

// QueueMessage is one message received from a queue of change events.
type QueueMessage struct {
	ID string `json:"id"`
	// Receipt is what deleting the message takes.
	Receipt string `json:"receipt"`
	Body    []byte `json:"body"`
}
