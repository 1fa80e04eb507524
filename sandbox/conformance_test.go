package sandbox_test

// The conformance suite drives an AWS-compatible endpoint only through real
// AWS clients: aws-sdk-go-v2 (CloudFormation, Cloud Control, STS) here and
// in conformance_*_test.go, and the AWS CLI in cli_test.go. It asserts what
// AWS documents, so the same tests run against the in-process sandbox,
// another emulator or a real AWS test account.
//
// Endpoint selection, environment variable QUALSTATE_TEST_AWS_ENDPOINT:
//
//   - unset: every test starts its own in-process sandbox
//     (sandbox.New with a fresh DataDir behind httptest.NewServer) and
//     signs with the static credentials "test"/"test" in us-east-1.
//   - a URL (http://127.0.0.1:4566): every test uses that endpoint, with
//     the credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
//     AWS_SESSION_TOKEN ("test"/"test" when unset) and AWS_REGION
//     (us-east-1 when unset).
//   - the word "aws": real AWS through the SDK's default configuration
//     and credential chain, no endpoint override. TestConformanceAllTypes
//     additionally needs QUALSTATE_TEST_AMI_ID (an x86_64 AMI in the
//     region) and a region without an AWS Config recorder; it creates an
//     RDS instance and takes about half an hour there (go test -timeout 90m).
//
// Every name a test creates starts with "qs-conf-" and a random part, and
// every stack or resource is deleted in t.Cleanup, also when the test
// fails; nothing a test did not create is modified or deleted.
// Behaviour only the sandbox has (its event log, persistence across
// restarts) belongs to the sandbox's own tests, not here; the signature
// tests need an endpoint with known keys and run in-process only.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	cctypes "github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.yaml.in/yaml/v3"

	"qualstate/sandbox"
)

// endpointEnv selects the endpoint under test; see the comment above.
const endpointEnv = "QUALSTATE_TEST_AWS_ENDPOINT"

type targetKind int

const (
	inProcess targetKind = iota // a sandbox started by the test
	external                    // another endpoint, by URL
	realAWS                     // AWS itself
)

// clients are the AWS clients of one test, all bound to one endpoint.
type clients struct {
	cfn *cloudformation.Client
	cc  *cloudcontrol.Client
	sts *sts.Client

	kind     targetKind
	endpoint string // "" for real AWS
	region   string
	// accessKey and secretKey are the static credentials the clients sign
	// with ("" for real AWS, where the CLI inherits the environment).
	accessKey, secretKey string

	// opTimeout bounds one stack, change set or resource operation;
	// minDelay and maxDelay are the waiters' polling bounds.
	opTimeout, minDelay, maxDelay time.Duration
}

// targetFromEnv tells which endpoint QUALSTATE_TEST_AWS_ENDPOINT selects.
func targetFromEnv() targetKind {
	switch os.Getenv(endpointEnv) {
	case "":
		return inProcess
	case "aws":
		return realAWS
	default:
		return external
	}
}

// newClients returns clients for the endpoint QUALSTATE_TEST_AWS_ENDPOINT
// selects, starting an in-process sandbox when it is unset.
func newClients(t *testing.T) *clients {
	t.Helper()
	switch ep := os.Getenv(endpointEnv); ep {
	case "":
		return newSandboxClients(t, sandbox.Options{}, "test", "test")
	case "aws":
		cfg, err := config.LoadDefaultConfig(t.Context())
		if err != nil {
			t.Fatalf("loading the AWS configuration: %v", err)
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		c := clientsFor(cfg)
		c.kind, c.region = realAWS, cfg.Region
		c.opTimeout, c.minDelay, c.maxDelay = 45*time.Minute, 2*time.Second, 20*time.Second
		return c
	default:
		ak, sk := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		if ak == "" || sk == "" {
			ak, sk = "test", "test"
		}
		region := firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1")
		cfg := aws.Config{
			Region:       region,
			Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, os.Getenv("AWS_SESSION_TOKEN")),
			BaseEndpoint: aws.String(ep),
		}
		c := clientsFor(cfg)
		c.kind, c.endpoint, c.region, c.accessKey, c.secretKey = external, ep, region, ak, sk
		c.opTimeout, c.minDelay, c.maxDelay = 3*time.Minute, 200*time.Millisecond, 2*time.Second
		return c
	}
}

