package sandbox

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The sandbox's SQS speaks the JSON protocol SQS has served since 2023
// (awsJson1_0 with query compatibility: X-Amz-Target AmazonSQS.Action,
// errors in x-amzn-query-error), which aws-sdk-go-v2 and the AWS CLI use.
// It keeps standard queues and their messages in memory: a queue is
// transient delivery, not a resource the sandbox simulates, so queues are
// neither stored in the state file nor logged in the CloudTrail log, and a
// restart starts with no queue but the event queue.

// sqsTargetPrefix starts the X-Amz-Target header of every SQS request.
const sqsTargetPrefix = "AmazonSQS."

// SQS's limits (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
const (
	sqsMaxBatch       = 10
	sqsMaxWaitSeconds = 20
	sqsMaxVisibility  = 43200
	sqsMaxDelay       = 900
	sqsMaxListResults = 1000
	sqsPurgeInterval  = 60 * time.Second
	// sqsSenderID is the SenderId of every message: the sandbox's one
	// identity (see userARN).
	sqsSenderID = "AIDASANDBOX"
)

// sqsRange is the valid range and default of a numeric queue attribute.
type sqsRange struct{ min, max, def int }

// sqsNumericAttributes are the numeric attributes CreateQueue accepts.
var sqsNumericAttributes = map[string]sqsRange{
	"DelaySeconds":                  {0, sqsMaxDelay, 0},
	"MaximumMessageSize":            {1024, 1 << 20, 256 << 10},
	"MessageRetentionPeriod":        {60, 1209600, 345600},
	"ReceiveMessageWaitTimeSeconds": {0, sqsMaxWaitSeconds, 0},
	"VisibilityTimeout":             {0, sqsMaxVisibility, 30},
	"KmsDataKeyReusePeriodSeconds":  {60, 86400, 300},
}

// sqsTextAttributes are the other attributes CreateQueue accepts and
// keeps as given; the JSON ones must be JSON.
var sqsTextAttributes = map[string]bool{
	"Policy": true, "RedrivePolicy": true, "RedriveAllowPolicy": true,
	"KmsMasterKeyId": false, "SqsManagedSseEnabled": false,
}

// sqsFIFOAttributes belong to FIFO queues, which the sandbox does not
// serve.
var sqsFIFOAttributes = map[string]bool{
	"FifoQueue": true, "ContentBasedDeduplication": true, "DeduplicationScope": true, "FifoThroughputLimit": true,
}

// sqsComputedAttributes are the attributes only GetQueueAttributes gives.
var sqsComputedAttributes = []string{
	"QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
	"ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
}

var sqsQueueNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// sqsBatchIDPattern is what an entry id of a batch request may be.
var sqsBatchIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// sqsService holds the queues. Its lock is taken after Sandbox.mu (the
// CloudTrail log sends to the event queue while holding it), never before.
type sqsService struct {
	mu     sync.Mutex
	queues map[string]*sqsQueue // by name
	closed bool
	// done is closed when the sandbox closes, ending long polls.
	done chan struct{}
}

type sqsQueue struct {
	name              string
	created, modified time.Time
	// attrs holds every settable attribute, defaults filled in, as SQS
	// reports them.
	attrs     map[string]string
	tags      map[string]string
	messages  []*sqsMessage // in the order they were sent
	lastPurge time.Time
	// arrived is closed and replaced when a message is sent or the queue
	// is deleted, waking long polls.
	arrived chan struct{}
}

// sqsMessage is a message on a queue. Its times come from time.Now with
// the monotonic clock, so that a step of the wall clock neither hides
// messages nor reveals hidden ones.
type sqsMessage struct {
	id, body, md5 string
	sent          time.Time
	// visible is when the message can next be received: its send time
	// plus any delay, then the end of each visibility timeout.
	visible time.Time
	// receipt is the handle the latest receive gave; "" before the first.
	receipt      string
	receives     int
	firstReceive time.Time
}

// newSQS returns the queues of a new sandbox: the event queue, when one
// is named.
func newSQS(eventQueue string) (*sqsService, error) {
	svc := &sqsService{queues: map[string]*sqsQueue{}, done: make(chan struct{})}
	if eventQueue == "" {
		return svc, nil
	}
	if !sqsQueueNamePattern.MatchString(eventQueue) {
		return nil, fmt.Errorf("event queue %q: a queue name is 1 to 80 letters, digits, hyphens or underscores", eventQueue)
	}
	svc.queues[eventQueue] = newSQSQueue(eventQueue, nil, nil)
	return svc, nil
}

