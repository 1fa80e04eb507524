package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// These tests cover what only the sandbox has (its state file, its event
// log, redaction); conformance_test.go covers the AWS APIs.

type testEndpoint struct {
	sb  *Sandbox
	srv *httptest.Server
	cf  *cloudformation.Client
	cc  *cloudcontrol.Client
}

func startSandbox(t testing.TB, opts Options) *testEndpoint {
	t.Helper()
	sb, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	cfg := aws.Config{
		Region:       cmpOr(opts.Region, DefaultRegion),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(srv.URL),
	}
	e := &testEndpoint{sb: sb, srv: srv, cf: cloudformation.NewFromConfig(cfg), cc: cloudcontrol.NewFromConfig(cfg)}
	t.Cleanup(e.stop)
	return e
}

func (e *testEndpoint) stop() {
	if e.srv != nil {
		e.srv.Close()
		e.sb.Close()
		e.srv = nil
	}
}

const persistTemplate = `
Parameters:
  Secret:
    Type: String
    NoEcho: true
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      Tags:
        - Key: secret-hash
          Value: !Select [0, [!Ref Secret]]
Outputs:
  LogGroup:
    Value: !Ref Logs
`

func createStack(t *testing.T, e *testEndpoint, name, body string, params map[string]string) *cftypes.Stack {
	t.Helper()
	ctx := context.Background()
	in := &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(body)}
	for k, v := range params {
		in.Parameters = append(in.Parameters, cftypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)})
	}
	if _, err := e.cf.CreateStack(ctx, in); err != nil {
		t.Fatalf("CreateStack: %v", err)
	}
	out, err := cloudformation.NewStackCreateCompleteWaiter(e.cf, func(o *cloudformation.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}).WaitForOutput(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)}, 30*time.Second)
	if err != nil {
		t.Fatalf("wait for %s: %v", name, err)
	}
	return &out.Stacks[0]
}

func TestStatePersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	e := startSandbox(t, Options{DataDir: dir})
	st := createStack(t, e, "persist", persistTemplate, map[string]string{"Secret": "hunter2"})
	if got := aws.ToString(st.Outputs[0].OutputValue); !strings.HasPrefix(got, "persist-Logs-") {
		t.Errorf("output LogGroup = %q, want a generated name persist-Logs-…", got)
	}
	e.stop()

	e = startSandbox(t, Options{DataDir: dir})
	ctx := context.Background()
	out, err := e.cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("persist")})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Stacks[0].StackStatus; got != cftypes.StackStatusCreateComplete {
		t.Errorf("after restart: status %s", got)
	}
	if got := aws.ToString(out.Stacks[0].Parameters[0].ParameterValue); got != "****" {
		t.Errorf("NoEcho parameter shown as %q", got)
	}
	res, err := e.cf.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
		StackName: aws.String("persist"), LogicalResourceId: aws.String("Logs")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.cc.GetResource(ctx, &cloudcontrol.GetResourceInput{
		TypeName: aws.String("AWS::Logs::LogGroup"), Identifier: res.StackResourceDetail.PhysicalResourceId})
	if err != nil {
		t.Fatalf("Cloud Control after restart: %v", err)
	}
	if !strings.Contains(aws.ToString(got.ResourceDescription.Properties), `"RetentionInDays":30`) {
		t.Errorf("live model lost its properties: %s", aws.ToString(got.ResourceDescription.Properties))
	}
	events, err := e.cf.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("persist")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(events.StackEvents); n < 6 {
		t.Errorf("after restart %d stack events, want the create's (at least 6)", n)
	}
}

