package sandbox_test

// SQS through its JSON protocol, as the conformance suite drives the other
// APIs: the SDK and the AWS CLI, assertions on what AWS documents, so that
// the same tests run against a real account. The event queue
// (Options.EventQueue) is the sandbox's own and is tested in-process only.

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"qualstate/sandbox"
)

// sqsClient returns an SQS client of the clients' endpoint.
func (c *clients) sqsClient(t *testing.T) *sqs.Client {
	t.Helper()
	if c.kind == realAWS {
		cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion(c.region))
		if err != nil {
			t.Fatalf("loading the AWS configuration: %v", err)
		}
		return sqs.NewFromConfig(cfg)
	}
	return sqs.NewFromConfig(aws.Config{
		Region:       c.region,
		Credentials:  credentials.NewStaticCredentialsProvider(c.accessKey, c.secretKey, ""),
		BaseEndpoint: aws.String(c.endpoint),
	})
}

// newQueue creates a queue named for the test and deletes it when t ends.
func newQueue(t *testing.T, q *sqs.Client, label string, attrs map[string]string) (name, url string) {
	t.Helper()
	name = uniqueName(t, label)
	out, err := q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	url = aws.ToString(out.QueueUrl)
	t.Cleanup(func() {
		if _, err := q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
			var gone *sqstypes.QueueDoesNotExist
			if !errors.As(err, &gone) {
				t.Errorf("cleanup: DeleteQueue %s: %v", url, err)
			}
		}
	})
	return name, url
}

