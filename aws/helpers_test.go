package aws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"qualstate"
	"qualstate/aws"
	"qualstate/sandbox"
)

// isolate points the SDK's configuration at nothing on the host: static
// test credentials, no shared files, no instance metadata.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                      "test",
		"AWS_SECRET_ACCESS_KEY":                  "test",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_DEFAULT_PROFILE":                    "",
		"AWS_REGION":                             "",
		"AWS_DEFAULT_REGION":                     "",
		"AWS_ENDPOINT_URL":                       "",
		"AWS_ENDPOINT_URL_CLOUDFORMATION":        "",
		"AWS_ENDPOINT_URL_CLOUDCONTROL":          "",
		"AWS_ENDPOINT_URL_STS":                   "",
		"AWS_MAX_ATTEMPTS":                       "",
		"AWS_RETRY_MODE":                         "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
	} {
		t.Setenv(k, v)
	}
}

// startSandbox runs an in-memory sandbox behind a loopback server,
// optionally wrapped by a handler in front of it.
func startSandbox(t *testing.T, opts sandbox.Options, front func(http.Handler) http.Handler) (*sandbox.Sandbox, *httptest.Server) {
	t.Helper()
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	var h http.Handler = sb
	if front != nil {
		h = front(sb)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("closing the sandbox: %v", err)
		}
	})
	return sb, srv
}

// newClient returns a client of the endpoint at url.
func newClient(t *testing.T, url string, opts ...func(*aws.Options)) *aws.Client {
	t.Helper()
	o := aws.Options{Region: "us-east-1", EndpointURL: url}
	for _, f := range opts {
		f(&o)
	}
	c, err := aws.New(t.Context(), o)
	if err != nil {
		t.Fatalf("aws.New: %v", err)
	}
	return c
}

// setup isolates the environment and returns a client of a fresh sandbox.
func setup(t *testing.T) (*aws.Client, *httptest.Server) {
	t.Helper()
	isolate(t)
	_, srv := startSandbox(t, sandbox.Options{}, nil)
	return newClient(t, srv.URL), srv
}

// fixture reads testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deploy deploys testdata/stack.yaml as name and fails t unless it works.
func deploy(t *testing.T, c *aws.Client, name string, params map[string]string) (*qualstate.Stack, []qualstate.Capture, []qualstate.StackEvent) {
	t.Helper()
	var events []qualstate.StackEvent
	st, caps, err := c.Deploy(t.Context(), qualstate.DeployRequest{
		StackName: name, TemplateBody: fixture(t, "stack.yaml"), Parameters: params,
		Progress: func(e qualstate.StackEvent) { events = append(events, e) },
	})
	if err != nil {
		t.Fatalf("Deploy %s: %v", name, err)
	}
	return st, caps, events
}

// wantCode fails t unless err is a *qualstate.Error with the code whose
// message contains every fragment.
func wantCode(t *testing.T, err error, code qualstate.ErrorCode, fragments ...string) {
	t.Helper()
	var qe *qualstate.Error
	if !errors.As(err, &qe) {
		t.Fatalf("err = %v (%T), want a *qualstate.Error with code %s", err, err, code)
	}
	if qe.Code != code {
		t.Errorf("code = %s, want %s (%v)", qe.Code, code, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("message %q does not contain %q", err.Error(), f)
		}
	}
}

// rawGetResource calls Cloud Control's GetResource over plain HTTP and
// returns the body as received.
func rawGetResource(t *testing.T, url, typeName, id string) []byte {
	t.Helper()
	in, _ := json.Marshal(map[string]string{"TypeName": typeName, "Identifier": id})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/", bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "CloudApiService.GetResource")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("direct GetResource: %d %s %v", resp.StatusCode, body, err)
	}
	return body
}

// awsError writes an AWS error in the wire format of the request's
// protocol: awsJson1_0 for Cloud Control, awsquery XML for CloudFormation
// and STS.
func awsError(w http.ResponseWriter, r *http.Request, status int, jsonCode, queryCode, msg string) {
	if r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-ErrorType", jsonCode)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, jsonCode, msg)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">`+
		`<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>`+
		`<RequestId>4d1e8c4e-0000-4000-8000-000000000000</RequestId></ErrorResponse>`, queryCode, msg)
}

// failFirst answers the first n requests with an AWS error and passes the
// rest to the sandbox; n < 0 fails every request. It counts the requests.
type failFirst struct {
	n                 int64
	status            int
	jsonCode, qCode   string
	msg               string
	requests, allowed atomic.Int64
}

func (f *failFirst) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.requests.Add(1)
		if f.n < 0 || n <= f.n {
			awsError(w, r, f.status, f.jsonCode, f.qCode, f.msg)
			return
		}
		f.allowed.Add(1)
		next.ServeHTTP(w, r)
	})
}

// ctxCanceled returns a context already cancelled.
func ctxCanceled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