// newSandboxClients starts an in-process sandbox with opts (DataDir set to
// a fresh temporary directory) and returns clients signing with ak/sk.
func newSandboxClients(t *testing.T, opts sandbox.Options, ak, sk string) *clients {
	t.Helper()
	opts.DataDir = t.TempDir()
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("closing the sandbox: %v", err)
		}
	})
	c := sandboxClient(srv.URL, ak, sk)
	return c
}

// sandboxClient returns clients for an in-process endpoint at url.
func sandboxClient(url, ak, sk string) *clients {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, ""),
		BaseEndpoint: aws.String(url),
	}
	c := clientsFor(cfg)
	c.kind, c.endpoint, c.region, c.accessKey, c.secretKey = inProcess, url, "us-east-1", ak, sk
	c.opTimeout, c.minDelay, c.maxDelay = 30*time.Second, 200*time.Millisecond, 2*time.Second
	return c
}

func clientsFor(cfg aws.Config) *clients {
	return &clients{
		cfn: cloudformation.NewFromConfig(cfg),
		cc:  cloudcontrol.NewFromConfig(cfg),
		sts: sts.NewFromConfig(cfg),
	}
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// uniqueName returns "qs-conf-" + a random part + "-" + label: unique per
// run, lower case (valid for buckets) and short.
func uniqueName(t *testing.T, label string) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "qs-conf-" + hex.EncodeToString(b) + "-" + label
}

// stackName returns a unique stack name and registers, on t, the deletion
// of the stack of that name if it exists when t ends.
func (c *clients) stackName(t *testing.T, label string) string {
	t.Helper()
	name := uniqueName(t, label)
	c.cleanupStack(t, name)
	return name
}

// cleanupStack deletes stack name (if it exists) when t ends, turning off
// termination protection first, and waits for the deletion.
func (c *clients) cleanupStack(t *testing.T, name string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.opTimeout)
		defer cancel()
		out, err := c.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil || len(out.Stacks) == 0 {
			return // never created, or already gone
		}
		s := out.Stacks[0]
		if s.StackStatus == cfntypes.StackStatusDeleteComplete {
			return
		}
		if aws.ToBool(s.EnableTerminationProtection) {
			if _, err := c.cfn.UpdateTerminationProtection(ctx, &cloudformation.UpdateTerminationProtectionInput{
				StackName: aws.String(name), EnableTerminationProtection: aws.Bool(false),
			}); err != nil {
				t.Errorf("cleanup: turning off termination protection of %s: %v", name, err)
			}
		}
		if _, err := c.cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
			t.Errorf("cleanup: deleting stack %s: %v", name, err)
			return
		}
		final, err := c.settleStack(ctx, name)
		if err != nil {
			t.Errorf("cleanup: waiting for the deletion of %s: %v", name, err)
		} else if final != nil && final.StackStatus != cfntypes.StackStatusDeleteComplete {
			t.Errorf("cleanup: stack %s ended %s: %s", name, final.StackStatus, aws.ToString(final.StackStatusReason))
		}
	})
}

