package aws

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"qualstate"
)

// defaultCapabilities are acknowledged when a DeployRequest names none:
// qualified templates routinely create IAM roles and use macros, and the
// template has been reviewed before it is deployed.
var defaultCapabilities = []cfntypes.Capability{
	cfntypes.CapabilityCapabilityIam,
	cfntypes.CapabilityCapabilityNamedIam,
	cfntypes.CapabilityCapabilityAutoExpand,
}

// Deploy creates the stack, or updates it through a change set, and waits
// until it settles. A stack waiting in REVIEW_IN_PROGRESS is created
// through a CREATE change set; one left in ROLLBACK_COMPLETE by a failed
// creation holds nothing and is deleted first (its deletion's events are
// delivered too); an operation already in progress is waited for. The
// captures are those of the calls that changed the stack, the event pages
// that reported its progress, and, last, the final DescribeStacks.
func (c *Client) Deploy(ctx context.Context, req qualstate.DeployRequest) (*qualstate.Stack, []qualstate.Capture, error) {
	if req.StackName == "" {
		return nil, nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "deploy: no stack name")
	}
	if len(req.TemplateBody) == 0 {
		return nil, nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "deploy stack %s: empty template body", req.StackName)
	}
	if err := c.ready(ctx); err != nil {
		return nil, nil, err
	}
	cur, err := c.settled(ctx, req.StackName)
	if err != nil {
		return nil, nil, err
	}
	// A stack whose creation rolled back holds no resources and can only
	// be deleted; deleting it is what lets the deployment be retried.
	if cur != nil && cur.StackStatus == cfntypes.StackStatusRollbackComplete {
		if err := c.deleteAndWait(ctx, cur, req.Progress); err != nil {
			return nil, nil, err
		}
		cur = nil
	}

	w := &watcher{c: c, name: req.StackName, progress: req.Progress}
	var captures []qualstate.Capture
	if cur == nil {
		out, capt, err := invoke(ctx, stackAction("CreateStack", req.StackName, req.StackName), func(ctx context.Context) (*cloudformation.CreateStackOutput, error) {
			return c.cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
				StackName:    sdkaws.String(req.StackName),
				TemplateBody: sdkaws.String(string(req.TemplateBody)),
				Parameters:   parameters(req.Parameters),
				Capabilities: capabilities(req.Capabilities),
				Tags:         tags(req.Tags),
			})
		})
		if err != nil {
			return nil, nil, err
		}
		captures = append(captures, capt)
		w.stackID = sdkaws.ToString(out.StackId)
	} else {
		w.stackID = sdkaws.ToString(cur.StackId)
		w.before = cur.StackStatus
		if err := w.mark(ctx); err != nil {
			return nil, nil, err
		}
		kind := cfntypes.ChangeSetTypeUpdate
		if cur.StackStatus == cfntypes.StackStatusReviewInProgress {
			kind = cfntypes.ChangeSetTypeCreate
		}
		changed, caps, err := c.applyChangeSet(ctx, req, kind)
		captures = append(captures, caps...)
		if err != nil {
			return nil, captures, err
		}
		if !changed {
			st, capt, err := c.describe(ctx, w.stackID, req.StackName)
			if err != nil {
				return nil, captures, err
			}
			if st == nil {
				return nil, captures, vanished(req.StackName)
			}
			return stackOf(st), append(captures, capt), nil
		}
	}

	final, capt, err := w.wait(ctx)
	captures = append(captures, w.captures...)
	if err != nil {
		return nil, captures, err
	}
	if final == nil {
		return nil, captures, vanished(req.StackName)
	}
	captures = append(captures, capt)
	stack := stackOf(final)
	if !succeeded(final.StackStatus) {
		return stack, captures, w.failure(final)
	}
	return stack, captures, nil
}

