package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"time"

	"qualstate"
)

// smtpTimeout bounds a whole SMTP conversation when the context has no
// earlier deadline: net/smtp itself never gives up on a silent server.
const smtpTimeout = time.Minute

// Limits that keep a message readable and its lines within RFC 5322's 998.
const (
	subjectRunes = 150
	valueRunes   = 4000
)

func sendEmail(ctx context.Context, t Target, n qualstate.Notification) error {
	cfg := t.SMTP
	fail := func(permanent bool, err error) error {
		e := &Error{Target: t.Name, Err: err, permanent: permanent}
		var reply *textproto.Error
		if errors.As(err, &reply) {
			e.Status = reply.Code
			// 4xx replies are transient by definition (RFC 5321 §4.2.1).
			e.permanent = reply.Code >= 500
		}
		if ctx.Err() != nil {
			e.Err, e.permanent = fmt.Errorf("%w: %w", ctx.Err(), err), false
		}
		return e
	}
	from, _ := mail.ParseAddress(cfg.From)
	to := make([]*mail.Address, len(cfg.To))
	for i, s := range cfg.To {
		to[i], _ = mail.ParseAddress(s)
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	msg := composeEmail(from, to, n)

	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fail(false, fmt.Errorf("connect to %s: %w", cfg.Addr, err))
	}
	defer conn.Close()
	deadline := time.Now().Add(smtpTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fail(false, fmt.Errorf("smtp %s: %w", cfg.Addr, err))
	}
	// Cancelling the context makes the next read or write fail at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fail(false, fmt.Errorf("smtp %s: greeting: %w", cfg.Addr, err))
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return fail(false, fmt.Errorf("smtp %s: EHLO: %w", cfg.Addr, err))
	}
	if ok, _ := c.Extension("STARTTLS"); ok && cfg.StartTLS {
		tc := &tls.Config{}
		if cfg.TLS != nil {
			tc = cfg.TLS.Clone()
		}
		if tc.ServerName == "" {
			tc.ServerName = host
		}
		if err := c.StartTLS(tc); err != nil {
			return fail(false, fmt.Errorf("smtp %s: STARTTLS: %w", cfg.Addr, err))
		}
	}
	if cfg.Username != "" {
		_, isTLS := c.TLSConnectionState()
		if !authAllowed(isTLS, host) {
			return fail(true, fmt.Errorf("smtp %s: refusing to send the password without TLS: the server offers no STARTTLS or starttls is off", cfg.Addr))
		}
		ok, mechs := c.Extension("AUTH")
		if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return fail(true, fmt.Errorf("smtp %s: the server does not offer AUTH PLAIN", cfg.Addr))
		}
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, host)); err != nil {
			return fail(false, fmt.Errorf("smtp %s: AUTH: %w", cfg.Addr, err))
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fail(false, fmt.Errorf("smtp %s: MAIL FROM: %w", cfg.Addr, err))
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return fail(false, fmt.Errorf("smtp %s: RCPT TO %s: %w", cfg.Addr, a.Address, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail(false, fmt.Errorf("smtp %s: DATA: %w", cfg.Addr, err))
	}
	if _, err := w.Write(msg); err != nil {
		return fail(false, fmt.Errorf("smtp %s: DATA: %w", cfg.Addr, err))
	}
	if err := w.Close(); err != nil {
		return fail(false, fmt.Errorf("smtp %s: DATA: %w", cfg.Addr, err))
	}
	// The message is accepted once DATA is; a failed QUIT must not make the
	// queue send it twice.
	_ = c.Quit()
	return nil
}

// authAllowed reports whether credentials may be sent: only over TLS, or to
// the machine itself, where nobody can listen on the wire.
func authAllowed(isTLS bool, host string) bool {
	if isTLS || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// helloName is the name given in EHLO: this machine's, when it is one a
// server can accept.
func helloName() string {
	name, err := os.Hostname()
	if err != nil || name == "" || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.')
	}) {
		return "localhost"
	}
	return name
}

