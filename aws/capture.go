package aws

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"qualstate"
)

// maxCapture bounds a response kept as evidence. No CloudFormation or
// Cloud Control response comes near it; one that does is refused rather
// than kept in part.
const maxCapture = 16 << 20

// recorder receives the successful response of one API call. Retried
// attempts overwrite it, so the attempt the SDK finally used is kept.
type recorder struct {
	mu   sync.Mutex
	last *qualstate.Capture
	err  error
}

type recorderKey struct{}

func withRecorder(ctx context.Context, r *recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

func (r *recorder) record(c *qualstate.Capture, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last, r.err = c, err
}

func (r *recorder) result() (*qualstate.Capture, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, r.err
}

// teeClient hands the SDK every response unchanged and, when the request's
// context carries a recorder, gives the recorder a copy of a successful
// response's body. The SDK builds each attempt's request from the
// operation's context, so a recorder placed there before the call sees
// every attempt of that call and no other.
type teeClient struct {
	next  sdkaws.HTTPClient
	limit int64
}

// Do sends the request through the wrapped client.
func (t *teeClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := t.next.Do(req)
	if err != nil {
		return resp, err
	}
	rec, _ := req.Context().Value(recorderKey{}).(*recorder)
	if rec == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, nil
	}
	received := time.Now().UTC()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, t.limit+1))
	orig := resp.Body
	switch {
	case readErr != nil:
		// The SDK must see the failure as it would have, to retry it.
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), errReader{readErr}), orig}
		return resp, nil
	case int64(len(body)) > t.limit:
		rec.record(nil, fmt.Errorf("response over %d bytes is too large to keep as evidence", t.limit))
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), orig), orig}
		return resp, nil
	}
	_ = orig.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rec.record(&qualstate.Capture{
		Time:        received,
		Endpoint:    req.URL.Scheme + "://" + req.URL.Host,
		ContentType: resp.Header.Get("Content-Type"),
		Body:        body,
	}, nil)
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// action names an API call for captures and error messages.
type action struct {
	// op is service:Action, e.g. "cloudformation:DescribeStacks".
	op string
	// request summarises the call without values that could be secret or
	// large: "StackName=x", "TypeName=AWS::S3::Bucket Identifier=abc".
	request string
	// resource names what the call is about in messages: "stack x",
	// "AWS::S3::Bucket abc"; "" for account-wide calls.
	resource string
}

// invoke makes one API call with a recorder in its context and returns
// its output and the capture of its response; a failure is classified
// into a *qualstate.Error naming the action and resource.
func invoke[T any](ctx context.Context, a action, call func(context.Context) (T, error)) (T, qualstate.Capture, error) {
	var zero T
	rec := &recorder{}
	out, err := call(withRecorder(ctx, rec))
	if err != nil {
		return zero, qualstate.Capture{}, classify(ctx, a, err)
	}
	got, err := rec.result()
	if err == nil && got == nil {
		err = fmt.Errorf("no response was captured")
	}
	if err != nil {
		return zero, qualstate.Capture{}, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: %w", a.describe(), err)
	}
	c := *got
	c.Operation, c.Request = a.op, a.request
	return out, c, nil
}

// describe renders "service:Action on resource" for messages.
func (a action) describe() string {
	if a.resource == "" {
		return a.op
	}
	return a.op + " on " + a.resource
}
