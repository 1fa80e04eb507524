package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
)

func emailTarget(addr string) Target {
	return Target{Name: "email", Kind: KindEmail, SMTP: SMTPConfig{
		Addr: addr, From: "Qualstate <qualstate@example.com>",
		To: []string{"Quality <qa@example.com>", "it@example.com"},
	}}
}

func TestEmailMessage(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			srv := startSMTPD(t, &smtpd{})
			n := loadNotification(t, name)
			if err := Send(context.Background(), nil, emailTarget(srv.Addr()), n); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.From != "qualstate@example.com" || strings.Join(got.To, ",") != "qa@example.com,it@example.com" {
				t.Errorf("envelope from %q to %q", got.From, got.To)
			}
			if got.Hello == "" {
				t.Error("EHLO gave no name")
			}

			msg, err := mail.ReadMessage(strings.NewReader(got.Data))
			if err != nil {
				t.Fatal(err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			if err != nil || subject != "[qualstate] "+oneLine(n.Summary, 0) {
				t.Errorf("Subject %q (%v), want [qualstate] and the summary", subject, err)
			}
			if date, err := msg.Header.Date(); err != nil || !date.Equal(n.Time) {
				t.Errorf("Date %q (%v), want %s", msg.Header.Get("Date"), err, n.Time)
			}
			if id := msg.Header.Get("Message-ID"); id != "<"+n.ID+"@example.com>" {
				t.Errorf("Message-ID %q, want <%s@example.com>", id, n.ID)
			}
			if from, err := msg.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "qualstate@example.com" {
				t.Errorf("From %q (%v)", msg.Header.Get("From"), err)
			}
			if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 2 || to[0].Name != "Quality" {
				t.Errorf("To %q (%v)", msg.Header.Get("To"), err)
			}
			if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{n.Event, string(n.Status), n.ID}
			if d := n.Deviation; d != nil {
				want = append(want, d.ID, d.LogicalID, d.ResourceType, d.Reason, d.Trigger)
			}
			for _, w := range want {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			golden(t, name+".eml", []byte(strings.ReplaceAll(got.Data, "\r\n", "\n")))
		})
	}
}

func TestEmailTransport(t *testing.T) {
	serverTLS, roots := selfSignedTLS(t)
	tests := []struct {
		name      string
		server    *smtpd
		startTLS  bool
		username  string
		password  string
		wantTLS   bool
		wantUser  string
		wantError string // "" when the message must arrive
		permanent bool
	}{
		{name: "STARTTLS then AUTH", server: &smtpd{TLS: serverTLS, Username: "qs", Password: "pw-0123"},
			startTLS: true, username: "qs", password: "pw-0123", wantTLS: true, wantUser: "qs"},
		{name: "STARTTLS without AUTH", server: &smtpd{TLS: serverTLS}, startTLS: true, wantTLS: true},
		{name: "STARTTLS off", server: &smtpd{TLS: serverTLS}},
		{name: "STARTTLS wanted but not offered", server: &smtpd{}, startTLS: true},
		{name: "AUTH in clear to this machine", server: &smtpd{Username: "qs", Password: "pw-0123"},
			username: "qs", password: "pw-0123", wantUser: "qs"},
		{name: "wrong password", server: &smtpd{TLS: serverTLS, Username: "qs", Password: "pw-0123"},
			startTLS: true, username: "qs", password: "wrong-pw", wantError: "535", permanent: true},
		{name: "no AUTH offered", server: &smtpd{TLS: serverTLS}, startTLS: true, username: "qs", password: "pw-0123",
			wantError: "does not offer AUTH PLAIN", permanent: true},
		{name: "recipient refused", server: &smtpd{RcptReply: "550 5.1.1 no such user"}, wantError: "550", permanent: true},
		{name: "recipient deferred", server: &smtpd{RcptReply: "451 4.3.0 try again later"}, wantError: "451"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTPD(t, tt.server)
			target := emailTarget(srv.Addr())
			target.SMTP.StartTLS, target.SMTP.Username, target.SMTP.Password = tt.startTLS, tt.username, tt.password
			target.SMTP.TLS = &tls.Config{RootCAs: roots}
			err := Send(context.Background(), nil, target, loadNotification(t, "opened"))
			msgs := srv.Messages()
			if tt.wantError != "" {
				var e *Error
				if !errors.As(err, &e) || e.Permanent() != tt.permanent || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("Send = %v, want an error mentioning %q, permanent %t", err, tt.wantError, tt.permanent)
				}
				if len(msgs) != 0 {
					t.Errorf("server got %d messages, want none", len(msgs))
				}
				if strings.Contains(err.Error(), tt.password) && tt.password != "" {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || msgs[0].TLS != tt.wantTLS || msgs[0].AuthUser != tt.wantUser {
				t.Fatalf("server got %+v, want one message, TLS %t, user %q", msgs, tt.wantTLS, tt.wantUser)
			}
		})
	}
}

