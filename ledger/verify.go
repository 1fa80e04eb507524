package ledger

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"

	"golang.org/x/mod/sumdb/tlog"

	"qualstate"
)

// Kind says what a Problem found.
type Kind string

// Kinds of problems Verify finds.
const (
	// EventChanged: an event's bytes differ from what a checkpoint signed,
	// or an event cannot be read.
	EventChanged Kind = "event-changed"
	// EventMissing: an event was removed from the trail.
	EventMissing Kind = "event-missing"
	// EventReordered: an event is stored at another position than its own.
	EventReordered Kind = "event-reordered"
	// Truncated: a checkpoint (stored, in the witness file or kept
	// elsewhere) covers more events than the trail has.
	Truncated Kind = "truncated"
	// CheckpointInvalid: a checkpoint's signature does not verify with the
	// instance key, or the database's record of it differs from its note.
	CheckpointInvalid Kind = "checkpoint-invalid"
	// CheckpointMissing: a checkpoint in the witness file or kept
	// elsewhere is not in the database, or the witness file is gone.
	CheckpointMissing Kind = "checkpoint-missing"
	// HashChanged: a stored tree hash differs from the one recomputed from
	// the events.
	HashChanged Kind = "hash-changed"
	// RecordChanged: a record's digest differs from the one its last
	// event recorded, or changed between two events.
	RecordChanged Kind = "record-changed"
	// RecordUnaudited: a record has no event.
	RecordUnaudited Kind = "record-unaudited"
	// RecordRemoved: a record the trail says exists is not stored.
	RecordRemoved Kind = "record-removed"
)

// Problem is one thing Verify found wrong.
type Problem struct {
	Kind Kind `json:"kind"`
	// Seq is the event the problem is about, -1 for none.
	Seq int64 `json:"seq"`
	// Subject is the record the problem is about, if any.
	Subject string `json:"subject,omitempty"`
	// Detail tells an auditor, in one line, what is wrong.
	Detail string `json:"detail"`
}

// String returns the detail.
func (p Problem) String() string { return p.Detail }

// Report is the outcome of Verify.
type Report struct {
	// Events is the number of events in the trail.
	Events int64 `json:"events"`
	// Sealed is the number covered by the newest valid checkpoint in the
	// database; Unsealed the number after it.
	Sealed   int64 `json:"sealed"`
	Unsealed int64 `json:"unsealed"`
	// Checkpoints is the number of checkpoints in the database.
	Checkpoints int64 `json:"checkpoints"`
	// Records is the number of records whose digests were checked.
	Records int64 `json:"records"`
	// Checkpoint is the newest valid checkpoint note: kept elsewhere, it
	// lets a later Verify prove the trail up to it was never changed.
	Checkpoint string    `json:"checkpoint,omitempty"`
	Problems   []Problem `json:"problems"`
}

// OK reports whether Verify found no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// maxPerKind bounds the problems of one kind listed one by one; beyond it
// a count stands for the rest, so a rewritten trail of a million events
// gives a report an auditor can read.
const maxPerKind = 1000

// hashReadChunk is how many stored tree hashes Verify asks for at once.
const hashReadChunk = 8192

// Verify checks the whole audit trail without changing it: it recomputes
// the Merkle tree from the events and compares it with the stored tree and
// every checkpoint — stored, in the witness file, and the notes in kept
// (checkpoints saved elsewhere, which prove what the database can no longer
// be trusted to) — and every record's digest with the last event about it.
// It reports every problem found, not only the first; an error means the
// check could not be made.
func (l *Log) Verify(ctx context.Context, kept ...string) (*Report, error) {
	if l.keyErr != nil {
		return nil, fmt.Errorf("verify audit trail: %w", l.keyErr)
	}
	c := &check{log: l, rep: &Report{Problems: []Problem{}}, counts: map[Kind]int{}, subjects: map[string]int32{}, treeGap: -1}
	if err := c.run(ctx, kept); err != nil {
		return nil, fmt.Errorf("verify audit trail: %w", err)
	}
	return c.rep, nil
}

