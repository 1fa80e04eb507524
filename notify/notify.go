// Package notify tells people and systems that an instance's qualified state
// changed: signed JSON webhooks, Slack incoming webhooks and email over
// SMTP. Send makes exactly one delivery attempt; retrying with backoff is
// the job queue's work, and Error says whether a retry can help and when.
package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"time"

	"qualstate"
)

// Target kinds.
const (
	KindWebhook = "webhook"
	KindSlack   = "slack"
	KindEmail   = "email"
)

// Target is one destination for notifications.
type Target struct {
	// Name identifies the target, also across retries of a delivery: the
	// kind for a kind's default target ("webhook"), "KIND.NAME" for a named
	// one ("webhook.ops").
	Name string
	// Kind is KindWebhook, KindSlack or KindEmail.
	Kind string
	// URL receives webhook and Slack deliveries.
	URL string
	// Secret, when set, signs webhook deliveries (HMAC-SHA256).
	Secret string
	// SMTP configures email delivery.
	SMTP SMTPConfig
	// Events are globs over event names ("deviation.*"); empty wants all.
	Events []string
}

// SMTPConfig says how to deliver email.
type SMTPConfig struct {
	// Addr is the server's host:port.
	Addr string
	// From and To are RFC 5322 addresses ("Quality <qa@example.com>").
	From string
	To   []string
	// Username and Password authenticate with AUTH PLAIN, which is only
	// ever sent over TLS or to a loopback server.
	Username, Password string
	// StartTLS upgrades the connection when the server offers STARTTLS.
	StartTLS bool
	// TLS configures STARTTLS (private roots, client certificates); nil
	// verifies the server against the system roots under Addr's host.
	TLS *tls.Config
}

// String names the target without its secret or URL path, because a
// target may well end up in a log line.
func (t Target) String() string {
	switch t.Kind {
	case KindEmail:
		return fmt.Sprintf("%s %q (smtp %s)", t.Kind, t.Name, t.SMTP.Addr)
	default:
		return fmt.Sprintf("%s %q (%s)", t.Kind, t.Name, redactURL(t.URL))
	}
}

// String describes the configuration without its password.
func (c SMTPConfig) String() string {
	return fmt.Sprintf("smtp %s from %s to %v (user %q, starttls %t)", c.Addr, c.From, c.To, c.Username, c.StartTLS)
}

// Wants reports whether the target subscribes to the event.
func (t Target) Wants(event string) bool {
	if len(t.Events) == 0 {
		return true
	}
	for _, glob := range t.Events {
		if ok, err := path.Match(glob, event); err == nil && ok {
			return true
		}
	}
	return false
}

// Error is a failed delivery. Permanent tells the job queue not to retry;
// RetryAfter, when set, is how long the receiver asked the sender to wait.
type Error struct {
	// Target is the target's name.
	Target string
	// Status is the HTTP status or SMTP reply code, 0 when none came.
	Status int
	// RetryAfter is the receiver's Retry-After, 0 when it gave none.
	RetryAfter time.Duration
	// Err is the cause; it never holds the target's secret or URL path.
	Err error

	permanent bool
}

// Error renders "notify TARGET: cause".
func (e *Error) Error() string {
	return fmt.Sprintf("notify %s: %v", e.Target, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether retrying the same delivery cannot succeed: bad
// configuration, or a receiver that refused the delivery for good (HTTP 4xx
// other than 408 and 429, SMTP 5xx). It is a method, not a field, so that a
// job queue can ask through interface{ Permanent() bool } without importing
// this package.
func (e *Error) Permanent() bool { return e.permanent }

// defaultClient bounds a delivery when the caller gives no client, so a
// receiver that never answers cannot hold a worker forever.
var defaultClient = &http.Client{Timeout: 30 * time.Second}

// Send makes one attempt to deliver the notification to the target; it does
// not consult Wants. A nil client uses one with a 30 s timeout. Every
// failure is an *Error.
func Send(ctx context.Context, client *http.Client, t Target, n qualstate.Notification) error {
	if err := t.validate(); err != nil {
		return &Error{Target: t.Name, Err: err, permanent: true}
	}
	switch t.Kind {
	case KindWebhook:
		return sendWebhook(ctx, client, t, n)
	case KindSlack:
		return sendSlack(ctx, client, t, n)
	default:
		return sendEmail(ctx, t, n)
	}
}

// redactURL keeps a URL's scheme and host: the path or query of a webhook
// URL is often its credential (Slack's always is).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "invalid URL"
	}
	return u.Scheme + "://" + u.Host
}
