package aws_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"qualstate"
	"qualstate/aws"
	"qualstate/sandbox"
)

// sqsOf returns a plain SDK client of the endpoint, to put messages on
// queues and look at them independently of aws.Queue.
func sqsOf(endpoint string) *sqs.Client {
	return sqs.NewFromConfig(sdkaws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: sdkaws.String(endpoint),
	})
}

// createQueue creates a queue on the endpoint and returns its URL.
func createQueue(t *testing.T, q *sqs.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: sdkaws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return sdkaws.ToString(out.QueueUrl)
}

func sendMessages(t *testing.T, q *sqs.Client, url string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if _, err := q.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: sdkaws.String(url), MessageBody: sdkaws.String(b)}); err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
	}
}

// inQueue returns how many messages the queue holds, visible or in flight.
func inQueue(t *testing.T, q *sqs.Client, url string) int {
	t.Helper()
	out, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: sdkaws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"} {
		v, _ := strconv.Atoi(out.Attributes[a])
		n += v
	}
	return n
}

// countTargets counts the requests of each X-Amz-Target.
type countTargets struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countTargets) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n[r.Header.Get("X-Amz-Target")]++
		c.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (c *countTargets) count(target string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[target]
}

// TestQueueReceiveAndDelete: messages come in receives of at most ten and
// are deleted in batches of at most ten.
func TestQueueReceiveAndDelete(t *testing.T) {
	isolate(t)
	counts := &countTargets{n: map[string]int{}}
	_, srv := startSandbox(t, sandbox.Options{}, counts.wrap)
	raw := sqsOf(srv.URL)
	url := createQueue(t, raw, "changes", nil)
	var want []string
	for i := range 23 {
		want = append(want, "change "+strconv.Itoa(i))
	}
	sendMessages(t, raw, url, want...)

	q := newClient(t, srv.URL).Queue(url)
	if q.URL() != url {
		t.Errorf("URL() = %s, want %s", q.URL(), url)
	}
	var got []qualstate.QueueMessage
	for len(got) < len(want) {
		msgs, err := q.Receive(t.Context(), 5*time.Second, aws.MaxReceive)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 || len(msgs) > aws.MaxReceive {
			t.Fatalf("a receive gave %d messages, want 1 to %d", len(msgs), aws.MaxReceive)
		}
		got = append(got, msgs...)
	}
	var bodies []string
	for _, m := range got {
		if m.ID == "" || m.Receipt == "" {
			t.Errorf("message without id or receipt: %+v", m)
		}
		bodies = append(bodies, string(m.Body))
	}
	slices.Sort(bodies)
	slices.Sort(want)
	if !slices.Equal(bodies, want) {
		t.Errorf("bodies = %v, want %v", bodies, want)
	}

	if err := q.Delete(t.Context(), got); err != nil {
		t.Fatal(err)
	}
	if n := counts.count("AmazonSQS.DeleteMessageBatch"); n != 3 {
		t.Errorf("%d DeleteMessageBatch requests for 23 messages, want 3", n)
	}
	if n := inQueue(t, raw, url); n != 0 {
		t.Errorf("%d messages left after Delete", n)
	}
	if err := q.Delete(t.Context(), nil); err != nil {
		t.Errorf("Delete of nothing: %v", err)
	}
}

// TestQueueVisibility: a message not deleted comes back after the
// queue's visibility timeout with a new receipt, and only the latest
// receipt deletes it.
func TestQueueVisibility(t *testing.T) {
	c, srv := setup(t)
	raw := sqsOf(srv.URL)
	url := createQueue(t, raw, "slow", map[string]string{"VisibilityTimeout": "1"})
	sendMessages(t, raw, url, "retry me")
	q := c.Queue(url)

	first, err := q.Receive(t.Context(), 5*time.Second, 1)
	if err != nil || len(first) != 1 {
		t.Fatalf("first receive: %v %v", first, err)
	}
	again, err := q.Receive(t.Context(), 10*time.Second, 1)
	if err != nil || len(again) != 1 {
		t.Fatalf("the message did not come back after its visibility timeout: %v %v", again, err)
	}
	if again[0].ID != first[0].ID || again[0].Receipt == first[0].Receipt {
		t.Errorf("again = %+v, want message %s with a new receipt", again[0], first[0].ID)
	}
	if err := q.Delete(t.Context(), first); err != nil {
		t.Fatalf("Delete with the older receipt: %v", err)
	}
	if n := inQueue(t, raw, url); n != 1 {
		t.Errorf("the older receipt deleted the message (%d left)", n)
	}
	if err := q.Delete(t.Context(), again); err != nil {
		t.Fatal(err)
	}
	if n := inQueue(t, raw, url); n != 0 {
		t.Errorf("%d messages left after deleting with the latest receipt", n)
	}
}

