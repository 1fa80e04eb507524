package notify

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestTargets(t *testing.T) {
	settings := map[string]string{
		"notify.webhook.url":              "https://hooks.example.com/qualstate",
		"notify.webhook.secret":           "0123456789abcdef0123",
		"notify.webhook.events":           "deviation.*, instance.status",
		"notify.webhook.ops.url":          "http://127.0.0.1:9000/in",
		"notify.slack.url":                "https://hooks.slack.com/services/T0/B0/XYZ",
		"notify.slack.events":             "deviation.opened",
		"notify.email.smtp":               "mail.example.com:587",
		"notify.email.from":               "qualstate@example.com",
		"notify.email.to":                 "Quality <qa@example.com>, it@example.com",
		"notify.email.username":           "qualstate",
		"notify.email.password":           "s3cret-password",
		"notify.email.audit.smtp":         "localhost:25",
		"notify.email.audit.from":         "qs@example.com",
		"notify.email.audit.to":           "audit@example.com",
		"notify.email.audit.starttls":     "false",
		"notify.slack.quiet.url":          "",
		"server.listen":                   ":8080",
		"notifications.are.not.this.pkgs": "x",
	}
	got, err := Targets(settings)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{Name: "email", Kind: KindEmail, SMTP: SMTPConfig{Addr: "mail.example.com:587", From: "<qualstate@example.com>",
			To: []string{`"Quality" <qa@example.com>`, "<it@example.com>"}, Username: "qualstate", Password: "s3cret-password", StartTLS: true}},
		{Name: "email.audit", Kind: KindEmail, SMTP: SMTPConfig{Addr: "localhost:25", From: "<qs@example.com>", To: []string{"<audit@example.com>"}}},
		{Name: "slack", Kind: KindSlack, URL: "https://hooks.slack.com/services/T0/B0/XYZ", Events: []string{"deviation.opened"}},
		{Name: "webhook", Kind: KindWebhook, URL: "https://hooks.example.com/qualstate", Secret: "0123456789abcdef0123",
			Events: []string{"deviation.*", "instance.status"}},
		{Name: "webhook.ops", Kind: KindWebhook, URL: "http://127.0.0.1:9000/in"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Targets:\n got %+v\nwant %+v", got, want)
	}
	if none, err := Targets(map[string]string{"server.listen": ":8080"}); err != nil || len(none) != 0 {
		t.Errorf("no notify settings: got %v, %v; want none", none, err)
	}
}

func TestTargetsErrors(t *testing.T) {
	const secret = "a-secret-nobody-may-see"
	tests := []struct {
		name     string
		settings map[string]string
		want     []string // substrings of the error
	}{
		{"unknown field", map[string]string{"notify.webhook.sekret": "x"}, []string{"notify.webhook.sekret", "url, secret, events"}},
		{"unknown kind", map[string]string{"notify.pager.url": "https://x.example"}, []string{"notify.pager.url"}},
		{"kind alone", map[string]string{"notify.webhook": "https://x.example"}, []string{"notify.webhook"}},
		{"too deep", map[string]string{"notify.webhook.a.b.url": "https://x.example"}, []string{"notify.webhook.a.b.url"}},
		{"slack has no secret", map[string]string{"notify.slack.secret": secret}, []string{"notify.slack.secret", "url, events"}},
		{"bad target name", map[string]string{"notify.webhook.o p.url": "https://x.example"}, []string{"notify.webhook.o p.url", "target name"}},
		{"ftp url", map[string]string{"notify.webhook.url": "ftp://x.example/in"}, []string{"notify.webhook.url", `scheme "ftp"`}},
		{"url without host", map[string]string{"notify.slack.url": "https:///services/T0"}, []string{"notify.slack.url", "no host"}},
		{"not a url", map[string]string{"notify.webhook.url": "://"}, []string{"notify.webhook.url", "not a URL"}},
		{"short secret", map[string]string{"notify.webhook.url": "https://x.example", "notify.webhook.secret": "short"}, []string{"notify.webhook.secret", "at least 16"}},
		{"secret without url", map[string]string{"notify.webhook.ops.secret": secret}, []string{"notify.webhook.ops.url not set"}},
		{"bad glob", map[string]string{"notify.slack.url": "https://x.example", "notify.slack.events": "deviation.["}, []string{"notify.slack.events", "deviation.["}},
		{"email missing keys", map[string]string{"notify.email.to": "qa@example.com"}, []string{"notify.email.smtp", "notify.email.from"}},
		{"bad from", map[string]string{"notify.email.from": "not an address"}, []string{"notify.email.from"}},
		{"bad to", map[string]string{"notify.email.to": "qa@example.com, @@"}, []string{"notify.email.to"}},
		{"smtp without port", map[string]string{"notify.email.smtp": "mail.example.com"}, []string{"notify.email.smtp", "host:port"}},
		{"smtp bad port", map[string]string{"notify.email.smtp": "mail.example.com:smtp"}, []string{"notify.email.smtp", "port"}},
		{"starttls not bool", map[string]string{"notify.email.starttls": "sometimes"}, []string{"notify.email.starttls", "true or false"}},
		{"password without username", map[string]string{
			"notify.email.smtp": "mail.example.com:587", "notify.email.from": "qs@example.com",
			"notify.email.to": "qa@example.com", "notify.email.password": secret,
		}, []string{"target email", "username and password"}},
		{"password in clear to a remote server", map[string]string{
			"notify.email.smtp": "mail.example.com:587", "notify.email.from": "qs@example.com",
			"notify.email.to": "qa@example.com", "notify.email.username": "qs", "notify.email.password": secret,
			"notify.email.starttls": "false",
		}, []string{"target email", "starttls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Targets(tt.settings)
			if err == nil {
				t.Fatalf("Targets(%v) succeeded; want an error", tt.settings)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q repeats the secret", err)
			}
		})
	}
}