func newSQSQueue(name string, attrs, tags map[string]string) *sqsQueue {
	at := now()
	q := &sqsQueue{name: name, created: at, modified: at, attrs: map[string]string{}, tags: tags, arrived: make(chan struct{})}
	for k, r := range sqsNumericAttributes {
		if k != "KmsDataKeyReusePeriodSeconds" {
			q.attrs[k] = strconv.Itoa(r.def)
		}
	}
	// Queues created since 2022 are encrypted with SQS-owned keys unless
	// a KMS key is named.
	q.attrs["SqsManagedSseEnabled"] = "true"
	if attrs["KmsMasterKeyId"] != "" {
		q.attrs["SqsManagedSseEnabled"] = "false"
		q.attrs["KmsDataKeyReusePeriodSeconds"] = strconv.Itoa(sqsNumericAttributes["KmsDataKeyReusePeriodSeconds"].def)
	}
	maps.Copy(q.attrs, attrs)
	return q
}

// close ends the long polls in progress and those to come.
func (svc *sqsService) close() {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if !svc.closed {
		svc.closed = true
		close(svc.done)
	}
}

// seconds returns a numeric attribute of the queue.
func (q *sqsQueue) seconds(attr string) int {
	n, _ := strconv.Atoi(q.attrs[attr])
	return n
}

func (q *sqsQueue) wake() {
	close(q.arrived)
	q.arrived = make(chan struct{})
}

// expire drops the messages older than the queue's retention period.
func (q *sqsQueue) expire(at time.Time) {
	keep := time.Duration(q.seconds("MessageRetentionPeriod")) * time.Second
	q.messages = slices.DeleteFunc(q.messages, func(m *sqsMessage) bool { return at.Sub(m.sent) >= keep })
}

// send appends a message and wakes the long polls.
func (q *sqsQueue) send(body string, delay int) *sqsMessage {
	at := time.Now()
	sum := md5.Sum([]byte(body))
	m := &sqsMessage{id: newUUID(), body: body, md5: hex.EncodeToString(sum[:]), sent: at,
		visible: at.Add(time.Duration(delay) * time.Second)}
	q.messages = append(q.messages, m)
	q.wake()
	return m
}

// take receives up to limit messages visible at at, hiding each for
// vis. With a dead-letter queue, a message already received maxReceives
// times moves there instead of being received again, as SQS's redrive
// does.
func (q *sqsQueue) take(at time.Time, limit int, vis time.Duration, dlq *sqsQueue, maxReceives int) []*sqsMessage {
	q.expire(at)
	var got []*sqsMessage
	kept := q.messages[:0]
	for _, m := range q.messages {
		switch {
		case len(got) == limit || m.visible.After(at):
		case dlq != nil && m.receives >= maxReceives:
			m.visible = at
			dlq.messages = append(dlq.messages, m)
			dlq.wake()
			continue
		default:
			m.receives++
			if m.firstReceive.IsZero() {
				m.firstReceive = at
			}
			m.receipt = newReceipt(q.name, m.id)
			m.visible = at.Add(vis)
			got = append(got, m)
		}
		kept = append(kept, m)
	}
	clear(q.messages[len(kept):])
	q.messages = kept
	return got
}