// applyChangeSet creates a change set of the request, waits until it is
// ready and executes it. changed is false when the change set found
// nothing to change; it is then deleted, as the AWS CLI does.
func (c *Client) applyChangeSet(ctx context.Context, req qualstate.DeployRequest, kind cfntypes.ChangeSetType) (changed bool, captures []qualstate.Capture, err error) {
	name := changeSetName()
	more := []string{"ChangeSetName=" + name, "ChangeSetType=" + string(kind)}
	created, capt, err := invoke(ctx, stackAction("CreateChangeSet", req.StackName, req.StackName, more...), func(ctx context.Context) (*cloudformation.CreateChangeSetOutput, error) {
		return c.cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
			StackName:     sdkaws.String(req.StackName),
			ChangeSetName: sdkaws.String(name),
			ChangeSetType: kind,
			TemplateBody:  sdkaws.String(string(req.TemplateBody)),
			Parameters:    parameters(req.Parameters),
			Capabilities:  capabilities(req.Capabilities),
			Tags:          tags(req.Tags),
			Description:   sdkaws.String("qualstate deployment"),
		})
	})
	if err != nil {
		return false, nil, err
	}
	captures = append(captures, capt)
	id := sdkaws.ToString(created.Id)

	cs, capt, err := c.waitChangeSet(ctx, id, req.StackName)
	if err != nil {
		return false, captures, err
	}
	captures = append(captures, capt)
	if cs.Status == cfntypes.ChangeSetStatusFailed {
		reason := sdkaws.ToString(cs.StatusReason)
		if noChanges(reason) {
			// Best effort: a leftover empty change set is clutter, not harm.
			_, _, _ = invoke(ctx, stackAction("DeleteChangeSet", req.StackName, req.StackName, "ChangeSetName="+name), func(ctx context.Context) (*cloudformation.DeleteChangeSetOutput, error) {
				return c.cfn.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: sdkaws.String(id)})
			})
			return false, captures, nil
		}
		return false, captures, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{},
			"stack %s: change set %s failed: %s", req.StackName, name, reason)
	}

	_, capt, err = invoke(ctx, stackAction("ExecuteChangeSet", req.StackName, req.StackName, "ChangeSetName="+name), func(ctx context.Context) (*cloudformation.ExecuteChangeSetOutput, error) {
		return c.cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: sdkaws.String(id)})
	})
	if err != nil {
		return false, captures, err
	}
	return true, append(captures, capt), nil
}

// waitChangeSet polls a change set until it has been computed.
func (c *Client) waitChangeSet(ctx context.Context, id, stackName string) (*cloudformation.DescribeChangeSetOutput, qualstate.Capture, error) {
	b := newBackoff()
	for {
		out, capt, err := invoke(ctx, stackAction("DescribeChangeSet", stackName, stackName, "ChangeSetName="+id), func(ctx context.Context) (*cloudformation.DescribeChangeSetOutput, error) {
			return c.cfn.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: sdkaws.String(id)})
		})
		if err != nil {
			return nil, qualstate.Capture{}, err
		}
		switch out.Status {
		case cfntypes.ChangeSetStatusCreatePending, cfntypes.ChangeSetStatusCreateInProgress:
		default:
			return out, capt, nil
		}
		if err := b.sleep(ctx, "waiting for change set "+id); err != nil {
			return nil, qualstate.Capture{}, err
		}
	}
}

// noChanges recognises the reasons CloudFormation gives for a change set
// or update that would change nothing.
func noChanges(reason string) bool {
	return strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed")
}

// changeSetName returns a name unique to this deployment, valid as a
// change set name ([a-zA-Z][-a-zA-Z0-9]*).
func changeSetName() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "qualstate-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

func vanished(name string) error {
	return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "stack %s: deleted by someone else while being deployed", name)
}

// parameters orders the parameters by key so that requests are
// reproducible.
func parameters(m map[string]string) []cfntypes.Parameter {
	var ps []cfntypes.Parameter
	for _, k := range sortedKeys(m) {
		ps = append(ps, cfntypes.Parameter{ParameterKey: sdkaws.String(k), ParameterValue: sdkaws.String(m[k])})
	}
	return ps
}

func tags(m map[string]string) []cfntypes.Tag {
	var ts []cfntypes.Tag
	for _, k := range sortedKeys(m) {
		ts = append(ts, cfntypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(m[k])})
	}
	return ts
}

func capabilities(names []string) []cfntypes.Capability {
	if names == nil {
		return defaultCapabilities
	}
	cs := make([]cfntypes.Capability, len(names))
	for i, n := range names {
		cs[i] = cfntypes.Capability(n)
	}
	return cs
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
