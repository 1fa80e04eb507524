package ledger

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"qualstate"
)

// Filter narrows Events. Zero fields match everything.
type Filter struct {
	// Since and Until bound the event time: at or after Since, before
	// Until.
	Since, Until time.Time
	// Subject is a prefix of the subject: "run/ID/case/" matches the
	// events of every test case of run ID.
	Subject string
	// Actor is the actor exactly.
	Actor string
	// Action is a prefix of the action: "run." matches every run event.
	Action string
}

// Events calls fn with every event the filter matches, in seq order,
// until fn returns an error (returned as it is) or the events end. An
// event that cannot be read is an error: the trail was damaged.
func (l *Log) Events(ctx context.Context, f Filter, fn func(qualstate.AuditEvent) error) error {
	var fnErr error
	err := l.store.ScanAudit(ctx, 0, func(seq int64, data []byte) error {
		v, ok := parseEvent(data)
		if ok && !f.matchView(&v) {
			return nil
		}
		ev, err := decodeEvent(data, v, ok)
		if err != nil {
			return tampered("event %d cannot be read: %v", seq, err)
		}
		if !f.match(&ev) {
			return nil
		}
		if err := fn(ev); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("list audit events: %w", err)
	}
	return nil
}

// matchView applies the parts of the filter that need no decoding, so
// that listing a few events of a long trail decodes only those.
func (f *Filter) matchView(v *eventView) bool {
	return bytes.HasPrefix(v.subject, []byte(f.Subject)) &&
		(f.Actor == "" || string(v.actor) == f.Actor) &&
		bytes.HasPrefix(v.action, []byte(f.Action))
}

func (f *Filter) match(ev *qualstate.AuditEvent) bool {
	return strings.HasPrefix(ev.Subject, f.Subject) &&
		(f.Actor == "" || ev.Actor == f.Actor) &&
		strings.HasPrefix(ev.Action, f.Action) &&
		(f.Since.IsZero() || !ev.Time.Before(f.Since)) &&
		(f.Until.IsZero() || ev.Time.Before(f.Until))
}

// eventView is an audit event as views into its canonical encoding.
type eventView struct {
	seq                          int64
	time, actor, action, subject []byte
	reason, before, after        []byte
}

// decodeEvent returns the event of data, from the view parseEvent made
// when ok, else by the full decoder.
func decodeEvent(data []byte, v eventView, ok bool) (qualstate.AuditEvent, error) {
	if !ok {
		return qualstate.DecodeAuditEvent(data)
	}
	t, err := time.Parse(time.RFC3339Nano, string(v.time))
	if err != nil {
		// parseEvent parsed the same text: cannot happen.
		return qualstate.AuditEvent{}, fmt.Errorf("decode audit event %d: %w", v.seq, err)
	}
	return qualstate.AuditEvent{
		Seq: v.seq, Time: t, Actor: string(v.actor), Action: string(v.action), Subject: string(v.subject),
		Reason: string(v.reason), Before: string(v.before), After: string(v.after),
	}, nil
}

// parseEvent reads an event in canonical encoding without reflection:
// verifying a trail of a million events would spend seconds in
// encoding/json. It accepts only what qualstate.DecodeAuditEvent accepts
// (FuzzParseEvent holds it to that) and declines, returning false, whatever
// it does not handle itself — escaped or non-ASCII text, for one — so the
// caller falls back to DecodeAuditEvent.
func parseEvent(data []byte) (v eventView, ok bool) {
	p := parser{data: data}
	if !p.lit(`{"seq":`) {
		return v, false
	}
	if v.seq, ok = p.int(); !ok {
		return v, false
	}
	if !p.lit(`,"time":"`) {
		return v, false
	}
	if v.time, ok = p.str(); !ok || !canonicalTime(v.time) {
		return v, false
	}
	if !p.lit(`,"actor":"`) {
		return v, false
	}
	if v.actor, ok = p.str(); !ok {
		return v, false
	}
	if !p.lit(`,"action":"`) {
		return v, false
	}
	if v.action, ok = p.str(); !ok {
		return v, false
	}
	if !p.lit(`,"subject":"`) {
		return v, false
	}
	if v.subject, ok = p.str(); !ok {
		return v, false
	}
	// The optional fields are omitted when empty, so one written empty
	// is not canonical.
	if p.lit(`,"reason":"`) {
		if v.reason, ok = p.str(); !ok || len(v.reason) == 0 {
			return v, false
		}
	}
	if p.lit(`,"before":"`) {
		if v.before, ok = p.str(); !ok || len(v.before) == 0 {
			return v, false
		}
	}
	if p.lit(`,"after":"`) {
		if v.after, ok = p.str(); !ok || len(v.after) == 0 {
			return v, false
		}
	}
	if !p.lit("}") || p.i != len(data) {
		return v, false
	}
	return v, true
}

type parser struct {
	data []byte
	i    int
}

func (p *parser) lit(s string) bool {
	if !bytes.HasPrefix(p.data[p.i:], []byte(s)) {
		return false
	}
	p.i += len(s)
	return true
}

// int reads a non-negative decimal integer without leading zeros.
func (p *parser) int() (int64, bool) {
	start := p.i
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		p.i++
	}
	digits := p.data[start:p.i]
	if len(digits) == 0 || len(digits) > 1 && digits[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(digits), 10, 64)
	return n, err == nil
}

// str reads up to the closing quote a string of printable ASCII that
// encoding/json writes as it is: no quote, backslash or control byte.
func (p *parser) str() ([]byte, bool) {
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c == '"' {
			s := p.data[start:p.i]
			p.i++
			return s, true
		}
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// canonicalTime reports whether s is a time as AuditEvent.Encode writes
// it: RFC 3339 in UTC with the fraction's trailing zeros dropped.
func canonicalTime(s []byte) bool {
	t, err := time.Parse(time.RFC3339Nano, string(s))
	return err == nil && t.Location() == time.UTC && t.Format(time.RFC3339Nano) == string(s)
}

// digest is a record digest as events name it: the SHA-256 decoded from
// hex. A text that is not one stays unequal to every digest.
type digest struct {
	sum [32]byte
	// kind is digestNone for "", digestOK for 64 hex digits, digestBad
	// for anything else.
	kind uint8
}

const (
	digestNone uint8 = iota
	digestOK
	digestBad
)

func parseDigest(s []byte) digest {
	if len(s) == 0 {
		return digest{}
	}
	var d digest
	if len(s) != 2*len(d.sum) {
		return digest{kind: digestBad}
	}
	if _, err := hex.Decode(d.sum[:], s); err != nil {
		return digest{kind: digestBad}
	}
	// Upper-case hex decodes too but is not what Digest writes.
	for _, c := range s {
		if c >= 'A' && c <= 'F' {
			return digest{kind: digestBad}
		}
	}
	d.kind = digestOK
	return d
}

func (d digest) equal(o digest) bool { return d.kind != digestBad && d == o }

func (d digest) String() string {
	switch d.kind {
	case digestNone:
		return "none"
	case digestBad:
		return "malformed"
	}
	return hex.EncodeToString(d.sum[:6]) + "…"
}