// check is the state of one Verify.
type check struct {
	log    *Log
	rep    *Report
	counts map[Kind]int

	// trees are the checkpoints whose signatures verified.
	trees []signedTree
	// storedMax is the size of the largest checkpoint in the database,
	// valid or not: how far the stored tree should reach.
	storedMax int64
	// witnessGone is set when the witness file is configured but absent.
	witnessGone bool

	// By stream position: the event's leaf hash, stored seq and the seq
	// it claims (its own seq field when readable); badRead holds, by
	// stored seq, why an event could not be read.
	leaf    [][32]byte
	stored  []int64
	claim   []int64
	badRead map[int64]error

	// subjects maps a record's subject to its state in states.
	subjects map[string]int32
	states   []subjectState
	// breaks are the events that found a record other than its previous
	// event left it.
	breaks []chainBreak

	// stree is the stored tree; tleaves the events it covers; treeGap
	// the first index of it missing from the database, -1 for none.
	stree   [][32]byte
	tleaves int64
	treeGap int64
	// rtree is the tree recomputed from the events; unknown is the first
	// event whose leaf hash is known neither from an event nor the stored
	// tree, beyond which no root can be recomputed.
	rtree   [][32]byte
	unknown int64
	// extent is one past the largest seq an event claims.
	extent int64
	// changed marks the events found changed.
	changed bitset
	// owner gives the stream position of the event at each seq, -1 for
	// none; missing marks the seqs no event claims.
	owner   []int32
	missing []bool
}

type signedTree struct {
	tree   tlog.Tree
	source string
	stored bool
}

type chainBreak struct {
	subject     string
	from, to    int64
	left, found digest
}

type subjectState struct {
	seq   int64
	after digest
	seen  bool
}

func (c *check) add(kind Kind, seq int64, subject, format string, args ...any) {
	c.counts[kind]++
	if c.counts[kind] > maxPerKind {
		return
	}
	c.rep.Problems = append(c.rep.Problems, Problem{Kind: kind, Seq: seq, Subject: subject, Detail: fmt.Sprintf(format, args...)})
}

func (c *check) run(ctx context.Context, kept []string) error {
	// The witness is read before the database: a concurrent seal stores its
	// checkpoint before it writes the witness, so the database then holds
	// every checkpoint the witness can name.
	if err := c.readWitness(); err != nil {
		return err
	}
	for i, text := range kept {
		c.addNote(fmt.Sprintf("kept note %d", i+1), text)
	}
	if err := c.readCheckpoints(ctx); err != nil {
		return err
	}
	// The stored tree is read while the events are scanned: both wait on
	// the database, and hashing the events keeps one core busy.
	treeCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var treeErr error
	read := make(chan struct{})
	go func() {
		defer close(read)
		treeErr = c.readStoredTree(treeCtx)
	}()
	if err := c.scan(ctx); err != nil {
		cancel()
		<-read
		return err
	}
	<-read
	if treeErr != nil {
		return treeErr
	}
	if c.treeGap >= 0 {
		c.add(HashChanged, -1, "", "the stored tree hashes from index %d on are missing (checkpoint %d needs %d)",
			c.treeGap, c.storedMax, tlog.StoredHashIndex(0, c.storedMax))
	}
	c.placeEvents()
	c.reportBreaks()
	c.recompute()
	c.diffTrees()
	c.compareHashes()
	c.checkTrees()
	c.reportUnreadable()
	if err := c.checkRecords(ctx); err != nil {
		return err
	}
	c.finish()
	return nil
}

func (c *check) readWitness() error {
	path := c.log.opts.Witness
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		c.witnessGone = true
		return nil
	}
	if err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "read witness: %w", err)
	}
	c.addNote("the witness file", string(b))
	return nil
}

// addNote checks a checkpoint note from outside the database.
func (c *check) addNote(source, text string) {
	tree, err := openTree(c.log.verifier, text)
	if err != nil {
		c.add(CheckpointInvalid, -1, "", "the checkpoint in %s is %v", source, err)
		return
	}
	c.trees = append(c.trees, signedTree{tree: tree, source: source})
}

