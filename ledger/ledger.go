// Package ledger keeps the audit trail tamper-evident. The Store appends an
// event for every change it records; the ledger keeps a Merkle tree over
// the events (RFC 6962, stored in the layout of golang.org/x/mod/sumdb/tlog)
// and signs checkpoints of it with the instance key as notes. Verify
// recomputes the tree from the events and checks it against the stored
// tree, every checkpoint and the records themselves; inclusion and
// consistency proofs let anyone holding a checkpoint note check an event,
// or that the trail only grew since, without access to the database.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"qualstate"
)

// ErrTampered is wrapped by the errors of Seal, Prove and ProveConsistency
// when the stored trail does not match its signed checkpoints: they
// refuse to sign over a trail that was changed. Verify tells what changed.
var ErrTampered = errors.New("audit trail fails verification")

// ErrProof is wrapped by the errors of VerifyInclusion and
// VerifyConsistency when a proof does not hold.
var ErrProof = errors.New("proof does not verify")

// Options configures a Log.
type Options struct {
	// Witness is a file outside the database where every seal writes the
	// newest checkpoint note. Removing events together with the
	// checkpoints that cover them leaves the database consistent; the
	// witness still holds the larger checkpoint. Empty for none.
	Witness string
	// Clock gives checkpoint times; time.Now when nil.
	Clock func() time.Time
	// OnError receives the error of every seal Run fails to make; nil
	// drops them.
	OnError func(error)
}

// Log is the audit trail of one Store, sealed and verified with one
// instance key. It is safe for concurrent use, and any number of Logs in
// any number of processes may seal one Store: the Store admits one seal
// per tree size and the others retry.
type Log struct {
	store    qualstate.AuditStore
	signer   *noteSigner
	verifier note.Verifier
	keyErr   error
	opts     Options

	mu sync.Mutex
	// head is the newest checkpoint this Log knows the Store holds; nil
	// until read. A seal by another process makes it stale, which the
	// Store's conflict rule reports.
	head *qualstate.AuditCheckpoint
}

// maxSealAttempts bounds the retries of a seal that lost the race to
// another process; each loss means another seal succeeded.
const maxSealAttempts = 8

// Open returns the log of the store's audit trail, signed with key. A
// missing or damaged key is reported by the first call that needs it.
func Open(store qualstate.AuditStore, key *qualstate.InstanceKey, opts Options) *Log {
	l := &Log{store: store, opts: opts}
	l.signer, l.verifier, l.keyErr = newSigner(key)
	if l.opts.Clock == nil {
		l.opts.Clock = time.Now
	}
	return l
}

