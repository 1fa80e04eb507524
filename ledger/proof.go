package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"qualstate"
)

// Inclusion proves that an event is in the trail a checkpoint signs. With
// the instance's verifier key, anyone can check it without the database.
type Inclusion struct {
	// Event is the event's bytes exactly as stored (its canonical
	// encoding).
	Event []byte
	Seq   int64
	// Checkpoint is the signed note of the tree the proof is against.
	Checkpoint string
	// Proof is the Merkle audit path (RFC 6962) from the event to the
	// root.
	Proof [][32]byte
}

// Consistency proves that the trail signed by the New checkpoint extends
// the one signed by the Old: nothing Old covered was changed or removed.
type Consistency struct {
	Old, New string
	Proof    [][32]byte
}

// inclusionJSON is Inclusion on the wire: hashes in base64 as tlog and
// checkpoint notes write them, and the event's bytes in base64 so that
// no JSON re-encoding can alter what is hashed.
type inclusionJSON struct {
	Event      []byte      `json:"event"`
	Seq        int64       `json:"seq"`
	Checkpoint string      `json:"checkpoint"`
	Proof      []tlog.Hash `json:"proof"`
}

type consistencyJSON struct {
	Old   string      `json:"old"`
	New   string      `json:"new"`
	Proof []tlog.Hash `json:"proof"`
}