func (c *check) readCheckpoints(ctx context.Context) error {
	cps, err := c.log.store.AuditCheckpoints(ctx)
	if err != nil {
		return err
	}
	c.rep.Checkpoints = int64(len(cps))
	for _, cp := range cps {
		c.storedMax = max(c.storedMax, cp.Size)
		tree, err := openTree(c.log.verifier, cp.Note)
		if err != nil {
			c.add(CheckpointInvalid, -1, "", "checkpoint %d in the database is %v", cp.Size, err)
			continue
		}
		if tree.N != cp.Size || tree.Hash != cp.Root {
			c.add(CheckpointInvalid, -1, "", "checkpoint %d in the database says %d events and root %s, its signed note %d events and root %s",
				cp.Size, cp.Size, tlog.Hash(cp.Root), tree.N, tree.Hash)
			continue
		}
		c.trees = append(c.trees, signedTree{tree: tree, source: "the database", stored: true})
		if tree.N >= c.rep.Sealed {
			c.rep.Sealed, c.rep.Checkpoint = tree.N, cp.Note
		}
	}
	slices.SortStableFunc(c.trees, func(a, b signedTree) int { return cmp.Compare(a.tree.N, b.tree.N) })
	return nil
}

// scan reads every event once, keeping its leaf hash and seq and
// following each record's digests from event to event.
func (c *check) scan(ctx context.Context) error {
	size, err := c.log.store.AuditSize(ctx)
	if err != nil {
		return err
	}
	c.leaf = make([][32]byte, 0, size)
	c.stored = make([]int64, 0, size)
	c.claim = make([]int64, 0, size)
	return c.log.store.ScanAudit(ctx, 0, func(seq int64, data []byte) error {
		c.leaf = append(c.leaf, tlog.RecordHash(data))
		c.stored = append(c.stored, seq)
		v, ok := parseEvent(data)
		if !ok {
			ev, err := qualstate.DecodeAuditEvent(data)
			if err != nil {
				if c.badRead == nil {
					c.badRead = map[int64]error{}
				}
				c.badRead[seq] = err
				c.claim = append(c.claim, -1)
				return nil
			}
			v = viewOf(&ev)
		}
		c.claim = append(c.claim, v.seq)
		c.follow(&v, true)
		return nil
	})
}

func viewOf(ev *qualstate.AuditEvent) eventView {
	return eventView{
		seq: ev.Seq, time: nil, actor: []byte(ev.Actor), action: []byte(ev.Action), subject: []byte(ev.Subject),
		reason: []byte(ev.Reason), before: []byte(ev.Before), after: []byte(ev.After),
	}
}

// follow records what an event says of its record. With chain set, an
// event whose Before differs from the After of the record's previous
// event shows the record was changed in between by something that wrote
// no event.
func (c *check) follow(v *eventView, chain bool) {
	if len(v.before) == 0 && len(v.after) == 0 {
		// Sessions and notes (a failed sign-in) vouch for no record.
		return
	}
	i, ok := c.subjects[string(v.subject)]
	if !ok {
		c.subjects[string(v.subject)] = int32(len(c.states))
		c.states = append(c.states, subjectState{seq: v.seq, after: parseDigest(v.after)})
		return
	}
	st := &c.states[i]
	if before := parseDigest(v.before); chain && !before.equal(st.after) {
		c.breaks = append(c.breaks, chainBreak{string(v.subject), st.seq, v.seq, st.after, before})
	}
	st.seq, st.after = v.seq, parseDigest(v.after)
}

// reportBreaks reports the records changed between two of their events,
// unless an event between them is missing or unreadable: that event may
// have made the change.
func (c *check) reportBreaks() {
	if len(c.breaks) == 0 {
		return
	}
	// gaps[s] counts the missing or unreadable seqs below s.
	gaps := make([]int32, c.extent+1)
	for s := int64(0); s < c.extent; s++ {
		gaps[s+1] = gaps[s]
		if _, bad := c.badRead[s]; bad || c.missing[s] {
			gaps[s+1]++
		}
	}
	for _, b := range c.breaks {
		if b.from+1 < b.to && b.to <= c.extent && gaps[b.to] > gaps[b.from+1] {
			continue
		}
		c.add(RecordChanged, b.to, b.subject,
			"record %s was changed outside qualstate between events %d and %d: event %d found digest %s where event %d left %s",
			b.subject, b.from, b.to, b.to, b.found, b.from, b.left)
	}
}

