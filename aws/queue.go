package aws

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"qualstate"
)

// SQS's limits on one receive.
const (
	// MaxReceive is the most messages one Receive returns.
	MaxReceive = 10
	// MaxReceiveWait is the longest a Receive waits for a message.
	MaxReceiveWait = 20 * time.Second
)

// Error codes of SQS, in both the forms it reports them: the JSON error
// shape and the query protocol's code the SDK prefers when SQS sends it.
var (
	queueMissingCodes = set("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")
	queueInvalidCodes = set("InvalidAddress", "InvalidParameterValue", "MissingParameter",
		"ReceiptHandleIsInvalid", "InvalidIdFormat")
)

// sqsHost matches SQS's regional endpoints (sqs.eu-west-1.amazonaws.com,
// sqs.cn-north-1.amazonaws.com.cn) and the legacy ones
// (eu-west-1.queue.amazonaws.com), which queue URLs are formed with.
var sqsHost = regexp.MustCompile(`^(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com(?:\.cn)?$`)

// Queue is an SQS queue of change events: on AWS, the queue an EventBridge
// rule sends CloudTrail's management events to; on the sandbox, its event
// queue. It is safe for concurrent use.
type Queue struct {
	c   *Client
	url string
	sqs *sqs.Client
}

// Queue returns the queue at url, a queue URL as SQS gives it
// (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME). An explicit endpoint of
// the client (the sandbox, an emulator) serves the queue as it serves the
// other APIs; otherwise the queue is reached in the region its URL names,
// whatever the client's region, because SQS answers for a queue only in
// its own region. A URL that is not a queue's is reported by the first
// call.
func (c *Client) Queue(url string) *Queue {
	return &Queue{c: c, url: url, sqs: sqs.NewFromConfig(c.cfg, func(o *sqs.Options) {
		if c.cfg.BaseEndpoint != nil {
			// As for the other services, an explicit endpoint wins over
			// AWS_ENDPOINT_URL_SQS.
			o.BaseEndpoint = c.cfg.BaseEndpoint
			return
		}
		if region := queueRegion(url); region != "" {
			o.Region = region
		}
	})}
}

// URL returns the queue's URL.
func (q *Queue) URL() string { return q.url }

// queueRegion returns the region of an AWS queue URL, "" for any other.
func queueRegion(queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return ""
	}
	m := sqsHost.FindStringSubmatch(strings.ToLower(u.Hostname()))
	if m == nil {
		return ""
	}
	if m[1] != "" {
		return m[1]
	}
	return m[2]
}

func (q *Queue) action(op string) action {
	return action{op: "sqs:" + op, request: "QueueUrl=" + q.url, resource: "queue " + q.url}
}

// check rejects a URL no queue can have before a call is made.
func (q *Queue) check(a action) error {
	u, err := url.Parse(q.url)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Count(strings.Trim(u.Path, "/"), "/") != 1 {
		return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"%s: %q is not a queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/qualstate-events", a.describe(), q.url)
	}
	return nil
}

// Receive long-polls the queue: it returns as soon as messages are
// there, up to limit (1 to MaxReceive), or empty when wait (rounded up to
// whole seconds, at most MaxReceiveWait) passes. The messages stay hidden
// from other receivers for the queue's visibility timeout; one not deleted
// by then comes back.
func (q *Queue) Receive(ctx context.Context, wait time.Duration, limit int) ([]qualstate.QueueMessage, error) {
	a := q.action("ReceiveMessage")
	if limit < 1 || limit > MaxReceive {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"%s: %d messages asked for; a receive takes 1 to %d", a.describe(), limit, MaxReceive)
	}
	if err := q.check(a); err != nil {
		return nil, err
	}
	if err := q.c.ready(ctx); err != nil {
		return nil, err
	}
	wait = min(max(wait, 0), MaxReceiveWait)
	seconds := int32((wait + time.Second - 1) / time.Second)
	out, _, err := invoke(ctx, a, func(ctx context.Context) (*sqs.ReceiveMessageOutput, error) {
		return q.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: sdkaws.String(q.url), MaxNumberOfMessages: int32(limit), WaitTimeSeconds: seconds,
		})
	})
	if err != nil {
		return nil, queueError(a, err)
	}
	msgs := make([]qualstate.QueueMessage, 0, len(out.Messages))
	for _, m := range out.Messages {
		msgs = append(msgs, qualstate.QueueMessage{
			ID: sdkaws.ToString(m.MessageId), Receipt: sdkaws.ToString(m.ReceiptHandle), Body: []byte(sdkaws.ToString(m.Body)),
		})
	}
	return msgs, nil
}

// Delete deletes received messages, MaxReceive to a request. Every batch
// is tried; the error names each message not deleted. A message whose
// receipt is no longer its latest (it came back and was received again)
// is not deleted and not reported: SQS accepts such a delete and keeps the
// message, which is then handled again.
func (q *Queue) Delete(ctx context.Context, msgs []qualstate.QueueMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	a := q.action("DeleteMessageBatch")
	if err := q.check(a); err != nil {
		return err
	}
	if err := q.c.ready(ctx); err != nil {
		return err
	}
	var failed []error
	senderOnly := true
	for start := 0; start < len(msgs); start += MaxReceive {
		batch := msgs[start:min(start+MaxReceive, len(msgs))]
		entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(batch))
		for i, m := range batch {
			// Entry ids are positions: message ids may repeat in a batch
			// (the same message received twice), entry ids may not.
			entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: sdkaws.String(strconv.Itoa(i)), ReceiptHandle: sdkaws.String(m.Receipt)}
		}
		out, _, err := invoke(ctx, a, func(ctx context.Context) (*sqs.DeleteMessageBatchOutput, error) {
			return q.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: sdkaws.String(q.url), Entries: entries})
		})
		if err != nil {
			return queueError(a, err)
		}
		for _, f := range out.Failed {
			i, err := strconv.Atoi(sdkaws.ToString(f.Id))
			if err != nil || i < 0 || i >= len(batch) {
				return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{},
					"%s: the response names entry %q, which was not sent", a.describe(), sdkaws.ToString(f.Id))
			}
			senderOnly = senderOnly && f.SenderFault
			failed = append(failed, fmt.Errorf("message %s: %s: %s", batch[i].ID, sdkaws.ToString(f.Code), sdkaws.ToString(f.Message)))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	code := qualstate.ErrEnvironment
	if senderOnly {
		code = qualstate.ErrInvalidInput
	}
	return qualstate.Errorf(code, qualstate.Location{}, "%s: %d of %d messages not deleted: %w",
		a.describe(), len(failed), len(msgs), errors.Join(failed...))
}

// queueError gives SQS's own codes for a missing queue or a bad request
// the meaning the rest of the package gives CloudFormation's and Cloud
// Control's: classify does not know them.
func queueError(a action, err error) error {
	var qe *qualstate.Error
	var api smithy.APIError
	if !errors.As(err, &qe) || !errors.As(err, &api) || qe.Code != qualstate.ErrEnvironment {
		return err
	}
	var code qualstate.ErrorCode
	var what string
	switch c := api.ErrorCode(); {
	case queueMissingCodes[c]:
		code, what = qualstate.ErrNotFound, "not found"
	case queueInvalidCodes[c]:
		code, what = qualstate.ErrInvalidInput, c
	default:
		return err
	}
	text := a.describe() + ": " + what + ": " + api.ErrorMessage()
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.ServiceRequestID() != "" {
		text += " (request id " + resp.ServiceRequestID() + ")"
	}
	return &qualstate.Error{Code: code, Msg: text, Err: qe.Err}
}
