package aws_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"qualstate"
	"qualstate/aws"
)

// TestGetResource: the live model decoded with the documented value
// types, and the errors of missing and unsupported resources.
func TestGetResource(t *testing.T) {
	c, srv := setup(t)
	deploy(t, c, "res", map[string]string{"Prefix": "res"})

	t.Run("properties", func(t *testing.T) {
		live, capt, err := c.GetResource(t.Context(), "AWS::Logs::LogGroup", "res-logs")
		if err != nil {
			t.Fatal(err)
		}
		if live.Type != "AWS::Logs::LogGroup" || live.Identifier != "res-logs" {
			t.Errorf("live = %s %s", live.Type, live.Identifier)
		}
		if got := live.Properties["RetentionInDays"]; got != int64(7) {
			t.Errorf("RetentionInDays = %#v, want int64(7)", got)
		}
		if got := live.Properties["LogGroupName"]; got != "res-logs" {
			t.Errorf("LogGroupName = %#v", got)
		}
		if arn, _ := live.Properties["Arn"].(string); !strings.Contains(arn, ":log-group:res-logs") {
			t.Errorf("Arn = %#v", live.Properties["Arn"])
		}
		if capt.Operation != "cloudcontrol:GetResource" || capt.Request != "TypeName=AWS::Logs::LogGroup Identifier=res-logs" {
			t.Errorf("capture %s %q", capt.Operation, capt.Request)
		}
		if capt.Endpoint != srv.URL || capt.ContentType != "application/x-amz-json-1.0" || capt.Time.IsZero() {
			t.Errorf("capture endpoint %q, content type %q, time %v", capt.Endpoint, capt.ContentType, capt.Time)
		}
		// The capture is the response as the service sent it.
		if direct := rawGetResource(t, srv.URL, "AWS::Logs::LogGroup", "res-logs"); !bytes.Equal(capt.Body, direct) {
			t.Errorf("captured body\n%s\ndiffers from a direct GetResource\n%s", capt.Body, direct)
		}
		var doc struct{ ResourceDescription struct{ Properties string } }
		if err := json.Unmarshal(capt.Body, &doc); err != nil {
			t.Fatal(err)
		}
		want, err := aws.DecodeProperties(doc.ResourceDescription.Properties)
		if err != nil || !reflect.DeepEqual(want, live.Properties) {
			t.Errorf("properties %v are not those of the captured body %v (%v)", live.Properties, want, err)
		}
	})

	t.Run("queue, identified by its URL", func(t *testing.T) {
		res, _, err := c.StackResources(t.Context(), "res")
		if err != nil {
			t.Fatal(err)
		}
		var url string
		for _, r := range res {
			if r.LogicalID == "Queue" {
				url = r.PhysicalID
			}
		}
		live, _, err := c.GetResource(t.Context(), "AWS::SQS::Queue", url)
		if err != nil {
			t.Fatal(err)
		}
		if got := live.Properties["MessageRetentionPeriod"]; got != int64(1209600) {
			t.Errorf("MessageRetentionPeriod = %#v, want int64(1209600)", got)
		}
	})

	for _, tc := range []struct {
		name, typeName, id string
		code               qualstate.ErrorCode
		fragments          []string
	}{
		{"missing resource", "AWS::Logs::LogGroup", "no-such-group", qualstate.ErrNotFound,
			[]string{"cloudcontrol:GetResource on AWS::Logs::LogGroup no-such-group", "not found"}},
		{"type without Cloud Control support", "AWS::Route53::HostedZone", "Z123", qualstate.ErrUnsupported,
			[]string{"cloudcontrol:GetResource on AWS::Route53::HostedZone Z123", "not supported"}},
		{"unknown type", "AWS::Qualstate::NoSuchThing", "x", qualstate.ErrUnsupported,
			[]string{"AWS::Qualstate::NoSuchThing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live, capt, err := c.GetResource(t.Context(), tc.typeName, tc.id)
			wantCode(t, err, tc.code, tc.fragments...)
			if live != nil || capt.Body != nil {
				t.Errorf("a failed GetResource returned %v and a capture", live)
			}
		})
	}
}

