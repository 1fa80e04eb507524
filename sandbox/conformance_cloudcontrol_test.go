package sandbox_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	cctypes "github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/aws/smithy-go"
)

// TestConformanceCloudControl: Cloud Control round trips for a few types,
// from CreateResource to DeleteResource, with the defaults the services
// apply, JSON Patch updates, create-only properties and the request list.
func TestConformanceCloudControl(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	for _, tc := range []struct {
		typeName string
		desired  func(name string) map[string]any
		// identifier derives the primary identifier from the name.
		identifier func(name, returned string) bool
		defaults   func(name string) []check
		patch      string // a JSON Patch of a mutable property
		patched    []check
		createOnly string // a JSON Patch of a create-only property; NAME is the name
		nameAt     string // where the model holds the name
	}{
		{
			typeName:   "AWS::Logs::LogGroup",
			desired:    func(name string) map[string]any { return map[string]any{"LogGroupName": name, "RetentionInDays": 7} },
			identifier: func(name, id string) bool { return id == name },
			defaults: func(name string) []check {
				return []check{{"/RetentionInDays", equal(7)}, {"/Arn", containing(":log-group:" + name)}}
			},
			patch:      `[{"op":"replace","path":"/RetentionInDays","value":14}]`,
			patched:    []check{{"/RetentionInDays", equal(14)}},
			createOnly: `[{"op":"replace","path":"/LogGroupName","value":"NAME-renamed"}]`,
			nameAt:     "/LogGroupName",
		},
		{
			typeName: "AWS::SQS::Queue",
			desired:  func(name string) map[string]any { return map[string]any{"QueueName": name} },
			// The primary identifier is the queue URL.
			identifier: func(name, id string) bool { return strings.HasPrefix(id, "http") && strings.HasSuffix(id, "/"+name) },
			defaults: func(name string) []check {
				return []check{
					{"/VisibilityTimeout", equal(30)},
					{"/MessageRetentionPeriod", equal(345600)},
					{"/DelaySeconds", equal(0)},
					{"/ReceiveMessageWaitTimeSeconds", equal(0)},
					{"/SqsManagedSseEnabled", equal(true)},
					{"/Arn", containing(":sqs:")},
					{"/Arn", containing(":" + name)},
				}
			},
			patch:      `[{"op":"replace","path":"/VisibilityTimeout","value":60}]`,
			patched:    []check{{"/VisibilityTimeout", equal(60)}, {"/MessageRetentionPeriod", equal(345600)}},
			createOnly: `[{"op":"replace","path":"/QueueName","value":"NAME-renamed"}]`,
			nameAt:     "/QueueName",
		},
		{
			typeName:   "AWS::S3::Bucket",
			desired:    func(name string) map[string]any { return map[string]any{"BucketName": name} },
			identifier: func(name, id string) bool { return id == name },
			defaults: func(name string) []check {
				sse := "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm"
				return []check{
					{sse, equal("AES256")},
					{"/PublicAccessBlockConfiguration/BlockPublicAcls", equal(true)},
					{"/PublicAccessBlockConfiguration/RestrictPublicBuckets", equal(true)},
					{"/OwnershipControls/Rules/0/ObjectOwnership", equal("BucketOwnerEnforced")},
					{"/Arn", containing(":s3:::" + name)},
				}
			},
			patch:      `[{"op":"add","path":"/Tags","value":[{"Key":"qualstate","Value":"conformance"}]}]`,
			patched:    []check{{"/Tags", tagged("qualstate", "conformance")}},
			createOnly: `[{"op":"replace","path":"/BucketName","value":"NAME-renamed"}]`,
			nameAt:     "/BucketName",
		},
	} {
		t.Run(tc.typeName, func(t *testing.T) {
			t.Parallel()
			top := t
			name := uniqueName(t, "cc")
			typ := aws.String(tc.typeName)
			desired, err := json.Marshal(tc.desired(name))
			if err != nil {
				t.Fatal(err)
			}
			var id string
			var createToken, updateToken string

			step(t, "CreateResource", func(t *testing.T) {
				out, err := c.cc.CreateResource(t.Context(), &cloudcontrol.CreateResourceInput{TypeName: typ, DesiredState: aws.String(string(desired))})
				if err != nil {
					t.Fatalf("CreateResource: %v", err)
				}
				ev := out.ProgressEvent
				if ev == nil || ev.Operation != cctypes.OperationCreate || aws.ToString(ev.TypeName) != tc.typeName {
					t.Fatalf("CreateResource progress event = %+v", ev)
				}
				createToken = aws.ToString(ev.RequestToken)
				final := c.waitRequestSuccess(t, ev)
				id = aws.ToString(final.Identifier)
				if id != "" {
					c.cleanupResource(top, tc.typeName, id)
				}
				if !tc.identifier(name, id) {
					t.Fatalf("identifier %q does not fit the name %s", id, name)
				}
			})
			step(t, "GetResource has the defaults", func(t *testing.T) {
				m := c.ccGet(t, tc.typeName, id)
				expect(t, tc.typeName, m, append(tc.defaults(name), check{tc.nameAt, equal(name)})...)
			})

			step(t, "ListResources lists it", func(t *testing.T) {
				if !c.ccListed(t, tc.typeName, id) {
					t.Errorf("ListResources %s does not list %s", tc.typeName, id)
				}
			})

			step(t, "UpdateResource applies a JSON Patch", func(t *testing.T) {
				out, err := c.cc.UpdateResource(t.Context(), &cloudcontrol.UpdateResourceInput{TypeName: typ, Identifier: aws.String(id), PatchDocument: aws.String(tc.patch)})
				if err != nil {
					t.Fatalf("UpdateResource: %v", err)
				}
				updateToken = aws.ToString(out.ProgressEvent.RequestToken)
				c.waitRequestSuccess(t, out.ProgressEvent)
				expect(t, tc.typeName, c.ccGet(t, tc.typeName, id), tc.patched...)
			})

			step(t, "a create-only property is not updatable", func(t *testing.T) {
				out, err := c.cc.UpdateResource(t.Context(), &cloudcontrol.UpdateResourceInput{TypeName: typ, Identifier: aws.String(id), PatchDocument: aws.String(strings.ReplaceAll(tc.createOnly, "NAME", name))})
				if err != nil {
					var nu *cctypes.NotUpdatableException
					var ir *cctypes.InvalidRequestException
					var ae smithy.APIError
					if !errors.As(err, &nu) && !errors.As(err, &ir) && !(errors.As(err, &ae) && ae.ErrorCode() == "ValidationException") {
						t.Errorf("UpdateResource of a create-only property: err = %v, want NotUpdatable", err)
					}
				} else {
					final := c.waitRequest(t, out.ProgressEvent)
					if final.OperationStatus != cctypes.OperationStatusFailed ||
						(final.ErrorCode != cctypes.HandlerErrorCodeNotUpdatable && final.ErrorCode != cctypes.HandlerErrorCodeInvalidRequest) {
						t.Errorf("UpdateResource of a create-only property: %s %s (%s), want FAILED NotUpdatable",
							final.OperationStatus, final.ErrorCode, aws.ToString(final.StatusMessage))
					}
				}
				expect(t, tc.typeName, c.ccGet(t, tc.typeName, id), check{tc.nameAt, equal(name)})
			})

			step(t, "ListResourceRequests filters", func(t *testing.T) {
				created := c.ccRequests(t, cctypes.OperationCreate, cctypes.OperationStatusSuccess)
				if ev, ok := created[createToken]; !ok || aws.ToString(ev.Identifier) != id {
					t.Errorf("CREATE/SUCCESS requests: no %s for %s", createToken, id)
				}
				if _, ok := created[updateToken]; ok {
					t.Error("CREATE/SUCCESS requests list the UPDATE request")
				}
				updated := c.ccRequests(t, cctypes.OperationUpdate, cctypes.OperationStatusSuccess)
				if ev, ok := updated[updateToken]; !ok || ev.Operation != cctypes.OperationUpdate {
					t.Errorf("UPDATE/SUCCESS requests: no %s", updateToken)
				}
			})

			step(t, "DeleteResource", func(t *testing.T) {
				out, err := c.cc.DeleteResource(t.Context(), &cloudcontrol.DeleteResourceInput{TypeName: typ, Identifier: aws.String(id)})
				if err != nil {
					t.Fatalf("DeleteResource: %v", err)
				}
				if out.ProgressEvent == nil || out.ProgressEvent.Operation != cctypes.OperationDelete {
					t.Errorf("DeleteResource progress event = %+v", out.ProgressEvent)
				}
				c.waitRequestSuccess(t, out.ProgressEvent)
				c.ccGone(t, tc.typeName, id)
				if c.ccListed(t, tc.typeName, id) {
					t.Errorf("ListResources still lists %s", id)
				}
			})
		})
	}
}

