package aws

import (
	"context"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"qualstate"
)

// stackAction names a CloudFormation call on a stack; id is what the call
// passes as StackName (the name or the stack's ARN), name is for people.
func stackAction(op, id, name string, more ...string) action {
	return action{
		op:       "cloudformation:" + op,
		request:  strings.Join(append([]string{"StackName=" + id}, more...), " "),
		resource: "stack " + name,
	}
}

// DescribeStack returns the stack, or nil when no stack has the name.
func (c *Client) DescribeStack(ctx context.Context, name string) (*qualstate.Stack, qualstate.Capture, error) {
	if err := c.ready(ctx); err != nil {
		return nil, qualstate.Capture{}, err
	}
	st, capt, err := c.describe(ctx, name, name)
	if err != nil || st == nil {
		return nil, qualstate.Capture{}, err
	}
	return stackOf(st), capt, nil
}

// describe returns the stack, or nil when it does not exist (or, asked
// by name, is deleted).
func (c *Client) describe(ctx context.Context, id, name string) (*cfntypes.Stack, qualstate.Capture, error) {
	out, capt, err := invoke(ctx, stackAction("DescribeStacks", id, name), func(ctx context.Context) (*cloudformation.DescribeStacksOutput, error) {
		return c.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: sdkaws.String(id)})
	})
	if err != nil {
		if qualstate.CodeOf(err) == qualstate.ErrNotFound {
			return nil, qualstate.Capture{}, nil
		}
		return nil, qualstate.Capture{}, err
	}
	if len(out.Stacks) == 0 {
		return nil, qualstate.Capture{}, nil
	}
	st := &out.Stacks[0]
	if id == name && st.StackStatus == cfntypes.StackStatusDeleteComplete {
		return nil, qualstate.Capture{}, nil
	}
	return st, capt, nil
}

// settled returns the stack by name once no operation is in progress on
// it (nil if there is no such stack): an operation left running by
// someone else, or by an interrupted run, must finish before another
// can start.
func (c *Client) settled(ctx context.Context, name string) (*cfntypes.Stack, error) {
	b := newBackoff()
	for {
		st, _, err := c.describe(ctx, name, name)
		if err != nil || st == nil || !inProgress(st.StackStatus) {
			return st, err
		}
		if err := b.sleep(ctx, "waiting for stack "+name+" to leave "+string(st.StackStatus)); err != nil {
			return nil, err
		}
	}
}

// StackTemplate returns the template body the stack was last created or
// updated with, as it was submitted.
func (c *Client) StackTemplate(ctx context.Context, name string) ([]byte, qualstate.Capture, error) {
	if err := c.ready(ctx); err != nil {
		return nil, qualstate.Capture{}, err
	}
	out, capt, err := invoke(ctx, stackAction("GetTemplate", name, name, "TemplateStage=Original"), func(ctx context.Context) (*cloudformation.GetTemplateOutput, error) {
		return c.cfn.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: sdkaws.String(name), TemplateStage: cfntypes.TemplateStageOriginal})
	})
	if err != nil {
		return nil, qualstate.Capture{}, err
	}
	return []byte(sdkaws.ToString(out.TemplateBody)), capt, nil
}

// StackResources lists the stack's resources, every page.
func (c *Client) StackResources(ctx context.Context, stack string) ([]qualstate.StackResource, []qualstate.Capture, error) {
	if err := c.ready(ctx); err != nil {
		return nil, nil, err
	}
	var res []qualstate.StackResource
	var captures []qualstate.Capture
	p := cloudformation.NewListStackResourcesPaginator(c.cfn, &cloudformation.ListStackResourcesInput{StackName: sdkaws.String(stack)})
	for p.HasMorePages() {
		page, capt, err := invoke(ctx, stackAction("ListStackResources", stack, stack), func(ctx context.Context) (*cloudformation.ListStackResourcesOutput, error) {
			return p.NextPage(ctx)
		})
		if err != nil {
			return nil, captures, err
		}
		captures = append(captures, capt)
		for _, r := range page.StackResourceSummaries {
			res = append(res, qualstate.StackResource{
				LogicalID:    sdkaws.ToString(r.LogicalResourceId),
				PhysicalID:   sdkaws.ToString(r.PhysicalResourceId),
				Type:         sdkaws.ToString(r.ResourceType),
				Status:       string(r.ResourceStatus),
				StatusReason: sdkaws.ToString(r.ResourceStatusReason),
			})
		}
	}
	return res, captures, nil
}

// DeleteStack deletes the stack and waits until it is gone. A stack that
// does not exist is already deleted.
func (c *Client) DeleteStack(ctx context.Context, name string, progress func(qualstate.StackEvent)) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	st, err := c.settled(ctx, name)
	if err != nil || st == nil {
		return err
	}
	return c.deleteAndWait(ctx, st, progress)
}

// deleteAndWait deletes a settled stack by its id, so that a new stack
// taking the name meanwhile is never touched, and waits for the end.
func (c *Client) deleteAndWait(ctx context.Context, st *cfntypes.Stack, progress func(qualstate.StackEvent)) error {
	name, id := sdkaws.ToString(st.StackName), sdkaws.ToString(st.StackId)
	w := &watcher{c: c, name: name, stackID: id, before: st.StackStatus, progress: progress}
	if err := w.mark(ctx); err != nil {
		return err
	}
	if _, _, err := invoke(ctx, stackAction("DeleteStack", id, name), func(ctx context.Context) (*cloudformation.DeleteStackOutput, error) {
		return c.cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: sdkaws.String(id)})
	}); err != nil {
		return err
	}
	final, _, err := w.wait(ctx)
	if err != nil {
		return err
	}
	if final == nil || final.StackStatus == cfntypes.StackStatusDeleteComplete {
		return nil
	}
	return w.failure(final)
}

// Exports returns the region's CloudFormation exports by name.
func (c *Client) Exports(ctx context.Context) (map[string]string, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	exports := map[string]string{}
	p := cloudformation.NewListExportsPaginator(c.cfn, &cloudformation.ListExportsInput{})
	for p.HasMorePages() {
		page, _, err := invoke(ctx, action{op: "cloudformation:ListExports"}, func(ctx context.Context) (*cloudformation.ListExportsOutput, error) {
			return p.NextPage(ctx)
		})
		if err != nil {
			return nil, err
		}
		for _, e := range page.Exports {
			exports[sdkaws.ToString(e.Name)] = sdkaws.ToString(e.Value)
		}
	}
	return exports, nil
}

func stackOf(st *cfntypes.Stack) *qualstate.Stack {
	s := &qualstate.Stack{
		Name:         sdkaws.ToString(st.StackName),
		ID:           sdkaws.ToString(st.StackId),
		Status:       string(st.StackStatus),
		StatusReason: sdkaws.ToString(st.StackStatusReason),
		Created:      sdkaws.ToTime(st.CreationTime),
	}
	if len(st.Outputs) > 0 {
		s.Outputs = make(map[string]string, len(st.Outputs))
		for _, o := range st.Outputs {
			s.Outputs[sdkaws.ToString(o.OutputKey)] = sdkaws.ToString(o.OutputValue)
		}
	}
	return s
}