// Seal extends the Merkle tree over every event recorded since the last
// seal, signs a checkpoint of it, stores both in one transaction and
// writes the checkpoint to the witness file. With nothing new it returns
// the newest checkpoint (the zero checkpoint for an empty trail). Each
// event costs one leaf hash and O(log n) hashes of the tree; the Store is
// read for at most 1+log₂ n earlier hashes per seal.
//
// Seal refuses, with ErrTampered, to sign over a trail whose stored tree,
// newest checkpoint or witness shows it was changed, or whose new events
// have gaps.
func (l *Log) Seal(ctx context.Context) (qualstate.AuditCheckpoint, error) {
	if l.keyErr != nil {
		return qualstate.AuditCheckpoint{}, fmt.Errorf("seal audit trail: %w", l.keyErr)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// target is the trail's size when the first attempt began: a seal by
	// another process that covers it does this one's work.
	target := int64(-1)
	for attempt := 1; ; attempt++ {
		cp, err := l.sealOnce(ctx, &target)
		if err != nil && qualstate.CodeOf(err) == qualstate.ErrConflict && attempt < maxSealAttempts {
			// Another process sealed first: start over from its checkpoint.
			l.head = nil
			continue
		}
		if err != nil {
			return cp, fmt.Errorf("seal audit trail: %w", err)
		}
		return cp, nil
	}
}

func (l *Log) sealOnce(ctx context.Context, target *int64) (qualstate.AuditCheckpoint, error) {
	head, err := l.loadHead(ctx)
	if err != nil {
		return qualstate.AuditCheckpoint{}, err
	}
	if err := l.checkWitness(ctx, &head); err != nil {
		return qualstate.AuditCheckpoint{}, err
	}
	if *target >= 0 && head.Size >= *target {
		return head, l.writeWitness(head)
	}
	size, err := l.store.AuditSize(ctx)
	if err != nil {
		return qualstate.AuditCheckpoint{}, err
	}
	if *target < 0 {
		*target = size
	}
	if size < head.Size {
		return qualstate.AuditCheckpoint{}, tampered("the trail has %d events but checkpoint %d covers more: events were removed", size, head.Size)
	}
	if size == head.Size {
		return head, l.writeWitness(head)
	}

	// The new events' subtrees reach back into the sealed tree only
	// through the complete subtrees its size decomposes into, the same
	// hashes TreeHash reads: one read serves the whole seal.
	frontier := frontierIndexes(head.Size)
	old, err := l.store.AuditHashes(ctx, frontier)
	if qualstate.CodeOf(err) == qualstate.ErrNotFound {
		return qualstate.AuditCheckpoint{}, tampered("the stored tree hashes of checkpoint %d are missing", head.Size)
	}
	if err != nil {
		return qualstate.AuditCheckpoint{}, err
	}
	if len(old) != len(frontier) {
		return qualstate.AuditCheckpoint{}, fmt.Errorf("read audit tree: %d hashes for %d indexes", len(old), len(frontier))
	}
	base := tlog.StoredHashIndex(0, head.Size)
	hashes := make([][32]byte, 0, tlog.StoredHashIndex(0, size)-base)
	read := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			switch {
			case x >= base && x-base < int64(len(hashes)):
				out[i] = hashes[x-base]
			case x < base:
				j := indexOf(frontier, x)
				if j < 0 {
					return nil, fmt.Errorf("tree hash %d is not on the sealed tree's edge", x)
				}
				out[i] = old[j]
			default:
				return nil, fmt.Errorf("tree hash %d is not computed yet", x)
			}
		}
		return out, nil
	})
	if root, err := tlog.TreeHash(head.Size, read); head.Size > 0 && (err != nil || root != head.Root) {
		return qualstate.AuditCheckpoint{}, tampered("the stored tree hashes do not match checkpoint %d", head.Size)
	}

	n := head.Size
	errEnough := errors.New("enough")
	err = l.store.ScanAudit(ctx, head.Size, func(seq int64, data []byte) error {
		if n == size {
			// Events recorded after AuditSize wait for the next seal, so
			// a busy trail cannot keep a seal from ending.
			return errEnough
		}
		if seq != n {
			return tampered("event %d is missing from the trail (the next stored is %d)", n, seq)
		}
		v, ok := parseEvent(data)
		ev, err := decodeEvent(data, v, ok)
		if err != nil {
			return tampered("event %d cannot be read: %v", seq, err)
		}
		if ev.Seq != seq {
			return tampered("the event stored as %d says it is event %d", seq, ev.Seq)
		}
		hs, err := tlog.StoredHashesForRecordHash(n, tlog.RecordHash(data), read)
		if err != nil {
			return err
		}
		for _, h := range hs {
			hashes = append(hashes, h)
		}
		n++
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return qualstate.AuditCheckpoint{}, err
	}
	if n < size {
		return qualstate.AuditCheckpoint{}, tampered("the trail has %d events but only %d could be read", size, n)
	}
	root, err := tlog.TreeHash(n, read)
	if err != nil {
		return qualstate.AuditCheckpoint{}, err
	}
	text, err := signTree(l.signer, tlog.Tree{N: n, Hash: root})
	if err != nil {
		return qualstate.AuditCheckpoint{}, err
	}
	cp := qualstate.AuditCheckpoint{Size: n, Root: root, Note: text, Time: l.opts.Clock().UTC()}
	err = l.store.SealAudit(ctx, qualstate.AuditSeal{Size: head.Size, NewSize: n, HashIndex: base, Hashes: hashes, Checkpoint: cp})
	if err != nil {
		return qualstate.AuditCheckpoint{}, err
	}
	l.head = &cp
	return cp, l.writeWitness(cp)
}

