package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// startSandboxCommand runs `qualstate sandbox` on a free loopback port and
// returns its URL; the command stops when the test ends.
func startSandboxCommand(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	var stderr strings.Builder
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), w, &stderr)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("sandbox did not start: %v; stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, r)
	url := regexp.MustCompile(`http://[0-9.]+:[0-9]+`).FindString(line)
	if url == "" {
		t.Fatalf("sandbox printed %q, want its URL", line)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exited:
			if code != exitOK {
				t.Errorf("sandbox exited %d: %s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("sandbox did not stop")
		}
	})
	return url
}

// The sandbox's acceptance scenario: an SDK program configured only by
// AWS_ENDPOINT_URL deploys a multi-resource stack, reads every resource
// through Cloud Control, changes one out of band, sees the drift, and
// deletes the stack.
func TestSandboxCommandServesTheSDK(t *testing.T) {
	url := startSandboxCommand(t, "--data", t.TempDir())
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cf, cc := cloudformation.NewFromConfig(cfg), cloudcontrol.NewFromConfig(cfg)
	body, err := os.ReadFile("testdata/sandbox/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	name := "tour"
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(name),
		TemplateBody: aws.String(string(body)), Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam}}); err != nil {
		t.Fatal(err)
	}
	fast := func(o *cloudformation.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	}
	if err := cloudformation.NewStackCreateCompleteWaiter(cf, fast).Wait(ctx,
		&cloudformation.DescribeStacksInput{StackName: aws.String(name)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	res, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.StackResources) != 6 {
		t.Fatalf("%d resources, want 6", len(res.StackResources))
	}
	var bucket string
	for _, r := range res.StackResources {
		got, err := cc.GetResource(ctx, &cloudcontrol.GetResourceInput{TypeName: r.ResourceType, Identifier: r.PhysicalResourceId})
		if err != nil {
			t.Errorf("Cloud Control GetResource %s %s: %v", aws.ToString(r.ResourceType), aws.ToString(r.PhysicalResourceId), err)
			continue
		}
		if aws.ToString(r.ResourceType) == "AWS::S3::Bucket" {
			bucket = aws.ToString(r.PhysicalResourceId)
			if !strings.Contains(aws.ToString(got.ResourceDescription.Properties), `"SSEAlgorithm":"aws:kms"`) {
				t.Errorf("bucket model lacks the template's KMS encryption: %s", aws.ToString(got.ResourceDescription.Properties))
			}
		}
	}
	req, err := cc.UpdateResource(ctx, &cloudcontrol.UpdateResourceInput{TypeName: aws.String("AWS::S3::Bucket"), Identifier: aws.String(bucket),
		PatchDocument: aws.String(`[{"op":"replace","path":"/VersioningConfiguration/Status","value":"Suspended"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := cloudcontrol.NewResourceRequestSuccessWaiter(cc, func(o *cloudcontrol.ResourceRequestSuccessWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
	}).Wait(ctx, &cloudcontrol.GetResourceRequestStatusInput{RequestToken: req.ProgressEvent.RequestToken}, time.Minute); err != nil {
		t.Fatal(err)
	}
	det, err := cf.DetectStackDrift(ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	status, err := cf.DescribeStackDriftDetectionStatus(ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: det.StackDriftDetectionId})
	if err != nil {
		t.Fatal(err)
	}
	if status.StackDriftStatus != cftypes.StackDriftStatusDrifted || aws.ToInt32(status.DriftedStackResourceCount) != 1 {
		t.Errorf("drift = %s with %d resources, want DRIFTED with 1", status.StackDriftStatus, aws.ToInt32(status.DriftedStackResourceCount))
	}
	drifts, err := cf.DescribeStackResourceDrifts(ctx, &cloudformation.DescribeStackResourceDriftsInput{StackName: aws.String(name),
		StackResourceDriftStatusFilters: []cftypes.StackResourceDriftStatus{cftypes.StackResourceDriftStatusModified}})
	if err != nil {
		t.Fatal(err)
	}
	if len(drifts.StackResourceDrifts) != 1 || len(drifts.StackResourceDrifts[0].PropertyDifferences) != 1 ||
		aws.ToString(drifts.StackResourceDrifts[0].PropertyDifferences[0].PropertyPath) != "/VersioningConfiguration/Status" {
		t.Fatalf("drifts = %+v, want the bucket's versioning status", drifts.StackResourceDrifts)
	}
	if _, err := cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if err := cloudformation.NewStackDeleteCompleteWaiter(cf, func(o *cloudformation.StackDeleteCompleteWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
	}).Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.GetResource(ctx, &cloudcontrol.GetResourceInput{TypeName: aws.String("AWS::S3::Bucket"), Identifier: aws.String(bucket)}); err == nil {
		t.Error("the bucket outlived its stack")
	}
}

func TestSandboxCommandRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"account", []string{"sandbox", "--account", "12"}},
		{"region", []string{"sandbox", "--region", "Mars"}},
		{"half credentials", []string{"sandbox", "--access-key-id", "AKID"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			if code := run(context.Background(), tc.args, strings.NewReader(""), io.Discard, &stderr); code != exitInput {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitInput, stderr.String())
			}
		})
	}
}