// redrivePolicy reads a RedrivePolicy attribute; maxReceiveCount may be
// a number or a string, as SQS accepts both.
func redrivePolicy(v string) (target string, maxReceives int, ok bool) {
	var p struct {
		Target string `json:"deadLetterTargetArn"`
		Max    any    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil || p.Target == "" {
		return "", 0, false
	}
	switch m := p.Max.(type) {
	case float64:
		maxReceives = int(m)
	case string:
		maxReceives, _ = strconv.Atoi(m)
	}
	if maxReceives < 1 || maxReceives > 1000 {
		return "", 0, false
	}
	return p.Target, maxReceives, true
}

// deadLetter returns the queue's dead-letter queue and receive limit; nil
// when it has none, or its target is gone. Callers hold s.sqs.mu.
func (s *Sandbox) deadLetter(q *sqsQueue) (*sqsQueue, int) {
	target, maxReceives, ok := redrivePolicy(q.attrs["RedrivePolicy"])
	if !ok {
		return nil, 0
	}
	dlq := s.sqs.queues[target[strings.LastIndex(target, ":")+1:]]
	if dlq == nil || dlq == q || s.queueARN(dlq.name) != target {
		return nil, 0
	}
	return dlq, maxReceives
}

// nextVisible is when the next hidden message becomes receivable; zero
// when none is hidden.
func (q *sqsQueue) nextVisible(at time.Time) time.Time {
	var next time.Time
	for _, m := range q.messages {
		if m.visible.After(at) && (next.IsZero() || m.visible.Before(next)) {
			next = m.visible
		}
	}
	return next
}

// counts returns how many messages can be received, are in flight and are
// delayed.
func (q *sqsQueue) counts(at time.Time) (visible, inFlight, delayed int) {
	q.expire(at)
	for _, m := range q.messages {
		switch {
		case !m.visible.After(at):
			visible++
		case m.receives > 0:
			inFlight++
		default:
			delayed++
		}
	}
	return visible, inFlight, delayed
}

// deleteReceipt deletes the message the handle was given for, if it is
// still the message's latest: SQS accepts an older handle, or one of a
// message already deleted, and deletes nothing.
func (q *sqsQueue) deleteReceipt(handle string) *apiError {
	queue, id, ok := parseReceipt(handle)
	if !ok || queue != q.name {
		return sqsError("ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle.", handle)
	}
	q.messages = slices.DeleteFunc(q.messages, func(m *sqsMessage) bool { return m.id == id && m.receipt == handle })
	return nil
}

// newReceipt returns a fresh receipt handle for a message: opaque to
// clients, different at every receive.
func newReceipt(queue, messageID string) string {
	var nonce [18]byte
	_, _ = rand.Read(nonce[:])
	return base64.StdEncoding.EncodeToString([]byte(queue + "\x00" + messageID + "\x00" + base64.StdEncoding.EncodeToString(nonce[:])))
}

func parseReceipt(handle string) (queue, messageID string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(handle)
	if err != nil {
		return "", "", false
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// sqsInput is the body of any SQS request; each action reads its members.
type sqsInput struct {
	QueueName                   string                     `json:"QueueName"`
	QueueURL                    string                     `json:"QueueUrl"`
	QueueOwnerAWSAccountID      string                     `json:"QueueOwnerAWSAccountId"`
	Attributes                  map[string]string          `json:"Attributes"`
	Tags                        map[string]string          `json:"tags"`
	AttributeNames              []string                   `json:"AttributeNames"`
	MessageSystemAttributeNames []string                   `json:"MessageSystemAttributeNames"`
	MessageAttributeNames       []string                   `json:"MessageAttributeNames"`
	MessageBody                 *string                    `json:"MessageBody"`
	DelaySeconds                *int                       `json:"DelaySeconds"`
	MessageAttributes           map[string]json.RawMessage `json:"MessageAttributes"`
	MessageSystemAttributes     map[string]json.RawMessage `json:"MessageSystemAttributes"`
	MessageDeduplicationID      string                     `json:"MessageDeduplicationId"`
	MessageGroupID              string                     `json:"MessageGroupId"`
	MaxNumberOfMessages         *int                       `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int                       `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int                       `json:"WaitTimeSeconds"`
	ReceiveRequestAttemptID     string                     `json:"ReceiveRequestAttemptId"`
	ReceiptHandle               *string                    `json:"ReceiptHandle"`
	Entries                     *[]sqsBatchEntry           `json:"Entries"`
	QueueNamePrefix             string                     `json:"QueueNamePrefix"`
	NextToken                   string                     `json:"NextToken"`
	MaxResults                  *int                       `json:"MaxResults"`
}

type sqsBatchEntry struct {
	ID            string `json:"Id"`
	ReceiptHandle string `json:"ReceiptHandle"`
}

// sqsErrorShapes maps the error codes SQS reports (the query protocol's,
// which x-amzn-query-error carries) to the JSON error shape and the HTTP
// status, as the service model has them. Codes not listed are their own
// shape, status 400.
var sqsErrorShapes = map[string]struct {
	shape  string
	status int
}{
	"AWS.SimpleQueueService.NonExistentQueue":             {"QueueDoesNotExist", 400},
	"QueueAlreadyExists":                                  {"QueueNameExists", 400},
	"ReceiptHandleIsInvalid":                              {"ReceiptHandleIsInvalid", 404},
	"InvalidAddress":                                      {"InvalidAddress", 404},
	"AWS.SimpleQueueService.EmptyBatchRequest":            {"EmptyBatchRequest", 400},
	"AWS.SimpleQueueService.TooManyEntriesInBatchRequest": {"TooManyEntriesInBatchRequest", 400},
	"AWS.SimpleQueueService.BatchEntryIdsNotDistinct":     {"BatchEntryIdsNotDistinct", 400},
	"AWS.SimpleQueueService.InvalidBatchEntryId":          {"InvalidBatchEntryId", 400},
	"AWS.SimpleQueueService.PurgeQueueInProgress":         {"PurgeQueueInProgress", 403},
	"AWS.SimpleQueueService.UnsupportedOperation":         {"UnsupportedOperation", 400},
	"InvalidClientTokenId":                                {"InvalidClientTokenId", 403},
	"SignatureDoesNotMatch":                               {"SignatureDoesNotMatch", 403},
	"MissingAuthenticationToken":                          {"MissingAuthenticationToken", 403},
	"RequestEntityTooLarge":                               {"RequestEntityTooLarge", 413},
	"InvalidAction":                                       {"InvalidAction", 400},
}

// sqsError returns an SQS error with the status its code has.
func sqsError(code, format string, args ...any) *apiError {
	status := 400
	if s, ok := sqsErrorShapes[code]; ok {
		status = s.status
	}
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func sqsMissing(param string) *apiError {
	return sqsError("MissingParameter", "The request must contain the parameter %s.", param)
}

func sqsNoQueue() *apiError {
	return sqsError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
}

// writeSQSError answers with SQS's JSON error: the shape in __type, the
// query protocol's code and fault in x-amzn-query-error, which the SDKs
// report as the error code.
func writeSQSError(w http.ResponseWriter, e *apiError) {
	shape := e.Code
	if s, ok := sqsErrorShapes[e.Code]; ok {
		shape = s.shape
	}
	fault := "Sender"
	if e.Receiver {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", e.Code+";"+fault)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + shape, "message": e.Message})
}

// serveSQS answers an SQS request.
func (s *Sandbox) serveSQS(w http.ResponseWriter, r *http.Request, body []byte, target string) (string, *apiError) {
	op := strings.TrimPrefix(target, sqsTargetPrefix)
	name := "sqs:" + op
	in := &sqsInput{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, in); err != nil {
			return name, sqsError("SerializationException", "request body: %v", err)
		}
	}
	var out any
	var apiErr *apiError
	switch op {
	case "CreateQueue":
		out, apiErr = s.sqsCreateQueue(in, requestBase(r))
	case "GetQueueUrl":
		out, apiErr = s.sqsGetQueueURL(in, requestBase(r))
	case "GetQueueAttributes":
		out, apiErr = s.sqsGetQueueAttributes(in)
	case "ListQueues":
		out, apiErr = s.sqsListQueues(in, requestBase(r))
	case "DeleteQueue":
		out, apiErr = s.sqsDeleteQueue(in)
	case "ListQueueTags":
		out, apiErr = s.sqsListQueueTags(in)
	case "PurgeQueue":
		out, apiErr = s.sqsPurgeQueue(in)
	case "SendMessage":
		out, apiErr = s.sqsSendMessage(in)
	case "ReceiveMessage":
		out, apiErr = s.sqsReceiveMessage(r.Context(), in)
	case "DeleteMessage":
		out, apiErr = s.sqsDeleteMessage(in)
	case "DeleteMessageBatch":
		out, apiErr = s.sqsDeleteMessageBatch(in)
	default:
		apiErr = sqsError("InvalidAction", "the sandbox's SQS does not implement %s", op)
	}
	if apiErr != nil {
		return name, apiErr
	}
	writeJSON(w, out)
	return name, nil
}

// requestBase is the sandbox's base URL as the client reached it, which
// queue URLs start with.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// QueueURL returns the URL of the queue name on the sandbox served at
// baseURL ("http://127.0.0.1:4566"): baseURL/ACCOUNT/NAME, as SQS forms
// queue URLs.
func (s *Sandbox) QueueURL(baseURL, name string) string {
	return strings.TrimSuffix(baseURL, "/") + "/" + s.opts.Account + "/" + name
}

func (s *Sandbox) queueARN(name string) string {
	return "arn:" + s.partition() + ":sqs:" + s.opts.Region + ":" + s.opts.Account + ":" + name
}

// findQueue resolves a queue URL. The host is not compared: the sandbox
// is one endpoint however it is reached. Callers hold s.sqs.mu.
func (s *Sandbox) findQueue(queueURL string) (*sqsQueue, *apiError) {
	if queueURL == "" {
		return nil, sqsMissing("QueueUrl")
	}
	u, err := url.Parse(queueURL)
	parts := []string{}
	if err == nil {
		parts = strings.Split(strings.Trim(u.Path, "/"), "/")
	}
	if err != nil || u.Scheme == "" || u.Host == "" || len(parts) != 2 {
		return nil, sqsError("InvalidAddress", "The address %s is not valid for this endpoint.", queueURL)
	}
	q := s.sqs.queues[parts[1]]
	if parts[0] != s.opts.Account || q == nil {
		return nil, sqsNoQueue()
	}
	return q, nil
}

// queueAttributes validates CreateQueue's attributes and returns them as
// SQS reports them.
func queueAttributes(attrs map[string]string) (map[string]string, *apiError) {
	out := map[string]string{}
	for k, v := range attrs {
		if r, ok := sqsNumericAttributes[k]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < r.min || n > r.max {
				return nil, sqsError("InvalidAttributeValue", "Invalid value for the parameter %s.", k)
			}
			out[k] = strconv.Itoa(n)
			continue
		}
		isJSON, ok := sqsTextAttributes[k]
		switch {
		case k == "FifoQueue" && v == "false":
			continue
		case sqsFIFOAttributes[k]:
			return nil, sqsError("AWS.SimpleQueueService.UnsupportedOperation",
				"the sandbox serves standard queues only; %s is an attribute of FIFO queues", k)
		case !ok:
			return nil, sqsError("InvalidAttributeName", "Unknown Attribute %s.", k)
		case isJSON && !json.Valid([]byte(v)):
			return nil, sqsError("InvalidAttributeValue", "Invalid value for the parameter %s.", k)
		case k == "SqsManagedSseEnabled" && v != "true" && v != "false":
			return nil, sqsError("InvalidAttributeValue", "Invalid value for the parameter %s.", k)
		}
		out[k] = v
	}
	if out["KmsMasterKeyId"] != "" && out["SqsManagedSseEnabled"] == "true" {
		return nil, sqsError("InvalidAttributeValue", "Invalid value for the parameter SqsManagedSseEnabled: a queue is encrypted with SSE-SQS or with a KMS key, not both.")
	}
	return out, nil
}

func (s *Sandbox) sqsCreateQueue(in *sqsInput, base string) (any, *apiError) {
	switch {
	case in.QueueName == "":
		return nil, sqsMissing("QueueName")
	case strings.HasSuffix(in.QueueName, ".fifo"):
		return nil, sqsError("AWS.SimpleQueueService.UnsupportedOperation", "the sandbox serves standard queues only, not FIFO queue %s", in.QueueName)
	case !sqsQueueNamePattern.MatchString(in.QueueName):
		return nil, sqsError("InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	attrs, apiErr := queueAttributes(in.Attributes)
	if apiErr != nil {
		return nil, apiErr
	}
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	if v, ok := attrs["RedrivePolicy"]; ok {
		target, _, valid := redrivePolicy(v)
		if !valid {
			return nil, sqsError("InvalidParameterValue", "Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map with deadLetterTargetArn and maxReceiveCount from 1 to 1000.", v)
		}
		if dlq := s.sqs.queues[target[strings.LastIndex(target, ":")+1:]]; dlq == nil || s.queueARN(dlq.name) != target {
			return nil, sqsError("InvalidParameterValue", "Value %s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", v)
		}
	}
	if q := s.sqs.queues[in.QueueName]; q != nil {
		// CreateQueue is idempotent for the same attributes.
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			if q.attrs[k] != attrs[k] {
				return nil, sqsError("QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
	} else {
		s.sqs.queues[in.QueueName] = newSQSQueue(in.QueueName, attrs, in.Tags)
	}
	return map[string]string{"QueueUrl": s.QueueURL(base, in.QueueName)}, nil
}

func (s *Sandbox) sqsGetQueueURL(in *sqsInput, base string) (any, *apiError) {
	if in.QueueName == "" {
		return nil, sqsMissing("QueueName")
	}
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	if s.sqs.queues[in.QueueName] == nil || (in.QueueOwnerAWSAccountID != "" && in.QueueOwnerAWSAccountID != s.opts.Account) {
		return nil, sqsNoQueue()
	}
	return map[string]string{"QueueUrl": s.QueueURL(base, in.QueueName)}, nil
}

func (s *Sandbox) sqsGetQueueAttributes(in *sqsInput) (any, *apiError) {
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	q, apiErr := s.findQueue(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	at := time.Now()
	visible, inFlight, delayed := q.counts(at)
	all := maps.Clone(q.attrs)
	all["QueueArn"] = s.queueARN(q.name)
	all["ApproximateNumberOfMessages"] = strconv.Itoa(visible)
	all["ApproximateNumberOfMessagesNotVisible"] = strconv.Itoa(inFlight)
	all["ApproximateNumberOfMessagesDelayed"] = strconv.Itoa(delayed)
	all["CreatedTimestamp"] = strconv.FormatInt(q.created.Unix(), 10)
	all["LastModifiedTimestamp"] = strconv.FormatInt(q.modified.Unix(), 10)
	out := map[string]string{}
	for _, name := range in.AttributeNames {
		if name == "All" {
			out = all
			break
		}
		_, numeric := sqsNumericAttributes[name]
		_, text := sqsTextAttributes[name]
		if !numeric && !text && !sqsFIFOAttributes[name] && !slices.Contains(sqsComputedAttributes, name) {
			return nil, sqsError("InvalidAttributeName", "Unknown Attribute %s.", name)
		}
		// Attributes the queue does not have (a policy never set, FIFO
		// settings) are left out, as SQS does.
		if v, ok := all[name]; ok {
			out[name] = v
		}
	}
	if len(out) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{"Attributes": out}, nil
}

func (s *Sandbox) sqsListQueues(in *sqsInput, base string) (any, *apiError) {
	size := sqsMaxListResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > sqsMaxListResults {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
		}
		size = *in.MaxResults
	}
	after := ""
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || len(raw) == 0 {
			return nil, sqsError("InvalidParameterValue", "Invalid NextToken value.")
		}
		after = string(raw)
	}
	s.sqs.mu.Lock()
	names := slices.Sorted(maps.Keys(s.sqs.queues))
	s.sqs.mu.Unlock()
	urls := []string{}
	next, last := "", ""
	for _, name := range names {
		if !strings.HasPrefix(name, in.QueueNamePrefix) || name <= after {
			continue
		}
		if len(urls) == size {
			// A token only when the caller pages: without MaxResults SQS
			// returns up to 1000 and no token.
			if in.MaxResults != nil {
				next = base64.RawURLEncoding.EncodeToString([]byte(last))
			}
			break
		}
		urls = append(urls, s.QueueURL(base, name))
		last = name
	}
	out := map[string]any{}
	if len(urls) > 0 {
		out["QueueUrls"] = urls
	}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *Sandbox) sqsDeleteQueue(in *sqsInput) (any, *apiError) {
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	q, apiErr := s.findQueue(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	delete(s.sqs.queues, q.name)
	q.wake()
	return map[string]any{}, nil
}

func (s *Sandbox) sqsListQueueTags(in *sqsInput) (any, *apiError) {
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	q, apiErr := s.findQueue(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	if len(q.tags) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{"Tags": q.tags}, nil
}

func (s *Sandbox) sqsPurgeQueue(in *sqsInput) (any, *apiError) {
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	q, apiErr := s.findQueue(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	at := time.Now()
	if !q.lastPurge.IsZero() && at.Sub(q.lastPurge) < sqsPurgeInterval {
		return nil, sqsError("AWS.SimpleQueueService.PurgeQueueInProgress",
			"Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.name)
	}
	q.lastPurge = at
	q.messages = nil
	return map[string]any{}, nil
}

// validBody reports the first character SQS does not accept in a message
// body (XML's characters only), or -1.
func validBody(body string) rune {
	for _, r := range body {
		if r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF) {
			continue
		}
		return r
	}
	return -1
}

func (s *Sandbox) sqsSendMessage(in *sqsInput) (any, *apiError) {
	switch {
	case in.MessageBody == nil || *in.MessageBody == "":
		return nil, sqsMissing("MessageBody")
	case len(in.MessageAttributes) > 0 || len(in.MessageSystemAttributes) > 0:
		return nil, sqsError("AWS.SimpleQueueService.UnsupportedOperation", "the sandbox's SQS does not keep message attributes")
	case in.MessageDeduplicationID != "":
		return nil, sqsError("InvalidParameterValue", "The request include parameter that is not valid for this queue type")
	case in.DelaySeconds != nil && (*in.DelaySeconds < 0 || *in.DelaySeconds > sqsMaxDelay):
		return nil, sqsError("InvalidParameterValue", "Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *in.DelaySeconds)
	}
	if r := validBody(*in.MessageBody); r >= 0 {
		return nil, sqsError("InvalidMessageContents", "Invalid binary character '#x%X' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", r)
	}
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	q, apiErr := s.findQueue(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	if limit := q.seconds("MaximumMessageSize"); len(*in.MessageBody) > limit {
		return nil, sqsError("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", limit)
	}
	delay := q.seconds("DelaySeconds")
	if in.DelaySeconds != nil {
		delay = *in.DelaySeconds
	}
	m := q.send(*in.MessageBody, delay)
	return map[string]string{"MD5OfMessageBody": m.md5, "MessageId": m.id}, nil
}

// sqsMessageOut is a received message as SQS returns it.
type sqsMessageOut struct {
	MessageID     string            `json:"MessageId"`
	ReceiptHandle string            `json:"ReceiptHandle"`
	MD5OfBody     string            `json:"MD5OfBody"`
	Body          string            `json:"Body"`
	Attributes    map[string]string `json:"Attributes,omitempty"`
}

// systemAttributes returns the message's system attributes that names
// ask for.
func (m *sqsMessage) systemAttributes(names []string) map[string]string {
	all := map[string]string{
		"SenderId":                         sqsSenderID,
		"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
		"ApproximateReceiveCount":          strconv.Itoa(m.receives),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// bounded checks an optional integer parameter against its range.
func bounded(name string, v *int, lo, hi, def int) (int, *apiError) {
	if v == nil {
		return def, nil
	}
	if *v < lo || *v > hi {
		return 0, sqsError("InvalidParameterValue", "Value %d for parameter %s is invalid. Reason: Must be between %d and %d, if provided.", *v, name, lo, hi)
	}
	return *v, nil
}

func (s *Sandbox) sqsReceiveMessage(ctx context.Context, in *sqsInput) (any, *apiError) {
	limit, apiErr := bounded("MaxNumberOfMessages", in.MaxNumberOfMessages, 1, sqsMaxBatch, 1)
	if apiErr != nil {
		return nil, apiErr
	}
	s.sqs.mu.Lock()
	q, apiErr := s.findQueue(in.QueueURL)
	var wait, vis int
	if apiErr == nil {
		wait, apiErr = bounded("WaitTimeSeconds", in.WaitTimeSeconds, 0, sqsMaxWaitSeconds, q.seconds("ReceiveMessageWaitTimeSeconds"))
	}
	if apiErr == nil {
		vis, apiErr = bounded("VisibilityTimeout", in.VisibilityTimeout, 0, sqsMaxVisibility, q.seconds("VisibilityTimeout"))
	}
	s.sqs.mu.Unlock()
	if apiErr != nil {
		return nil, apiErr
	}
	names := append(slices.Clone(in.AttributeNames), in.MessageSystemAttributeNames...)
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		s.sqs.mu.Lock()
		if s.sqs.queues[q.name] != q {
			s.sqs.mu.Unlock()
			return nil, sqsNoQueue()
		}
		at := time.Now()
		dlq, maxReceives := s.deadLetter(q)
		got := q.take(at, limit, time.Duration(vis)*time.Second, dlq, maxReceives)
		out := make([]sqsMessageOut, 0, len(got))
		for _, m := range got {
			out = append(out, sqsMessageOut{MessageID: m.id, ReceiptHandle: m.receipt, MD5OfBody: m.md5, Body: m.body,
				Attributes: m.systemAttributes(names)})
		}
		arrived, next, closed := q.arrived, q.nextVisible(at), s.sqs.closed
		s.sqs.mu.Unlock()
		left := time.Until(deadline)
		if len(out) > 0 {
			return map[string]any{"Messages": out}, nil
		}
		if left <= 0 || closed {
			return map[string]any{}, nil
		}
		// A hidden message becoming visible ends the wait as a send does.
		if !next.IsZero() {
			left = min(left, time.Until(next))
		}
		timer := time.NewTimer(max(left, time.Millisecond))
		select {
		case <-arrived:
		case <-timer.C:
		case <-s.sqs.done:
		case <-ctx.Done():
			timer.Stop()
			return map[string]any{}, nil
		}
		timer.Stop()
	}
}

func (s *Sandbox) sqsDeleteMessage(in *sqsInput) (any, *apiError) {
	if in.ReceiptHandle == nil || *in.ReceiptHandle == "" {
		return nil, sqsMissing("ReceiptHandle")
	}
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	q, apiErr := s.findQueue(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	if apiErr := q.deleteReceipt(*in.ReceiptHandle); apiErr != nil {
		return nil, apiErr
	}
	return map[string]any{}, nil
}

// sqsBatchFailure is one failed entry of a batch request.
type sqsBatchFailure struct {
	ID          string `json:"Id"`
	SenderFault bool   `json:"SenderFault"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
}

func (s *Sandbox) sqsDeleteMessageBatch(in *sqsInput) (any, *apiError) {
	if in.Entries == nil {
		return nil, sqsMissing("Entries")
	}
	entries := *in.Entries
	switch {
	case len(entries) == 0:
		return nil, sqsError("AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one DeleteMessageBatchRequestEntry in the request.")
	case len(entries) > sqsMaxBatch:
		return nil, sqsError("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are %d. You have sent %d.", sqsMaxBatch, len(entries))
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !sqsBatchIDPattern.MatchString(e.ID) {
			return nil, sqsError("AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[e.ID] {
			return nil, sqsError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id %s repeated.", e.ID)
		}
		seen[e.ID] = true
	}
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	q, apiErr := s.findQueue(in.QueueURL)
	if apiErr != nil {
		return nil, apiErr
	}
	ok, failed := []map[string]string{}, []sqsBatchFailure{}
	for _, e := range entries {
		if e.ReceiptHandle == "" {
			failed = append(failed, sqsBatchFailure{ID: e.ID, SenderFault: true, Code: "MissingParameter",
				Message: "The request must contain the parameter ReceiptHandle."})
			continue
		}
		if apiErr := q.deleteReceipt(e.ReceiptHandle); apiErr != nil {
			failed = append(failed, sqsBatchFailure{ID: e.ID, SenderFault: true, Code: apiErr.Code, Message: apiErr.Message})
			continue
		}
		ok = append(ok, map[string]string{"Id": e.ID})
	}
	return map[string]any{"Successful": ok, "Failed": failed}, nil
}

// eventBridgeEvent is the event EventBridge delivers for a CloudTrail
// record (https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html).
type eventBridgeEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// publishEvent sends a CloudTrail record to the event queue as the
// EventBridge event an "AWS API Call via CloudTrail" rule targeting an SQS
// queue delivers. Callers hold s.mu, so events are queued in the order of
// the log. A deleted event queue drops the events, as a rule whose target
// is gone does.
func (s *Sandbox) publishEvent(rec *trailRecord, doc []byte) {
	if s.opts.EventQueue == "" {
		return
	}
	ev := eventBridgeEvent{
		Version: "0", ID: newUUID(), DetailType: "AWS API Call via CloudTrail",
		Source:  "aws." + strings.TrimSuffix(rec.EventSource, ".amazonaws.com"),
		Account: s.opts.Account, Time: rec.EventTime, Region: rec.AWSRegion,
		Resources: []string{}, Detail: doc,
	}
	body, err := json.Marshal(ev)
	if err != nil {
		s.log.Warn("event queue: encoding an event", "event_id", rec.EventID, "error", err)
		return
	}
	s.sqs.mu.Lock()
	defer s.sqs.mu.Unlock()
	if q := s.sqs.queues[s.opts.EventQueue]; q != nil {
		q.send(string(body), q.seconds("DelaySeconds"))
	}
}
