package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"qualstate"
)

// Headers of a webhook delivery.
const (
	// HeaderEvent carries the notification's event name, so a receiver can
	// route without parsing the body.
	HeaderEvent = "X-Qualstate-Event"
	// HeaderDelivery carries the notification's id, the same on every
	// retry, so a receiver can drop duplicates.
	HeaderDelivery = "X-Qualstate-Delivery"
	// HeaderSignature carries "t=UNIX,v1=HEX": HEX is the HMAC-SHA256,
	// keyed with the target's secret, of "UNIX." followed by the body.
	HeaderSignature = "X-Qualstate-Signature"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// maxResponse bounds what is read of a receiver's answer: only a few bytes
// of it end up in an error, and a hostile receiver must not fill memory.
const maxResponse = 64 << 10

const userAgent = "qualstate-notify/1"

// maxRetryAfter caps a receiver's Retry-After.
const maxRetryAfter = 24 * time.Hour

// ErrSignature is wrapped by every error of Verify.
var ErrSignature = errors.New("invalid signature")

// Sign returns the HeaderSignature value for a body sent at the time. The
// timestamp is inside the MAC so that a captured delivery cannot be
// replayed once the receiver's tolerance has passed.
func Sign(secret string, body []byte, at time.Time) string {
	ts := at.Unix()
	return fmt.Sprintf("t=%d,v1=%s", ts, hex.EncodeToString(mac(secret, ts, body)))
}

func mac(secret string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(strconv.AppendInt(nil, ts, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a delivery's signature as a receiver must: the MAC over the
// timestamp and the exact body bytes (compared in constant time), then the
// timestamp within tolerance of now, either way. Several v1 values are
// allowed, so a sender can sign with an old and a new secret while the
// secret is rotated. A tolerance of 0 is DefaultTolerance.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return fmt.Errorf("%w: no secret to verify with", ErrSignature)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	value := header.Get(HeaderSignature)
	if value == "" {
		return fmt.Errorf("%w: no %s header", ErrSignature, HeaderSignature)
	}
	ts, sigs, err := parseSignature(value)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSignature, HeaderSignature, err)
	}
	want := mac(secret, ts, body)
	matched := false
	for _, sig := range sigs {
		if got, err := hex.DecodeString(sig); err == nil && hmac.Equal(got, want) {
			matched = true
		}
	}
	if !matched {
		return fmt.Errorf("%w: the body or timestamp does not match the signature", ErrSignature)
	}
	// Checked after the MAC, so that "too old" only ever describes a
	// genuine delivery, i.e. a replay or a badly skewed clock.
	if skew := now.Sub(time.Unix(ts, 0)); skew > tolerance || skew < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now, beyond the %s tolerance", ErrSignature,
			time.Unix(ts, 0).UTC().Format(time.RFC3339), skew.Round(time.Second), tolerance)
	}
	return nil
}

func parseSignature(value string) (ts int64, sigs []string, err error) {
	seenT := false
	for _, part := range strings.Split(value, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return 0, nil, fmt.Errorf("%q is not key=value", part)
		}
		switch k {
		case "t":
			if seenT {
				return 0, nil, errors.New("two timestamps")
			}
			seenT = true
			if ts, err = strconv.ParseInt(v, 10, 64); err != nil {
				return 0, nil, fmt.Errorf("timestamp %q is not a number", v)
			}
		case "v1":
			sigs = append(sigs, v)
		}
		// Other keys are future schemes; a receiver that knows v1 ignores them.
	}
	if !seenT {
		return 0, nil, errors.New("no timestamp")
	}
	if len(sigs) == 0 {
		return 0, nil, errors.New("no v1 signature")
	}
	return ts, sigs, nil
}

func sendWebhook(ctx context.Context, client *http.Client, t Target, n qualstate.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return &Error{Target: t.Name, Err: fmt.Errorf("encode notification: %w", err), permanent: true}
	}
	req, err := newPost(ctx, t, body)
	if err != nil {
		return err
	}
	req.Header.Set(HeaderEvent, headerValue(n.Event))
	req.Header.Set(HeaderDelivery, headerValue(n.ID))
	if t.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(t.Secret, body, time.Now()))
	}
	return post(client, t, req)
}

func newPost(ctx context.Context, t Target, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Target: t.Name, Err: fmt.Errorf("request to %s: bad URL", redactURL(t.URL)), permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}

// post sends the request once and classifies the outcome.
func post(client *http.Client, t Target, req *http.Request) error {
	if client == nil {
		client = defaultClient
	}
	// A redirect would re-send a signed body to a host nobody configured,
	// and turn the POST into a GET; the answer is to configure the final URL.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	resp, err := c.Do(req)
	if err != nil {
		// url.Error repeats the whole URL, whose path may be the credential.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &Error{Target: t.Name, Err: fmt.Errorf("post to %s: %w", redactURL(t.URL), err)}
	}
	defer resp.Body.Close()
	answer := readBody(resp.Body)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &Error{Target: t.Name, Status: resp.StatusCode, permanent: !retryable(resp.StatusCode)}
	msg := fmt.Sprintf("%s answered %s", redactURL(t.URL), resp.Status)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (redirects are not followed: configure the final URL)"
	}
	if s := snippet(answer); s != "" {
		msg += ": " + s
	}
	e.Err = errors.New(msg)
	if !e.permanent {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// retryable reports whether an HTTP status may change on a later attempt:
// timeouts, rate limits and server errors.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		// Capped so that an absurd value cannot overflow or park a job
		// for ever; the queue caps its own backoff far lower anyway.
		return time.Duration(min(max(secs, 0), int64(maxRetryAfter/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return min(at.Sub(now), maxRetryAfter)
	}
	return 0
}

// readBody reads at most maxResponse bytes; what is left unread only costs
// the connection's reuse.
func readBody(r io.Reader) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, maxResponse))
	return b
}

// snippet makes the start of a receiver's answer fit in one log line.
func snippet(b []byte) string {
	const limit = 200
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)), " ")
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}

// headerValue drops what would make an invalid header (CR, LF, other
// controls), which the transport would refuse only after the attempt began.
func headerValue(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
