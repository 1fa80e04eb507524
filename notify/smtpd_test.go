package notify

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpd is a minimal SMTP server on a loopback listener, enough for
// net/smtp: EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
type smtpd struct {
	// TLS, when set, is offered through STARTTLS.
	TLS *tls.Config
	// Username and Password, when set, are required before MAIL.
	Username, Password string
	// RcptReply, when set, answers every RCPT ("550 5.1.1 no such user").
	RcptReply string
	// Listen is the address to listen on; empty is 127.0.0.1:0.
	Listen string

	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	msgs []smtpMessage
	auth int // AUTH commands received
}

// smtpMessage is one message the server accepted.
type smtpMessage struct {
	Hello    string
	From     string
	To       []string
	Data     string // dot-unstuffed, CRLF line ends
	TLS      bool
	AuthUser string
}

func startSMTPD(t *testing.T, s *smtpd) *smtpd {
	t.Helper()
	if s.Listen == "" {
		s.Listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpd) Addr() string { return s.ln.Addr().String() }

// AuthAttempts counts the AUTH commands received, accepted or not.
func (s *smtpd) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth
}

func (s *smtpd) Messages() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.msgs...)
}

func (s *smtpd) serve(conn net.Conn) {
	defer func() { conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			fmt.Fprintf(w, "%s\r\n", l)
		}
		w.Flush()
	}
	var m smtpMessage
	authed := false
	reply("220 smtpd.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			m.Hello = arg
			lines := []string{"250-smtpd.test", "250-8BITMIME"}
			if s.TLS != nil && !m.TLS {
				lines = append(lines, "250-STARTTLS")
			}
			if s.Username != "" {
				lines = append(lines, "250-AUTH PLAIN")
			}
			reply(append(lines, "250 HELP")...)
		case "STARTTLS":
			if s.TLS == nil || m.TLS {
				reply("502 5.5.1 not offered")
				continue
			}
			reply("220 2.0.0 ready")
			tc := tls.Server(conn, s.TLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, r, w = tc, bufio.NewReader(tc), bufio.NewWriter(tc)
			m = smtpMessage{TLS: true}
		case "AUTH":
			s.mu.Lock()
			s.auth++
			s.mu.Unlock()
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") || s.Username == "" {
				reply("504 5.5.4 unrecognised mechanism")
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.Username || parts[2] != s.Password {
				reply("535 5.7.8 authentication credentials invalid")
				continue
			}
			authed, m.AuthUser = true, parts[1]
			reply("235 2.7.0 authenticated")
		case "MAIL":
			if s.Username != "" && !authed {
				reply("530 5.7.0 authentication required")
				continue
			}
			m.From = addrArg(arg)
			reply("250 2.1.0 ok")
		case "RCPT":
			if s.RcptReply != "" {
				reply(s.RcptReply)
				continue
			}
			m.To = append(m.To, addrArg(arg))
			reply("250 2.1.5 ok")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			m.Data = data.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			m = smtpMessage{Hello: m.Hello, TLS: m.TLS, AuthUser: m.AuthUser}
			reply("250 2.0.0 queued")
		case "RSET", "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognised")
		}
	}
}

// addrArg takes the address out of "FROM:<a@b> SIZE=…".
func addrArg(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// selfSignedTLS makes a server certificate for 127.0.0.1 and localhost, and
// a pool that trusts it.
func selfSignedTLS(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtpd.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool
}
