package awsquery

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

const (
	cfnNamespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// fakeAWS stands in for the service behind an SDK client: it keeps the
// request the client sent and answers with what respond writes.
type fakeAWS struct {
	t       *testing.T
	body    []byte
	header  http.Header
	respond func(w http.ResponseWriter, v Values)
}

func (f *fakeAWS) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	f.body, f.header = body, r.Header.Clone()
	v, err := Parse(body)
	if err != nil {
		f.t.Errorf("Parse of the SDK's request: %v", err)
	}
	rec := httptest.NewRecorder()
	f.respond(rec, v)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

func newFake(t *testing.T, respond func(http.ResponseWriter, Values)) *fakeAWS {
	return &fakeAWS{t: t, respond: respond}
}

func cfnClient(f *fakeAWS) *cloudformation.Client {
	return cloudformation.New(cloudformation.Options{
		Region:      "us-east-1",
		Credentials: aws.AnonymousCredentials{},
		HTTPClient:  f,
		Retryer:     aws.NopRetryer{},
	})
}

func stsClient(f *fakeAWS) *sts.Client {
	return sts.New(sts.Options{
		Region:      "us-east-1",
		Credentials: aws.AnonymousCredentials{},
		HTTPClient:  f,
		Retryer:     aws.NopRetryer{},
	})
}

// result answers any call with an empty result of the request's action.
func result(t *testing.T, namespace string) func(http.ResponseWriter, Values) {
	return func(w http.ResponseWriter, v Values) {
		if err := WriteResult(w, namespace, v.Action(), "req-1", struct{}{}); err != nil {
			t.Error(err)
		}
	}
}

// TestSDKRequest serializes requests with the Go SDK and reads every field
// back.
func TestSDKRequest(t *testing.T) {
	t.Run("CreateStack", func(t *testing.T) {
		f := newFake(t, result(t, cfnNamespace))
		var params []cfntypes.Parameter
		for i := 1; i <= 12; i++ {
			params = append(params, cfntypes.Parameter{ParameterKey: aws.String(fmt.Sprintf("P%d", i)), ParameterValue: aws.String(fmt.Sprintf("v %d&=", i))})
		}
		params[11].ParameterValue = nil
		params[11].UsePreviousValue = aws.Bool(true)
		template := "{\"Description\": \"a&b=c+d %41 / ü ☃ <x>\\n\"}\n"
		_, err := cfnClient(f).CreateStack(context.Background(), &cloudformation.CreateStackInput{
			StackName:        aws.String("demo"),
			TemplateBody:     aws.String(template),
			Parameters:       params,
			Capabilities:     []cfntypes.Capability{cfntypes.CapabilityCapabilityIam, cfntypes.CapabilityCapabilityAutoExpand},
			Tags:             []cfntypes.Tag{{Key: aws.String("team"), Value: aws.String("a b")}, {Key: aws.String("empty"), Value: aws.String("")}},
			NotificationARNs: []string{},
			TimeoutInMinutes: aws.Int32(30),
			DisableRollback:  aws.Bool(false),
			OnFailure:        cfntypes.OnFailureDelete,
			RollbackConfiguration: &cfntypes.RollbackConfiguration{
				MonitoringTimeInMinutes: aws.Int32(5),
				RollbackTriggers: []cfntypes.RollbackTrigger{
					{Arn: aws.String("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"), Type: aws.String("AWS::CloudWatch::Alarm")},
					{Arn: aws.String("arn:aws:cloudwatch:us-east-1:123456789012:alarm:b"), Type: aws.String("AWS::CloudWatch::Alarm")},
				},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if ct := f.header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q", ct)
		}
		v, err := Parse(f.body)
		if err != nil {
			t.Fatal(err)
		}
		if v.Action() != "CreateStack" || v.Version() != "2010-05-15" {
			t.Errorf("Action, Version = %q, %q", v.Action(), v.Version())
		}
		if v.String("StackName") != "demo" || v.String("TemplateBody") != template || v.String("OnFailure") != "DELETE" {
			t.Errorf("StackName, TemplateBody, OnFailure = %q, %q, %q", v.String("StackName"), v.String("TemplateBody"), v.String("OnFailure"))
		}
		got, err := v.Structs("Parameters")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 12 {
			t.Fatalf("%d parameters, want 12", len(got))
		}
		for i, p := range got[:11] {
			if p.String("ParameterKey") != *params[i].ParameterKey || p.String("ParameterValue") != *params[i].ParameterValue || p.Has("UsePreviousValue") {
				t.Errorf("Parameters[%d] = %v, want %+v", i, p.m, params[i])
			}
		}
		if b, ok, err := got[11].Bool("UsePreviousValue"); !b || !ok || err != nil || got[11].Has("ParameterValue") {
			t.Errorf("Parameters[11] = %v", got[11].m)
		}
		if caps, err := v.List("Capabilities"); err != nil || !reflect.DeepEqual(caps, []string{"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}) {
			t.Errorf("Capabilities = %q, %v", caps, err)
		}
		tags, err := v.Structs("Tags")
		if err != nil || len(tags) != 2 || tags[0].String("Key") != "team" || tags[0].String("Value") != "a b" || !tags[1].Has("Value") || tags[1].String("Value") != "" {
			t.Errorf("Tags = %v, %v", tags, err)
		}
		if arns, err := v.List("NotificationARNs"); err != nil || arns == nil || len(arns) != 0 || !v.ListPresent("NotificationARNs") {
			t.Errorf("NotificationARNs = %#v, %v", arns, err)
		}
		if v.ListPresent("ResourceTypes") {
			t.Error("ResourceTypes present")
		}
		if n, ok, err := v.Int("TimeoutInMinutes"); n != 30 || !ok || err != nil {
			t.Errorf("TimeoutInMinutes = %v, %v, %v", n, ok, err)
		}
		if b, ok, err := v.Bool("DisableRollback"); b || !ok || err != nil {
			t.Errorf("DisableRollback = %v, %v, %v", b, ok, err)
		}
		if _, ok, _ := v.Bool("EnableTerminationProtection"); ok {
			t.Error("EnableTerminationProtection present")
		}
		if n, ok, err := v.Int("RollbackConfiguration.MonitoringTimeInMinutes"); n != 5 || !ok || err != nil {
			t.Errorf("MonitoringTimeInMinutes = %v, %v, %v", n, ok, err)
		}
		triggers, err := v.Structs("RollbackConfiguration.RollbackTriggers")
		if err != nil || len(triggers) != 2 || !strings.HasSuffix(triggers[1].String("Arn"), ":alarm:b") || triggers[0].String("Type") != "AWS::CloudWatch::Alarm" {
			t.Errorf("RollbackTriggers = %v, %v", triggers, err)
		}
	})

	t.Run("UpdateStack empty versus absent list", func(t *testing.T) {
		f := newFake(t, result(t, cfnNamespace))
		_, err := cfnClient(f).UpdateStack(context.Background(), &cloudformation.UpdateStackInput{
			StackName:           aws.String("demo"),
			UsePreviousTemplate: aws.Bool(true),
			Capabilities:        []cfntypes.Capability{},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(f.body), "&Capabilities=&") {
			t.Errorf("body %q does not send Capabilities=", f.body)
		}
		v, _ := Parse(f.body)
		if caps, err := v.List("Capabilities"); err != nil || caps == nil || len(caps) != 0 || !v.ListPresent("Capabilities") {
			t.Errorf("Capabilities = %#v, %v", caps, err)
		}
		if v.ListPresent("Tags") || v.ListPresent("Parameters") {
			t.Error("absent lists reported present")
		}
	})

	t.Run("STS AssumeRole", func(t *testing.T) {
		f := newFake(t, result(t, stsNamespace))
		_, err := stsClient(f).AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn:           aws.String("arn:aws:iam::123456789012:role/r"),
			RoleSessionName:   aws.String("s"),
			DurationSeconds:   aws.Int32(900),
			PolicyArns:        []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
			Tags:              []ststypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
			TransitiveTagKeys: []string{"k"},
		})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := Parse(f.body)
		if v.Action() != "AssumeRole" || v.Version() != "2011-06-15" {
			t.Errorf("Action, Version = %q, %q", v.Action(), v.Version())
		}
		if arns, err := v.Structs("PolicyArns"); err != nil || len(arns) != 1 || arns[0].String("arn") != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
			t.Errorf("PolicyArns = %v, %v", arns, err)
		}
		if keys, err := v.List("TransitiveTagKeys"); err != nil || !reflect.DeepEqual(keys, []string{"k"}) {
			t.Errorf("TransitiveTagKeys = %q, %v", keys, err)
		}
		if n, _, _ := v.Int("DurationSeconds"); n != 900 {
			t.Errorf("DurationSeconds = %d", n)
		}
	})
}

// Result shapes as a server would declare them: no XMLName, lists as
// "Name>member".
type (
	cfnParameter struct {
		ParameterKey   string `xml:"ParameterKey"`
		ParameterValue string `xml:"ParameterValue"`
	}
	cfnOutput struct {
		OutputKey   string `xml:"OutputKey"`
		OutputValue string `xml:"OutputValue"`
		ExportName  string `xml:"ExportName,omitempty"`
	}
	cfnStack struct {
		StackID                     string         `xml:"StackId"`
		StackName                   string         `xml:"StackName"`
		Description                 string         `xml:"Description,omitempty"`
		CreationTime                time.Time      `xml:"CreationTime"`
		LastUpdatedTime             *time.Time     `xml:"LastUpdatedTime,omitempty"`
		StackStatus                 string         `xml:"StackStatus"`
		DisableRollback             bool           `xml:"DisableRollback"`
		EnableTerminationProtection bool           `xml:"EnableTerminationProtection"`
		TimeoutInMinutes            int            `xml:"TimeoutInMinutes,omitempty"`
		Parameters                  []cfnParameter `xml:"Parameters>member"`
		Outputs                     []cfnOutput    `xml:"Outputs>member"`
		Capabilities                []string       `xml:"Capabilities>member"`
	}
	describeStacksResult struct {
		Stacks    []cfnStack `xml:"Stacks>member"`
		NextToken string     `xml:"NextToken,omitempty"`
	}
)

// TestSDKResult checks that the SDK decodes what WriteResult writes.
func TestSDKResult(t *testing.T) {
	ctx := context.Background()
	t.Run("CreateStack", func(t *testing.T) {
		const arn = "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1"
		f := newFake(t, func(w http.ResponseWriter, v Values) {
			res := struct {
				StackID string `xml:"StackId"`
			}{arn}
			if err := WriteResult(w, cfnNamespace, v.Action(), "req-create", res); err != nil {
				t.Error(err)
			}
		})
		out, err := cfnClient(f).CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("demo")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.StackId) != arn {
			t.Errorf("StackId = %q", aws.ToString(out.StackId))
		}
		if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != "req-create" {
			t.Errorf("request id = %q", id)
		}
	})

	t.Run("DescribeStacks", func(t *testing.T) {
		created := time.Date(2026, 1, 2, 3, 4, 5, 123000000, time.UTC)
		stack := cfnStack{
			StackID:                     "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1",
			StackName:                   "demo",
			Description:                 `<tricky> & "quoted" 'text' ]]> ü`,
			CreationTime:                created,
			StackStatus:                 "CREATE_COMPLETE",
			EnableTerminationProtection: true,
			TimeoutInMinutes:            30,
			Parameters:                  []cfnParameter{{"A", "1"}, {"B", ""}},
			Outputs:                     []cfnOutput{{OutputKey: "Url", OutputValue: "http://x/?a=1&b=2", ExportName: "demo-url"}},
			Capabilities:                []string{"CAPABILITY_IAM"},
		}
		f := newFake(t, func(w http.ResponseWriter, v Values) {
			res := describeStacksResult{Stacks: []cfnStack{stack, {StackName: "other", CreationTime: created, StackStatus: "CREATE_IN_PROGRESS"}}}
			if err := WriteResult(w, cfnNamespace, v.Action(), "req-describe", &res); err != nil {
				t.Error(err)
			}
		})
		out, err := cfnClient(f).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Stacks) != 2 {
			t.Fatalf("%d stacks", len(out.Stacks))
		}
		s := out.Stacks[0]
		if aws.ToString(s.StackId) != stack.StackID || aws.ToString(s.StackName) != "demo" || aws.ToString(s.Description) != stack.Description {
			t.Errorf("StackId, StackName, Description = %q, %q, %q", aws.ToString(s.StackId), aws.ToString(s.StackName), aws.ToString(s.Description))
		}
		if !aws.ToTime(s.CreationTime).Equal(created) || s.LastUpdatedTime != nil {
			t.Errorf("CreationTime, LastUpdatedTime = %v, %v", s.CreationTime, s.LastUpdatedTime)
		}
		if s.StackStatus != cfntypes.StackStatusCreateComplete || aws.ToBool(s.DisableRollback) || !aws.ToBool(s.EnableTerminationProtection) || aws.ToInt32(s.TimeoutInMinutes) != 30 {
			t.Errorf("StackStatus, DisableRollback, EnableTerminationProtection, TimeoutInMinutes = %v, %v, %v, %v",
				s.StackStatus, aws.ToBool(s.DisableRollback), aws.ToBool(s.EnableTerminationProtection), aws.ToInt32(s.TimeoutInMinutes))
		}
		if len(s.Parameters) != 2 || aws.ToString(s.Parameters[1].ParameterKey) != "B" || aws.ToString(s.Parameters[1].ParameterValue) != "" {
			t.Errorf("Parameters = %+v", s.Parameters)
		}
		if len(s.Outputs) != 1 || aws.ToString(s.Outputs[0].OutputValue) != "http://x/?a=1&b=2" || aws.ToString(s.Outputs[0].ExportName) != "demo-url" {
			t.Errorf("Outputs = %+v", s.Outputs)
		}
		if !reflect.DeepEqual(s.Capabilities, []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}) {
			t.Errorf("Capabilities = %v", s.Capabilities)
		}
		if o := out.Stacks[1]; aws.ToString(o.StackName) != "other" || len(o.Parameters) != 0 || o.Description != nil {
			t.Errorf("second stack = %+v", o)
		}
	})

	t.Run("DeleteStack without a result", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, v Values) {
			if err := WriteResult(w, cfnNamespace, v.Action(), "req-delete", nil); err != nil {
				t.Error(err)
			}
		})
		if _, err := cfnClient(f).DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("demo")}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("empty output needs the Result element", func(t *testing.T) {
		var res any
		f := newFake(t, func(w http.ResponseWriter, v Values) {
			if err := WriteResult(w, cfnNamespace, v.Action(), "req-exec", res); err != nil {
				t.Error(err)
			}
		})
		in := &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String("cs")}
		res = struct{}{}
		if _, err := cfnClient(f).ExecuteChangeSet(ctx, in); err != nil {
			t.Errorf("with struct{}{}: %v", err)
		}
		res = nil
		if _, err := cfnClient(f).ExecuteChangeSet(ctx, in); err == nil {
			t.Error("with nil: the SDK accepted a response without ExecuteChangeSetResult")
		}
	})

	t.Run("STS GetCallerIdentity", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, v Values) {
			res := struct {
				Arn     string `xml:"Arn"`
				UserID  string `xml:"UserId"`
				Account string `xml:"Account"`
			}{"arn:aws:iam::123456789012:user/u", "AIDAEXAMPLE", "123456789012"}
			if err := WriteResult(w, stsNamespace, v.Action(), "req-sts", res); err != nil {
				t.Error(err)
			}
		})
		out, err := stsClient(f).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Account) != "123456789012" || aws.ToString(out.Arn) != "arn:aws:iam::123456789012:user/u" || aws.ToString(out.UserId) != "AIDAEXAMPLE" {
			t.Errorf("GetCallerIdentity = %+v", out)
		}
	})
}