// MarshalJSON writes the proof's hashes in base64.
func (in Inclusion) MarshalJSON() ([]byte, error) {
	return json.Marshal(inclusionJSON{in.Event, in.Seq, in.Checkpoint, toTlog(in.Proof)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (in *Inclusion) UnmarshalJSON(b []byte) error {
	var w inclusionJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("read inclusion proof: %w", err)
	}
	*in = Inclusion{Event: w.Event, Seq: w.Seq, Checkpoint: w.Checkpoint, Proof: fromTlog(w.Proof)}
	return nil
}

// MarshalJSON writes the proof's hashes in base64.
func (c Consistency) MarshalJSON() ([]byte, error) {
	return json.Marshal(consistencyJSON{c.Old, c.New, toTlog(c.Proof)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Consistency) UnmarshalJSON(b []byte) error {
	var w consistencyJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("read consistency proof: %w", err)
	}
	*c = Consistency{Old: w.Old, New: w.New, Proof: fromTlog(w.Proof)}
	return nil
}

func toTlog(hs [][32]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

func fromTlog(hs []tlog.Hash) [][32]byte {
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

// storeReader reads stored tree hashes for tlog's proofs.
func (l *Log) storeReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs, err := l.store.AuditHashes(ctx, indexes)
		if err != nil {
			return nil, err
		}
		return toTlog(hs), nil
	})
}

// Prove seals the trail and proves that event seq is in it.
func (l *Log) Prove(ctx context.Context, seq int64) (*Inclusion, error) {
	cp, err := l.Seal(ctx)
	if err != nil {
		return nil, fmt.Errorf("prove event %d: %w", seq, err)
	}
	if seq < 0 || seq >= cp.Size {
		return nil, qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, "prove event %d: the trail has events 0 to %d", seq, cp.Size-1)
	}
	var data []byte
	errFound := errors.New("found")
	err = l.store.ScanAudit(ctx, seq, func(got int64, b []byte) error {
		if got == seq {
			data = append([]byte(nil), b...)
		}
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, fmt.Errorf("prove event %d: %w", seq, err)
	}
	if data == nil {
		return nil, fmt.Errorf("prove event %d: %w", seq, tampered("event %d is missing from the trail", seq))
	}
	proof, err := tlog.ProveRecord(cp.Size, seq, l.storeReader(ctx))
	if err != nil {
		return nil, fmt.Errorf("prove event %d: %w", seq, err)
	}
	// A proof that fails here would fail for whoever receives it: the
	// event or the stored tree was changed since the seal.
	if err := tlog.CheckRecord(proof, cp.Size, cp.Root, seq, tlog.RecordHash(data)); err != nil {
		return nil, fmt.Errorf("prove event %d: %w", seq, tampered("event %d does not match checkpoint %d", seq, cp.Size))
	}
	return &Inclusion{Event: data, Seq: seq, Checkpoint: cp.Note, Proof: fromTlog(proof)}, nil
}

// VerifyInclusion checks an inclusion proof with the verifier key of the
// instance that signed its checkpoint.
func VerifyInclusion(vkey string, in *Inclusion) error {
	if in == nil {
		return badProof("inclusion", errors.New("no proof given"))
	}
	v, err := verifierFromKey(vkey)
	if err != nil {
		return badProof("inclusion", err)
	}
	tree, err := openTree(v, in.Checkpoint)
	if err != nil {
		return badProof("inclusion", fmt.Errorf("the checkpoint is %w", err))
	}
	if in.Seq < 0 || in.Seq >= tree.N {
		return badProof("inclusion", fmt.Errorf("event %d is not among the %d events checkpoint %d covers", in.Seq, tree.N, tree.N))
	}
	ev, err := qualstate.DecodeAuditEvent(in.Event)
	if err != nil {
		return badProof("inclusion", err)
	}
	if ev.Seq != in.Seq {
		return badProof("inclusion", fmt.Errorf("the event given is event %d, not %d", ev.Seq, in.Seq))
	}
	if err := tlog.CheckRecord(toTlog(in.Proof), tree.N, tree.Hash, in.Seq, tlog.RecordHash(in.Event)); err != nil {
		return badProof("inclusion", fmt.Errorf("event %d as given is not in the trail checkpoint %d signs", in.Seq, tree.N))
	}
	return nil
}

// ProveConsistency seals the trail and proves that it extends the trail
// signed by oldNote, a checkpoint note kept from earlier.
func (l *Log) ProveConsistency(ctx context.Context, oldNote string) (*Consistency, error) {
	if l.keyErr != nil {
		return nil, fmt.Errorf("prove consistency: %w", l.keyErr)
	}
	old, err := openTree(l.verifier, oldNote)
	if err != nil {
		return nil, badProof("consistency", fmt.Errorf("the old checkpoint is %w", err))
	}
	cp, err := l.Seal(ctx)
	if err != nil {
		return nil, fmt.Errorf("prove consistency: %w", err)
	}
	if old.N > cp.Size {
		return nil, fmt.Errorf("prove consistency: %w", tampered("the old checkpoint covers %d events, the trail has %d", old.N, cp.Size))
	}
	proof, err := tlog.ProveTree(cp.Size, old.N, l.storeReader(ctx))
	if err != nil {
		return nil, fmt.Errorf("prove consistency: %w", err)
	}
	if err := tlog.CheckTree(proof, cp.Size, cp.Root, old.N, old.Hash); err != nil {
		return nil, badProof("consistency", fmt.Errorf("checkpoint %d is not an earlier state of this trail: the trail was rewritten, or the note is another trail's", old.N))
	}
	return &Consistency{Old: oldNote, New: cp.Note, Proof: fromTlog(proof)}, nil
}

// VerifyConsistency checks a consistency proof with the verifier key of
// the instance that signed both checkpoints.
func VerifyConsistency(vkey string, c *Consistency) error {
	if c == nil {
		return badProof("consistency", errors.New("no proof given"))
	}
	v, err := verifierFromKey(vkey)
	if err != nil {
		return badProof("consistency", err)
	}
	old, err := openTree(v, c.Old)
	if err != nil {
		return badProof("consistency", fmt.Errorf("the old checkpoint is %w", err))
	}
	cur, err := openTree(v, c.New)
	if err != nil {
		return badProof("consistency", fmt.Errorf("the new checkpoint is %w", err))
	}
	if old.N > cur.N {
		return badProof("consistency", fmt.Errorf("the old checkpoint covers %d events, the new only %d", old.N, cur.N))
	}
	if err := tlog.CheckTree(toTlog(c.Proof), cur.N, cur.Hash, old.N, old.Hash); err != nil {
		return badProof("consistency", fmt.Errorf("checkpoint %d does not extend checkpoint %d", cur.N, old.N))
	}
	return nil
}

func badProof(what string, err error) error {
	return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "%s proof: %w: %v", what, ErrProof, err)
}