// readStoredTree reads the stored tree hashes as far as the largest
// stored checkpoint reaches. It runs beside scan, so it touches only
// stree, tleaves and treeGap.
func (c *check) readStoredTree(ctx context.Context) error {
	want := tlog.StoredHashIndex(0, c.storedMax)
	c.stree = make([][32]byte, 0, want)
	indexes := make([]int64, 0, hashReadChunk)
	for lo := int64(0); lo < want; lo += hashReadChunk {
		indexes = indexes[:0]
		for i := lo; i < min(want, lo+hashReadChunk); i++ {
			indexes = append(indexes, i)
		}
		hs, err := c.log.store.AuditHashes(ctx, indexes)
		if qualstate.CodeOf(err) == qualstate.ErrNotFound || err == nil && len(hs) != len(indexes) {
			// Keep what is there: the hashes before the first missing one
			// still check the events they cover.
			hs, err = c.readPrefix(ctx, indexes)
			c.stree = append(c.stree, hs...)
			c.treeGap = lo + int64(len(hs))
			if err != nil {
				return err
			}
			break
		}
		if err != nil {
			return err
		}
		c.stree = append(c.stree, hs...)
	}
	// The events the stored tree covers: the largest n whose hashes all
	// were read.
	c.tleaves = int64(sort.Search(int(c.storedMax)+1, func(n int) bool {
		return tlog.StoredHashIndex(0, int64(n)) > int64(len(c.stree))
	})) - 1
	return nil
}

// readPrefix returns the hashes at the longest prefix of indexes the
// Store holds, found by bisection.
func (c *check) readPrefix(ctx context.Context, indexes []int64) ([][32]byte, error) {
	var out [][32]byte
	// indexes[:lo] are read; the longest prefix held is at most hi long.
	lo, hi := 0, len(indexes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		hs, err := c.log.store.AuditHashes(ctx, indexes[lo:mid])
		switch {
		case qualstate.CodeOf(err) == qualstate.ErrNotFound || err == nil && len(hs) != mid-lo:
			hi = mid - 1
		case err != nil:
			return out, err
		default:
			out = append(out, hs...)
			lo = mid
		}
	}
	return out, nil
}

// placeEvents puts each event at the seq it claims, and finds the seqs
// no event claims (removed), claimed twice (copied) or stored out of
// order.
func (c *check) placeEvents() {
	m := int64(len(c.leaf))
	var last int64
	if m > 0 {
		last = c.stored[m-1] + 1
	}
	// A seq field beyond anything the trail or a checkpoint names was not
	// written by the Store; such an event is taken at its stored seq.
	bound := m + max(last, c.storedMax, c.maxTree())
	for p, s := range c.stored {
		if cl := c.claim[p]; cl < 0 || cl >= bound {
			c.claim[p] = s
		}
		c.extent = max(c.extent, c.claim[p]+1)
	}
	owner := make([]int32, c.extent)
	for i := range owner {
		owner[i] = -1
	}
	for p := range c.claim {
		cl := c.claim[p]
		o := owner[cl]
		if o < 0 {
			owner[cl] = int32(p)
			continue
		}
		// Two events claim one seq: the one stored at that seq is the
		// event, the other a copy.
		dup := p
		if c.stored[p] == cl && c.stored[o] != cl {
			owner[cl], dup = int32(p), int(o)
		}
		c.add(EventChanged, c.stored[dup], "", "the event stored as %d was replaced by a copy of event %d", c.stored[dup], cl)
		c.claim[dup] = -1
	}

	// An event is in order when it is where the removals before it put
	// it, or stored at its own seq.
	pos := make([]int32, m)
	n := int32(0)
	for p := range pos {
		if c.claim[p] >= 0 {
			pos[p] = n
			n++
		}
	}
	c.missing = make([]bool, c.extent)
	rank := int32(0)
	for cl := int64(0); cl < c.extent; cl++ {
		o := owner[cl]
		if o < 0 {
			c.missing[cl] = true
			continue
		}
		if pos[o] != rank && c.stored[o] != cl {
			c.add(EventReordered, cl, "", "event %d is stored at position %d: the order of the trail was changed", cl, c.stored[o])
		}
		rank++
	}
	for cl := int64(0); cl < c.extent; {
		if !c.missing[cl] {
			cl++
			continue
		}
		end := cl
		for end < c.extent && c.missing[end] {
			end++
		}
		when := c.sealedPhrase(cl)
		if end-cl == 1 {
			c.add(EventMissing, cl, "", "event %d was removed from the trail%s", cl, when)
		} else {
			c.add(EventMissing, cl, "", "events %d to %d were removed from the trail%s", cl, end-1, when)
		}
		cl = end
	}
	c.owner = owner
}

