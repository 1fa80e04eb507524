package aws

import (
	"context"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"qualstate"
)

// Polling bounds. Describe calls are cheap and the sandbox answers them as
// soon as the operation settles, so polling starts fast; the cap keeps a
// long AWS deployment from costing many calls.
const (
	pollFirst = 200 * time.Millisecond
	pollMax   = 5 * time.Second
)

// staleLimit is how many times a settled status is re-read while no event
// of the operation has appeared: right after an update starts, a describe
// may still return the status from before it.
const staleLimit = 3

type backoff struct{ next time.Duration }

func newBackoff() *backoff { return &backoff{next: pollFirst} }

// sleep waits for the next poll, or returns the context's error wrapped,
// with what was being waited for.
func (b *backoff) sleep(ctx context.Context, what string) error {
	t := time.NewTimer(b.next)
	defer t.Stop()
	b.next = min(b.next*2, pollMax)
	select {
	case <-ctx.Done():
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: %w", what, ctx.Err())
	case <-t.C:
		return nil
	}
}

// watcher follows one stack operation: it polls the stack until it
// settles and delivers the operation's events, oldest first, each once.
type watcher struct {
	c        *Client
	name     string
	stackID  string
	before   cfntypes.StackStatus // the status before the operation; "" for a new stack
	progress func(qualstate.StackEvent)

	// lastSeen is the id of the newest event delivered, or of the newest
	// that predates the operation.
	lastSeen string
	// events are the operation's events delivered so far, oldest first.
	events []qualstate.StackEvent
	// captures are the event pages that brought new events.
	captures []qualstate.Capture
}

// mark notes the stack's newest event, so that only later ones are
// delivered.
func (w *watcher) mark(ctx context.Context) error {
	out, _, err := w.eventsPage(ctx, nil)
	if err != nil {
		return err
	}
	if len(out.StackEvents) > 0 {
		w.lastSeen = sdkaws.ToString(out.StackEvents[0].EventId)
	}
	return nil
}

func (w *watcher) eventsPage(ctx context.Context, token *string) (*cloudformation.DescribeStackEventsOutput, qualstate.Capture, error) {
	return invoke(ctx, stackAction("DescribeStackEvents", w.stackID, w.name), func(ctx context.Context) (*cloudformation.DescribeStackEventsOutput, error) {
		return w.c.cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: sdkaws.String(w.stackID), NextToken: token})
	})
}

// poll reads the events newer than lastSeen (newest first, over as many
// pages as it takes) and delivers them oldest first.
func (w *watcher) poll(ctx context.Context) error {
	var fresh []cfntypes.StackEvent
	var pages []qualstate.Capture
	// Pages are offsets into a list that grows at the front while it is
	// read, so an event can show up on two pages.
	seen := map[string]bool{}
	var token *string
	for {
		out, capt, err := w.eventsPage(ctx, token)
		if err != nil {
			return err
		}
		reached, added := false, false
		for _, e := range out.StackEvents {
			id := sdkaws.ToString(e.EventId)
			if id == w.lastSeen && id != "" {
				reached = true
				break
			}
			if !seen[id] {
				seen[id] = true
				fresh = append(fresh, e)
				added = true
			}
		}
		if added {
			pages = append(pages, capt)
		}
		if reached || out.NextToken == nil || len(out.StackEvents) == 0 {
			break
		}
		token = out.NextToken
	}
	if len(fresh) == 0 {
		return nil
	}
	w.lastSeen = sdkaws.ToString(fresh[0].EventId)
	w.captures = append(w.captures, pages...)
	for i := len(fresh) - 1; i >= 0; i-- {
		ev := eventOf(fresh[i])
		w.events = append(w.events, ev)
		if w.progress != nil {
			w.progress(ev)
		}
	}
	return nil
}

// wait polls the stack by id until no operation is in progress, delivering
// events as they come, and returns it with the capture of the last
// DescribeStacks; nil when the stack is gone.
func (w *watcher) wait(ctx context.Context) (*cfntypes.Stack, qualstate.Capture, error) {
	b := newBackoff()
	stale := 0
	for {
		st, capt, err := w.c.describe(ctx, w.stackID, w.name)
		if err != nil {
			return nil, qualstate.Capture{}, err
		}
		if st == nil {
			return nil, qualstate.Capture{}, nil
		}
		// Events are read after the status, so a settled status comes with
		// every event up to it.
		if err := w.poll(ctx); err != nil {
			return nil, qualstate.Capture{}, err
		}
		if !inProgress(st.StackStatus) {
			if len(w.events) > 0 || st.StackStatus != w.before || stale >= staleLimit {
				return st, capt, nil
			}
			stale++
		}
		if err := b.sleep(ctx, "waiting for stack "+w.name); err != nil {
			return nil, qualstate.Capture{}, err
		}
	}
}

// failure is the error of an operation that ended in st: the stack, its
// status and the first resource failure among the operation's events.
func (w *watcher) failure(st *cfntypes.Stack) error {
	msg := "stack " + w.name + " ended " + string(st.StackStatus)
	if reason := firstFailure(w.events); reason != "" {
		msg += ": " + reason
	} else if r := sdkaws.ToString(st.StackStatusReason); r != "" {
		msg += ": " + r
	}
	return &qualstate.Error{Code: qualstate.ErrEnvironment, Msg: msg}
}

// firstFailure describes the first resource that failed. Resources that
// CloudFormation cancelled because another failed are not the cause.
func firstFailure(events []qualstate.StackEvent) string {
	for _, e := range events {
		if !strings.HasSuffix(e.Status, "_FAILED") || e.ResourceType == "AWS::CloudFormation::Stack" {
			continue
		}
		if strings.Contains(strings.ToLower(e.Reason), "cancelled") {
			continue
		}
		return e.LogicalID + " (" + e.ResourceType + ") " + e.Status + ": " + e.Reason
	}
	return ""
}

// inProgress reports whether an operation is running on the stack.
// REVIEW_IN_PROGRESS is not one: the stack waits for a change set.
func inProgress(s cfntypes.StackStatus) bool {
	return strings.HasSuffix(string(s), "_IN_PROGRESS") && s != cfntypes.StackStatusReviewInProgress
}

// succeeded reports whether a settled status means a create or update
// went through.
func succeeded(s cfntypes.StackStatus) bool {
	switch s {
	case cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete, cfntypes.StackStatusImportComplete:
		return true
	}
	return false
}

func eventOf(e cfntypes.StackEvent) qualstate.StackEvent {
	return qualstate.StackEvent{
		Time:         sdkaws.ToTime(e.Timestamp),
		LogicalID:    sdkaws.ToString(e.LogicalResourceId),
		PhysicalID:   sdkaws.ToString(e.PhysicalResourceId),
		ResourceType: sdkaws.ToString(e.ResourceType),
		Status:       string(e.ResourceStatus),
		Reason:       sdkaws.ToString(e.ResourceStatusReason),
	}
}