// send sends body and returns the message id, checking the MD5 SQS
// computed (the SDK checks it too).
func send(t *testing.T, q *sqs.Client, url, body string) string {
	t.Helper()
	out, err := q.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if got, want := aws.ToString(out.MD5OfMessageBody), md5Hex(body); got != want {
		t.Errorf("MD5OfMessageBody = %s, want %s", got, want)
	}
	if aws.ToString(out.MessageId) == "" {
		t.Error("SendMessage gave no MessageId")
	}
	return aws.ToString(out.MessageId)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// receive long-polls up to wait seconds for up to n messages, hiding them
// for visibility seconds; 0 is the queue's visibility timeout (the SDK
// does not send a zero).
func receive(t *testing.T, q *sqs.Client, url string, n, wait, visibility int32) []sqstypes.Message {
	t.Helper()
	out, err := q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: n, WaitTimeSeconds: wait, VisibilityTimeout: visibility,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

// receiveAll receives until n messages have come or a long poll comes back
// empty.
func receiveAll(t *testing.T, q *sqs.Client, url string, n int) []sqstypes.Message {
	t.Helper()
	var all []sqstypes.Message
	for len(all) < n {
		got := receive(t, q, url, 10, 5, 0)
		if len(got) == 0 {
			break
		}
		all = append(all, got...)
	}
	return all
}

// wantSQSError fails t unless err is an AWS client error with the code
// and exactly the HTTP status.
func wantSQSError(t *testing.T, err error, code string, status int) {
	t.Helper()
	wantAPIError(t, err, code)
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() != status {
		t.Errorf("%s: HTTP status = %d, want %d", code, resp.HTTPStatusCode(), status)
	}
}

func TestSQSQueues(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	q := c.sqsClient(t)
	account := c.account(t)
	name := uniqueName(t, "sqs")
	created, err := q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name),
		Attributes: map[string]string{"VisibilityTimeout": "45"}, Tags: map[string]string{"owner": "qualstate"}})
	if err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(created.QueueUrl)
	t.Cleanup(func() { _, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}) })

	step(t, "the URL is ENDPOINT/ACCOUNT/NAME", func(t *testing.T) {
		if !strings.HasSuffix(url, "/"+account+"/"+name) || !strings.HasPrefix(url, "http") {
			t.Errorf("QueueUrl = %s", url)
		}
	})
	step(t, "CreateQueue is idempotent for the same attributes", func(t *testing.T) {
		out, err := q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"VisibilityTimeout": "45"}})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.QueueUrl) != url {
			t.Errorf("again: %s, want %s", aws.ToString(out.QueueUrl), url)
		}
		_, err = q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"VisibilityTimeout": "60"}})
		var exists *sqstypes.QueueNameExists
		if !errors.As(err, &exists) {
			t.Errorf("another VisibilityTimeout: err = %v, want QueueNameExists", err)
		}
	})
	step(t, "GetQueueUrl", func(t *testing.T) {
		out, err := q.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.QueueUrl) != url {
			t.Errorf("GetQueueUrl = %s, want %s", aws.ToString(out.QueueUrl), url)
		}
		_, err = q.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(name + "-missing")})
		var missing *sqstypes.QueueDoesNotExist
		if !errors.As(err, &missing) {
			t.Errorf("a missing queue: err = %v, want QueueDoesNotExist", err)
		}
		wantSQSError(t, err, "AWS.SimpleQueueService.NonExistentQueue", 400)
	})
	step(t, "GetQueueAttributes", func(t *testing.T) {
		out, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		arn := regexp.MustCompile(`^arn:aws[a-z-]*:sqs:` + c.region + `:` + account + `:` + name + `$`)
		for attr, ok := range map[string]func(string) bool{
			"QueueArn":                              arn.MatchString,
			"VisibilityTimeout":                     func(v string) bool { return v == "45" },
			"MessageRetentionPeriod":                func(v string) bool { return v == "345600" },
			"DelaySeconds":                          func(v string) bool { return v == "0" },
			"ReceiveMessageWaitTimeSeconds":         func(v string) bool { return v == "0" },
			"ApproximateNumberOfMessages":           func(v string) bool { return v == "0" },
			"ApproximateNumberOfMessagesNotVisible": func(v string) bool { return v == "0" },
			"SqsManagedSseEnabled":                  func(v string) bool { return v == "true" },
			"CreatedTimestamp":                      func(v string) bool { _, err := strconv.ParseInt(v, 10, 64); return err == nil },
		} {
			if v, found := out.Attributes[attr]; !found || !ok(v) {
				t.Errorf("%s = %q (present %v)", attr, v, found)
			}
		}
		one, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Attributes) != 1 || !arn.MatchString(one.Attributes["QueueArn"]) {
			t.Errorf("QueueArn alone: %v", one.Attributes)
		}
	})
	step(t, "ListQueueTags", func(t *testing.T) {
		out, err := q.ListQueueTags(t.Context(), &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out.Tags, map[string]string{"owner": "qualstate"}) {
			t.Errorf("tags = %v", out.Tags)
		}
	})
	step(t, "ListQueues with a prefix", func(t *testing.T) {
		out, err := q.ListQueues(t.Context(), &sqs.ListQueuesInput{QueueNamePrefix: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out.QueueUrls, []string{url}) {
			t.Errorf("ListQueues %s = %v, want [%s]", name, out.QueueUrls, url)
		}
	})
}

func TestSQSListQueuesPages(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	q := c.sqsClient(t)
	prefix := uniqueName(t, "page")
	var want []string
	for i := range 3 {
		out, err := q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(prefix + strconv.Itoa(i))})
		if err != nil {
			t.Fatal(err)
		}
		url := aws.ToString(out.QueueUrl)
		want = append(want, url)
		t.Cleanup(func() { _, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}) })
	}
	var got []string
	pages := 0
	p := sqs.NewListQueuesPaginator(q, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(prefix), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, page.QueueUrls...)
	}
	if pages != 2 || !sameSet(got, want) {
		t.Errorf("%d pages of %v, want 2 pages of %v", pages, got, want)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s] == 0 {
			return false
		}
		seen[s]--
	}
	return true
}

