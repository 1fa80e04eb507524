// Package sandbox is qualstate's local TEST environment: an HTTP endpoint
// that speaks the AWS wire protocols of CloudFormation (awsquery, XML),
// the Cloud Control API (awsJson1_0), SQS (its JSON protocol) and STS, so
// that the AWS SDK and the AWS CLI work against it with only the endpoint
// URL changed. It provisions stacks, keeps resource state in its own
// SQLite file, accepts out-of-band changes through Cloud Control and logs
// every mutating call as a CloudTrail-shaped event, which it can also
// deliver to an SQS queue as EventBridge does.
//
// Nothing is really created: each resource type of sandbox/registry
// simulates its service (identifiers, ARNs, defaults, validation), which
// is what qualification, drift detection and challenge tests need.
package sandbox

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"qualstate/cfn"
	"qualstate/sandbox/registry"
)

// Defaults of Options.
const (
	DefaultAccount = "123456789012"
	DefaultRegion  = "us-east-1"
	defaultSettle  = time.Second
)

// maxBody bounds a request body: CloudFormation's 1 MB template limit,
// form-encoded, with room for the other parameters.
const maxBody = 3 << 20

// Options configure a Sandbox.
type Options struct {
	// Account is the account id resources live in; default 123456789012.
	Account string
	// Region is the sandbox's region; default us-east-1.
	Region string
	// DataDir holds the sandbox's SQLite file (sandbox.db); "" keeps the
	// state in memory only.
	DataDir string
	// AccessKeyID and SecretAccessKey, when both are set, are the only
	// credentials accepted: requests must carry a valid SigV4 signature
	// made with them. Otherwise any credentials are accepted.
	AccessKeyID, SecretAccessKey string
	// Settle is how long a describe call on a stack, change set or
	// resource request whose operation is in progress waits for it to
	// finish before answering, so that clients polling with long delays
	// (the SDK's and the CLI's waiters) see the outcome at their first
	// poll. Zero means the default, one second; negative means never wait.
	Settle time.Duration
	// ResourceDelay is added to every resource operation, to make the
	// in-progress states observable.
	ResourceDelay time.Duration
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// EventQueue, when set, names an SQS queue the sandbox creates at
	// start and sends every CloudTrail record to, as the EventBridge event
	// ("detail-type": "AWS API Call via CloudTrail") a rule targeting an
	// SQS queue delivers on AWS.
	EventQueue string
}

// Sandbox is the endpoint. It is an http.Handler and safe for concurrent
// use.
type Sandbox struct {
	opts  Options
	env   registry.Env
	log   *slog.Logger
	store *store

	// mu guards everything below and the objects they point to. Stack
	// operations take it for each step, never across a resource's delay.
	mu         sync.Mutex
	stacks     map[string]*stack // by id
	stackOrder []*stack          // creation order, for ListStacks
	changeSets map[string]*changeSet
	resources  map[string]*liveResource // by resourceKey
	requests   map[string]*request      // by token
	reqOrder   []*request
	drifts     map[string]*driftDetection
	exports    map[string]*export
	// sqs holds the SQS queues; it has its own lock.
	sqs *sqsService
	// trailSignal is closed and replaced when a CloudTrail record is
	// appended, waking long polls.
	trailSignal chan struct{}
	closed      bool

	ops sync.WaitGroup
}

// New opens (or creates) the sandbox's state and returns the endpoint.
func New(opts Options) (*Sandbox, error) {
	opts.Account = cmp.Or(opts.Account, DefaultAccount)
	opts.Region = cmp.Or(opts.Region, DefaultRegion)
	if !accountPattern.MatchString(opts.Account) {
		return nil, fmt.Errorf("account %q: must be 12 digits", opts.Account)
	}
	if !regionPattern.MatchString(opts.Region) {
		return nil, fmt.Errorf("region %q: not a region name such as us-east-1", opts.Region)
	}
	if (opts.AccessKeyID == "") != (opts.SecretAccessKey == "") {
		return nil, errors.New("credentials: give both the access key id and the secret access key, or neither")
	}
	if opts.Settle == 0 {
		opts.Settle = defaultSettle
	}
	queues, err := newSQS(opts.EventQueue)
	if err != nil {
		return nil, err
	}
	st, err := openStore(opts.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{
		opts: opts, store: st,
		env:         registry.Env{Account: opts.Account, Region: opts.Region},
		log:         cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
		stacks:      map[string]*stack{},
		changeSets:  map[string]*changeSet{},
		resources:   map[string]*liveResource{},
		requests:    map[string]*request{},
		drifts:      map[string]*driftDetection{},
		exports:     map[string]*export{},
		sqs:         queues,
		trailSignal: make(chan struct{}),
	}
	if err := s.load(); err != nil {
		st.close()
		return nil, err
	}
	return s, nil
}

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Account returns the sandbox's account id.
func (s *Sandbox) Account() string { return s.opts.Account }

// Region returns the sandbox's region.
func (s *Sandbox) Region() string { return s.opts.Region }

// Close waits for the operations in progress and closes the state file.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.trailSignal)
	s.mu.Unlock()
	s.sqs.close()
	s.ops.Wait()
	return s.store.close()
}