func TestEmailUntrustedCertificate(t *testing.T) {
	serverTLS, _ := selfSignedTLS(t)
	srv := startSMTPD(t, &smtpd{TLS: serverTLS})
	target := emailTarget(srv.Addr())
	target.SMTP.StartTLS = true // verified against the system roots, which do not know this certificate
	err := Send(context.Background(), nil, target, loadNotification(t, "opened"))
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Errorf("Send = %v, want a certificate verification error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages over an unverified connection, want none", n)
	}
}

// TestEmailRefusesPasswordInClear needs an address of this machine that is
// not loopback, where a password in clear could be overheard.
func TestEmailRefusesPasswordInClear(t *testing.T) {
	ip := nonLoopbackIP(t)
	srv := startSMTPD(t, &smtpd{Listen: net.JoinHostPort(ip, "0"), Username: "qs", Password: "pw-0123"})
	target := emailTarget(srv.Addr())
	target.SMTP.StartTLS, target.SMTP.Username, target.SMTP.Password = true, "qs", "pw-0123"
	err := Send(context.Background(), nil, target, loadNotification(t, "opened"))
	var e *Error
	if !errors.As(err, &e) || !e.Permanent() || !strings.Contains(err.Error(), "without TLS") {
		t.Fatalf("Send = %v, want a permanent refusal to send the password without TLS", err)
	}
	if n := srv.AuthAttempts(); n != 0 {
		t.Errorf("server got %d AUTH commands, want none", n)
	}
}

func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no non-loopback IPv4 address")
	return ""
}

func TestEmailNetworkFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()
	live := startSMTPD(t, &smtpd{}).Addr()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		ctx  context.Context
		addr string
		want error
	}{
		{"connection refused", context.Background(), refused, nil},
		{"context cancelled", cancelled, live, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Send(tt.ctx, nil, emailTarget(tt.addr), loadNotification(t, "opened"))
			var e *Error
			if !errors.As(err, &e) || e.Permanent() {
				t.Fatalf("Send = %v, want a retryable *Error", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Send = %v, want %v in its chain", err, tt.want)
			}
		})
	}
}

func TestAuthAllowed(t *testing.T) {
	tests := []struct {
		tls  bool
		host string
		want bool
	}{
		{false, "mail.example.com", false},
		{false, "192.0.2.10", false},
		{false, "localhost", true},
		{false, "127.0.0.1", true},
		{false, "127.8.9.10", true},
		{false, "::1", true},
		{true, "mail.example.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := authAllowed(tt.tls, tt.host); got != tt.want {
				t.Errorf("authAllowed(%t, %q) = %t, want %t", tt.tls, tt.host, got, tt.want)
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct {
		id, from, want string
	}{
		{"N-20260301-000017", "qs@example.com", "<N-20260301-000017@example.com>"},
		{"a b<c>@d", "qs@example.com", "<a-b-c--d@example.com>"},
		{"N-1", "qs@[192.0.2.1]", "<N-1@[192.0.2.1]>"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := messageID(tt.id, tt.from); got != tt.want {
				t.Errorf("messageID(%q, %q) = %q, want %q", tt.id, tt.from, got, tt.want)
			}
		})
	}
	if a, b := messageID("", "qs@example.com"), messageID("", "qs@example.com"); a == b {
		t.Errorf("two notifications without id got the same Message-ID %s", a)
	}
}