// TestUpdateResource: a patch is applied and read back; a patch of a
// create-only property is refused as invalid input and changes nothing.
func TestUpdateResource(t *testing.T) {
	c, _ := setup(t)
	deploy(t, c, "upd", map[string]string{"Prefix": "upd"})
	const lg = "AWS::Logs::LogGroup"

	t.Run("applies", func(t *testing.T) {
		capt, err := c.UpdateResource(t.Context(), lg, "upd-logs", []qualstate.PatchOp{{Op: "replace", Path: "/RetentionInDays", Value: 30}})
		if err != nil {
			t.Fatal(err)
		}
		if capt.Operation != "cloudcontrol:GetResourceRequestStatus" || !strings.Contains(string(capt.Body), `"SUCCESS"`) {
			t.Errorf("capture %s %s, want the final request status", capt.Operation, capt.Body)
		}
		if strings.Contains(capt.Request, "RetentionInDays") || !strings.HasPrefix(capt.Request, "RequestToken=") {
			t.Errorf("request summary %q", capt.Request)
		}
		live, _, err := c.GetResource(t.Context(), lg, "upd-logs")
		if err != nil {
			t.Fatal(err)
		}
		if got := live.Properties["RetentionInDays"]; got != int64(30) {
			t.Errorf("RetentionInDays = %#v after the patch, want 30", got)
		}
	})

	t.Run("create-only property", func(t *testing.T) {
		_, err := c.UpdateResource(t.Context(), lg, "upd-logs", []qualstate.PatchOp{{Op: "replace", Path: "/LogGroupName", Value: "renamed"}})
		wantCode(t, err, qualstate.ErrInvalidInput, "cloudcontrol:UpdateResource on AWS::Logs::LogGroup upd-logs", "LogGroupName")
		live, _, err := c.GetResource(t.Context(), lg, "upd-logs")
		if err != nil {
			t.Fatal(err)
		}
		if live.Properties["LogGroupName"] != "upd-logs" {
			t.Errorf("LogGroupName = %v after a refused patch", live.Properties["LogGroupName"])
		}
	})

	t.Run("missing resource", func(t *testing.T) {
		_, err := c.UpdateResource(t.Context(), lg, "no-such-group", []qualstate.PatchOp{{Op: "replace", Path: "/RetentionInDays", Value: 1}})
		wantCode(t, err, qualstate.ErrNotFound, "no-such-group")
	})
}

// TestDecodeProperties: integers stay exact int64, other numbers are
// float64, whatever the nesting.
func TestDecodeProperties(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]any
		err      string
	}{
		{"empty", ``, map[string]any{}, ""},
		{"scalars", `{"A":"s","B":true,"C":null,"D":7}`, map[string]any{"A": "s", "B": true, "C": nil, "D": int64(7)}, ""},
		{"beyond float64 precision", `{"N":9007199254740993}`, map[string]any{"N": int64(9007199254740993)}, ""},
		{"negative", `{"N":-42}`, map[string]any{"N": int64(-42)}, ""},
		{"fraction", `{"N":0.5}`, map[string]any{"N": 0.5}, ""},
		{"exponent", `{"N":1e3}`, map[string]any{"N": 1000.0}, ""},
		{"beyond int64", `{"N":18446744073709551616}`, map[string]any{"N": 18446744073709551616.0}, ""},
		{"nested", `{"L":[1,{"M":[2.5,3]}]}`, map[string]any{"L": []any{int64(1), map[string]any{"M": []any{2.5, int64(3)}}}}, ""},
		{"not an object", `[1]`, nil, "not an object"},
		{"not JSON", `{`, nil, "not JSON"},
		{"trailing data", `{} {}`, nil, "not one JSON value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := aws.DecodeProperties(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func BenchmarkDecodeProperties(b *testing.B) {
	in := `{"BucketName":"logs","BucketEncryption":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]},` +
		`"LifecycleConfiguration":{"Rules":[{"Id":"r","Status":"Enabled","ExpirationInDays":2555,"Transitions":[{"StorageClass":"GLACIER","TransitionInDays":90}]}]},` +
		`"Tags":[{"Key":"a","Value":"b"},{"Key":"c","Value":"d"}]}`
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := aws.DecodeProperties(in); err != nil {
			b.Fatal(err)
		}
	}
}