// TestSDKError checks that the SDK decodes what WriteError writes.
func TestSDKError(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		e       ErrorResponse
		code    string
		message string
		fault   smithy.ErrorFault
		typed   any
	}{
		{
			name:    "ValidationError",
			status:  http.StatusBadRequest,
			e:       ErrorResponse{Type: "Sender", Code: "ValidationError", Message: "Stack with id demo does not exist"},
			code:    "ValidationError",
			message: "Stack with id demo does not exist",
			fault:   smithy.FaultUnknown,
		},
		{
			name:    "modeled error",
			status:  http.StatusBadRequest,
			e:       ErrorResponse{Code: "AlreadyExistsException", Message: "Stack [demo] already exists"},
			code:    "AlreadyExistsException",
			message: "Stack [demo] already exists",
			fault:   smithy.FaultClient,
			typed:   new(*cfntypes.AlreadyExistsException),
		},
		{
			name:    "receiver fault",
			status:  http.StatusInternalServerError,
			e:       ErrorResponse{Type: "Receiver", Code: "InternalFailure", Message: "boom"},
			code:    "InternalFailure",
			message: "boom",
			fault:   smithy.FaultUnknown,
		},
		{
			name:    "markup in the message",
			status:  http.StatusBadRequest,
			e:       ErrorResponse{Code: "ValidationError", Message: `Template format error: <a> & "b" ]]>`},
			code:    "ValidationError",
			message: `Template format error: <a> & "b" ]]>`,
			fault:   smithy.FaultUnknown,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, _ Values) {
				if err := WriteError(w, cfnNamespace, tt.status, tt.e, "req-err"); err != nil {
					t.Error(err)
				}
			})
			_, err := cfnClient(f).CreateStack(context.Background(), &cloudformation.CreateStackInput{StackName: aws.String("demo")})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not a smithy.APIError", err)
			}
			if apiErr.ErrorCode() != tt.code || apiErr.ErrorMessage() != tt.message || apiErr.ErrorFault() != tt.fault {
				t.Errorf("code, message, fault = %q, %q, %v; want %q, %q, %v",
					apiErr.ErrorCode(), apiErr.ErrorMessage(), apiErr.ErrorFault(), tt.code, tt.message, tt.fault)
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) || respErr.ServiceRequestID() != "req-err" || respErr.HTTPStatusCode() != tt.status {
				t.Errorf("response error = %v", respErr)
			}
			if tt.typed != nil && !errors.As(err, tt.typed) {
				t.Errorf("error %v is not a %T", err, tt.typed)
			}
		})
	}
}