func TestSQSMessages(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	q := c.sqsClient(t)
	_, url := newQueue(t, q, "msg", nil)
	// Non-ASCII, so that the MD5 is over UTF-8.
	body := `{"detail":"h\u00e9llo ✓ 𝄞"}` + "\ttab\r\n"
	id := send(t, q, url, body)
	var first sqstypes.Message

	step(t, "ReceiveMessage returns the message", func(t *testing.T) {
		got := receive(t, q, url, 10, 10, 1)
		if len(got) != 1 {
			t.Fatalf("%d messages, want 1", len(got))
		}
		first = got[0]
		if aws.ToString(first.MessageId) != id || aws.ToString(first.Body) != body || aws.ToString(first.MD5OfBody) != md5Hex(body) {
			t.Errorf("message = %s %q %s, want %s %q %s", aws.ToString(first.MessageId), aws.ToString(first.Body),
				aws.ToString(first.MD5OfBody), id, body, md5Hex(body))
		}
		if first.Attributes["ApproximateReceiveCount"] != "1" || first.Attributes["SentTimestamp"] == "" || first.Attributes["SenderId"] == "" {
			t.Errorf("attributes = %v", first.Attributes)
		}
	})
	step(t, "it is hidden during its visibility timeout", func(t *testing.T) {
		if got := receive(t, q, url, 10, 0, 0); len(got) != 0 {
			t.Errorf("received %d messages during the visibility timeout", len(got))
		}
	})
	var second sqstypes.Message
	step(t, "it comes back after its visibility timeout, with a new receipt handle", func(t *testing.T) {
		got := receive(t, q, url, 10, 10, 30)
		if len(got) != 1 {
			t.Fatalf("%d messages after the visibility timeout, want 1", len(got))
		}
		second = got[0]
		if aws.ToString(second.MessageId) != id || aws.ToString(second.ReceiptHandle) == aws.ToString(first.ReceiptHandle) {
			t.Errorf("again: %s with handle %s (first %s)", aws.ToString(second.MessageId),
				aws.ToString(second.ReceiptHandle), aws.ToString(first.ReceiptHandle))
		}
		if second.Attributes["ApproximateReceiveCount"] != "2" {
			t.Errorf("ApproximateReceiveCount = %s, want 2", second.Attributes["ApproximateReceiveCount"])
		}
	})
	if c.kind == inProcess {
		step(t, "an older receipt handle deletes nothing", func(t *testing.T) {
			if _, err := q.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first.ReceiptHandle}); err != nil {
				t.Fatalf("DeleteMessage with the older handle: %v", err)
			}
			out, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
			if err != nil {
				t.Fatal(err)
			}
			if n := out.Attributes["ApproximateNumberOfMessagesNotVisible"]; n != "1" {
				t.Errorf("in flight after deleting with an old handle: %s, want 1", n)
			}
		})
	}
	step(t, "DeleteMessage with the latest handle deletes it", func(t *testing.T) {
		if _, err := q.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: second.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
		if got := receive(t, q, url, 10, 1, 0); len(got) != 0 {
			t.Errorf("%d messages after the delete", len(got))
		}
	})
}

func TestSQSDeleteMessageBatch(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	q := c.sqsClient(t)
	_, url := newQueue(t, q, "batch", nil)
	for i := range 3 {
		send(t, q, url, "message "+strconv.Itoa(i))
	}
	got := receiveAll(t, q, url, 3)
	if len(got) != 3 {
		t.Fatalf("received %d messages, want 3", len(got))
	}
	var entries []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range got {
		entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String("m" + strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
	}
	entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String("bogus"), ReceiptHandle: aws.String("not-a-handle")})
	out, err := q.DeleteMessageBatch(t.Context(), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 3 {
		t.Errorf("%d deleted, want 3", len(out.Successful))
	}
	if len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "bogus" || aws.ToString(out.Failed[0].Code) != "ReceiptHandleIsInvalid" || !out.Failed[0].SenderFault {
		t.Errorf("failed = %+v, want bogus: ReceiptHandleIsInvalid, sender's fault", out.Failed)
	}
	if left := receive(t, q, url, 10, 1, 0); len(left) != 0 {
		t.Errorf("%d messages left", len(left))
	}
}

