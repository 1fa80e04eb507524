package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"qualstate"
)

// SandboxEvents reads the change events of a sandbox from its event log,
// GET /_sandbox/events: the CloudTrail records of every mutating call, in
// order.
type SandboxEvents struct {
	// URL is the sandbox's endpoint, e.g. http://127.0.0.1:4566.
	URL string
	// Client carries the requests; nil means http.DefaultClient.
	Client *http.Client
	// After is the sequence number of the last record read; the next read
	// returns the records after it.
	After int64
}

// maxSandboxBody bounds one answer of the event log: a page of at most
// a thousand records.
const maxSandboxBody = 64 << 20

// sandboxPage is an answer of GET /_sandbox/events.
type sandboxPage struct {
	Records []json.RawMessage `json:"Records"`
	Next    int64             `json:"Next"`
}

// Next waits up to wait for records after After, returns them as change
// events and advances After past them. It returns no events when wait
// passes without any. A record that cannot be read is skipped, and named
// in the error returned with the events that could be read.
func (s *SandboxEvents) Next(ctx context.Context, wait time.Duration) ([]qualstate.ChangeEvent, error) {
	page, err := s.fetch(ctx, wait, 0)
	if err != nil {
		return nil, err
	}
	var out []qualstate.ChangeEvent
	var errs []error
	for i, raw := range page.Records {
		ev, err := ParseEvent(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("record %d after %d: %w", i+1, s.After, err))
			continue
		}
		out = append(out, ev)
	}
	if page.Next > s.After {
		s.After = page.Next
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("sandbox events: %w", errors.Join(errs...))
	}
	return out, nil
}

// Latest sets After to the end of the log, so that a monitor starting up
// reads only what happens from now on and does not replay history.
func (s *SandboxEvents) Latest(ctx context.Context) error {
	for {
		page, err := s.fetch(ctx, 0, 0)
		if err != nil {
			return err
		}
		if len(page.Records) == 0 || page.Next <= s.After {
			return nil
		}
		s.After = page.Next
	}
}

// fetch asks the event log for the records after After.
func (s *SandboxEvents) fetch(ctx context.Context, wait time.Duration, limit int) (*sandboxPage, error) {
	if s.URL == "" {
		return nil, errors.New("sandbox events: no sandbox URL")
	}
	q := url.Values{}
	q.Set("after", strconv.FormatInt(s.After, 10))
	q.Set("wait", wait.String())
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	u := strings.TrimRight(s.URL, "/") + "/_sandbox/events?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("sandbox events: %w", err)
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sandbox events: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSandboxBody+1))
	if err != nil {
		return nil, fmt.Errorf("sandbox events: reading the answer: %w", err)
	}
	if len(body) > maxSandboxBody {
		return nil, fmt.Errorf("sandbox events: answer larger than %d bytes", maxSandboxBody)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return nil, fmt.Errorf("sandbox events: %s: %s", resp.Status, msg)
	}
	var page sandboxPage
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("sandbox events: the answer is not an event page: %w", err)
	}
	return &page, nil
}
