// Package sigv4 verifies AWS Signature Version 4 on incoming requests, the
// header form that the AWS SDKs and the AWS CLI put on every call: an
// Authorization header "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" and an X-Amz-Date header. Presigned URLs are not
// supported.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The errors Verify and ParseAuthorization return wrap one of these, so
// that a server can answer with the matching AWS error code.
var (
	// ErrMissing means the request carries no Authorization header (AWS:
	// MissingAuthenticationToken).
	ErrMissing = errors.New("request is not signed")
	// ErrMalformed means the Authorization or X-Amz-Date header cannot
	// be understood, or uses a form this package does not support (AWS:
	// IncompleteSignature).
	ErrMalformed = errors.New("malformed signature")
	// ErrSignatureMismatch means the signature is not the one the secret
	// key gives for this request: wrong secret, or the request changed
	// after it was signed (AWS: SignatureDoesNotMatch).
	ErrSignatureMismatch = errors.New("signature does not match")
	// ErrExpired means X-Amz-Date is more than 15 minutes away from now
	// (AWS: "Signature expired", code SignatureDoesNotMatch).
	ErrExpired = errors.New("signature expired")
)

const (
	algorithm = "AWS4-HMAC-SHA256"
	// maxSkew is how far AWS lets a request's time be from its own clock,
	// in either direction, which bounds how long a captured request can
	// be replayed.
	maxSkew = 15 * time.Minute
	// amzDateLayout is the ISO 8601 basic format of X-Amz-Date.
	amzDateLayout   = "20060102T150405Z"
	scopeDateLayout = "20060102"
	unsignedBody    = "UNSIGNED-PAYLOAD"
)

// Credential is what the Authorization header says about the signer: the
// access key id and the credential scope,
// Credential=AKID/20260101/us-east-1/cloudformation/aws4_request.
type Credential struct {
	// AccessKeyID identifies the secret key the request claims to be
	// signed with.
	AccessKeyID string
	// Date is the day of the scope, YYYYMMDD; it must be the day of
	// X-Amz-Date.
	Date string
	// Region is the region the client believes it is talking to.
	Region string
	// Service is the signing name of the service the client calls:
	// cloudformation, sts, cloudcontrolapi…
	Service string
}

// authorization is the parsed Authorization header.
type authorization struct {
	cred Credential
	// signedHeaders is the SignedHeaders list as sent, which goes into
	// the canonical request verbatim.
	signedHeaders string
	signature     []byte
}

// ParseAuthorization returns the credential of a request's Authorization
// header. It checks the header's syntax only, not the signature; the
// error wraps ErrMissing when there is no header and ErrMalformed when it
// cannot be parsed.
func ParseAuthorization(r *http.Request) (Credential, error) {
	a, err := parseAuthorization(r)
	if err != nil {
		return Credential{}, err
	}
	return a.cred, nil
}

// Service returns the service of the request's credential scope, or "" if
// the request has no valid Authorization header. awsquery requests to
// CloudFormation and to STS look alike otherwise, and the SDKs send both
// to the same endpoint when it is overridden.
func Service(r *http.Request) string {
	a, err := parseAuthorization(r)
	if err != nil {
		return ""
	}
	return a.cred.Service
}

func parseAuthorization(r *http.Request) (authorization, error) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0 || len(values) == 1 && strings.TrimSpace(values[0]) == "":
		return authorization{}, fmt.Errorf("%w: no Authorization header", ErrMissing)
	case len(values) > 1:
		return authorization{}, fmt.Errorf("%w: %d Authorization headers", ErrMalformed, len(values))
	}
	alg, rest, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if alg != algorithm {
		return authorization{}, fmt.Errorf("%w: unsupported algorithm %q, want %s", ErrMalformed, alg, algorithm)
	}
	var a authorization
	var haveCred, haveHeaders, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authorization{}, fmt.Errorf("%w: Authorization component %q is not key=value", ErrMalformed, strings.TrimSpace(part))
		}
		var seen *bool
		var err error
		switch key {
		case "Credential":
			seen = &haveCred
			a.cred, err = parseCredential(value)
		case "SignedHeaders":
			seen = &haveHeaders
			a.signedHeaders = value
			err = checkSignedHeaders(value)
		case "Signature":
			seen = &haveSig
			a.signature, err = parseSignature(value)
		default:
			return authorization{}, fmt.Errorf("%w: unknown Authorization component %q", ErrMalformed, key)
		}
		if *seen {
			return authorization{}, fmt.Errorf("%w: Authorization component %s appears twice", ErrMalformed, key)
		}
		*seen = true
		if err != nil {
			return authorization{}, fmt.Errorf("%w: %s: %w", ErrMalformed, key, err)
		}
	}
	switch {
	case !haveCred:
		return authorization{}, fmt.Errorf("%w: Authorization header has no Credential", ErrMalformed)
	case !haveHeaders:
		return authorization{}, fmt.Errorf("%w: Authorization header has no SignedHeaders", ErrMalformed)
	case !haveSig:
		return authorization{}, fmt.Errorf("%w: Authorization header has no Signature", ErrMalformed)
	}
	return a, nil
}