// TestQueueLongPollWakesOnSend: a receive waiting 20 s returns the message
// sent while it waits, long before.
func TestQueueLongPollWakesOnSend(t *testing.T) {
	c, srv := setup(t)
	raw := sqsOf(srv.URL)
	url := createQueue(t, raw, "wake", nil)
	type result struct {
		msgs []qualstate.QueueMessage
		err  error
	}
	done := make(chan result, 1)
	go func() {
		msgs, err := c.Queue(url).Receive(t.Context(), aws.MaxReceiveWait, 1)
		done <- result{msgs, err}
	}()
	time.Sleep(200 * time.Millisecond)
	sendMessages(t, raw, url, "now")
	select {
	case r := <-done:
		if r.err != nil || len(r.msgs) != 1 || string(r.msgs[0].Body) != "now" {
			t.Errorf("long poll: %+v %v", r.msgs, r.err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long poll did not return the message sent while it waited")
	}
}

// TestQueueChangeEvents: a Cloud Control change on the sandbox reaches its
// event queue as EventBridge delivers it on AWS.
func TestQueueChangeEvents(t *testing.T) {
	isolate(t)
	sb, srv := startSandbox(t, sandbox.Options{EventQueue: "qualstate-events"}, nil)
	c := newClient(t, srv.URL)
	deploy(t, c, "events", map[string]string{"Prefix": "ev"})
	if _, err := c.UpdateResource(t.Context(), "AWS::Logs::LogGroup", "ev-logs",
		[]qualstate.PatchOp{{Op: "replace", Path: "/RetentionInDays", Value: 30}}); err != nil {
		t.Fatal(err)
	}
	q := c.Queue(sb.QueueURL(srv.URL, "qualstate-events"))
	var update map[string]any
	var all []qualstate.QueueMessage
	for update == nil {
		msgs, err := q.Receive(t.Context(), time.Second, aws.MaxReceive)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			t.Fatalf("no UpdateResource event among %d", len(all))
		}
		all = append(all, msgs...)
		for _, m := range msgs {
			var ev map[string]any
			if err := json.Unmarshal(m.Body, &ev); err != nil {
				t.Fatalf("event: %v: %s", err, m.Body)
			}
			if d, _ := ev["detail"].(map[string]any); d["eventName"] == "UpdateResource" {
				update = ev
			}
		}
	}
	d := update["detail"].(map[string]any)
	if update["detail-type"] != "AWS API Call via CloudTrail" || update["source"] != "aws.cloudcontrolapi" ||
		d["eventSource"] != "cloudcontrolapi.amazonaws.com" || d["readOnly"] != false {
		t.Errorf("UpdateResource event = %v", update)
	}
	if err := q.Delete(t.Context(), all); err != nil {
		t.Fatal(err)
	}
}

// TestQueueRegion: without an explicit endpoint, a queue is reached in the
// region of its URL, whatever the client's.
func TestQueueRegion(t *testing.T) {
	isolate(t)
	sb, srv := startSandbox(t, sandbox.Options{}, nil)
	createQueue(t, sqsOf(srv.URL), "q", nil)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, url, host string
	}{
		{"regional", "https://sqs.eu-west-1.amazonaws.com/" + sb.Account() + "/q", "sqs.eu-west-1.amazonaws.com"},
		{"legacy", "https://ap-southeast-2.queue.amazonaws.com/" + sb.Account() + "/q", "sqs.ap-southeast-2.amazonaws.com"},
		{"China", "https://sqs.cn-north-1.amazonaws.com.cn/" + sb.Account() + "/q", "sqs.cn-north-1.amazonaws.com.cn"},
		{"the client's region otherwise", "https://vpce-0a1b.sqs.us-east-1.vpce.amazonaws.com/" + sb.Account() + "/q", "sqs.us-west-2.amazonaws.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The requests meant for AWS are sent to the sandbox, which
			// answers for any host; the host they were meant for is noted.
			var hosts []string
			var mu sync.Mutex
			hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				hosts = append(hosts, r.URL.Host)
				mu.Unlock()
				r = r.Clone(r.Context())
				r.URL.Scheme, r.URL.Host, r.Host = target.Scheme, target.Host, ""
				return http.DefaultTransport.RoundTrip(r)
			})}
			c := newClient(t, "", func(o *aws.Options) { o.Region, o.HTTPClient = "us-west-2", hc })
			if _, err := c.Queue(tc.url).Receive(t.Context(), 0, 1); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(hosts) != 1 || hosts[0] != tc.host {
				t.Errorf("requests went to %v, want %s", hosts, tc.host)
			}
		})
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestQueueErrors(t *testing.T) {
	c, srv := setup(t)
	raw := sqsOf(srv.URL)
	url := createQueue(t, raw, "errs", nil)
	sendMessages(t, raw, url, "kept")
	base := url[:strings.LastIndex(url, "/")+1]
	otherAccount := strings.Replace(url, "/"+sandbox.DefaultAccount+"/", "/210987654321/", 1)

	down := newClient(t, "http://127.0.0.1:1", aws.FastRetries)
	locked, lockedSrv := startSandbox(t, sandbox.Options{AccessKeyID: "AKIDEXPECTED", SecretAccessKey: "secret"}, nil)
	rejected := newClient(t, lockedSrv.URL)

	for _, tc := range []struct {
		name      string
		call      func(ctx context.Context) error
		code      qualstate.ErrorCode
		fragments []string
	}{
		{"a queue that does not exist", func(ctx context.Context) error {
			_, err := c.Queue(base+"missing").Receive(ctx, 0, 1)
			return err
		}, qualstate.ErrNotFound, []string{"sqs:ReceiveMessage on queue " + base + "missing", "not found", "does not exist"}},
		{"a queue of another account", func(ctx context.Context) error {
			_, err := c.Queue(otherAccount).Receive(ctx, 0, 1)
			return err
		}, qualstate.ErrNotFound, []string{"not found"}},
		{"deleting on a queue that does not exist", func(ctx context.Context) error {
			return c.Queue(base+"missing").Delete(ctx, []qualstate.QueueMessage{{ID: "m", Receipt: "r"}})
		}, qualstate.ErrNotFound, []string{"sqs:DeleteMessageBatch", "not found"}},
		{"no messages asked for", func(ctx context.Context) error {
			_, err := c.Queue(url).Receive(ctx, 0, 0)
			return err
		}, qualstate.ErrInvalidInput, []string{"1 to 10"}},
		{"eleven messages asked for", func(ctx context.Context) error {
			_, err := c.Queue(url).Receive(ctx, 0, 11)
			return err
		}, qualstate.ErrInvalidInput, []string{"1 to 10"}},
		{"not a queue URL", func(ctx context.Context) error {
			_, err := c.Queue("qualstate-events").Receive(ctx, 0, 1)
			return err
		}, qualstate.ErrInvalidInput, []string{`"qualstate-events" is not a queue URL`}},
		{"a receipt that is not one", func(ctx context.Context) error {
			return c.Queue(url).Delete(ctx, []qualstate.QueueMessage{{ID: "m-1", Receipt: "not-a-receipt"}})
		}, qualstate.ErrInvalidInput, []string{"1 of 1 messages not deleted", "message m-1", "ReceiptHandleIsInvalid"}},
		{"the endpoint is down", func(ctx context.Context) error {
			_, err := down.Queue(base+"errs").Receive(ctx, 0, 1)
			return err
		}, qualstate.ErrEnvironment, []string{"sqs:ReceiveMessage"}},
		{"credentials rejected", func(ctx context.Context) error {
			_, err := rejected.Queue(locked.QueueURL(lockedSrv.URL, "errs")).Receive(ctx, 0, 1)
			return err
		}, qualstate.ErrEnvironment, []string{"credentials rejected", "InvalidClientTokenId"}},
		{"a cancelled context", func(context.Context) error {
			_, err := c.Queue(url).Receive(ctxCanceled(t), 0, 1)
			return err
		}, qualstate.ErrEnvironment, []string{"context canceled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.call(t.Context()), tc.code, tc.fragments...)
		})
	}
	if n := inQueue(t, raw, url); n != 1 {
		t.Errorf("the failed calls changed the queue: %d messages, want 1", n)
	}
}

