package qualstate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEvent is one entry of the audit trail: who changed what, when and
// why, with the SHA-256 of the record before and after the change. The
// Store appends one in the same transaction as every change it records,
// so no change can be recorded without its event; the ledger keeps a
// Merkle tree over the events and signs checkpoints of it.
type AuditEvent struct {
	// Seq is the event's position in the trail, from 0, without gaps.
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	// Actor is the user id, or "os:NAME" for a change made where no
	// qualstate user is signed in, or "system".
	Actor string `json:"actor"`
	// Action says what happened: "run.created", "signature.applied" …
	Action string `json:"action"`
	// Subject names the record changed: "run/ID", "run/ID/case/IQ-0001",
	// "user/ID", "waiver/W-0001" …
	Subject string `json:"subject"`
	Reason  string `json:"reason,omitempty"`
	// Before and After are the hex SHA-256 of the record as stored before
	// and after the change; Before is empty for a new record, After for a
	// removed one.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// Encode returns the canonical encoding of the event: the bytes the
// Store keeps and the Merkle tree hashes. Time is written in UTC.
func (e AuditEvent) Encode() []byte {
	e.Time = e.Time.UTC()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&e); err != nil {
		// Every field is a string, an integer or a time: encoding cannot
		// fail unless the time is outside years 0–9999.
		panic(fmt.Sprintf("encode audit event: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// DecodeAuditEvent reads an event from its canonical encoding and checks
// that it is canonical: re-encoding it gives the same bytes.
func DecodeAuditEvent(data []byte) (AuditEvent, error) {
	var e AuditEvent
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return AuditEvent{}, fmt.Errorf("decode audit event: %w", err)
	}
	if !bytes.Equal(e.Encode(), data) {
		return AuditEvent{}, fmt.Errorf("decode audit event %d: not in canonical form", e.Seq)
	}
	return e, nil
}

// Digest returns the hex SHA-256 of data: how records are named in audit
// events, signatures and certificates.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// AuditCheckpoint is a signed statement of the audit trail's Merkle tree:
// its size and root hash, in the golang.org/x/mod/sumdb/note format.
type AuditCheckpoint struct {
	Size int64    `json:"size"`
	Root [32]byte `json:"root"`
	// Note is the signed note text: kept elsewhere, it proves later that
	// the trail up to Size was never changed.
	Note string    `json:"note"`
	Time time.Time `json:"time"`
}

// AuditSeal extends the stored Merkle tree from Size to NewSize events:
// the tree hashes the new events add, starting at storage index
// HashIndex (the order of golang.org/x/mod/sumdb/tlog), and the checkpoint
// signed over the new tree.
type AuditSeal struct {
	Size       int64
	NewSize    int64
	HashIndex  int64
	Hashes     [][32]byte
	Checkpoint AuditCheckpoint
}

// Who acts and why travel with the context, so the Store can put them in
// the audit event of every change without each call naming them.
type (
	actorKey  struct{}
	reasonKey struct{}
)

// Actors for changes made by qualstate itself, and the prefix of an
// operating system account acting where no qualstate user signed in.
const (
	ActorSystem   = "system"
	ActorOSPrefix = "os:"
)

// WithActor returns a context whose changes are recorded as made by actor.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorOf returns the actor of the context's changes, ActorSystem when
// none was given.
func ActorOf(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return ActorSystem
}

// WithReason returns a context whose changes are recorded with the reason.
func WithReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, reasonKey{}, reason)
}

// ReasonOf returns the reason given with WithReason, or "".
func ReasonOf(ctx context.Context) string {
	r, _ := ctx.Value(reasonKey{}).(string)
	return r
}