// settleStack polls DescribeStacks through the SDK's waiter until the
// stack is in no *_IN_PROGRESS state (REVIEW_IN_PROGRESS counts as
// settled) and returns it; nil means it no longer exists.
func (c *clients) settleStack(ctx context.Context, name string) (*cfntypes.Stack, error) {
	w := cloudformation.NewStackCreateCompleteWaiter(c.cfn, func(o *cloudformation.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = c.minDelay, c.maxDelay
		o.Retryable = func(_ context.Context, _ *cloudformation.DescribeStacksInput, out *cloudformation.DescribeStacksOutput, err error) (bool, error) {
			if err != nil {
				if isStackMissing(err) {
					return false, nil
				}
				return false, err
			}
			if len(out.Stacks) == 0 {
				return false, nil
			}
			return inProgress(out.Stacks[0].StackStatus), nil
		}
	})
	out, err := w.WaitForOutput(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)}, c.opTimeout)
	if err != nil {
		return nil, err
	}
	if out == nil || len(out.Stacks) == 0 {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

func inProgress(s cfntypes.StackStatus) bool {
	return strings.HasSuffix(string(s), "_IN_PROGRESS") && s != cfntypes.StackStatusReviewInProgress
}

// isStackMissing reports whether err is CloudFormation's "Stack with id X
// does not exist".
func isStackMissing(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

// waitStack waits until stack name settles and fails t unless it is in one
// of the wanted states. It returns the stack, or nil when it is gone and
// DELETE_COMPLETE was wanted.
func (c *clients) waitStack(t *testing.T, name string, want ...cfntypes.StackStatus) *cfntypes.Stack {
	t.Helper()
	s, err := c.settleStack(t.Context(), name)
	if err != nil {
		t.Fatalf("waiting for stack %s: %v", name, err)
	}
	got := cfntypes.StackStatusDeleteComplete
	if s != nil {
		got = s.StackStatus
	}
	if !slices.Contains(want, got) {
		reason := ""
		if s != nil {
			reason = aws.ToString(s.StackStatusReason)
		}
		t.Fatalf("stack %s is %s (%s), want %v; failed resources: %s", name, got, reason, want, c.failures(t, name))
	}
	return s
}

// failures summarizes the *_FAILED events of a stack, for messages.
func (c *clients) failures(t *testing.T, name string) string {
	var b strings.Builder
	for _, e := range c.events(t, name) {
		if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") {
			fmt.Fprintf(&b, "[%s %s: %s] ", aws.ToString(e.LogicalResourceId), e.ResourceStatus, aws.ToString(e.ResourceStatusReason))
		}
	}
	return b.String()
}

// events returns every event of a stack, newest first as AWS orders them;
// nil if they cannot be read.
func (c *clients) events(t *testing.T, name string) []cfntypes.StackEvent {
	var all []cfntypes.StackEvent
	p := cloudformation.NewDescribeStackEventsPaginator(c.cfn, &cloudformation.DescribeStackEventsInput{StackName: aws.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.WithoutCancel(t.Context()))
		if err != nil {
			return all
		}
		all = append(all, out.StackEvents...)
	}
	return all
}

// createStack calls CreateStack and waits until the stack settles in want.
// The caller registered the stack's cleanup through stackName.
func (c *clients) createStack(t *testing.T, in *cloudformation.CreateStackInput, want cfntypes.StackStatus) *cfntypes.Stack {
	t.Helper()
	if _, err := c.cfn.CreateStack(t.Context(), in); err != nil {
		t.Fatalf("CreateStack %s: %v", aws.ToString(in.StackName), err)
	}
	return c.waitStack(t, aws.ToString(in.StackName), want)
}

// deleteStack calls DeleteStack and waits until the stack is gone.
func (c *clients) deleteStack(t *testing.T, name string) {
	t.Helper()
	if _, err := c.cfn.DeleteStack(t.Context(), &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
		t.Fatalf("DeleteStack %s: %v", name, err)
	}
	c.waitStack(t, name, cfntypes.StackStatusDeleteComplete)
}

// stackResources lists a stack's resources (every page) by logical id.
func (c *clients) stackResources(t *testing.T, name string) map[string]cfntypes.StackResourceSummary {
	t.Helper()
	res := map[string]cfntypes.StackResourceSummary{}
	p := cloudformation.NewListStackResourcesPaginator(c.cfn, &cloudformation.ListStackResourcesInput{StackName: aws.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListStackResources %s: %v", name, err)
		}
		for _, r := range out.StackResourceSummaries {
			id := aws.ToString(r.LogicalResourceId)
			if _, dup := res[id]; dup {
				t.Errorf("ListStackResources %s: %s listed twice", name, id)
			}
			res[id] = r
		}
	}
	return res
}

// outputs returns a stack's outputs by key.
func outputs(s *cfntypes.Stack) map[string]string {
	m := map[string]string{}
	for _, o := range s.Outputs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m
}

// params builds CloudFormation parameters from key/value pairs; a value
// of usePrevious keeps the stack's current value.
func params(kv ...string) []cfntypes.Parameter {
	var ps []cfntypes.Parameter
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == usePrevious {
			ps = append(ps, cfntypes.Parameter{ParameterKey: aws.String(kv[i]), UsePreviousValue: aws.Bool(true)})
			continue
		}
		ps = append(ps, cfntypes.Parameter{ParameterKey: aws.String(kv[i]), ParameterValue: aws.String(kv[i+1])})
	}
	return ps
}

const usePrevious = "\x00previous"

