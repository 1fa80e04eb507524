package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"qualstate"
)

const testSecret = "whsec-0123456789abcdef"

// recordingHandler keeps the headers of the last request before handing it on.
type recordingHandler struct {
	next http.Handler
	mu   sync.Mutex
	last http.Header
}

func (h *recordingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.last = r.Header.Clone()
	h.mu.Unlock()
	h.next.ServeHTTP(w, r)
}

func (h *recordingHandler) header() http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

func TestWebhookDelivery(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			rcv := &Receiver{Secret: testSecret}
			rec := &recordingHandler{next: rcv}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			n := loadNotification(t, name)
			target := Target{Name: "webhook", Kind: KindWebhook, URL: srv.URL + "/hooks/qualstate", Secret: testSecret}

			if err := Send(context.Background(), srv.Client(), target, n); err != nil {
				t.Fatal(err)
			}
			got := rcv.Received()
			if len(got) != 1 || mustJSON(t, got[0]) != mustJSON(t, n) {
				t.Fatalf("received %s\nwant [%s]", mustJSON(t, got), mustJSON(t, n))
			}
			h := rec.header()
			for k, want := range map[string]string{
				"Content-Type": "application/json", HeaderEvent: n.Event, HeaderDelivery: n.ID,
			} {
				if h.Get(k) != want {
					t.Errorf("%s = %q, want %q", k, h.Get(k), want)
				}
			}
			if !strings.HasPrefix(h.Get(HeaderSignature), "t=") {
				t.Errorf("%s = %q, want t=…,v1=…", HeaderSignature, h.Get(HeaderSignature))
			}
		})
	}
}

