package sandbox

import (
	"errors"
	"net/http"
	"time"

	"qualstate/sandbox/sigv4"
)

// authenticate checks the request's SigV4 signature when the sandbox has
// credentials configured; otherwise it only notes the access key, for the
// CloudTrail records. The error codes are those each protocol's service
// returns.
func (s *Sandbox) authenticate(r *http.Request, body []byte, c *call, proto protocol) *apiError {
	cred, err := sigv4.ParseAuthorization(r)
	if err == nil {
		c.accessKey = cred.AccessKeyID
	}
	if s.opts.AccessKeyID == "" {
		return nil
	}
	code := func(query, json string) string {
		if proto == protoJSON {
			return json
		}
		return query
	}
	switch {
	case errors.Is(err, sigv4.ErrMissing):
		return &apiError{Status: 403, Code: code("MissingAuthenticationToken", "MissingAuthenticationTokenException"),
			Message: "Request is missing Authentication Token"}
	case err != nil:
		return &apiError{Status: 400, Code: code("IncompleteSignature", "IncompleteSignatureException"), Message: err.Error()}
	case cred.AccessKeyID != s.opts.AccessKeyID:
		return &apiError{Status: 403, Code: code("InvalidClientTokenId", "UnrecognizedClientException"),
			Message: "The security token included in the request is invalid."}
	}
	switch err := sigv4.Verify(r, body, s.opts.SecretAccessKey, time.Now()); {
	case err == nil:
		return nil
	case errors.Is(err, sigv4.ErrExpired):
		return &apiError{Status: 403, Code: code("SignatureDoesNotMatch", "InvalidSignatureException"),
			Message: "Signature expired: " + err.Error()}
	case errors.Is(err, sigv4.ErrSignatureMismatch):
		return &apiError{Status: 403, Code: code("SignatureDoesNotMatch", "InvalidSignatureException"),
			Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	default:
		return &apiError{Status: 400, Code: code("IncompleteSignature", "IncompleteSignatureException"), Message: err.Error()}
	}
}
