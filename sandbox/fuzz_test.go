package sandbox

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzQueryRequest posts arbitrary awsquery bodies to the endpoint: it must
// answer every one with a response (an AWS error shape or a result), never
// panic or hang.
func FuzzQueryRequest(f *testing.F) {
	for _, seed := range []string{
		"Action=DescribeStacks&Version=2010-05-15",
		"Action=CreateStack&Version=2010-05-15&StackName=a&TemplateBody=Resources%3A%0A++Q%3A%0A++++Type%3A+AWS%3A%3ASQS%3A%3AQueue%0A",
		"Action=CreateStack&StackName=a&TemplateBody=x&Parameters.member.1.ParameterKey=K&Parameters.member.x.ParameterValue=V",
		"Action=ListStacks&StackStatusFilter.member.1=CREATE_COMPLETE&StackStatusFilter.member.3=X",
		"Action=GetCallerIdentity&Version=2011-06-15",
		"Action=DescribeStackEvents&StackName=a&NextToken=-1",
		"%zz=1",
		"Action=ValidateTemplate&TemplateBody=%7B%22Resources%22%3A%7B%7D%7D",
	} {
		f.Add(seed)
	}
	sb, err := New(Options{Settle: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sb.Close() })
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, req)
		if rec.Code != 200 && !strings.Contains(rec.Body.String(), "<ErrorResponse") {
			t.Fatalf("status %d without an AWS error body: %s", rec.Code, rec.Body.String())
		}
	})
}

// FuzzCloudControlRequest posts arbitrary JSON to every Cloud Control
// operation.
func FuzzCloudControlRequest(f *testing.F) {
	for _, seed := range []struct{ op, body string }{
		{"GetResource", `{"TypeName":"AWS::S3::Bucket","Identifier":"b"}`},
		{"CreateResource", `{"TypeName":"AWS::SQS::Queue","DesiredState":"{\"QueueName\":\"q\"}"}`},
		{"UpdateResource", `{"TypeName":"AWS::SQS::Queue","Identifier":"x","PatchDocument":"[{\"op\":\"add\",\"path\":\"/DelaySeconds\",\"value\":1}]"}`},
		{"ListResources", `{"TypeName":"AWS::Logs::LogGroup","MaxResults":0}`},
		{"ListResourceRequests", `{"ResourceRequestStatusFilter":{"Operations":["CREATE"]}}`},
		{"GetResourceRequestStatus", `{"RequestToken":"nope"}`},
		{"DeleteResource", `{"TypeName":"AWS::Nope::Nope","Identifier":"{\"a\":1}"}`},
		{"Unknown", `[]`},
	} {
		f.Add(seed.op, seed.body)
	}
	sb, err := New(Options{Settle: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sb.Close() })
	f.Fuzz(func(t *testing.T, op, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "CloudApiService."+op)
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, req)
		if rec.Code != 200 && !strings.Contains(rec.Body.String(), `"__type"`) {
			t.Fatalf("status %d without an AWS error body: %s", rec.Code, rec.Body.String())
		}
	})
}