// template reads testdata/conformance/name.
func template(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fixture(name string) string { return filepath.Join("testdata", "conformance", name) }

// templateResources returns the logical ids and types a template declares.
func templateResources(t *testing.T, body string) map[string]string {
	t.Helper()
	var doc struct {
		Resources map[string]struct {
			Type string `yaml:"Type"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("parsing a template fixture: %v", err)
	}
	m := map[string]string{}
	for id, r := range doc.Resources {
		m[id] = r.Type
	}
	return m
}

// step runs f as subtest name and stops the calling test if it fails:
// the steps of a scenario depend on each other.
func step(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}

// --- Cloud Control helpers ---------------------------------------------------

// ccGet reads a resource through Cloud Control and returns its model.
func (c *clients) ccGet(t *testing.T, typeName, id string) map[string]any {
	t.Helper()
	m, err := c.ccRead(t.Context(), typeName, id)
	if err != nil {
		t.Fatalf("Cloud Control GetResource %s %q: %v", typeName, id, err)
	}
	return m
}

func (c *clients) ccRead(ctx context.Context, typeName, id string) (map[string]any, error) {
	out, err := c.cc.GetResource(ctx, &cloudcontrol.GetResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id)})
	if err != nil {
		return nil, err
	}
	if out.ResourceDescription == nil {
		return nil, errors.New("no ResourceDescription")
	}
	if got := aws.ToString(out.ResourceDescription.Identifier); got != id {
		return nil, fmt.Errorf("ResourceDescription.Identifier = %q, want %q", got, id)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.ResourceDescription.Properties)), &m); err != nil {
		return nil, fmt.Errorf("Properties is not a JSON object: %v", err)
	}
	return m, nil
}

// ccGone asserts that GetResource fails with ResourceNotFoundException.
func (c *clients) ccGone(t *testing.T, typeName, id string) {
	t.Helper()
	_, err := c.ccRead(t.Context(), typeName, id)
	var nf *cctypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetResource %s %q after deletion: err = %v, want ResourceNotFoundException", typeName, id, err)
	}
}

// waitRequest waits, through the SDK's waiter, until a Cloud Control
// request leaves PENDING/IN_PROGRESS, and returns its final progress event.
func (c *clients) waitRequest(t *testing.T, ev *cctypes.ProgressEvent) *cctypes.ProgressEvent {
	t.Helper()
	if ev == nil || ev.RequestToken == nil {
		t.Fatalf("Cloud Control answered without a progress event / request token: %+v", ev)
	}
	w := cloudcontrol.NewResourceRequestSuccessWaiter(c.cc, func(o *cloudcontrol.ResourceRequestSuccessWaiterOptions) {
		o.MinDelay, o.MaxDelay = c.minDelay, c.maxDelay
		o.Retryable = func(_ context.Context, _ *cloudcontrol.GetResourceRequestStatusInput, out *cloudcontrol.GetResourceRequestStatusOutput, err error) (bool, error) {
			if err != nil {
				return false, err
			}
			switch out.ProgressEvent.OperationStatus {
			case cctypes.OperationStatusPending, cctypes.OperationStatusInProgress, cctypes.OperationStatusCancelInProgress:
				return true, nil
			}
			return false, nil
		}
	})
	out, err := w.WaitForOutput(t.Context(), &cloudcontrol.GetResourceRequestStatusInput{RequestToken: ev.RequestToken}, c.opTimeout)
	if err != nil {
		t.Fatalf("waiting for Cloud Control request %s: %v", aws.ToString(ev.RequestToken), err)
	}
	return out.ProgressEvent
}

// waitRequestSuccess waits for a request and fails t unless it succeeded.
func (c *clients) waitRequestSuccess(t *testing.T, ev *cctypes.ProgressEvent) *cctypes.ProgressEvent {
	t.Helper()
	final := c.waitRequest(t, ev)
	if final.OperationStatus != cctypes.OperationStatusSuccess {
		t.Fatalf("Cloud Control %s %s %s: %s (%s: %s)", final.Operation, aws.ToString(final.TypeName), aws.ToString(final.Identifier),
			final.OperationStatus, final.ErrorCode, aws.ToString(final.StatusMessage))
	}
	return final
}

// cleanupResource deletes a Cloud Control resource when t ends, if it
// still exists.
func (c *clients) cleanupResource(t *testing.T, typeName, id string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.opTimeout)
		defer cancel()
		if _, err := c.ccRead(ctx, typeName, id); err != nil {
			return
		}
		out, err := c.cc.DeleteResource(ctx, &cloudcontrol.DeleteResourceInput{TypeName: aws.String(typeName), Identifier: aws.String(id)})
		if err != nil {
			t.Errorf("cleanup: deleting %s %s: %v", typeName, id, err)
			return
		}
		for out.ProgressEvent != nil && ctx.Err() == nil {
			switch out.ProgressEvent.OperationStatus {
			case cctypes.OperationStatusSuccess:
				return
			case cctypes.OperationStatusFailed, cctypes.OperationStatusCancelComplete:
				t.Errorf("cleanup: deleting %s %s: %s", typeName, id, aws.ToString(out.ProgressEvent.StatusMessage))
				return
			}
			time.Sleep(c.minDelay)
			st, err := c.cc.GetResourceRequestStatus(ctx, &cloudcontrol.GetResourceRequestStatusInput{RequestToken: out.ProgressEvent.RequestToken})
			if err != nil {
				t.Errorf("cleanup: deleting %s %s: %v", typeName, id, err)
				return
			}
			out.ProgressEvent = st.ProgressEvent
		}
	})
}

// --- model assertions -----------------------------------------------------------

// at returns the value at a JSON pointer ("/A/0/B") in a decoded model.
func at(v any, pointer string) (any, bool) {
	if pointer == "" || pointer == "/" {
		return v, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[tok]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// check is one assertion on a resource model: the value at Path satisfies
// Match, which returns "" or what is wrong.
type check struct {
	Path  string
	Match func(got any) string
}

// equal matches a value equal to want after a JSON round trip (so 30 and
// 30.0, []string and []any compare equal). A string want also matches a
// number or boolean that prints the same, because CloudFormation passes
// every scalar as a string.
func equal(want any) func(any) string {
	return func(got any) string {
		if reflect.DeepEqual(normalize(got), normalize(want)) {
			return ""
		}
		if s, ok := want.(string); ok && fmt.Sprint(got) == s {
			return ""
		}
		return fmt.Sprintf("got %s, want %s", show(got), show(want))
	}
}

// containing matches a string that contains sub, or a list with such a
// string.
func containing(sub string) func(any) string {
	return func(got any) string {
		switch x := got.(type) {
		case string:
			if strings.Contains(x, sub) {
				return ""
			}
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok && strings.Contains(s, sub) {
					return ""
				}
			}
		}
		return fmt.Sprintf("got %s, want something containing %q", show(got), sub)
	}
}

// present matches any value that is not null or empty.
func present(got any) string {
	switch x := got.(type) {
	case nil:
		return "null"
	case string:
		if x == "" {
			return "empty string"
		}
	case []any:
		if len(x) == 0 {
			return "empty list"
		}
	case map[string]any:
		if len(x) == 0 {
			return "empty object"
		}
	}
	return ""
}

// tagged matches a CloudFormation tag list with Key=value.
func tagged(key, value string) func(any) string {
	return func(got any) string {
		list, _ := got.([]any)
		for _, e := range list {
			if m, ok := e.(map[string]any); ok && m["Key"] == key && m["Value"] == value {
				return ""
			}
		}
		return fmt.Sprintf("no tag %s=%s in %s", key, value, show(got))
	}
}

func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// expect applies checks to a model, reporting every mismatch.
func expect(t *testing.T, what string, model map[string]any, checks ...check) {
	t.Helper()
	for _, ch := range checks {
		got, ok := at(model, ch.Path)
		if !ok {
			t.Errorf("%s: no %s in the model %s", what, ch.Path, show(model))
			continue
		}
		if msg := ch.Match(got); msg != "" {
			t.Errorf("%s: %s: %s", what, ch.Path, msg)
		}
	}
}

// --- error assertions --------------------------------------------------------------

// wantAPIError asserts err is an AWS API error with the code, an HTTP 4xx
// status, a request id, and a message containing every one of subs. The
// SDK knows the fault (Sender/Receiver) only of the errors it models
// (AlreadyExistsException …); for those it must be the client's. The
// wire's <Type>Sender</Type> of the others is checked with a wire.
func wantAPIError(t *testing.T, err error, code string, subs ...string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want the AWS error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("error code = %q (%s), want %q", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if ae.ErrorFault() == smithy.FaultServer {
		t.Errorf("%s: fault = server, want client", code)
	}
	for _, s := range subs {
		if !strings.Contains(ae.ErrorMessage(), s) {
			t.Errorf("%s message %q does not contain %q", code, ae.ErrorMessage(), s)
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		if s := re.HTTPStatusCode(); s < 400 || s > 499 {
			t.Errorf("%s: HTTP status %d, want 4xx", code, s)
		}
		if re.ServiceRequestID() == "" {
			t.Errorf("%s: no request id in the error response", code)
		}
	} else {
		t.Errorf("%s: not an HTTP response error: %T", code, err)
	}
	return ae
}

// wire records the raw body of the last response of the calls it is
// passed to, for the parts of the wire format the SDK does not expose.
type wire struct {
	mu   sync.Mutex
	body []byte
}

// cfn is a per-call option of the CloudFormation client.
func (w *wire) cfn(o *cloudformation.Options) { o.APIOptions = append(o.APIOptions, w.record) }

// sts is a per-call option of the STS client.
func (w *wire) sts(o *sts.Options) { o.APIOptions = append(o.APIOptions, w.record) }

func (w *wire) record(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("qsConformanceRecordBody",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.Body != nil {
				b, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr == nil {
					w.mu.Lock()
					w.body = b
					w.mu.Unlock()
				}
				resp.Body = io.NopCloser(bytes.NewReader(b))
			}
			return out, md, err
		}), middleware.After)
}

// wantSender asserts the recorded body is an awsquery ErrorResponse whose
// error is the sender's (the client's) fault.
func (w *wire) wantSender(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var doc struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Error   struct{ Type, Code, Message string }
		ReqID   string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(w.body, &doc); err != nil {
		t.Errorf("error body is not an awsquery ErrorResponse: %v\n%s", err, w.body)
		return
	}
	if doc.Error.Type != "Sender" || doc.Error.Code == "" || doc.ReqID == "" {
		t.Errorf("ErrorResponse: Type %q, Code %q, RequestId %q; want Sender, a code, a request id", doc.Error.Type, doc.Error.Code, doc.ReqID)
	}
}

var (
	arnRE     = regexp.MustCompile(`^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$`)
	accountRE = regexp.MustCompile(`^\d{12}$`)
)

// --- tests ---------------------------------------------------------------------------

// TestConformanceSTS: GetCallerIdentity names a 12-digit account and an ARN.
func TestConformanceSTS(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	out, err := c.sts.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if a := aws.ToString(out.Account); !accountRE.MatchString(a) {
		t.Errorf("Account = %q, want 12 digits", a)
	}
	arn := aws.ToString(out.Arn)
	if !arnRE.MatchString(arn) {
		t.Errorf("Arn = %q, want an ARN", arn)
	}
	if !strings.Contains(arn, ":"+aws.ToString(out.Account)+":") {
		t.Errorf("Arn %q is not in account %s", arn, aws.ToString(out.Account))
	}
	if aws.ToString(out.UserId) == "" {
		t.Error("UserId is empty")
	}
	if c.kind == inProcess && aws.ToString(out.Account) != "123456789012" {
		t.Errorf("Account = %s, want the sandbox's default 123456789012", aws.ToString(out.Account))
	}
}

// TestConformanceCapabilities: IAM resources need the capability AWS asks
// for, checked before anything is created.
func TestConformanceCapabilities(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	iam, named := cfntypes.CapabilityCapabilityIam, cfntypes.CapabilityCapabilityNamedIam
	for _, tc := range []struct {
		name     string
		template string
		caps     []cfntypes.Capability
		missing  cfntypes.Capability // "" = CreateStack succeeds
	}{
		{"role without capabilities", "iam-role.yaml", nil, iam},
		{"named role without capabilities", "iam-named-role.yaml", nil, named},
		{"named role with only CAPABILITY_IAM", "iam-named-role.yaml", []cfntypes.Capability{iam}, named},
		{"role with CAPABILITY_IAM", "iam-role.yaml", []cfntypes.Capability{iam}, ""},
		{"named role with CAPABILITY_NAMED_IAM", "iam-named-role.yaml", []cfntypes.Capability{named}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := c.stackName(t, "caps")
			in := &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(template(t, tc.template)), Capabilities: tc.caps}
			if tc.missing == "" {
				c.createStack(t, in, cfntypes.StackStatusCreateComplete)
				return
			}
			_, err := c.cfn.CreateStack(t.Context(), in)
			var ice *cfntypes.InsufficientCapabilitiesException
			if !errors.As(err, &ice) {
				t.Fatalf("CreateStack: err = %v, want InsufficientCapabilitiesException", err)
			}
			wantAPIError(t, err, "InsufficientCapabilitiesException", string(tc.missing))
			if _, err := c.cfn.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)}); !isStackMissing(err) {
				t.Errorf("after the refused CreateStack, DescribeStacks: err = %v, want does not exist", err)
			}
		})
	}
}

// TestConformanceTerminationProtection: a protected stack refuses
// DeleteStack until protection is turned off.
func TestConformanceTerminationProtection(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	name := c.stackName(t, "protected")
	s := c.createStack(t, &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(template(t, "topic.yaml")),
		EnableTerminationProtection: aws.Bool(true),
	}, cfntypes.StackStatusCreateComplete)
	if !aws.ToBool(s.EnableTerminationProtection) {
		t.Error("DescribeStacks: EnableTerminationProtection is not true")
	}

	_, err := c.cfn.DeleteStack(t.Context(), &cloudformation.DeleteStackInput{StackName: aws.String(name)})
	wantAPIError(t, err, "ValidationError", "TerminationProtection")
	c.waitStack(t, name, cfntypes.StackStatusCreateComplete)

	if _, err := c.cfn.UpdateTerminationProtection(t.Context(), &cloudformation.UpdateTerminationProtectionInput{
		StackName: aws.String(name), EnableTerminationProtection: aws.Bool(false),
	}); err != nil {
		t.Fatalf("UpdateTerminationProtection: %v", err)
	}
	s = c.waitStack(t, name, cfntypes.StackStatusCreateComplete)
	if aws.ToBool(s.EnableTerminationProtection) {
		t.Error("EnableTerminationProtection still true after UpdateTerminationProtection(false)")
	}
	c.deleteStack(t, name)
}

// TestConformanceErrors: the shapes of CloudFormation's and Cloud
// Control's errors, as the SDK decodes them.
func TestConformanceErrors(t *testing.T) {
	t.Parallel()
	c := newClients(t)

	t.Run("DescribeStacks of a missing stack", func(t *testing.T) {
		t.Parallel()
		name := uniqueName(t, "missing")
		var w wire
		_, err := c.cfn.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)}, w.cfn)
		ae := wantAPIError(t, err, "ValidationError")
		w.wantSender(t)
		if want := "Stack with id " + name + " does not exist"; ae.ErrorMessage() != want {
			t.Errorf("message = %q, want %q", ae.ErrorMessage(), want)
		}
	})

	t.Run("CreateStack with an existing name", func(t *testing.T) {
		t.Parallel()
		name := c.stackName(t, "dup")
		in := &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(template(t, "topic.yaml"))}
		c.createStack(t, in, cfntypes.StackStatusCreateComplete)
		var w wire
		_, err := c.cfn.CreateStack(t.Context(), in, w.cfn)
		w.wantSender(t)
		var ae *cfntypes.AlreadyExistsException
		if !errors.As(err, &ae) {
			t.Fatalf("second CreateStack: err = %v, want AlreadyExistsException", err)
		}
		wantAPIError(t, err, "AlreadyExistsException", name, "already exists")
	})

	for _, tc := range []struct {
		name, fixture string
		subs          []string
	}{
		{"malformed YAML", "malformed.yaml", []string{"Template format error"}},
		{"malformed JSON", "malformed.json", []string{"Template format error"}},
		{"unrecognized resource type", "unknown-type.yaml", []string{"Template format error", "AWS::Qualstate::NoSuchThing"}},
		{"no Resources section", "no-resources.yaml", []string{"Template format error", "Resources"}},
	} {
		t.Run("CreateStack with a "+tc.name, func(t *testing.T) {
			t.Parallel()
			name := c.stackName(t, "bad")
			var w wire
			_, err := c.cfn.CreateStack(t.Context(), &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(template(t, tc.fixture))}, w.cfn)
			wantAPIError(t, err, "ValidationError", tc.subs...)
			w.wantSender(t)
			if _, err := c.cfn.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)}); !isStackMissing(err) {
				t.Errorf("a stack was created from an invalid template: DescribeStacks err = %v", err)
			}
		})
	}

	t.Run("ValidateTemplate with malformed YAML", func(t *testing.T) {
		t.Parallel()
		var w wire
		_, err := c.cfn.ValidateTemplate(t.Context(), &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(template(t, "malformed.yaml"))}, w.cfn)
		wantAPIError(t, err, "ValidationError", "Template format error")
		w.wantSender(t)
	})

	validate := func(t *testing.T, fixture string) *cloudformation.ValidateTemplateOutput {
		t.Helper()
		out, err := c.cfn.ValidateTemplate(t.Context(), &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(template(t, fixture))})
		if err != nil {
			t.Fatalf("ValidateTemplate %s: %v", fixture, err)
		}
		return out
	}

	t.Run("ValidateTemplate parameters and capabilities", func(t *testing.T) {
		t.Parallel()
		out := validate(t, "validate.yaml")
		if got, want := aws.ToString(out.Description), "qualstate conformance - ValidateTemplate reports parameters and capabilities."; got != want {
			t.Errorf("Description = %q, want %q", got, want)
		}
		ps := map[string]cfntypes.TemplateParameter{}
		for _, p := range out.Parameters {
			ps[aws.ToString(p.ParameterKey)] = p
		}
		if len(ps) != 2 {
			t.Errorf("Parameters = %d, want 2 (Environment, DatabasePassword)", len(out.Parameters))
		}
		env := ps["Environment"]
		if aws.ToString(env.DefaultValue) != "test" || aws.ToBool(env.NoEcho) || aws.ToString(env.Description) != "Deployment environment." {
			t.Errorf("Environment = default %q, NoEcho %v, description %q; want test, false, \"Deployment environment.\"",
				aws.ToString(env.DefaultValue), aws.ToBool(env.NoEcho), aws.ToString(env.Description))
		}
		pw, ok := ps["DatabasePassword"]
		if !ok || !aws.ToBool(pw.NoEcho) || pw.DefaultValue != nil {
			t.Errorf("DatabasePassword = %+v, want NoEcho true and no default", pw)
		}
		if !slices.Equal(out.Capabilities, []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}) {
			t.Errorf("Capabilities = %v, want [CAPABILITY_IAM]", out.Capabilities)
		}
		if r := aws.ToString(out.CapabilitiesReason); !strings.Contains(r, "AWS::IAM::Role") {
			t.Errorf("CapabilitiesReason = %q, want it to name AWS::IAM::Role", r)
		}
	})

	t.Run("ValidateTemplate of named IAM", func(t *testing.T) {
		t.Parallel()
		out := validate(t, "iam-named-role.yaml")
		if !slices.Equal(out.Capabilities, []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam}) {
			t.Errorf("Capabilities = %v, want [CAPABILITY_NAMED_IAM]", out.Capabilities)
		}
	})

	t.Run("ValidateTemplate without IAM", func(t *testing.T) {
		t.Parallel()
		out := validate(t, "topic.yaml")
		if len(out.Capabilities) != 0 || len(out.Parameters) != 0 {
			t.Errorf("Capabilities = %v, Parameters = %v; want none", out.Capabilities, out.Parameters)
		}
	})

	t.Run("GetResource of a missing resource", func(t *testing.T) {
		t.Parallel()
		_, err := c.cc.GetResource(t.Context(), &cloudcontrol.GetResourceInput{
			TypeName: aws.String("AWS::Logs::LogGroup"), Identifier: aws.String(uniqueName(t, "missing")),
		})
		var nf *cctypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v, want ResourceNotFoundException", err)
		}
		wantAPIError(t, err, "ResourceNotFoundException")
	})

	t.Run("GetResource of an unknown type", func(t *testing.T) {
		t.Parallel()
		_, err := c.cc.GetResource(t.Context(), &cloudcontrol.GetResourceInput{
			TypeName: aws.String("AWS::Qualstate::NoSuchThing"), Identifier: aws.String("anything"),
		})
		var tnf *cctypes.TypeNotFoundException
		var ua *cctypes.UnsupportedActionException
		switch {
		case errors.As(err, &tnf):
			wantAPIError(t, err, "TypeNotFoundException")
		case errors.As(err, &ua):
			wantAPIError(t, err, "UnsupportedActionException")
		default:
			t.Fatalf("err = %v, want TypeNotFoundException or UnsupportedActionException", err)
		}
	})

	t.Run("DescribeChangeSet of a missing change set", func(t *testing.T) {
		t.Parallel()
		name := c.stackName(t, "nocs")
		c.createStack(t, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(template(t, "topic.yaml"))}, cfntypes.StackStatusCreateComplete)
		_, err := c.cfn.DescribeChangeSet(t.Context(), &cloudformation.DescribeChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("qs-conf-nonexistent")})
		var nf *cfntypes.ChangeSetNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v, want ChangeSetNotFoundException", err)
		}
		wantAPIError(t, err, "ChangeSetNotFound", "qs-conf-nonexistent")
	})

	t.Run("UpdateStack of a missing stack", func(t *testing.T) {
		t.Parallel()
		name := uniqueName(t, "missing")
		var w wire
		_, err := c.cfn.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{StackName: aws.String(name), TemplateBody: aws.String(template(t, "topic.yaml"))}, w.cfn)
		wantAPIError(t, err, "ValidationError", name, "does not exist")
		w.wantSender(t)
	})
}