// TestSQSDeadLetterQueue: a message received more than maxReceiveCount
// times moves to the dead-letter queue.
func TestSQSDeadLetterQueue(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	q := c.sqsClient(t)
	_, dlqURL := newQueue(t, q, "dlq", nil)
	attrs, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlqURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	dlqARN := attrs.Attributes["QueueArn"]
	// A visibility timeout of 0 makes the message receivable again at
	// once.
	_, url := newQueue(t, q, "src", map[string]string{"VisibilityTimeout": "0",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":1}`})
	send(t, q, url, "poison")
	if got := receive(t, q, url, 1, 10, 0); len(got) != 1 {
		t.Fatalf("first receive: %d messages", len(got))
	}
	if got := receive(t, q, url, 1, 2, 0); len(got) != 0 {
		t.Errorf("received %d times beyond maxReceiveCount 1", 1+len(got))
	}
	got := receive(t, q, dlqURL, 1, 10, 0)
	if len(got) != 1 || aws.ToString(got[0].Body) != "poison" {
		t.Fatalf("dead-letter queue: %+v", got)
	}

	_, err = q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(uniqueName(t, "nodlq")),
		Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `-missing","maxReceiveCount":1}`}})
	wantSQSError(t, err, "InvalidParameterValue", 400)
}

func TestSQSPurgeQueue(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	q := c.sqsClient(t)
	_, url := newQueue(t, q, "purge", nil)
	send(t, q, url, "one")
	send(t, q, url, "two")
	if _, err := q.PurgeQueue(t.Context(), &sqs.PurgeQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, q, url, 10, 1, 0); len(got) != 0 {
		t.Errorf("%d messages after the purge", len(got))
	}
	_, err := q.PurgeQueue(t.Context(), &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
	var busy *sqstypes.PurgeQueueInProgress
	if !errors.As(err, &busy) {
		t.Errorf("a second purge within 60 s: err = %v, want PurgeQueueInProgress", err)
	}
	wantSQSError(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress", 403)
}

func TestSQSErrors(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	q := c.sqsClient(t)
	_, url := newQueue(t, q, "err", nil)
	missing := url[:strings.LastIndex(url, "/")+1] + uniqueName(t, "missing")
	entries := func(n int, id func(int) string) []sqstypes.DeleteMessageBatchRequestEntry {
		out := []sqstypes.DeleteMessageBatchRequestEntry{}
		for i := range n {
			out = append(out, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(id(i)), ReceiptHandle: aws.String("x")})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		call   func(ctx context.Context) error
		code   string
		status int
	}{
		{"MaxNumberOfMessages over 10", func(ctx context.Context) error {
			_, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue", 400},
		{"WaitTimeSeconds over 20", func(ctx context.Context) error {
			_, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 21})
			return err
		}, "InvalidParameterValue", 400},
		{"a queue that does not exist", func(ctx context.Context) error {
			_, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(missing)})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", 400},
		{"a receipt handle that is not one", func(ctx context.Context) error {
			_, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("not-a-handle")})
			return err
		}, "ReceiptHandleIsInvalid", 404},
		{"an empty batch", func(ctx context.Context) error {
			_, err := q.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries(0, strconv.Itoa)})
			return err
		}, "AWS.SimpleQueueService.EmptyBatchRequest", 400},
		{"a batch of 11", func(ctx context.Context) error {
			_, err := q.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries(11, strconv.Itoa)})
			return err
		}, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400},
		{"batch ids repeated", func(ctx context.Context) error {
			_, err := q.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries(2, func(int) string { return "same" })})
			return err
		}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400},
		{"a batch id with a space", func(ctx context.Context) error {
			_, err := q.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries(1, func(int) string { return "a b" })})
			return err
		}, "AWS.SimpleQueueService.InvalidBatchEntryId", 400},
		{"a queue name with a space", func(ctx context.Context) error {
			_, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bad name")})
			return err
		}, "InvalidParameterValue", 400},
		{"a visibility timeout over 12 hours", func(ctx context.Context) error {
			_, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(uniqueName(t, "vis")),
				Attributes: map[string]string{"VisibilityTimeout": "43201"}})
			return err
		}, "InvalidAttributeValue", 400},
		{"a NUL in the body", func(ctx context.Context) error {
			_, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("a\x00b")})
			return err
		}, "InvalidMessageContents", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantSQSError(t, tc.call(t.Context()), tc.code, tc.status)
		})
	}
}