func parseCredential(s string) (Credential, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 {
		return Credential{}, fmt.Errorf("%q has %d parts, want AKID/date/region/service/aws4_request", s, len(parts))
	}
	c := Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}
	switch {
	case c.AccessKeyID == "":
		return Credential{}, fmt.Errorf("%q has an empty access key id", s)
	case c.Region == "":
		return Credential{}, fmt.Errorf("%q has an empty region", s)
	case c.Service == "":
		return Credential{}, fmt.Errorf("%q has an empty service", s)
	case parts[4] != "aws4_request":
		return Credential{}, fmt.Errorf("%q does not end in aws4_request", s)
	}
	if _, err := time.Parse(scopeDateLayout, c.Date); err != nil || len(c.Date) != len(scopeDateLayout) {
		return Credential{}, fmt.Errorf("%q: date %q is not YYYYMMDD", s, c.Date)
	}
	return c, nil
}

// checkSignedHeaders insists on the form every signer produces (lower
// case, sorted, no repeats), since the list goes into the canonical
// request as sent and any other form is either a broken client or a
// probe.
func checkSignedHeaders(s string) error {
	names := strings.Split(s, ";")
	for i, n := range names {
		if n == "" {
			return fmt.Errorf("%q has an empty header name", s)
		}
		if strings.ToLower(n) != n {
			return fmt.Errorf("%q: header name %q is not lower case", s, n)
		}
		if i > 0 && names[i-1] >= n {
			return fmt.Errorf("%q is not sorted or has a repeat", s)
		}
	}
	return nil
}

func parseSignature(s string) ([]byte, error) {
	if len(s) != 2*sha256.Size || strings.ToLower(s) != s {
		return nil, fmt.Errorf("%q is not %d lower-case hex digits", s, 2*sha256.Size)
	}
	sig, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not %d lower-case hex digits", s, 2*sha256.Size)
	}
	return sig, nil
}