// call is what the sandbox knows of the request being served.
type call struct {
	requestID string
	accessKey string
	sourceIP  string
	userAgent string
}

// ServeHTTP answers one AWS API request.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{requestID: newUUID(), userAgent: r.UserAgent(), sourceIP: r.RemoteAddr}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.sourceIP = host
	}
	w.Header().Set("X-Amzn-RequestId", c.requestID)
	switch r.URL.Path {
	case "/_sandbox/events":
		s.serveEvents(w, r)
		return
	case "/_sandbox/health":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","account":%q,"region":%q}`+"\n", s.opts.Account, s.opts.Region)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	target := r.Header.Get("X-Amz-Target")
	proto := protoQuery
	switch {
	case strings.HasPrefix(target, sqsTargetPrefix):
		proto = protoSQS
	case target != "":
		proto = protoJSON
	}
	var op string
	var apiErr *apiError
	switch {
	case err != nil:
		apiErr = &apiError{Status: 400, Code: "IncompleteBody", Message: "reading the request body: " + err.Error()}
	case len(body) > maxBody:
		apiErr = &apiError{Status: 413, Code: "RequestEntityTooLarge", Message: fmt.Sprintf("request body over %d bytes", maxBody)}
	case r.Method != http.MethodPost:
		apiErr = &apiError{Status: 405, Code: "InvalidAction", Message: "AWS API requests are POSTs; " + r.Method + " " + r.URL.Path + " is not served"}
	default:
		apiErr = s.authenticate(r, body, c, proto)
	}
	if apiErr == nil {
		switch proto {
		case protoJSON:
			op, apiErr = s.serveJSON(w, r, body, target, c)
		case protoSQS:
			op, apiErr = s.serveSQS(w, r, body, target)
		default:
			op, apiErr = s.serveQuery(w, r, body, c)
		}
	}
	if apiErr != nil {
		switch proto {
		case protoJSON:
			writeJSONError(w, apiErr)
		case protoSQS:
			writeSQSError(w, apiErr)
		default:
			writeQueryError(w, apiErr, c.requestID)
		}
	}
	level, outcome := slog.LevelInfo, "ok"
	if apiErr != nil {
		level, outcome = slog.LevelWarn, apiErr.Code
	}
	s.log.Log(r.Context(), level, "request", "op", op, "outcome", outcome,
		"duration", time.Since(start).Round(time.Microsecond), "request_id", c.requestID)
}

type protocol int

const (
	protoQuery protocol = iota
	protoJSON
	// protoSQS is SQS's JSON protocol, whose errors carry the query
	// protocol's codes.
	protoSQS
)

// apiError is an AWS error response.
type apiError struct {
	Status  int
	Code    string
	Message string
	// Receiver marks the sandbox's own fault; otherwise the caller's.
	Receiver bool
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// validationError is CloudFormation's catch-all client error.
func validationError(format string, args ...any) *apiError {
	return &apiError{Status: 400, Code: "ValidationError", Message: fmt.Sprintf(format, args...)}
}

// internalError reports a failure of the sandbox itself.
func internalError(err error) *apiError {
	return &apiError{Status: 500, Code: "InternalFailure", Message: err.Error(), Receiver: true}
}

func writeJSONError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "Message": e.Message})
}

// writeJSON answers an awsJson1_0 call.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(v)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// settle waits, up to the configured time, for done to close.
func (s *Sandbox) settle(done chan struct{}) {
	if done == nil || s.opts.Settle < 0 {
		return
	}
	t := time.NewTimer(s.opts.Settle)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// now is the sandbox's clock, in UTC at millisecond precision as AWS
// reports times.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// partition returns the ARN partition of the sandbox's region.
func (s *Sandbox) partition() string { return cfn.Partition(s.opts.Region) }
