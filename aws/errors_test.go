package aws_test

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"qualstate"
	"qualstate/aws"
	"qualstate/sandbox"
)

// TestThrottlingIsRetried: throttling answers in each protocol's wire
// format are retried by the SDK until the call goes through; the capture
// is the response that finally came. Past the attempts allowed, the error
// says it was throttled.
func TestThrottlingIsRetried(t *testing.T) {
	isolate(t)
	sb, direct := startSandbox(t, sandbox.Options{}, nil)
	deploy(t, newClient(t, direct.URL), "thr", map[string]string{"Prefix": "thr"})

	for _, tc := range []struct {
		name string
		call func(c *aws.Client) (qualstate.Capture, error)
	}{
		{"Cloud Control", func(c *aws.Client) (qualstate.Capture, error) {
			_, capt, err := c.GetResource(t.Context(), "AWS::Logs::LogGroup", "thr-logs")
			return capt, err
		}},
		{"CloudFormation", func(c *aws.Client) (qualstate.Capture, error) {
			_, capt, err := c.DescribeStack(t.Context(), "thr")
			return capt, err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The proxy shares the sandbox's state by reusing its handler.
			f := &failFirst{n: 2, status: 400, jsonCode: "ThrottlingException", qCode: "Throttling", msg: "Rate exceeded"}
			srv := httptestFront(t, sb, f)
			capt, err := tc.call(newClient(t, srv, aws.FastRetries))
			if err != nil {
				t.Fatalf("call through two throttling answers: %v", err)
			}
			if f.requests.Load() != 3 {
				t.Errorf("%d requests, want 2 throttled and 1 answered", f.requests.Load())
			}
			if len(capt.Body) == 0 || bytes.Contains(capt.Body, []byte("Rate exceeded")) {
				t.Errorf("capture %q, want the successful response", capt.Body)
			}
		})
	}

	t.Run("gives up", func(t *testing.T) {
		f := &failFirst{n: -1, status: 400, jsonCode: "ThrottlingException", qCode: "Throttling", msg: "Rate exceeded"}
		srv := httptestFront(t, sb, f)
		_, _, err := newClient(t, srv, aws.FastRetries).GetResource(t.Context(), "AWS::Logs::LogGroup", "thr-logs")
		wantCode(t, err, qualstate.ErrEnvironment, "cloudcontrol:GetResource on AWS::Logs::LogGroup thr-logs", "throttled", "Rate exceeded")
		if n := f.requests.Load(); n < 8 {
			t.Errorf("%d attempts before giving up, want 8", n)
		}
	})
}

// TestAccessDenied: the message names the action and the resource, and
// AWS's own words.
func TestAccessDenied(t *testing.T) {
	isolate(t)
	sb, _ := startSandbox(t, sandbox.Options{}, nil)
	const denied = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform this action"
	f := &failFirst{n: -1, status: 400, jsonCode: "AccessDeniedException", qCode: "AccessDenied", msg: denied}
	c := newClient(t, httptestFront(t, sb, f))

	for _, tc := range []struct {
		name      string
		call      func() error
		fragments []string
	}{
		{"Cloud Control", func() error {
			_, _, err := c.GetResource(t.Context(), "AWS::S3::Bucket", "logs-1")
			return err
		}, []string{"cloudcontrol:GetResource on AWS::S3::Bucket logs-1: access denied: " + denied}},
		{"Cloud Control update", func() error {
			_, err := c.UpdateResource(t.Context(), "AWS::S3::Bucket", "logs-1", []qualstate.PatchOp{{Op: "remove", Path: "/Tags"}})
			return err
		}, []string{"cloudcontrol:UpdateResource on AWS::S3::Bucket logs-1: access denied: " + denied}},
		{"CloudFormation", func() error {
			_, _, err := c.StackResources(t.Context(), "app")
			return err
		}, []string{"cloudformation:ListStackResources on stack app: access denied: " + denied, "request id"}},
		{"STS", func() error {
			_, err := c.Environment(t.Context())
			return err
		}, []string{"sts:GetCallerIdentity: access denied"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			wantCode(t, err, qualstate.ErrEnvironment, tc.fragments...)
			if strings.Count(err.Error(), denied) != 1 {
				t.Errorf("message %q repeats AWS's", err)
			}
		})
	}
}

// httptestFront starts a second server on the sandbox that passes
// requests through f, and returns its URL.
func httptestFront(t *testing.T, sb *sandbox.Sandbox, f *failFirst) string {
	t.Helper()
	srv := httptest.NewServer(f.wrap(sb))
	t.Cleanup(srv.Close)
	return srv.URL
}