// TestSQSLongPollWakesOnSend: a receive waiting for 20 s returns the
// message sent while it waits, long before the 20 s.
func TestSQSLongPollWakesOnSend(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	q := c.sqsClient(t)
	_, url := newQueue(t, q, "wake", nil)
	type result struct {
		msgs []sqstypes.Message
		err  error
	}
	got := make(chan result, 1)
	go func() {
		out, err := q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
		if err != nil {
			got <- result{err: err}
			return
		}
		got <- result{msgs: out.Messages}
	}()
	time.Sleep(200 * time.Millisecond)
	send(t, q, url, "wake up")
	select {
	case r := <-got:
		if r.err != nil || len(r.msgs) != 1 || aws.ToString(r.msgs[0].Body) != "wake up" {
			t.Errorf("long poll: %v %+v", r.err, r.msgs)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long poll did not return the message sent while it waited")
	}
}

// cliMessages is receive-message's output.
type cliMessages struct {
	Messages []struct {
		MessageID     string            `json:"MessageId"`
		ReceiptHandle string            `json:"ReceiptHandle"`
		MD5OfBody     string            `json:"MD5OfBody"`
		Body          string            `json:"Body"`
		Attributes    map[string]string `json:"Attributes"`
	} `json:"Messages"`
}

// cliReceive runs receive-message; the CLI prints nothing when no message
// came.
func (c *clients) cliReceive(t *testing.T, args ...string) cliMessages {
	t.Helper()
	full := append([]string{"sqs", "receive-message", "--attribute-names", "All"}, args...)
	r := c.cli(t, full...)
	if r.code != 0 {
		t.Fatalf("aws %s: exit %d: %s", strings.Join(full, " "), r.code, r.stderr)
	}
	var out cliMessages
	if len(strings.TrimSpace(string(r.stdout))) > 0 {
		if err := json.Unmarshal(r.stdout, &out); err != nil {
			t.Fatalf("receive-message output: %v\n%s", err, r.stdout)
		}
	}
	return out
}

func TestSQSWithTheCLI(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	c.requireCLI(t)
	name := uniqueName(t, "cli")
	var created struct {
		QueueURL string `json:"QueueUrl"`
	}
	c.cliJSON(t, &created, "sqs", "create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=40")
	url := created.QueueURL
	q := c.sqsClient(t)
	t.Cleanup(func() { _, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}) })

	var got struct {
		QueueURL string `json:"QueueUrl"`
	}
	c.cliJSON(t, &got, "sqs", "get-queue-url", "--queue-name", name)
	if got.QueueURL != url {
		t.Errorf("get-queue-url = %s, want %s", got.QueueURL, url)
	}
	body := "audit trail ✓"
	var sent struct {
		MD5OfMessageBody string `json:"MD5OfMessageBody"`
		MessageID        string `json:"MessageId"`
	}
	c.cliJSON(t, &sent, "sqs", "send-message", "--queue-url", url, "--message-body", body)
	if sent.MD5OfMessageBody != md5Hex(body) || sent.MessageID == "" {
		t.Errorf("send-message = %+v, want MD5 %s", sent, md5Hex(body))
	}

	first := c.cliReceive(t, "--queue-url", url, "--wait-time-seconds", "10", "--visibility-timeout", "0")
	if len(first.Messages) != 1 || first.Messages[0].Body != body || first.Messages[0].MD5OfBody != md5Hex(body) ||
		first.Messages[0].MessageID != sent.MessageID || first.Messages[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("receive-message = %+v", first)
	}
	// A visibility timeout of 0 leaves the message receivable at once.
	second := c.cliReceive(t, "--queue-url", url, "--wait-time-seconds", "10")
	if len(second.Messages) != 1 || second.Messages[0].ReceiptHandle == first.Messages[0].ReceiptHandle ||
		second.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("second receive-message = %+v", second)
	}
	c.cliJSON(t, nil, "sqs", "delete-message", "--queue-url", url, "--receipt-handle", second.Messages[0].ReceiptHandle)
	if left := c.cliReceive(t, "--queue-url", url, "--wait-time-seconds", "1"); len(left.Messages) != 0 {
		t.Errorf("after delete-message: %+v", left)
	}

	var attrs struct{ Attributes map[string]string }
	c.cliJSON(t, &attrs, "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "QueueArn", "VisibilityTimeout")
	if !strings.HasSuffix(attrs.Attributes["QueueArn"], ":sqs:"+c.region+":"+c.account(t)+":"+name) || attrs.Attributes["VisibilityTimeout"] != "40" {
		t.Errorf("get-queue-attributes = %v", attrs.Attributes)
	}
	var list struct{ QueueUrls []string }
	c.cliJSON(t, &list, "sqs", "list-queues", "--queue-name-prefix", name)
	if !reflect.DeepEqual(list.QueueUrls, []string{url}) {
		t.Errorf("list-queues = %v, want [%s]", list.QueueUrls, url)
	}

	r := c.cli(t, "sqs", "get-queue-url", "--queue-name", name+"-missing")
	if r.code == 0 || !strings.Contains(r.stderr, "AWS.SimpleQueueService.NonExistentQueue") {
		t.Errorf("get-queue-url of a missing queue: exit %d: %s", r.code, r.stderr)
	}
	r = c.cli(t, "sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "11")
	if r.code == 0 || !strings.Contains(r.stderr, "InvalidParameterValue") {
		t.Errorf("receive-message of 11: exit %d: %s", r.code, r.stderr)
	}
}

// --- the event queue: the sandbox's own -------------------------------------

const eventQueue = "qualstate-events"

// startEventSandbox starts an in-process sandbox with the event queue and
// returns it, its URL and an SQS client.
func startEventSandbox(t *testing.T) (*sandbox.Sandbox, *clients, *sqs.Client) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{EventQueue: eventQueue, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("closing the sandbox: %v", err)
		}
	})
	c := sandboxClient(srv.URL, "test", "test")
	return sb, c, c.sqsClient(t)
}