// maxTree returns the size of the largest valid checkpoint.
func (c *check) maxTree() int64 {
	if len(c.trees) == 0 {
		return 0
	}
	return c.trees[len(c.trees)-1].tree.N
}

// covering returns the first valid checkpoint that covers the event, nil
// when none does.
func (c *check) covering(seq int64) *signedTree {
	i := sort.Search(len(c.trees), func(i int) bool { return c.trees[i].tree.N > seq })
	if i == len(c.trees) {
		return nil
	}
	return &c.trees[i]
}

// sealedPhrase tells when a change to the event happened, as far as the
// checkpoints tell.
func (c *check) sealedPhrase(seq int64) string {
	if t := c.covering(seq); t != nil {
		return fmt.Sprintf(" after checkpoint %d was signed", t.tree.N)
	}
	return " (not yet sealed)"
}

// recompute builds the tree over the events placed at their seqs. A seq
// no event holds takes its leaf hash from the stored tree, so a removed
// event is reported as removed and not as a changed root.
func (c *check) recompute() {
	n := max(c.extent, c.tleaves)
	c.unknown = n
	c.changed = newBitset(n)
	c.rtree = make([][32]byte, 0, tlog.StoredHashIndex(0, n))
	for i := int64(0); i < n; i++ {
		var h [32]byte
		switch x := int64(len(c.rtree)); {
		case i < c.extent && c.owner[i] >= 0:
			h = c.leaf[c.owner[i]]
		case i < c.tleaves:
			h = c.stree[x]
		default:
			c.unknown = min(c.unknown, i)
		}
		c.rtree = append(c.rtree, h)
		for level := 0; (i>>level)&1 == 1; level++ {
			h = tlog.NodeHash(c.rtree[tlog.StoredHashIndex(level, (i>>level)-1)], h)
			c.rtree = append(c.rtree, h)
		}
	}
}

func sliceReader(hashes [][32]byte) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(hashes)) {
				return nil, fmt.Errorf("no tree hash %d", x)
			}
			out[i] = hashes[x]
		}
		return out, nil
	})
}

// diffTrees finds the events that differ from what the checkpoints
// signed. The recomputed tree is checked against each checkpoint's root;
// where it differs, the stored tree, as far as it agrees with the
// signature, leads down to the events that changed.
func (c *check) diffTrees() {
	var matched int64
	for i := range c.trees {
		t := &c.trees[i]
		n := t.tree.N
		if n == 0 || n > c.unknown {
			continue
		}
		if root, err := tlog.TreeHash(n, sliceReader(c.rtree)); err == nil && root == t.tree.Hash {
			matched = max(matched, n)
			continue
		}
		if root, err := tlog.TreeHash(n, sliceReader(c.stree)); err == nil && root == t.tree.Hash {
			for _, x := range frontierIndexes(n) {
				if c.rtree[x] != c.stree[x] {
					c.descend(x, c.stree[x], t)
				}
			}
			continue
		}
		if c.changedIn(0, n) {
			// Changes already found may explain it; the stored tree cannot
			// tell.
			continue
		}
		c.markChanged(matched, n)
		c.add(EventChanged, -1, "", "events %d to %d no longer hash to checkpoint %d in %s: one of them was changed and the stored tree hashes rewritten to hide it",
			matched, n-1, n, t.source)
	}
}