func TestWebhookWithoutSecretIsUnsigned(t *testing.T) {
	rcv := &Receiver{}
	rec := &recordingHandler{next: rcv}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	n := loadNotification(t, "closed")
	if err := Send(context.Background(), srv.Client(), Target{Name: "w", Kind: KindWebhook, URL: srv.URL}, n); err != nil {
		t.Fatal(err)
	}
	if sig := rec.header().Get(HeaderSignature); sig != "" {
		t.Errorf("unsigned target sent %s: %q", HeaderSignature, sig)
	}
	if got := rcv.Received(); len(got) != 1 || got[0].ID != n.ID {
		t.Errorf("received %v, want %s", got, n.ID)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"N-1","event":"deviation.opened"}`)
	signedAt := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	sig := Sign(testSecret, body, signedAt)
	_, v1, _ := strings.Cut(sig, ",v1=")
	other := Sign("another-secret-0123456789", body, signedAt)
	_, otherV1, _ := strings.Cut(other, ",v1=")

	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   string // "" for success, else a substring of the error
	}{
		{"valid", testSecret, sig, body, signedAt.Add(time.Minute), ""},
		{"valid at the edge of tolerance", testSecret, sig, body, signedAt.Add(DefaultTolerance), ""},
		{"clock slightly behind", testSecret, sig, body, signedAt.Add(-time.Minute), ""},
		{"rotation: one of two v1 matches", testSecret, "t=" + itoa(signedAt) + ",v1=" + otherV1 + ",v1=" + v1, body, signedAt, ""},
		{"unknown scheme ignored", testSecret, sig + ",v0=abc", body, signedAt, ""},
		{"tampered body", testSecret, sig, []byte(`{"id":"N-1","event":"deviation.closed"}`), signedAt, "does not match"},
		{"wrong secret", "the-wrong-secret-0123456789", sig, body, signedAt, "does not match"},
		{"replayed later", testSecret, sig, body, signedAt.Add(DefaultTolerance + time.Second), "tolerance"},
		{"from the future", testSecret, sig, body, signedAt.Add(-DefaultTolerance - time.Second), "tolerance"},
		{"timestamp moved", testSecret, "t=" + itoa(signedAt.Add(time.Hour)) + ",v1=" + v1, body, signedAt.Add(time.Hour), "does not match"},
		{"no header", testSecret, "", body, signedAt, "no " + HeaderSignature},
		{"no timestamp", testSecret, "v1=" + v1, body, signedAt, "no timestamp"},
		{"no v1", testSecret, "t=" + itoa(signedAt), body, signedAt, "no v1"},
		{"timestamp not a number", testSecret, "t=yesterday,v1=" + v1, body, signedAt, "not a number"},
		{"two timestamps", testSecret, sig + ",t=1", body, signedAt, "two timestamps"},
		{"not key=value", testSecret, "garbage", body, signedAt, "key=value"},
		{"v1 not hex", testSecret, "t=" + itoa(signedAt) + ",v1=zz", body, signedAt, "does not match"},
		{"no secret", "", sig, body, signedAt, "no secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set(HeaderSignature, tt.header)
			}
			err := Verify(tt.secret, h, tt.body, tt.now, 0)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Verify = %v, want success", err)
			case tt.want != "" && err == nil:
				t.Errorf("Verify succeeded, want an error mentioning %q", tt.want)
			case tt.want != "" && (!errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Verify = %v, want ErrSignature mentioning %q", err, tt.want)
			}
		})
	}
}

func itoa(at time.Time) string { return strconv.FormatInt(at.Unix(), 10) }

func TestReceiverRejects(t *testing.T) {
	n := loadNotification(t, "opened")
	body := []byte(mustJSON(t, n))
	now := time.Now()
	tests := []struct {
		name     string
		method   string
		body     []byte
		header   map[string]string
		wantCode int
	}{
		{"unsigned", http.MethodPost, body, nil, http.StatusUnauthorized},
		{"wrong secret", http.MethodPost, body, map[string]string{HeaderSignature: Sign("the-wrong-secret-0123456789", body, now)}, http.StatusUnauthorized},
		{"tampered", http.MethodPost, bytes.Replace(body, []byte("non-compliant"), []byte("qualified"), 1),
			map[string]string{HeaderSignature: Sign(testSecret, body, now)}, http.StatusUnauthorized},
		{"replayed an hour later", http.MethodPost, body, map[string]string{HeaderSignature: Sign(testSecret, body, now.Add(-time.Hour))}, http.StatusUnauthorized},
		{"signed but not JSON", http.MethodPost, []byte("hello"), map[string]string{HeaderSignature: Sign(testSecret, []byte("hello"), now)}, http.StatusBadRequest},
		{"no id", http.MethodPost, []byte(`{"event":"x"}`), map[string]string{HeaderSignature: Sign(testSecret, []byte(`{"event":"x"}`), now)}, http.StatusBadRequest},
		{"delivery header disagrees", http.MethodPost, body, map[string]string{
			HeaderSignature: Sign(testSecret, body, now), HeaderDelivery: "N-other",
		}, http.StatusBadRequest},
		{"GET", http.MethodGet, nil, nil, http.StatusMethodNotAllowed},
		{"too large", http.MethodPost, bytes.Repeat([]byte(" "), maxDelivery+1), nil, http.StatusRequestEntityTooLarge},
		{"valid", http.MethodPost, body, map[string]string{HeaderSignature: Sign(testSecret, body, now), HeaderDelivery: n.ID}, http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := &Receiver{Secret: testSecret}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			req, err := http.NewRequest(tt.method, srv.URL, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantCode)
			}
			wantKept := 0
			if tt.wantCode == http.StatusNoContent {
				wantKept = 1
			}
			if got := len(rcv.Received()); got != wantKept {
				t.Errorf("receiver kept %d notifications, want %d", got, wantKept)
			}
		})
	}
}

func TestReceiverDropsDuplicates(t *testing.T) {
	rcv := &Receiver{Secret: testSecret}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	target := Target{Name: "webhook", Kind: KindWebhook, URL: srv.URL, Secret: testSecret}
	opened, closed := loadNotification(t, "opened"), loadNotification(t, "closed")
	for _, n := range []qualstate.Notification{opened, opened, closed, opened} {
		if err := Send(context.Background(), srv.Client(), target, n); err != nil {
			t.Fatal(err)
		}
	}
	got := rcv.Received()
	if len(got) != 2 || got[0].ID != opened.ID || got[1].ID != closed.ID {
		t.Errorf("received %s, want %s then %s once each", mustJSON(t, got), opened.ID, closed.ID)
	}
}

func TestReceiverWait(t *testing.T) {
	rcv := &Receiver{Secret: testSecret}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	target := Target{Name: "webhook", Kind: KindWebhook, URL: srv.URL, Secret: testSecret}
	opened, closed := loadNotification(t, "opened"), loadNotification(t, "closed")
	if err := Send(context.Background(), srv.Client(), target, opened); err != nil {
		t.Fatal(err)
	}

	t.Run("already received", func(t *testing.T) {
		got, err := rcv.Wait(context.Background(), func(n qualstate.Notification) bool { return n.Event == "deviation.opened" })
		if err != nil || got.ID != opened.ID {
			t.Errorf("Wait = %s, %v; want %s", got.ID, err, opened.ID)
		}
	})
	t.Run("arrives later", func(t *testing.T) {
		type result struct {
			n   qualstate.Notification
			err error
		}
		done := make(chan result, 1)
		waiting := make(chan struct{})
		go func() {
			n, err := rcv.Wait(context.Background(), func(n qualstate.Notification) bool {
				if n.ID == opened.ID {
					close(waiting) // Wait has looked at what was there before
				}
				return n.Event == "deviation.closed"
			})
			done <- result{n, err}
		}()
		<-waiting
		if err := Send(context.Background(), srv.Client(), target, closed); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if r.err != nil || r.n.ID != closed.ID {
			t.Errorf("Wait = %s, %v; want %s", r.n.ID, r.err, closed.ID)
		}
	})
	t.Run("context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := rcv.Wait(ctx, func(qualstate.Notification) bool { return false })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Wait = %v, want context.Canceled", err)
		}
	})
}

func TestSendClassification(t *testing.T) {
	n := loadNotification(t, "opened")
	tests := []struct {
		name          string
		status        int
		retryAfter    string
		wantErr       bool
		wantPermanent bool
		wantRetry     time.Duration
	}{
		{"200", http.StatusOK, "", false, false, 0},
		{"204", http.StatusNoContent, "", false, false, 0},
		{"400", http.StatusBadRequest, "", true, true, 0},
		{"401", http.StatusUnauthorized, "", true, true, 0},
		{"404", http.StatusNotFound, "", true, true, 0},
		{"410", http.StatusGone, "", true, true, 0},
		{"408", http.StatusRequestTimeout, "", true, false, 0},
		{"429 with Retry-After", http.StatusTooManyRequests, "7", true, false, 7 * time.Second},
		{"429 without Retry-After", http.StatusTooManyRequests, "", true, false, 0},
		{"500", http.StatusInternalServerError, "", true, false, 0},
		{"502", http.StatusBadGateway, "", true, false, 0},
		{"503 with Retry-After", http.StatusServiceUnavailable, "120", true, false, 2 * time.Minute},
		{"302", http.StatusFound, "", true, true, 0},
	}
	for _, tt := range tests {
		for _, kind := range []string{KindWebhook, KindSlack} {
			t.Run(kind+" "+tt.name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					if tt.status == http.StatusFound {
						w.Header().Set("Location", "/elsewhere")
					}
					w.WriteHeader(tt.status)
					_, _ = io.WriteString(w, "answer from the receiver")
				}))
				defer srv.Close()
				err := Send(context.Background(), srv.Client(), Target{Name: "t", Kind: kind, URL: srv.URL, Secret: ""}, n)
				if !tt.wantErr {
					if err != nil {
						t.Fatalf("Send = %v, want success", err)
					}
					return
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Send = %v, want *Error", err)
				}
				if e.Permanent() != tt.wantPermanent || e.Status != tt.status || e.RetryAfter != tt.wantRetry {
					t.Errorf("Send = %v: permanent %t, status %d, retry after %s; want %t, %d, %s",
						err, e.Permanent(), e.Status, e.RetryAfter, tt.wantPermanent, tt.status, tt.wantRetry)
				}
				if !strings.Contains(err.Error(), "answer from the receiver") {
					t.Errorf("error %q lacks the receiver's answer", err)
				}
			})
		}
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	target := Target{Name: "webhook", Kind: KindWebhook, URL: "http://" + addr + "/in", Secret: testSecret}
	err = Send(context.Background(), nil, target, loadNotification(t, "opened"))
	var e *Error
	if !errors.As(err, &e) || e.Permanent() || e.Status != 0 {
		t.Fatalf("Send = %v, want a retryable *Error without status", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("Send = %v, want the network error in its chain", err)
	}
}

func TestSendErrorsHideCredentials(t *testing.T) {
	const token = "T0AAAA/B0BBBB/tokenXYZ"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "oops", http.StatusInternalServerError)
	}))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	for _, base := range []string{srv.URL, refused} {
		for _, target := range []Target{
			{Name: "webhook", Kind: KindWebhook, URL: base + "/services/" + token, Secret: testSecret},
			{Name: "slack", Kind: KindSlack, URL: base + "/services/" + token},
		} {
			t.Run(target.Kind+" "+base, func(t *testing.T) {
				err := Send(context.Background(), nil, target, loadNotification(t, "opened"))
				if err == nil {
					t.Fatal("Send succeeded; want an error")
				}
				if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "tokenXYZ") {
					t.Errorf("error %q shows a credential", err)
				}
			})
		}
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	var mu sync.Mutex
	hits := 0
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
	}))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.RedirectHandler(elsewhere.URL, http.StatusTemporaryRedirect))
	defer srv.Close()

	err := Send(context.Background(), srv.Client(), Target{Name: "w", Kind: KindWebhook, URL: srv.URL, Secret: testSecret}, loadNotification(t, "opened"))
	var e *Error
	if !errors.As(err, &e) || !e.Permanent() || !strings.Contains(err.Error(), "redirects are not followed") {
		t.Errorf("Send = %v, want a permanent error about the redirect", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 0 {
		t.Errorf("the redirect target got %d requests, want none", hits)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"30", 30 * time.Second},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"9999999999999", maxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			if got := retryAfter(tt.value, now); got != tt.want {
				t.Errorf("retryAfter(%q) = %s, want %s", tt.value, got, tt.want)
			}
		})
	}
}

// endless yields zeros for ever, counting what was read.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += len(p)
	return len(p), nil
}

func TestReadBodyStopsAt64KiB(t *testing.T) {
	r := &endless{}
	if got := len(readBody(r)); got != maxResponse || r.n > maxResponse+bytes.MinRead {
		t.Errorf("read %d bytes (kept %d), want at most %d", r.n, got, maxResponse)
	}
}