// TestQueueDeleteReportsEachFailure: a batch with good and bad receipts
// deletes the good ones and names the bad ones.
func TestQueueDeleteReportsEachFailure(t *testing.T) {
	c, srv := setup(t)
	raw := sqsOf(srv.URL)
	url := createQueue(t, raw, "mixed", nil)
	sendMessages(t, raw, url, "a", "b")
	q := c.Queue(url)
	var got []qualstate.QueueMessage
	for len(got) < 2 {
		msgs, err := q.Receive(t.Context(), time.Second, aws.MaxReceive)
		if err != nil || len(msgs) == 0 {
			t.Fatalf("receive: %v %v", msgs, err)
		}
		got = append(got, msgs...)
	}
	bad := []qualstate.QueueMessage{{ID: "bad-1", Receipt: "x"}, got[0], {ID: "bad-2", Receipt: "y"}, got[1]}
	err := q.Delete(t.Context(), bad)
	wantCode(t, err, qualstate.ErrInvalidInput, "2 of 4 messages not deleted", "message bad-1", "message bad-2")
	if strings.Contains(err.Error(), got[0].ID) || strings.Contains(err.Error(), got[1].ID) {
		t.Errorf("the error names a message that was deleted: %v", err)
	}
	if n := inQueue(t, raw, url); n != 0 {
		t.Errorf("%d messages left; the good receipts must delete theirs", n)
	}
}
