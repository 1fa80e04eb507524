// Package trail reads CloudTrail records, as CloudTrail, EventBridge and
// the sandbox deliver them, into the change events monitoring matches
// against the resources it watches. It depends on the standard library
// and qualstate only, so that fuzzing it builds a small binary.
package trail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"qualstate"
)

// Bounds of what an event may make monitoring look at.
const (
	// MaxEventSize bounds a message body: EventBridge events are at most
	// 256 KB, CloudTrail log files of many records larger.
	MaxEventSize = 4 << 20
	// MaxRecords bounds the records of one body.
	MaxRecords = 10000
	// MaxEventStrings bounds the strings kept from one event; the rest
	// are dropped.
	MaxEventStrings = 256
	// MaxStringLen bounds a kept string: no identifier or ARN is longer.
	MaxStringLen = 2048
	// MaxNesting bounds how deep into the request and response the
	// strings are looked for.
	MaxNesting = 32
)

// cloudTrailDetailType is the detail-type of an EventBridge event that
// carries a CloudTrail record.
const cloudTrailDetailType = "AWS API Call via CloudTrail"

// trailRecord is the part of a CloudTrail record monitoring reads.
type trailRecord struct {
	EventID           string          `json:"eventID"`
	EventTime         string          `json:"eventTime"`
	EventSource       string          `json:"eventSource"`
	EventName         string          `json:"eventName"`
	ErrorCode         string          `json:"errorCode"`
	ReadOnly          *bool           `json:"readOnly"`
	RequestParameters json.RawMessage `json:"requestParameters"`
	ResponseElements  json.RawMessage `json:"responseElements"`
	Resources         []struct {
		ARN string `json:"ARN"`
	} `json:"resources"`
}

// envelope is an EventBridge event, or a CloudTrail log file.
type envelope struct {
	DetailType *string         `json:"detail-type"`
	ID         string          `json:"id"`
	Time       string          `json:"time"`
	Detail     json.RawMessage `json:"detail"`
	Records    json.RawMessage `json:"Records"`
}

// Parse reads one change event: a CloudTrail record, or an
// EventBridge event whose detail is one (detail-type "AWS API Call via
// CloudTrail"), as EventBridge delivers them to a queue.
func Parse(body []byte) (qualstate.ChangeEvent, error) {
	env, err := readEnvelope(body)
	if err != nil {
		return qualstate.ChangeEvent{}, err
	}
	if env.Records != nil {
		return qualstate.ChangeEvent{}, errors.New("change event: a list of Records, not one event")
	}
	return env.event(body)
}

