package sandbox

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

// hundredResources is a template of 100 resources in chains of
// references: 25 KMS keys, each with an alias, an encrypted log group and
// an encrypted SQS queue.
func hundredResources() string {
	var b strings.Builder
	b.WriteString("Resources:\n")
	for i := range 25 {
		fmt.Fprintf(&b, `  Key%[1]d:
    Type: AWS::KMS::Key
    Properties:
      Description: key %[1]d
  Alias%[1]d:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub alias/${AWS::StackName}-%[1]d
      TargetKeyId: !Ref Key%[1]d
  Logs%[1]d:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 365
      KmsKeyId: !GetAtt Key%[1]d.Arn
  Queue%[1]d:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref Alias%[1]d
`, i)
	}
	return b.String()
}

// BenchmarkStack100 creates and deletes a 100-resource stack through the
// SDK, waiting for each to complete: the cost of one IQ deployment's
// provisioning in the sandbox, HTTP and SQLite included.
func BenchmarkStack100(b *testing.B) {
	for _, dir := range []string{"memory", "file"} {
		b.Run(dir, func(b *testing.B) {
			opts := Options{}
			if dir == "file" {
				opts.DataDir = b.TempDir()
			}
			e := startSandbox(b, opts)
			ctx := context.Background()
			body := hundredResources()
			b.ResetTimer()
			for i := range b.N {
				name := fmt.Sprintf("bench-%d", i)
				out, err := e.cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(body)})
				if err != nil {
					b.Fatal(err)
				}
				id := aws.ToString(out.StackId)
				waitStatus(b, e, id, "CREATE_COMPLETE")
				if _, err := e.cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
					b.Fatal(err)
				}
				waitStatus(b, e, id, "DELETE_COMPLETE")
			}
		})
	}
}

// waitStatus polls a stack, by id so that a deleted one is found too.
func waitStatus(b *testing.B, e *testEndpoint, id, want string) {
	ctx := context.Background()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		out, err := e.cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(id)})
		if err != nil {
			b.Fatal(err)
		}
		st := out.Stacks[0]
		if string(st.StackStatus) == want {
			return
		}
		if strings.HasSuffix(string(st.StackStatus), "_FAILED") || strings.HasPrefix(string(st.StackStatus), "ROLLBACK") {
			b.Fatalf("%s: %s %s", id, st.StackStatus, aws.ToString(st.StackStatusReason))
		}
	}
	b.Fatalf("%s: not %s within a minute", id, want)
}

// BenchmarkGetResource reads one resource through Cloud Control from
// parallel clients: the rate a monitor can poll live state.
func BenchmarkGetResource(b *testing.B) {
	e := startSandbox(b, Options{})
	ctx := context.Background()
	req, err := e.cc.CreateResource(ctx, &cloudcontrol.CreateResourceInput{
		TypeName: aws.String("AWS::S3::Bucket"), DesiredState: aws.String(`{"BucketName":"bench-bucket","Tags":[{"Key":"k","Value":"v"}]}`)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.cc.GetResourceRequestStatus(ctx, &cloudcontrol.GetResourceRequestStatusInput{RequestToken: req.ProgressEvent.RequestToken}); err != nil {
		b.Fatal(err)
	}
	in := &cloudcontrol.GetResourceInput{TypeName: aws.String("AWS::S3::Bucket"), Identifier: aws.String("bench-bucket")}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.cc.GetResource(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