// event is the EventBridge event of a CloudTrail record.
type event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  json.RawMessage `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
	detail     struct {
		EventID, EventName, EventSource, EventTime string
		ReadOnly                                   bool
	}
}

func decodeEvent(t *testing.T, body string) event {
	t.Helper()
	var ev event
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		t.Fatalf("event: %v\n%s", err, body)
	}
	if err := json.Unmarshal(ev.Detail, &ev.detail); err != nil {
		t.Fatalf("event detail: %v\n%s", err, body)
	}
	return ev
}

// trailLog reads the sandbox's whole CloudTrail log.
func trailLog(t *testing.T, endpoint string) []json.RawMessage {
	t.Helper()
	resp, err := http.Get(endpoint + "/_sandbox/events?after=0&wait=0s")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var page struct{ Records []json.RawMessage }
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatalf("events: %v: %s", err, raw)
	}
	return page.Records
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// TestEventQueueDelivery: every CloudTrail record reaches the event queue,
// in order, as the EventBridge event AWS delivers to an SQS target, with
// the record as its detail.
func TestEventQueueDelivery(t *testing.T) {
	_, c, q := startEventSandbox(t)
	urlOut, err := q.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(eventQueue)})
	if err != nil {
		t.Fatalf("the event queue was not created at start: %v", err)
	}
	url := aws.ToString(urlOut.QueueUrl)
	if want := c.endpoint + "/" + sandbox.DefaultAccount + "/" + eventQueue; url != want {
		t.Errorf("event queue URL = %s, want %s", url, want)
	}

	name := uniqueName(t, "ev")
	created, err := c.cc.CreateResource(t.Context(), &cloudcontrol.CreateResourceInput{
		TypeName: aws.String("AWS::Logs::LogGroup"), DesiredState: aws.String(`{"LogGroupName":"` + name + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	c.waitRequestSuccess(t, created.ProgressEvent)
	updated, err := c.cc.UpdateResource(t.Context(), &cloudcontrol.UpdateResourceInput{TypeName: aws.String("AWS::Logs::LogGroup"),
		Identifier: aws.String(name), PatchDocument: aws.String(`[{"op":"add","path":"/RetentionInDays","value":7}]`)})
	if err != nil {
		t.Fatal(err)
	}
	c.waitRequestSuccess(t, updated.ProgressEvent)

	trail := trailLog(t, c.endpoint)
	msgs := receiveAll(t, q, url, len(trail))
	if len(msgs) != len(trail) {
		t.Fatalf("%d events for %d CloudTrail records", len(msgs), len(trail))
	}
	var update *event
	for i, m := range msgs {
		ev := decodeEvent(t, aws.ToString(m.Body))
		if !jsonEqual(t, ev.Detail, trail[i]) {
			t.Errorf("event %d: detail is not CloudTrail record %d:\n%s\n%s", i, i, ev.Detail, trail[i])
		}
		if ev.Version != "0" || ev.DetailType != "AWS API Call via CloudTrail" || ev.Account != sandbox.DefaultAccount ||
			ev.Region != sandbox.DefaultRegion || string(ev.Resources) != "[]" || ev.Time != ev.detail.EventTime ||
			ev.ID == "" || ev.ID == ev.detail.EventID {
			t.Errorf("event %d envelope: %s", i, aws.ToString(m.Body))
		}
		if want := "aws." + strings.TrimSuffix(ev.detail.EventSource, ".amazonaws.com"); ev.Source != want {
			t.Errorf("event %d: source %s for eventSource %s, want %s", i, ev.Source, ev.detail.EventSource, want)
		}
		if ev.detail.EventName == "UpdateResource" {
			update = &ev
		}
	}
	if update == nil || update.Source != "aws.cloudcontrolapi" || update.detail.ReadOnly {
		t.Fatalf("no write event aws.cloudcontrolapi UpdateResource among %d events", len(msgs))
	}
	if !strings.Contains(string(update.Detail), name) {
		t.Errorf("the UpdateResource event does not name the log group: %s", update.Detail)
	}
}