// loadHead returns the newest stored checkpoint, checked against the
// instance key.
func (l *Log) loadHead(ctx context.Context) (qualstate.AuditCheckpoint, error) {
	if l.head != nil {
		return *l.head, nil
	}
	cps, err := l.store.AuditCheckpoints(ctx)
	if err != nil {
		return qualstate.AuditCheckpoint{}, err
	}
	if len(cps) == 0 {
		return qualstate.AuditCheckpoint{}, nil
	}
	head := cps[len(cps)-1]
	tree, err := openTree(l.verifier, head.Note)
	if err != nil {
		return qualstate.AuditCheckpoint{}, tampered("the newest checkpoint (%d) is %v", head.Size, err)
	}
	if tree.N != head.Size || tree.Hash != head.Root {
		return qualstate.AuditCheckpoint{}, tampered("the newest checkpoint says %d events, its signed note %d", head.Size, tree.N)
	}
	l.head = &head
	return head, nil
}

// checkWitness refuses a seal when the witness file holds a checkpoint
// the database lost: sealing would overwrite the one proof of it.
func (l *Log) checkWitness(ctx context.Context, head *qualstate.AuditCheckpoint) error {
	w, ok, err := l.readWitness()
	if err != nil || !ok {
		return err
	}
	if w.N > head.Size {
		// Another process may have sealed since head was read.
		l.head = nil
		if *head, err = l.loadHead(ctx); err != nil {
			return err
		}
	}
	switch {
	case w.N > head.Size:
		return tampered("the witness file %s holds checkpoint %d but the newest in the database is %d: checkpoints were removed", l.opts.Witness, w.N, head.Size)
	case w.N == head.Size && w.Hash != head.Root:
		return tampered("the witness file %s and the database hold different checkpoints %d", l.opts.Witness, w.N)
	}
	return nil
}

// readWitness returns the tree of the witness file's checkpoint; ok is
// false when there is no witness.
func (l *Log) readWitness() (tree tlog.Tree, ok bool, err error) {
	if l.opts.Witness == "" {
		return tlog.Tree{}, false, nil
	}
	b, err := os.ReadFile(l.opts.Witness)
	if errors.Is(err, os.ErrNotExist) {
		return tlog.Tree{}, false, nil
	}
	if err != nil {
		return tlog.Tree{}, false, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "read witness: %w", err)
	}
	tree, err = openTree(l.verifier, string(b))
	if err != nil {
		return tlog.Tree{}, false, tampered("the witness file %s is %v", l.opts.Witness, err)
	}
	return tree, true, nil
}

// writeWitness replaces the witness file with the checkpoint unless it
// already holds one as large: a process that lost a race to seal must
// not move the witness back.
func (l *Log) writeWitness(cp qualstate.AuditCheckpoint) error {
	if l.opts.Witness == "" || cp.Note == "" {
		return nil
	}
	if w, ok, err := l.readWitness(); err != nil {
		return err
	} else if ok && w.N >= cp.Size {
		return nil
	}
	if err := writeFileAtomic(l.opts.Witness, []byte(cp.Note)); err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "write witness: %w", err)
	}
	return nil
}

// writeFileAtomic replaces path with data so that a crash leaves either
// the old file or the new one, never a part.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		// A checkpoint note is public: anyone may read it to check proofs.
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Run seals the trail every interval until ctx ends, for commands that
// record for a long time. Failed seals go to Options.OnError.
func (l *Log) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := l.Seal(ctx); err != nil && ctx.Err() == nil && l.opts.OnError != nil {
				l.opts.OnError(err)
			}
		}
	}
}

// tampered returns an ErrTampered error saying what does not match.
func tampered(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%w: "+format+"; run audit verify", append([]any{ErrTampered}, args...)...)
}

// frontierIndexes returns the storage indexes of the complete subtrees
// a tree of n events decomposes into, largest first: the hashes
// tlog.TreeHash reads.
func frontierIndexes(n int64) []int64 {
	var out []int64
	for lo := int64(0); lo < n; {
		level := 63 - bits.LeadingZeros64(uint64(n-lo))
		out = append(out, tlog.StoredHashIndex(level, lo>>level))
		lo += 1 << level
	}
	return out
}

func indexOf(xs []int64, x int64) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
