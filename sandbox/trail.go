package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// trailRecord is a CloudTrail event record, in the shape CloudTrail
// delivers (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
type trailRecord struct {
	EventVersion        string          `json:"eventVersion"`
	UserIdentity        trailIdentity   `json:"userIdentity"`
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	ErrorCode           string          `json:"errorCode,omitempty"`
	ErrorMessage        string          `json:"errorMessage,omitempty"`
	RequestParameters   any             `json:"requestParameters"`
	ResponseElements    any             `json:"responseElements"`
	AdditionalEventData any             `json:"additionalEventData,omitempty"`
	RequestID           string          `json:"requestID"`
	EventID             string          `json:"eventID"`
	ReadOnly            bool            `json:"readOnly"`
	Resources           []trailResource `json:"resources,omitempty"`
	EventType           string          `json:"eventType"`
	ManagementEvent     bool            `json:"managementEvent"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	EventCategory       string          `json:"eventCategory"`
}

type trailIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
	InvokedBy   string `json:"invokedBy,omitempty"`
}

type trailResource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

// trailEntry is what a mutating call tells the log.
type trailEntry struct {
	source, name string
	// invokedBy is the service acting for the caller
	// ("cloudformation.amazonaws.com") when a stack or Cloud Control
	// provisions a resource.
	invokedBy  string
	request    any
	response   any
	additional any
	resources  []trailResource
	errCode    string
	errMessage string
}

// record appends a CloudTrail record. Callers hold s.mu, so records are
// in the order the changes happened.
func (s *Sandbox) record(c *call, e trailEntry) error {
	if c == nil {
		c = &call{requestID: newUUID(), sourceIP: "127.0.0.1"}
	}
	rec := trailRecord{
		EventVersion: "1.09",
		UserIdentity: trailIdentity{
			Type: "IAMUser", PrincipalID: "AIDASANDBOX", ARN: s.userARN(), AccountID: s.opts.Account,
			AccessKeyID: c.accessKey, UserName: "sandbox", InvokedBy: e.invokedBy,
		},
		EventTime:   now().Format("2006-01-02T15:04:05Z"),
		EventSource: e.source, EventName: e.name, AWSRegion: s.opts.Region,
		SourceIPAddress: c.sourceIP, UserAgent: c.userAgent,
		ErrorCode: e.errCode, ErrorMessage: e.errMessage,
		RequestParameters: e.request, ResponseElements: e.response, AdditionalEventData: e.additional,
		RequestID: c.requestID, EventID: newUUID(), Resources: e.resources,
		EventType: "AwsApiCall", ManagementEvent: true, RecipientAccountID: s.opts.Account, EventCategory: "Management",
	}
	if e.invokedBy != "" {
		rec.SourceIPAddress, rec.UserAgent = e.invokedBy, e.invokedBy
	}
	doc, err := json.Marshal(rec)
	if err != nil {
		return errStore(err)
	}
	if _, err := s.store.appendTrail(doc); err != nil {
		return errStore(err)
	}
	s.publishEvent(&rec, doc)
	if !s.closed {
		close(s.trailSignal)
		s.trailSignal = make(chan struct{})
	}
	return nil
}

// Limits of GET /_sandbox/events.
const (
	defaultTrailWait = 20 * time.Second
	maxTrailWait     = 60 * time.Second
	maxTrailPage     = 1000
)

// trailPage is the answer of GET /_sandbox/events: the records after the
// given sequence number, and the number to ask after next.
type trailPage struct {
	Records []json.RawMessage `json:"Records"`
	// Sequences are the records' sequence numbers, one per record.
	Sequences []int64 `json:"Sequences"`
	Next      int64   `json:"Next"`
}

// serveEvents answers GET /_sandbox/events?after=N[&wait=20s][&limit=M]: a
// long poll that returns as soon as there are records after N, or empty
// when wait passes.
func (s *Sandbox) serveEvents(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
	if r.Method != http.MethodGet {
		fail(http.StatusMethodNotAllowed, "use GET")
		return
	}
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fail(http.StatusBadRequest, "after: not a sequence number: "+v)
			return
		}
		after = n
	}
	wait := defaultTrailWait
	if v := q.Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			fail(http.StatusBadRequest, "wait: not a duration such as 20s: "+v)
			return
		}
		wait = min(d, maxTrailWait)
	}
	limit := maxTrailPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fail(http.StatusBadRequest, "limit: not a positive number: "+v)
			return
		}
		limit = min(n, maxTrailPage)
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		signal, closed := s.trailSignal, s.closed
		seqs, docs, err := s.store.trail(after, limit)
		s.mu.Unlock()
		if err != nil {
			fail(http.StatusInternalServerError, err.Error())
			return
		}
		if len(seqs) > 0 || closed {
			page := trailPage{Records: docs, Sequences: seqs, Next: after}
			if len(seqs) > 0 {
				page.Next = seqs[len(seqs)-1]
			}
			if page.Records == nil {
				page.Records, page.Sequences = []json.RawMessage{}, []int64{}
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(page)
			return
		}
		select {
		case <-signal:
		case <-deadline.C:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(trailPage{Records: []json.RawMessage{}, Sequences: []int64{}, Next: after})
			return
		case <-r.Context().Done():
			return
		}
	}
}