// composeEmail renders the notification as a plain-text message. Date is
// the notification's time and Message-ID derives from its id, so a retried
// delivery is the same message and mail clients can drop the duplicate.
func composeEmail(from *mail.Address, to []*mail.Address, n qualstate.Notification) []byte {
	date := n.Time
	if date.IsZero() {
		date = time.Now()
	}
	summary := oneLine(n.Summary, subjectRunes)
	if summary == "" {
		summary = fmt.Sprintf("%s: instance %s is %s", n.Event, n.Instance, n.Status)
		summary = oneLine(summary, subjectRunes)
	}
	rcpt := make([]string, len(to))
	for i, a := range to {
		rcpt[i] = a.String()
	}

	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("Date", date.Format(time.RFC1123Z))
	header("From", from.String())
	header("To", strings.Join(rcpt, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", "[qualstate] "+summary))
	header("Message-ID", messageID(n.ID, from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header(HeaderEvent, headerValue(oneLine(n.Event, 100)))
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(emailBody(n)))
	_ = qp.Close()
	return b.Bytes()
}

// emailBody is the message's text: what happened, then the deviation's
// particulars an engineer needs to act.
func emailBody(n qualstate.Notification) string {
	var b strings.Builder
	line := func(label, value string) {
		if value = oneLine(value, valueRunes); value != "" {
			fmt.Fprintf(&b, "%-13s %s\r\n", label+":", value)
		}
	}
	status := n.Status
	if status == "" {
		status = qualstate.QSUnknown
	}
	fmt.Fprintf(&b, "Instance %s (stack %s) is %s.\r\n\r\n", oneLine(n.Instance, 200), oneLine(n.Stack, 200), status)
	if s := oneLine(n.Summary, valueRunes); s != "" {
		b.WriteString(s + "\r\n\r\n")
	}
	line("Event", n.Event)
	if !n.Time.IsZero() {
		line("Time", n.Time.UTC().Format(time.RFC3339))
	}
	if d := n.Deviation; d != nil {
		b.WriteString("\r\n")
		line("Deviation", fmt.Sprintf("%s (%s), %s", d.ID, d.Kind, d.State))
		line("Resource", strings.TrimSpace(fmt.Sprintf("%s %s %s", d.LogicalID, d.ResourceType, d.PhysicalID)))
		if d.RequirementID != "" {
			req := d.RequirementID
			if d.Risk != "" {
				req += fmt.Sprintf(" (%s risk)", d.Risk)
			}
			line("Requirement", req)
		}
		if len(d.Controls) > 0 {
			cs := make([]string, len(d.Controls))
			for i, c := range d.Controls {
				cs[i] = string(c)
			}
			line("Controls", strings.Join(cs, ", "))
		}
		line("Property", d.Path)
		line("Expected", d.Expected)
		line("Actual", d.Actual)
		line("Reason", d.Reason)
		line("Detected by", d.Trigger)
		if !d.Opened.IsZero() {
			line("Opened", d.Opened.UTC().Format(time.RFC3339))
		}
	}
	b.WriteString("\r\n")
	line("Notification", n.ID)
	return b.String()
}

// messageID builds <ID@DOMAIN> from the notification id, with the sender's
// domain on the right as RFC 5322 advises; an id with no usable character
// gets a random one.
func messageID(id, fromAddr string) string {
	left := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_+=", r) {
			return r
		}
		return '-'
	}, oneLine(id, 200))
	if strings.Trim(left, "-.") == "" {
		buf := make([]byte, 16)
		_, _ = rand.Read(buf)
		left = hex.EncodeToString(buf)
	}
	left = strings.Trim(left, ".")
	domain := "qualstate.invalid"
	if _, d, ok := strings.Cut(fromAddr, "@"); ok && d != "" {
		domain = d
	}
	return "<" + left + "@" + domain + ">"
}