// descend follows a subtree whose recomputed hash differs from want, the
// hash the checkpoint t vouches for, down to the events that changed.
func (c *check) descend(x int64, want [32]byte, t *signedTree) {
	level, k := tlog.SplitStoredHashIndex(x)
	lo, hi := k<<level, (k+1)<<level
	if c.changed.all(lo, hi) {
		return
	}
	if level == 0 {
		c.markChanged(lo, hi)
		c.add(EventChanged, lo, "", "event %d was changed after checkpoint %d was signed", lo, t.tree.N)
		return
	}
	l, r := tlog.StoredHashIndex(level-1, 2*k), tlog.StoredHashIndex(level-1, 2*k+1)
	if r < int64(len(c.stree)) {
		// A stored child is vouched for when, with the other child (stored
		// or recomputed), it hashes to want.
		switch {
		case tlog.NodeHash(c.stree[l], c.stree[r]) == want:
			if c.rtree[l] != c.stree[l] {
				c.descend(l, c.stree[l], t)
			}
			if c.rtree[r] != c.stree[r] {
				c.descend(r, c.stree[r], t)
			}
			return
		case tlog.NodeHash(c.stree[l], c.rtree[r]) == want:
			c.descend(l, c.stree[l], t)
			return
		case tlog.NodeHash(c.rtree[l], c.stree[r]) == want:
			c.descend(r, c.stree[r], t)
			return
		}
	}
	c.markChanged(lo, hi)
	c.add(EventChanged, -1, "", "one of events %d to %d was changed after checkpoint %d was signed, and the stored tree hashes rewritten to hide it", lo, hi-1, t.tree.N)
}

// markChanged records that an event in [lo, hi) changed.
func (c *check) markChanged(lo, hi int64) { c.changed.set(lo, hi) }

// changedIn reports whether an event in [lo, hi) was found changed.
func (c *check) changedIn(lo, hi int64) bool { return c.changed.any(lo, hi) }

// bitset marks events, one bit each.
type bitset []uint64

func newBitset(n int64) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(lo, hi int64) {
	for i := lo; i < min(hi, int64(len(b))*64); i++ {
		b[i/64] |= 1 << (i % 64)
	}
}

func (b bitset) any(lo, hi int64) bool {
	hi = min(hi, int64(len(b))*64)
	for i := lo; i < hi; {
		if i%64 == 0 && hi-i >= 64 {
			if b[i/64] != 0 {
				return true
			}
			i += 64
			continue
		}
		if b[i/64]&(1<<(i%64)) != 0 {
			return true
		}
		i++
	}
	return false
}

func (b bitset) all(lo, hi int64) bool {
	if hi > int64(len(b))*64 {
		return false
	}
	for i := lo; i < hi; i++ {
		if b[i/64]&(1<<(i%64)) == 0 {
			return false
		}
	}
	return true
}

// compareHashes reports the stored tree hashes that differ from the
// recomputed ones where no changed event explains it.
func (c *check) compareHashes() {
	for i := range min(len(c.stree), len(c.rtree)) {
		if c.stree[i] == c.rtree[i] {
			continue
		}
		level, n := tlog.SplitStoredHashIndex(int64(i))
		lo, hi := n<<level, (n+1)<<level
		switch {
		case c.changedIn(lo, hi):
		case level == 0:
			c.add(HashChanged, n, "", "the stored tree hash of event %d (index %d) was changed", n, i)
		default:
			c.add(HashChanged, -1, "", "the stored tree hash at index %d (level %d, over events %d to %d) was changed", i, level, lo, hi-1)
		}
	}
}

// checkTrees checks that the trail reaches every valid checkpoint and
// that the database holds those kept elsewhere.
func (c *check) checkTrees() {
	largest := map[string]bool{}
	for i := len(c.trees) - 1; i >= 0; i-- {
		t := c.trees[i]
		if t.tree.N <= c.extent || largest[t.source] {
			continue
		}
		largest[t.source] = true
		ends := "is empty"
		if c.extent > 0 {
			ends = fmt.Sprintf("ends at event %d", c.extent-1)
		}
		removed := fmt.Sprintf("events %d to %d were removed", c.extent, t.tree.N-1)
		if t.tree.N-c.extent == 1 {
			removed = fmt.Sprintf("event %d was removed", c.extent)
		}
		c.add(Truncated, c.extent, "", "the trail %s but checkpoint %d in %s covers %d events: %s", ends, t.tree.N, t.source, t.tree.N, removed)
	}
	inDB := map[int64]tlog.Hash{}
	for _, t := range c.trees {
		if t.stored {
			inDB[t.tree.N] = t.tree.Hash
		}
	}
	for _, t := range c.trees {
		if t.stored {
			continue
		}
		switch h, ok := inDB[t.tree.N]; {
		case !ok:
			c.add(CheckpointMissing, -1, "", "checkpoint %d in %s is not in the database: checkpoints were removed", t.tree.N, t.source)
		case h != t.tree.Hash:
			c.add(CheckpointMissing, -1, "", "the database holds another checkpoint %d than %s: the trail was rewritten and signed again", t.tree.N, t.source)
		}
	}
	if c.witnessGone && c.rep.Sealed > 0 {
		c.add(CheckpointMissing, -1, "", "the witness file %s does not exist: it was removed, or this installation never wrote it", c.log.opts.Witness)
	}
}

