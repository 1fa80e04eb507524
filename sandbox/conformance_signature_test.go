package sandbox_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"qualstate/sandbox"
)

// TestConformanceSignatures: a sandbox configured with a key pair accepts
// only requests signed with it, and refuses the others with the error
// codes AWS uses for each protocol. It needs an endpoint whose keys the
// test knows, so it runs against the in-process sandbox only.
func TestConformanceSignatures(t *testing.T) {
	t.Parallel()
	if targetFromEnv() != inProcess {
		t.Skip("needs an endpoint with known keys: in-process sandbox only")
	}
	const ak, sk = "AKIDQS", "s3cret"
	server := newSandboxClients(t, sandbox.Options{AccessKeyID: ak, SecretAccessKey: sk}, ak, sk)

	for _, tc := range []struct {
		name              string
		accessKey, secret string
		cfn, sts          string   // wanted error codes, "" = success
		cc                []string // any of these codes, nil = success
	}{
		{"the configured keys", ak, sk, "", "", nil},
		{"a wrong secret", ak, "wrong-secret", "SignatureDoesNotMatch", "SignatureDoesNotMatch", []string{"InvalidSignatureException", "SignatureDoesNotMatch"}},
		{"an unknown access key", "AKIDUNKNOWN", sk, "InvalidClientTokenId", "InvalidClientTokenId", []string{"UnrecognizedClientException"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := sandboxClient(server.endpoint, tc.accessKey, tc.secret)
			var w wire
			_, err := c.cfn.ListStacks(t.Context(), &cloudformation.ListStacksInput{}, w.cfn)
			if wantAuth(t, "CloudFormation ListStacks", err, []int{http.StatusForbidden}, tc.cfn) {
				w.wantSender(t)
			}
			_, err = c.sts.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}, w.sts)
			if wantAuth(t, "STS GetCallerIdentity", err, []int{http.StatusForbidden}, tc.sts) {
				w.wantSender(t)
			}
			// awsJson services answer these with 400 (DynamoDB, Cloud
			// Control) or 403.
			_, err = c.cc.ListResources(t.Context(), &cloudcontrol.ListResourcesInput{TypeName: aws.String("AWS::Logs::LogGroup")})
			wantAuth(t, "Cloud Control ListResources", err, []int{http.StatusBadRequest, http.StatusForbidden}, tc.cc...)
		})
	}
}

// wantAuth asserts err is nil when no code is wanted, else an API error
// with one of the codes and one of the HTTP statuses; it reports whether
// an error was wanted.
func wantAuth(t *testing.T, what string, err error, statuses []int, codes ...string) bool {
	t.Helper()
	if len(codes) == 0 || (len(codes) == 1 && codes[0] == "") {
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
		return false
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: err = %v, want one of %v", what, err, codes)
		return true
	}
	if !slices.Contains(codes, ae.ErrorCode()) {
		t.Errorf("%s: error code %q (%s), want one of %v", what, ae.ErrorCode(), ae.ErrorMessage(), codes)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Errorf("%s: not an HTTP response error: %T", what, err)
	} else if !slices.Contains(statuses, re.HTTPStatusCode()) {
		t.Errorf("%s: HTTP status %d, want %v", what, re.HTTPStatusCode(), statuses)
	}
	return true
}