// TestEventQueueWithTheCLI: the CLI reads the event of a change as any
// consumer of the queue would.
func TestEventQueueWithTheCLI(t *testing.T) {
	_, c, _ := startEventSandbox(t)
	c.requireCLI(t)
	var got struct {
		QueueURL string `json:"QueueUrl"`
	}
	c.cliJSON(t, &got, "sqs", "get-queue-url", "--queue-name", eventQueue)
	name := uniqueName(t, "evcli")
	created, err := c.cc.CreateResource(t.Context(), &cloudcontrol.CreateResourceInput{
		TypeName: aws.String("AWS::SQS::Queue"), DesiredState: aws.String(`{"QueueName":"` + name + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	c.waitRequestSuccess(t, created.ProgressEvent)
	var names []string
	for {
		out := c.cliReceive(t, "--queue-url", got.QueueURL, "--max-number-of-messages", "10", "--wait-time-seconds", "1")
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			if m.MD5OfBody != md5Hex(m.Body) {
				t.Errorf("MD5OfBody %s of %s", m.MD5OfBody, m.Body)
			}
			ev := decodeEvent(t, m.Body)
			names = append(names, ev.Source+" "+ev.detail.EventName)
			c.cliJSON(t, nil, "sqs", "delete-message", "--queue-url", got.QueueURL, "--receipt-handle", m.ReceiptHandle)
		}
	}
	want := []string{"aws.cloudcontrolapi CreateResource", "aws.sqs CreateQueue"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("events = %v, want %v", names, want)
	}
}

func TestEventQueueOptions(t *testing.T) {
	for _, name := range []string{"has space", "events.fifo", strings.Repeat("q", 81)} {
		t.Run(name, func(t *testing.T) {
			if sb, err := sandbox.New(sandbox.Options{EventQueue: name}); err == nil {
				sb.Close()
				t.Errorf("EventQueue %q accepted", name)
			}
		})
	}

	// A deleted event queue drops the events; changes still succeed.
	_, c, q := startEventSandbox(t)
	out, err := q.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(eventQueue)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.DeleteQueue(t.Context(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}); err != nil {
		t.Fatal(err)
	}
	created, err := c.cc.CreateResource(t.Context(), &cloudcontrol.CreateResourceInput{
		TypeName: aws.String("AWS::Logs::LogGroup"), DesiredState: aws.String(`{"LogGroupName":"after-delete"}`)})
	if err != nil {
		t.Fatal(err)
	}
	c.waitRequestSuccess(t, created.ProgressEvent)
}

// TestSQSCloseEndsLongPolls: closing the sandbox answers the long polls in
// progress rather than holding them for their 20 s.
func TestSQSCloseEndsLongPolls(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{EventQueue: eventQueue})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	defer srv.Close()
	q := sandboxClient(srv.URL, "test", "test").sqsClient(t)
	url := sb.QueueURL(srv.URL, eventQueue)
	done := make(chan error, 1)
	go func() {
		_, err := q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("long poll at close: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long poll outlived the sandbox")
	}
}

// FuzzSQSRequest posts arbitrary JSON to every SQS action: each must be
// answered with a result or SQS's error shape, never a panic, a hang or a
// server error.
func FuzzSQSRequest(f *testing.F) {
	for _, seed := range []struct{ op, body string }{
		{"CreateQueue", `{"QueueName":"q","Attributes":{"VisibilityTimeout":"5","Policy":"{}"}}`},
		{"CreateQueue", `{"QueueName":"q.fifo","Attributes":{"FifoQueue":"true"}}`},
		{"GetQueueUrl", `{"QueueName":"q","QueueOwnerAWSAccountId":"123456789012"}`},
		{"GetQueueAttributes", `{"QueueUrl":"http://h/123456789012/q","AttributeNames":["All","Nope"]}`},
		{"SendMessage", `{"QueueUrl":"http://h/123456789012/q","MessageBody":"x","DelaySeconds":901}`},
		{"ReceiveMessage", `{"QueueUrl":"http://h/123456789012/q","MaxNumberOfMessages":10,"WaitTimeSeconds":1,"VisibilityTimeout":0}`},
		{"DeleteMessage", `{"QueueUrl":"http://h/123456789012/q","ReceiptHandle":"AAAA"}`},
		{"DeleteMessageBatch", `{"QueueUrl":"http://h/123456789012/q","Entries":[{"Id":"a","ReceiptHandle":"cQBtAG4="}]}`},
		{"ListQueues", `{"QueueNamePrefix":"q","MaxResults":1,"NextToken":"%%"}`},
		{"PurgeQueue", `{"QueueUrl":"::"}`},
		{"DeleteQueue", `{"QueueUrl":"http://h/123456789012/q"}`},
		{"Unknown", `[]`},
	} {
		f.Add(seed.op, seed.body)
	}
	sb, err := sandbox.New(sandbox.Options{Settle: -1, EventQueue: "q"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sb.Close() })
	f.Fuzz(func(t *testing.T, op, body string) {
		// Long polls end with the request.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, req)
		if rec.Code != 200 && (rec.Code >= 500 || !strings.Contains(rec.Body.String(), `"__type"`) || rec.Header().Get("X-Amzn-Query-Error") == "") {
			t.Fatalf("status %d without SQS's error shape: %s", rec.Code, rec.Body.String())
		}
	})
}