// Verify checks the SigV4 signature of r, whose body (already read by the
// caller) is body, against the secret access key. now is the server's
// clock. It recomputes the signature as AWS does: the canonical request
// from the method, the path and query as sent, the headers listed in
// SignedHeaders and the SHA-256 of the body, or the X-Amz-Content-Sha256
// header when present (UNSIGNED-PAYLOAD included); the string to sign
// from X-Amz-Date and the credential scope; the key derived from the
// secret and the scope. Whether the access key id, region and service
// are acceptable is the caller's business (see ParseAuthorization).
//
// The error wraps ErrMissing, ErrMalformed, ErrExpired or
// ErrSignatureMismatch.
func Verify(r *http.Request, body []byte, secret string, now time.Time) error {
	a, err := parseAuthorization(r)
	if err != nil {
		return err
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return fmt.Errorf("%w: no X-Amz-Date header", ErrMalformed)
	}
	t, err := time.Parse(amzDateLayout, amzDate)
	if err != nil {
		return fmt.Errorf("%w: X-Amz-Date %q is not YYYYMMDDTHHMMSSZ", ErrMalformed, amzDate)
	}
	if amzDate[:8] != a.cred.Date {
		return fmt.Errorf("%w: credential date %s is not the day of X-Amz-Date %s", ErrMalformed, a.cred.Date, amzDate)
	}
	// The time is checked before the signature: a stale request is
	// refused whatever its signature, and a client with a skewed clock
	// learns why its otherwise good request fails.
	if skew := now.Sub(t); skew > maxSkew || skew < -maxSkew {
		return fmt.Errorf("%w: X-Amz-Date %s is more than %v away from %s", ErrExpired, amzDate, maxSkew, now.UTC().Format(amzDateLayout))
	}
	signed := strings.Split(a.signedHeaders, ";")
	if !slices.Contains(signed, "host") {
		return fmt.Errorf("%w: SignedHeaders %q does not include host", ErrMalformed, a.signedHeaders)
	}

	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h, ok := headerValue(r, "x-amz-content-sha256"); ok {
		switch {
		case h == unsignedBody:
			payloadHash = h
		case len(h) == 2*sha256.Size && strings.ToLower(h) == h && isHex(h):
			if h != payloadHash {
				return fmt.Errorf("%w: body does not match X-Amz-Content-Sha256", ErrSignatureMismatch)
			}
		default:
			return fmt.Errorf("%w: unsupported X-Amz-Content-Sha256 %q", ErrMalformed, h)
		}
	}

	query, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return fmt.Errorf("%w: query: %w", ErrMalformed, err)
	}
	var creq strings.Builder
	creq.WriteString(r.Method)
	creq.WriteByte('\n')
	creq.WriteString(canonicalURI(r))
	creq.WriteByte('\n')
	creq.WriteString(query)
	creq.WriteByte('\n')
	for _, name := range signed {
		v, ok := headerValue(r, name)
		if !ok {
			return fmt.Errorf("%w: signed header %q is not in the request", ErrSignatureMismatch, name)
		}
		creq.WriteString(name)
		creq.WriteByte(':')
		creq.WriteString(v)
		creq.WriteByte('\n')
	}
	creq.WriteByte('\n')
	creq.WriteString(a.signedHeaders)
	creq.WriteByte('\n')
	creq.WriteString(payloadHash)

	creqSum := sha256.Sum256([]byte(creq.String()))
	scope := a.cred.Date + "/" + a.cred.Region + "/" + a.cred.Service + "/aws4_request"
	stringToSign := algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(creqSum[:])

	key := hmacSHA256([]byte("AWS4"+secret), a.cred.Date)
	key = hmacSHA256(key, a.cred.Region)
	key = hmacSHA256(key, a.cred.Service)
	key = hmacSHA256(key, "aws4_request")
	if !hmac.Equal(hmacSHA256(key, stringToSign), a.signature) {
		return fmt.Errorf("%w: credential %s/%s", ErrSignatureMismatch, a.cred.AccessKeyID, scope)
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// headerValue returns the canonical value of the header name (lower
// case): its values trimmed, runs of spaces collapsed, joined by commas.
// Host is looked up where net/http puts it, outside Header.
func headerValue(r *http.Request, name string) (string, bool) {
	var values []string
	switch name {
	case "host":
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		values = []string{host}
	case "content-length":
		// A server's Request keeps the header; a client's has only the
		// field, which is what the Go SDK signs when it is positive.
		values = r.Header.Values(name)
		if len(values) == 0 && r.ContentLength > 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		values = r.Header.Values(name)
	}
	if len(values) == 0 {
		return "", false
	}
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(collapseSpaces(v))
	}
	return b.String(), true
}

// collapseSpaces trims v and turns each run of spaces inside it into
// one, the "trimall" of the canonical header value.
func collapseSpaces(v string) string {
	v = strings.Trim(v, " \t")
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// canonicalURI is the request path as it went over the wire, encoded
// once more. The double encoding is what AWS specifies for every service
// but S3, and what the Go SDK and botocore do. The wire form is taken
// from RequestURI on a server, since URL.Path is already decoded and two
// different paths can decode alike.
func canonicalURI(r *http.Request) string {
	var path string
	if strings.HasPrefix(r.RequestURI, "/") {
		path, _, _ = strings.Cut(r.RequestURI, "?")
	} else if r.URL != nil {
		path = r.URL.EscapedPath()
	}
	if path == "" {
		path = "/"
	}
	return escape(path, true)
}

// canonicalQuery decodes the query string as the Go SDK's signer does
// (with url.Values semantics, '+' being a space) and re-encodes it the
// strict SigV4 way, pairs sorted by name then value.
func canonicalQuery(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	type pair struct{ k, v string }
	var pairs []pair
	for p := range strings.SplitSeq(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		dk, err := unescape(k)
		if err != nil {
			return "", err
		}
		dv, err := unescape(v)
		if err != nil {
			return "", err
		}
		pairs = append(pairs, pair{escape(dk, false), escape(dv, false)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
}

// escape percent-encodes every byte but the unreserved characters of RFC
// 3986 (and '/' when keepSlash), with upper-case hex, as SigV4 requires.
func escape(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' && keepSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func unescape(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b.WriteByte(' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1:i+3]) {
				return "", fmt.Errorf("invalid percent-escape %q", s[i:min(i+3, len(s))])
			}
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