func TestInterruptedOperationFailsOnRestart(t *testing.T) {
	dir := t.TempDir()
	st, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	stuck := &stack{ID: "arn:aws:cloudformation:us-east-1:123456789012:stack/stuck/1", Name: "stuck",
		Status: "CREATE_IN_PROGRESS", Created: now()}
	if err := st.put(kindStack, stuck.ID, stuck); err != nil {
		t.Fatal(err)
	}
	st.close()
	sb, err := New(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	got := sb.stacks[stuck.ID]
	if got.Status != "CREATE_FAILED" || !strings.Contains(got.StatusReason, "stopped") {
		t.Errorf("stack left as %s (%s), want CREATE_FAILED with the reason", got.Status, got.StatusReason)
	}
}

// trailRecords reads the event log after seq.
func trailRecords(t *testing.T, url string, after int64, wait string) trailPage {
	t.Helper()
	resp, err := http.Get(url + "/_sandbox/events?after=" + itoa(after) + "&wait=" + wait)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET events: %d %s", resp.StatusCode, body)
	}
	var p trailPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("events: %v: %s", err, body)
	}
	return p
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestEventLogLongPoll(t *testing.T) {
	e := startSandbox(t, Options{})
	if p := trailRecords(t, e.srv.URL, 0, "10ms"); len(p.Records) != 0 || p.Next != 0 {
		t.Fatalf("empty log: %+v", p)
	}
	got := make(chan trailPage, 1)
	go func() { got <- trailRecords(t, e.srv.URL, 0, "20s") }()
	time.Sleep(50 * time.Millisecond)
	ctx := context.Background()
	req, err := e.cc.CreateResource(ctx, &cloudcontrol.CreateResourceInput{
		TypeName: aws.String("AWS::SQS::Queue"), DesiredState: aws.String(`{"QueueName":"orders"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var p trailPage
	select {
	case p = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("long poll did not return when an event was logged")
	}
	if len(p.Records) == 0 || p.Next != p.Sequences[len(p.Sequences)-1] {
		t.Fatalf("long poll: %+v", p)
	}
	// Wait for the request, then read everything it logged.
	if _, err := e.cc.GetResourceRequestStatus(ctx, &cloudcontrol.GetResourceRequestStatusInput{RequestToken: req.ProgressEvent.RequestToken}); err != nil {
		t.Fatal(err)
	}
	all := trailRecords(t, e.srv.URL, 0, "10ms")
	var names []string
	for _, raw := range all.Records {
		var rec trailRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		names = append(names, rec.EventSource+" "+rec.EventName)
		if rec.EventVersion == "" || rec.AWSRegion != "us-east-1" || rec.RecipientAccountID != DefaultAccount ||
			rec.UserIdentity.AccountID != DefaultAccount || rec.EventID == "" || rec.RequestID == "" {
			t.Errorf("record lacks CloudTrail fields: %s", raw)
		}
		if len(rec.Resources) != 1 || !strings.HasPrefix(rec.Resources[0].ARN, "arn:aws:sqs:us-east-1:123456789012:orders") {
			t.Errorf("record resources = %+v, want the queue's ARN", rec.Resources)
		}
	}
	want := []string{"cloudcontrolapi.amazonaws.com CreateResource", "sqs.amazonaws.com CreateQueue"}
	if strings.Join(names, "; ") != strings.Join(want, "; ") {
		t.Errorf("records = %v, want %v", names, want)
	}
	if later := trailRecords(t, e.srv.URL, all.Next, "10ms"); len(later.Records) != 0 {
		t.Errorf("after the last record: %d more", len(later.Records))
	}
}

func TestEventLogRejectsBadQueries(t *testing.T) {
	e := startSandbox(t, Options{})
	for _, q := range []string{"after=x", "after=-1", "wait=forever", "limit=0"} {
		t.Run(q, func(t *testing.T) {
			resp, err := http.Get(e.srv.URL + "/_sandbox/events?" + q)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
		})
	}
}

// Secrets must not reach the event log or the Cloud Control view: NoEcho
// parameters, write-only properties.
func TestSecretsStayOutOfTheRecord(t *testing.T) {
	e := startSandbox(t, Options{})
	body := `
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: "20"
      MasterUsername: admin
      MasterUserPassword: !Ref DbPassword
`
	createStack(t, e, "secrets", body, map[string]string{"DbPassword": "correct-horse-battery"})
	all := trailRecords(t, e.srv.URL, 0, "10ms")
	for _, raw := range all.Records {
		if strings.Contains(string(raw), "correct-horse-battery") {
			t.Errorf("the password is in the event log: %s", raw)
		}
	}
	ctx := context.Background()
	res, err := e.cf.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
		StackName: aws.String("secrets"), LogicalResourceId: aws.String("Db")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.cc.GetResource(ctx, &cloudcontrol.GetResourceInput{
		TypeName: aws.String("AWS::RDS::DBInstance"), Identifier: res.StackResourceDetail.PhysicalResourceId})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(aws.ToString(got.ResourceDescription.Properties), "correct-horse-battery") {
		t.Errorf("Cloud Control shows the write-only password: %s", aws.ToString(got.ResourceDescription.Properties))
	}
	events, err := e.cf.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("secrets")})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events.StackEvents {
		if strings.Contains(aws.ToString(ev.ResourceProperties), "correct-horse-battery") {
			t.Errorf("a stack event shows the password: %s", aws.ToString(ev.ResourceProperties))
		}
	}
}

func TestUnsupportedTypeFailsTheStackNamingIt(t *testing.T) {
	e := startSandbox(t, Options{})
	ctx := context.Background()
	body := `
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
  Zone:
    Type: AWS::Route53::HostedZone
    DependsOn: Logs
    Properties:
      Name: example.com
`
	if _, err := e.cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("unsupported"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	out, err := e.cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("unsupported")})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Stacks[0].StackStatus; got != cftypes.StackStatusRollbackComplete {
		t.Fatalf("status %s, want ROLLBACK_COMPLETE", got)
	}
	events, err := e.cf.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("unsupported")})
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	for _, ev := range events.StackEvents {
		if ev.ResourceStatus == cftypes.ResourceStatusCreateFailed {
			reason = aws.ToString(ev.ResourceStatusReason)
		}
	}
	if !strings.Contains(reason, "AWS::Route53::HostedZone") || !strings.Contains(reason, "not supported") {
		t.Errorf("failure reason %q does not name the unsupported type", reason)
	}
}

// Many clients at once on one sandbox: stacks created and deleted in
// parallel while Cloud Control reads, lists and the event log are served.
func TestConcurrentClients(t *testing.T) {
	e := startSandbox(t, Options{DataDir: t.TempDir()})
	ctx := context.Background()
	errs := make(chan error, 16)
	for i := range 8 {
		go func() {
			name := "parallel-" + itoa(int64(i))
			_, err := e.cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(persistTemplate),
				Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Secret"), ParameterValue: aws.String("s")}}})
			if err == nil {
				_, err = cloudformation.NewStackCreateCompleteWaiter(e.cf, func(o *cloudformation.StackCreateCompleteWaiterOptions) {
					o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
				}).WaitForOutput(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)}, 30*time.Second)
			}
			if err == nil {
				_, err = e.cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)})
			}
			errs <- err
		}()
		go func() {
			var err error
			for range 20 {
				if _, err = e.cc.ListResources(ctx, &cloudcontrol.ListResourcesInput{TypeName: aws.String("AWS::SQS::Queue")}); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	p := trailRecords(t, e.srv.URL, 0, "10ms")
	if len(p.Records) < 8*3 {
		t.Errorf("%d events for 8 stacks of 2 resources, want at least 24", len(p.Records))
	}
	for i := 1; i < len(p.Sequences); i++ {
		if p.Sequences[i] <= p.Sequences[i-1] {
			t.Fatalf("event sequence not increasing at %d: %v", i, p.Sequences[i-1:i+1])
		}
	}
}

// A resource whose in-place update fails is restored with the rest: its
// template properties go back, so the stack shows no drift afterwards.
func TestFailedInPlaceUpdateRollsBack(t *testing.T) {
	e := startSandbox(t, Options{})
	ctx := context.Background()
	tpl := func(days string) string {
		return "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: " + days + "\n"
	}
	createStack(t, e, "inplace", tpl("30"), nil)
	if _, err := e.cf.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("inplace"), TemplateBody: aws.String(tpl("31"))}); err != nil {
		t.Fatal(err)
	}
	out, err := e.cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("inplace")})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Stacks[0].StackStatus; got != cftypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("status %s (%s), want UPDATE_ROLLBACK_COMPLETE", got, aws.ToString(out.Stacks[0].StackStatusReason))
	}
	det, err := e.cf.DetectStackDrift(ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String("inplace")})
	if err != nil {
		t.Fatal(err)
	}
	status, err := e.cf.DescribeStackDriftDetectionStatus(ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: det.StackDriftDetectionId})
	if err != nil {
		t.Fatal(err)
	}
	if status.StackDriftStatus != cftypes.StackDriftStatusInSync {
		t.Errorf("after the rollback the stack is %s, want IN_SYNC", status.StackDriftStatus)
	}
	res, err := e.cf.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String("inplace"), LogicalResourceId: aws.String("Logs")})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.StackResourceDetail.ResourceStatus; got != cftypes.ResourceStatusUpdateComplete {
		t.Errorf("resource status %s, want UPDATE_COMPLETE", got)
	}
}