// TestWire pins the bytes and headers, which botocore parses with its own
// XML parser.
func TestWire(t *testing.T) {
	t.Run("result", func(t *testing.T) {
		rec := httptest.NewRecorder()
		res := struct {
			StackID string `xml:"StackId"`
		}{"arn:a&b"}
		if err := WriteResult(rec, cfnNamespace, "CreateStack", "r-1", res); err != nil {
			t.Fatal(err)
		}
		want := `<CreateStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">` +
			`<CreateStackResult><StackId>arn:a&amp;b</StackId></CreateStackResult>` +
			`<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></CreateStackResponse>`
		checkWire(t, rec, http.StatusOK, want, "r-1")
	})
	t.Run("result with XMLName", func(t *testing.T) {
		rec := httptest.NewRecorder()
		res := struct {
			XMLName xml.Name `xml:"Ignored"`
			Account string   `xml:"Account"`
		}{Account: "1"}
		if err := WriteResult(rec, stsNamespace, "GetCallerIdentity", "r-2", res); err != nil {
			t.Fatal(err)
		}
		want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
			`<GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult>` +
			`<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
		checkWire(t, rec, http.StatusOK, want, "r-2")
	})
	t.Run("nil result", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := WriteResult(rec, cfnNamespace, "DeleteStack", "r-3", nil); err != nil {
			t.Fatal(err)
		}
		want := `<DeleteStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">` +
			`<ResponseMetadata><RequestId>r-3</RequestId></ResponseMetadata></DeleteStackResponse>`
		checkWire(t, rec, http.StatusOK, want, "r-3")
	})
	t.Run("error", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := WriteError(rec, cfnNamespace, http.StatusBadRequest, ErrorResponse{Type: "Sender", Code: "ValidationError", Message: "a < b"}, "r-4"); err != nil {
			t.Fatal(err)
		}
		want := `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">` +
			`<Error><Type>Sender</Type><Code>ValidationError</Code><Message>a &lt; b</Message></Error>` +
			`<RequestId>r-4</RequestId></ErrorResponse>`
		checkWire(t, rec, http.StatusBadRequest, want, "r-4")
	})
	t.Run("error type from status", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := WriteError(rec, stsNamespace, http.StatusServiceUnavailable, ErrorResponse{Code: "ServiceUnavailable"}, "r-5"); err != nil {
			t.Fatal(err)
		}
		want := `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
			`<Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message></Message></Error>` +
			`<RequestId>r-5</RequestId></ErrorResponse>`
		checkWire(t, rec, http.StatusServiceUnavailable, want, "r-5")
	})
}

func checkWire(t *testing.T, rec *httptest.ResponseRecorder, status int, body, requestID string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status = %d, want %d", rec.Code, status)
	}
	if got := rec.Body.String(); got != body {
		t.Errorf("body =\n%s\nwant\n%s", got, body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q", ct)
	}
	if id := rec.Header().Get("x-amzn-RequestId"); id != requestID {
		t.Errorf("x-amzn-RequestId = %q", id)
	}
	if cl := rec.Header().Get("Content-Length"); cl != fmt.Sprint(len(body)) {
		t.Errorf("Content-Length = %q, want %d", cl, len(body))
	}
}

// TestWriteRefuses checks that a response that cannot be written correctly
// is not written at all, so the caller can still send an error.
func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name  string
		write func(w http.ResponseWriter) error
	}{
		{"action with a space", func(w http.ResponseWriter) error {
			return WriteResult(w, cfnNamespace, "Create Stack", "r", nil)
		}},
		{"action with markup", func(w http.ResponseWriter) error {
			return WriteResult(w, cfnNamespace, "X><Y", "r", nil)
		}},
		{"empty action", func(w http.ResponseWriter) error {
			return WriteResult(w, cfnNamespace, "", "r", nil)
		}},
		{"unmarshalable result", func(w http.ResponseWriter) error {
			return WriteResult(w, cfnNamespace, "CreateStack", "r", struct {
				C chan int `xml:"C"`
			}{make(chan int)})
		}},
		{"status 200", func(w http.ResponseWriter) error {
			return WriteError(w, cfnNamespace, http.StatusOK, ErrorResponse{Code: "X"}, "r")
		}},
		{"status 302", func(w http.ResponseWriter) error {
			return WriteError(w, cfnNamespace, http.StatusFound, ErrorResponse{Code: "X"}, "r")
		}},
		{"bad type", func(w http.ResponseWriter) error {
			return WriteError(w, cfnNamespace, http.StatusBadRequest, ErrorResponse{Type: "Client", Code: "X"}, "r")
		}},
		{"no code", func(w http.ResponseWriter) error {
			return WriteError(w, cfnNamespace, http.StatusBadRequest, ErrorResponse{Message: "m"}, "r")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := tt.write(rec); err == nil {
				t.Fatal("no error")
			}
			if rec.Body.Len() != 0 || len(rec.Header()) != 0 {
				t.Errorf("wrote %d bytes and headers %v", rec.Body.Len(), rec.Header())
			}
		})
	}
}