func TestIsSecret(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"notify.webhook.secret", true},
		{"notify.webhook.ops.secret", true},
		{"notify.email.password", true},
		{"notify.email.audit.password", true},
		{"notify.slack.url", true},
		{"notify.slack.team.url", true},
		{"notify.webhook.url", false},
		{"notify.webhook.events", false},
		{"notify.email.username", false},
		{"notify.email.smtp", false},
		{"server.listen", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := IsSecret(tt.key); got != tt.want {
				t.Errorf("IsSecret(%q) = %t, want %t", tt.key, got, tt.want)
			}
		})
	}
}

func TestWants(t *testing.T) {
	tests := []struct {
		name   string
		events []string
		event  string
		want   bool
	}{
		{"no globs wants all", nil, "instance.status", true},
		{"star suffix", []string{"deviation.*"}, "deviation.opened", true},
		{"star does not cross kinds", []string{"deviation.*"}, "instance.status", false},
		{"exact", []string{"deviation.closed"}, "deviation.closed", true},
		{"exact other", []string{"deviation.closed"}, "deviation.opened", false},
		{"any of several", []string{"instance.*", "deviation.closed"}, "deviation.closed", true},
		{"question mark", []string{"deviation.?pened"}, "deviation.opened", true},
		{"star alone", []string{"*"}, "remediation.failed", true},
		{"prefix only", []string{"deviation"}, "deviation.opened", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := Target{Events: tt.events}
			if got := target.Wants(tt.event); got != tt.want {
				t.Errorf("Wants(%q) with %q = %t, want %t", tt.event, tt.events, got, tt.want)
			}
		})
	}
}

func TestSendRejectsBadTargets(t *testing.T) {
	n := loadNotification(t, "opened")
	tests := []struct {
		name   string
		target Target
		want   string
	}{
		{"unknown kind", Target{Name: "p", Kind: "pager", URL: "https://x.example"}, `kind "pager"`},
		{"no name", Target{Kind: KindWebhook, URL: "https://x.example"}, "no name"},
		{"bad url", Target{Name: "w", Kind: KindWebhook, URL: "file:///etc/passwd"}, "scheme"},
		{"short secret", Target{Name: "w", Kind: KindWebhook, URL: "https://x.example", Secret: "tiny"}, "at least 16"},
		{"email without recipient", Target{Name: "e", Kind: KindEmail, SMTP: SMTPConfig{Addr: "localhost:25", From: "a@example.com"}}, "no recipient"},
		{"bad glob", Target{Name: "s", Kind: KindSlack, URL: "https://x.example", Events: []string{"["}}, "events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Send(context.Background(), nil, tt.target, n)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Send = %v, want *Error", err)
			}
			if !e.Permanent() || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Send = %v (permanent %t), want a permanent error mentioning %q", err, e.Permanent(), tt.want)
			}
		})
	}
}

func TestTargetStringHidesCredentials(t *testing.T) {
	targets := []Target{
		{Name: "slack", Kind: KindSlack, URL: "https://hooks.slack.com/services/T0/B0/XYZSECRETPATH"},
		{Name: "webhook", Kind: KindWebhook, URL: "https://u:pw@x.example/in?token=XYZSECRETPATH", Secret: "XYZSECRETPATH-0123456789"},
		{Name: "email", Kind: KindEmail, SMTP: SMTPConfig{Addr: "mail.example.com:587", Username: "u", Password: "XYZSECRETPATH"}},
	}
	for _, target := range targets {
		t.Run(target.Name, func(t *testing.T) {
			// %v and %+v go through String, which is what a log line does.
			for _, s := range []string{fmt.Sprintf("%v", target), fmt.Sprintf("%+v", target), fmt.Sprint(target.SMTP)} {
				if strings.Contains(s, "XYZSECRETPATH") || strings.Contains(s, "pw") {
					t.Errorf("%q shows a credential", s)
				}
			}
		})
	}
}