// ccListed reports whether ListResources (every page) lists id.
func (c *clients) ccListed(t *testing.T, typeName, id string) bool {
	t.Helper()
	p := cloudcontrol.NewListResourcesPaginator(c.cc, &cloudcontrol.ListResourcesInput{TypeName: aws.String(typeName)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListResources %s: %v", typeName, err)
		}
		if aws.ToString(page.TypeName) != typeName {
			t.Errorf("ListResources TypeName = %q, want %q", aws.ToString(page.TypeName), typeName)
		}
		for _, d := range page.ResourceDescriptions {
			if aws.ToString(d.Identifier) == id {
				if !json.Valid([]byte(aws.ToString(d.Properties))) {
					t.Errorf("ListResources: properties of %s are not JSON", id)
				}
				return true
			}
		}
	}
	return false
}

// ccRequests returns the requests ListResourceRequests lists for one
// operation and status, by request token, checking the filter held.
func (c *clients) ccRequests(t *testing.T, op cctypes.Operation, status cctypes.OperationStatus) map[string]cctypes.ProgressEvent {
	t.Helper()
	m := map[string]cctypes.ProgressEvent{}
	p := cloudcontrol.NewListResourceRequestsPaginator(c.cc, &cloudcontrol.ListResourceRequestsInput{
		ResourceRequestStatusFilter: &cctypes.ResourceRequestStatusFilter{Operations: []cctypes.Operation{op}, OperationStatuses: []cctypes.OperationStatus{status}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListResourceRequests: %v", err)
		}
		for _, ev := range page.ResourceRequestStatusSummaries {
			if ev.Operation != op || ev.OperationStatus != status {
				t.Errorf("ListResourceRequests %s/%s returned a %s/%s request", op, status, ev.Operation, ev.OperationStatus)
			}
			m[aws.ToString(ev.RequestToken)] = ev
		}
	}
	return m
}
