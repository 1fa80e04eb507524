package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// slackHook answers like a Slack incoming webhook: "ok" for a payload with
// text, 400 invalid_payload otherwise. It keeps the bodies it accepted.
type slackHook struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (h *slackHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var payload struct {
		Text string `json:"text"`
	}
	if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &payload) != nil || payload.Text == "" {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.bodies = append(h.bodies, body)
	h.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (h *slackHook) last() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.bodies) == 0 {
		return nil
	}
	return h.bodies[len(h.bodies)-1]
}

func TestSlackMessage(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			hook := &slackHook{}
			srv := httptest.NewServer(hook)
			defer srv.Close()
			n := loadNotification(t, name)
			if err := Send(context.Background(), srv.Client(), Target{Name: "slack", Kind: KindSlack, URL: srv.URL + "/services/T0/B0/X"}, n); err != nil {
				t.Fatal(err)
			}
			body := hook.last()
			var payload map[string]string
			if err := json.Unmarshal(body, &payload); err != nil {
				t.Fatal(err)
			}
			if len(payload) != 1 || payload["text"] == "" {
				t.Fatalf("payload %s, want exactly {\"text\": …}", body)
			}
			text := payload["text"]
			if strings.ContainsAny(text, "\n\r") {
				t.Errorf("text %q spans lines", text)
			}
			for _, want := range []string{n.Event, string(n.Status)} {
				if !strings.Contains(text, want) {
					t.Errorf("text %q lacks %q", text, want)
				}
			}
			if d := n.Deviation; d != nil {
				for _, want := range []string{string(d.Kind), d.ID, d.LogicalID, d.ResourceType, string(d.State)} {
					if !strings.Contains(text, want) {
						t.Errorf("text %q lacks %q", text, want)
					}
				}
			}
			golden(t, name+".slack.json", body)
		})
	}
}

func TestSlackTextEscapes(t *testing.T) {
	text := slackText(loadNotification(t, "status"))
	for _, bad := range []string{"<ops>", "<@channel>", " & "} {
		if strings.Contains(text, bad) {
			t.Errorf("text %q keeps %q unescaped: Slack would read it as markup", text, bad)
		}
	}
	if strings.Contains(text, "``") || strings.Count(text, "`")%2 != 0 {
		t.Errorf("text %q breaks its code spans", text)
	}
}

func TestSlackRefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "channel_is_archived", http.StatusGone)
	}))
	defer srv.Close()
	err := Send(context.Background(), srv.Client(), Target{Name: "slack", Kind: KindSlack, URL: srv.URL}, loadNotification(t, "opened"))
	var e *Error
	if !errors.As(err, &e) || !e.Permanent() || !strings.Contains(err.Error(), "channel_is_archived") {
		t.Errorf("Send = %v, want a permanent error quoting Slack's answer", err)
	}
}
