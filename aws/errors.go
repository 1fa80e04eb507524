package aws

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"qualstate"
)

// Error codes AWS answers with, by what they mean to a caller.
var (
	deniedCodes = set("AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
		"UnauthorizedException", "AuthorizationError")
	credentialCodes = set("InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
		"IncompleteSignature", "InvalidSignatureException", "MissingAuthenticationToken",
		"ExpiredToken", "ExpiredTokenException", "RequestExpired", "AuthFailure")
	notFoundCodes    = set("ResourceNotFoundException", "ChangeSetNotFound", "ChangeSetNotFoundException", "StackNotFoundException")
	unsupportedCodes = set("UnsupportedActionException", "TypeNotFoundException")
	invalidCodes     = set("ValidationError", "ValidationException", "InvalidRequestException",
		"NotUpdatableException", "InsufficientCapabilitiesException", "AlreadyExistsException",
		"InvalidChangeSetStatus", "InvalidChangeSetStatusException", "TokenAlreadyExistsException",
		"ClientTokenConflictException", "InvalidCredentialsException")
)

func set(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// classify turns an SDK error into a *qualstate.Error whose message names
// the action and resource; the SDK error stays the cause.
func classify(ctx context.Context, a action, err error) *qualstate.Error {
	if ctx.Err() != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: %w", a.describe(), ctx.Err())
	}
	// Credentials that lapse after ready() checked them fail inside the
	// SDK's signing step; the newer auth path reports it only as text.
	var signing *v4.SigningError
	if errors.As(err, &signing) || strings.Contains(err.Error(), "get identity:") {
		return noCredentials(err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		// Network failures, timeouts, an endpoint that is not AWS.
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%s: %w", a.describe(), err)
	}
	code, msg := api.ErrorCode(), api.ErrorMessage()
	// The message is built here rather than from err.Error(), which
	// repeats the operation, status and code around AWS's own words.
	failure := func(c qualstate.ErrorCode, what string) *qualstate.Error {
		text := a.describe() + ": " + what + ": " + msg
		var resp *awshttp.ResponseError
		if errors.As(err, &resp) && resp.ServiceRequestID() != "" {
			text += " (request id " + resp.ServiceRequestID() + ")"
		}
		return &qualstate.Error{Code: c, Msg: text, Err: err}
	}
	switch {
	case deniedCodes[code]:
		return failure(qualstate.ErrEnvironment, "access denied")
	case credentialCodes[code]:
		return failure(qualstate.ErrEnvironment, "credentials rejected ("+code+"); renew them (`aws sso login`, new keys) or choose another profile")
	case notFoundCodes[code], code == "ValidationError" && strings.Contains(msg, "does not exist"):
		return failure(qualstate.ErrNotFound, "not found")
	case unsupportedCodes[code], strings.HasPrefix(a.op, "cloudcontrol:") && unsupportedMessage(msg):
		return failure(qualstate.ErrUnsupported, "not supported")
	case invalidCodes[code]:
		return failure(qualstate.ErrInvalidInput, code)
	case retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool():
		var gaveUp *retry.MaxAttemptsError
		if errors.As(err, &gaveUp) {
			return failure(qualstate.ErrEnvironment, "throttled ("+code+") after "+strconv.Itoa(gaveUp.Attempt)+" attempts")
		}
		return failure(qualstate.ErrEnvironment, "throttled ("+code+")")
	}
	return failure(qualstate.ErrEnvironment, code)
}

// unsupportedMessage recognises Cloud Control's ways of saying a type or
// action cannot be handled, which arrive under several error codes
// (GeneralServiceException, HandlerInternalFailure …).
func unsupportedMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "not supported") || strings.Contains(m, "does not support") || strings.Contains(m, "unsupported")
}
