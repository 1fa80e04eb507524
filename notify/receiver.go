package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"qualstate"
)

// maxDelivery bounds a delivery's body; a notification is a few KiB.
const maxDelivery = 1 << 20

// Receiver is the receiving end of a webhook target: an http.Handler that
// verifies each delivery, keeps the notifications received (one per id, as
// retried deliveries repeat it) and lets a caller wait for one. Its zero
// value accepts unsigned deliveries; it is safe for concurrent use.
type Receiver struct {
	// Secret, when set, is the target's secret: deliveries without a valid
	// signature are refused with 401.
	Secret string
	// Tolerance is Verify's; 0 is DefaultTolerance.
	Tolerance time.Duration

	mu   sync.Mutex
	seen map[string]bool
	got  []qualstate.Notification
	wake chan struct{} // closed, then replaced, on each new notification
}

// ServeHTTP accepts one delivery: 204 when it is new or a duplicate, 401
// when the signature is wrong, 400 when the body is not a notification.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "deliveries are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxDelivery))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "delivery too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the delivery", http.StatusBadRequest)
		return
	}
	if r.Secret != "" {
		// The reason stays out of the answer: it would help a forger.
		if err := Verify(r.Secret, req.Header, body, time.Now(), r.Tolerance); err != nil {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
	}
	var n qualstate.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		http.Error(w, "the body is not a notification", http.StatusBadRequest)
		return
	}
	// Duplicates are dropped by the id inside the signed body: the delivery
	// header is not signed, so it must agree with the body, not replace it.
	if n.ID == "" {
		http.Error(w, "the notification has no id", http.StatusBadRequest)
		return
	}
	if d := req.Header.Get(HeaderDelivery); d != "" && d != n.ID {
		http.Error(w, HeaderDelivery+" does not match the notification's id", http.StatusBadRequest)
		return
	}
	r.add(n)
	w.WriteHeader(http.StatusNoContent)
}

func (r *Receiver) add(n qualstate.Notification) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if r.seen[n.ID] {
		return
	}
	r.seen[n.ID] = true
	r.got = append(r.got, n)
	if r.wake != nil {
		close(r.wake)
		r.wake = nil
	}
}

// Received returns the notifications received so far, in arrival order.
func (r *Receiver) Received() []qualstate.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]qualstate.Notification(nil), r.got...)
}

// Wait returns the first notification received, before or during the call,
// that match accepts (any, when match is nil), or the context's error.
func (r *Receiver) Wait(ctx context.Context, match func(qualstate.Notification) bool) (qualstate.Notification, error) {
	next := 0
	for {
		r.mu.Lock()
		fresh := append([]qualstate.Notification(nil), r.got[next:]...)
		next = len(r.got)
		if r.wake == nil {
			r.wake = make(chan struct{})
		}
		wake := r.wake
		r.mu.Unlock()

		// match runs without the lock, so it may call Received.
		for _, n := range fresh {
			if match == nil || match(n) {
				return n, nil
			}
		}
		select {
		case <-ctx.Done():
			return qualstate.Notification{}, fmt.Errorf("wait for a notification: %w", ctx.Err())
		case <-wake:
		}
	}
}