// ParseRecords reads the change events of a body: a CloudTrail log file
// ({"Records": [...]}, as the sandbox's event log answers too), a single
// CloudTrail record, or an EventBridge event.
func ParseRecords(body []byte) ([]qualstate.ChangeEvent, error) {
	env, err := readEnvelope(body)
	if err != nil {
		return nil, err
	}
	if env.Records == nil {
		ev, err := env.event(body)
		if err != nil {
			return nil, err
		}
		return []qualstate.ChangeEvent{ev}, nil
	}
	var records []json.RawMessage
	if err := json.Unmarshal(env.Records, &records); err != nil {
		return nil, fmt.Errorf("change events: Records is not a list of records: %w", err)
	}
	if len(records) > MaxRecords {
		return nil, fmt.Errorf("change events: %d records, more than the %d one body may hold", len(records), MaxRecords)
	}
	out := make([]qualstate.ChangeEvent, 0, len(records))
	for i, raw := range records {
		ev, err := parseRecord(raw)
		if err != nil {
			return nil, fmt.Errorf("change events: record %d: %w", i, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// readEnvelope checks a body's size and shape and reads its outer object.
func readEnvelope(body []byte) (*envelope, error) {
	if len(body) > MaxEventSize {
		return nil, fmt.Errorf("change event: %d bytes, more than the %d allowed", len(body), MaxEventSize)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("change event: empty body")
	}
	if trimmed[0] != '{' {
		return nil, errors.New("change event: not a JSON object")
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, fmt.Errorf("change event: not JSON: %w", err)
	}
	return &env, nil
}

// event reads the envelope's record: the detail of an EventBridge event,
// or the body itself.
func (env *envelope) event(body []byte) (qualstate.ChangeEvent, error) {
	if env.DetailType == nil {
		return parseRecord(body)
	}
	if *env.DetailType != cloudTrailDetailType {
		return qualstate.ChangeEvent{}, fmt.Errorf("change event: EventBridge detail-type %q is not %q", *env.DetailType, cloudTrailDetailType)
	}
	if len(env.Detail) == 0 || env.Detail[0] != '{' {
		return qualstate.ChangeEvent{}, errors.New("change event: EventBridge event without a CloudTrail record in detail")
	}
	ev, err := parseRecord(env.Detail)
	if err != nil {
		return qualstate.ChangeEvent{}, fmt.Errorf("EventBridge event %s: %w", env.ID, err)
	}
	if ev.ID == "" {
		ev.ID = env.ID
	}
	if ev.Time.IsZero() {
		if t, err := time.Parse(time.RFC3339, env.Time); err == nil {
			ev.Time = t.UTC()
		}
	}
	return ev, nil
}

// parseRecord reads one CloudTrail record.
func parseRecord(raw []byte) (qualstate.ChangeEvent, error) {
	var rec trailRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return qualstate.ChangeEvent{}, fmt.Errorf("cloudtrail record: %w", err)
	}
	switch {
	case rec.EventSource == "":
		return qualstate.ChangeEvent{}, errors.New("cloudtrail record: no eventSource")
	case rec.EventName == "":
		return qualstate.ChangeEvent{}, errors.New("cloudtrail record: no eventName")
	}
	ev := qualstate.ChangeEvent{
		ID: rec.EventID, Source: rec.EventSource, Name: rec.EventName,
		Failed: rec.ErrorCode != "",
	}
	if rec.EventTime != "" {
		t, err := time.Parse(time.RFC3339, rec.EventTime)
		if err != nil {
			return qualstate.ChangeEvent{}, fmt.Errorf("cloudtrail record %s: eventTime %q is not an RFC 3339 time", rec.EventID, rec.EventTime)
		}
		ev.Time = t.UTC()
	}
	if rec.ReadOnly != nil {
		ev.ReadOnly = *rec.ReadOnly
	} else {
		ev.ReadOnly = readOnlyName(rec.EventName)
	}
	c := collector{seen: map[string]bool{}}
	for _, r := range rec.Resources {
		c.add(r.ARN)
	}
	for _, part := range []json.RawMessage{rec.RequestParameters, rec.ResponseElements} {
		if err := c.walk(part); err != nil {
			return qualstate.ChangeEvent{}, fmt.Errorf("cloudtrail record %s: %w", rec.EventID, err)
		}
	}
	ev.Strings = c.out
	return ev, nil
}

// readOnlyName reports whether an API action only reads, for records that
// do not say.
func readOnlyName(name string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "Select", "Scan", "Query"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// collector gathers an event's strings, without duplicates and within the
// bounds.
type collector struct {
	seen map[string]bool
	out  []string
}

func (c *collector) add(s string) {
	if s == "" || len(s) > MaxStringLen || len(c.out) >= MaxEventStrings || c.seen[s] {
		return
	}
	c.seen[s] = true
	c.out = append(c.out, s)
}

// walk collects the string values of a JSON value, keys aside. It reads
// tokens rather than building the value, so a large document costs no
// more than reading it; values nested deeper than MaxNesting are skipped.
func (c *collector) walk(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	type frame struct{ object, wantKey bool }
	var stack []frame
	// valueDone notes that the current container's value ended: in an
	// object, a key comes next.
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	skipping := 0
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("request or response: %w", err)
		}
		d, isDelim := tok.(json.Delim)
		if skipping > 0 {
			if isDelim && (d == '{' || d == '[') {
				skipping++
			} else if isDelim {
				skipping--
			}
			continue
		}
		switch {
		case isDelim && (d == '{' || d == '['):
			valueDone()
			if len(stack) >= MaxNesting {
				skipping = 1
				continue
			}
			stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
		case isDelim:
			stack = stack[:len(stack)-1]
		default:
			if n := len(stack); n > 0 && stack[n-1].wantKey {
				stack[n-1].wantKey = false
				continue
			}
			if s, ok := tok.(string); ok {
				c.add(s)
			}
			valueDone()
		}
	}
}