// reportUnreadable reports the events that cannot be read and were not
// already found changed.
func (c *check) reportUnreadable() {
	for seq, err := range c.badRead {
		if !c.changedIn(seq, seq+1) {
			c.add(EventChanged, seq, "", "event %d cannot be read%s: %v", seq, c.sealedPhrase(seq), err)
		}
	}
}

type pendingRecord struct {
	subject string
	digest  digest
}

// checkRecords compares every record's digest with the last event about
// it.
func (c *check) checkRecords(ctx context.Context) error {
	var pending []pendingRecord
	err := c.log.store.RecordDigests(ctx, func(subject, d string) error {
		c.rep.Records++
		dg := parseDigest([]byte(d))
		i, ok := c.subjects[subject]
		if ok {
			c.states[i].seen = true
		}
		if !ok || !dg.equal(c.states[i].after) {
			pending = append(pending, pendingRecord{subject, dg})
		}
		return nil
	})
	if err != nil {
		return err
	}
	known := len(c.states)
	if len(pending) > 0 {
		// A write during the check changes a record and appends its event
		// after the scan ended: read those events before calling it a
		// change.
		from := int64(0)
		if len(c.stored) > 0 {
			from = c.stored[len(c.stored)-1] + 1
		}
		err := c.log.store.ScanAudit(ctx, from, func(_ int64, data []byte) error {
			v, ok := parseEvent(data)
			if !ok {
				ev, err := qualstate.DecodeAuditEvent(data)
				if err != nil {
					return nil
				}
				v = viewOf(&ev)
			}
			c.follow(&v, false)
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, p := range pending {
		i, ok := c.subjects[p.subject]
		switch {
		case !ok:
			c.add(RecordUnaudited, -1, p.subject, "record %s has no audit event: it was written outside qualstate", p.subject)
		case c.states[i].after.equal(p.digest):
		case c.states[i].after.kind == digestNone:
			c.add(RecordChanged, c.states[i].seq, p.subject, "record %s is stored but event %d, the last about it, recorded its removal", p.subject, c.states[i].seq)
		default:
			c.add(RecordChanged, c.states[i].seq, p.subject, "record %s was changed outside qualstate: its digest is %s but event %d, the last about it, recorded %s",
				p.subject, p.digest, c.states[i].seq, c.states[i].after)
		}
	}
	for subject, i := range c.subjects {
		if st := c.states[i]; int(i) < known && !st.seen && st.after.kind != digestNone {
			c.add(RecordRemoved, st.seq, subject, "record %s was removed: event %d recorded digest %s and the database holds no such record", subject, st.seq, st.after)
		}
	}
	return nil
}

// finish orders the problems by event, those about no event last, and
// counts what the report left out.
func (c *check) finish() {
	c.rep.Events = int64(len(c.leaf))
	c.rep.Unsealed = max(0, c.rep.Events-c.rep.Sealed)
	key := func(p Problem) int64 {
		if p.Seq < 0 {
			return 1<<63 - 1
		}
		return p.Seq
	}
	slices.SortStableFunc(c.rep.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Subject, b.Subject))
	})
	for _, k := range []Kind{EventChanged, EventMissing, EventReordered, Truncated, CheckpointInvalid, CheckpointMissing, HashChanged, RecordChanged, RecordUnaudited, RecordRemoved} {
		if n := c.counts[k]; n > maxPerKind {
			c.rep.Problems = append(c.rep.Problems, Problem{Kind: k, Seq: -1, Detail: fmt.Sprintf("and %d more %s problems not listed", n-maxPerKind, k)})
		}
	}
}
