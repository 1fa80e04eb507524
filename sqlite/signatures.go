package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"qualstate"
)

// Sign records a signature with everything it changes, in one
// transaction: each record of the change under its SHA-256 (a record
// already stored is kept as it is), the signature, and the review or
// waiver it moves on. Nothing is written when any part is refused:
//
//   - a signature without an id, subject, record digest, signer or
//     meaning, or whose RecordDigest names no stored record, is
//     ErrInvalidInput;
//   - a signature id used before is ErrConflict, and so is a requested
//     waiver whose id is taken;
//   - a review of a run not recorded, or a decision on a waiver never
//     requested, is ErrNotFound.
func (s *Store) Sign(ctx context.Context, sig qualstate.Signature, change qualstate.SignedChange) error {
	if sig.ID == "" || sig.Subject == "" || sig.RecordDigest == "" || sig.SignerID == "" || sig.Meaning == "" {
		return invalid("record signature %q: a signature needs an id, a subject, a record digest, a signer and a meaning", sig.ID)
	}
	sig.Time = sig.Time.UTC()
	sdoc, err := json.Marshal(&sig)
	if err != nil {
		return invalid("record signature %s: %w", sig.ID, err)
	}
	var rdoc, wdoc []byte
	if r := change.Review; r != nil {
		c := *r
		c.Updated = c.Updated.UTC()
		if rdoc, err = json.Marshal(&c); err != nil {
			return invalid("record signature %s: review of run %s: %w", sig.ID, c.RunID, err)
		}
	}
	if w := change.Waiver; w != nil {
		if w.ID == "" {
			return invalid("record signature %s: the waiver has no id", sig.ID)
		}
		c := *w
		c.Expires, c.Requested, c.Decided = c.Expires.UTC(), c.Requested.UTC(), c.Decided.UTC()
		if wdoc, err = json.Marshal(&c); err != nil {
			return invalid("record signature %s: waiver %s: %w", sig.ID, c.ID, err)
		}
	}
	op := fmt.Sprintf("record signature %s on %s", sig.ID, sig.Subject)
	return s.write(ctx, op, func(tx *sql.Tx) error {
		a := s.trail(ctx, tx)
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM signatures WHERE id = ?`, sig.ID).Scan(&one)
		if err == nil {
			return conflict("%s: signature id %s is taken", op, sig.ID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, r := range change.Records {
			d := qualstate.Digest(r.Data)
			res, err := tx.ExecContext(ctx, `INSERT INTO records (digest, subject, blob) VALUES (?, ?, ?)
				ON CONFLICT (digest) DO NOTHING`, d, r.Subject, r.Data)
			if err != nil {
				return err
			}
			if err := insertedEvent(res, a, "record.stored", "record/"+d, d); err != nil {
				return err
			}
		}
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM records WHERE digest = ?`, sig.RecordDigest).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid("%s: it signs record %s, which is not stored", op, sig.RecordDigest)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO signatures (id, subject, time, doc) VALUES (?, ?, ?, ?)`,
			sig.ID, sig.Subject, sig.Time.Format(sortTime), string(sdoc)); err != nil {
			return err
		}
		reason := string(sig.Meaning)
		if sig.Reason != "" {
			reason += ": " + sig.Reason
		}
		if _, err := a.append(qualstate.AuditEvent{
			Action: "signature.applied", Subject: "signature/" + sig.ID, Reason: reason, After: qualstate.Digest(sdoc),
		}); err != nil {
			return err
		}
		if r := change.Review; r != nil {
			if err := putReview(ctx, tx, a, r, rdoc); err != nil {
				return err
			}
		}
		if w := change.Waiver; w != nil {
			return putWaiver(ctx, tx, a, w, wdoc)
		}
		return nil
	})
}

func putReview(ctx context.Context, tx *sql.Tx, a *trail, r *qualstate.Review, doc []byte) error {
	if err := runExists(ctx, tx, r.RunID); err != nil {
		return err
	}
	var old []byte
	err := tx.QueryRowContext(ctx, `SELECT doc FROM reviews WHERE run_id = ?`, r.RunID).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	// Checked here, inside the write transaction, because two reviewers
	// signing at the same moment both read the run as unreviewed: the
	// record is frozen once, and a decision is final.
	if old != nil {
		var prev qualstate.Review
		if err := json.Unmarshal(old, &prev); err != nil {
			return fmt.Errorf("review of run %s: %w", r.RunID, err)
		}
		switch {
		case prev.State == qualstate.ReviewApproved || prev.State == qualstate.ReviewRejected:
			return conflict("run %s is already %s", r.RunID, prev.State)
		case prev.RecordDigest != r.RecordDigest:
			return conflict("run %s: its record was frozen by another review at the same time; sign again", r.RunID)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO reviews (run_id, doc) VALUES (?, ?)
		ON CONFLICT (run_id) DO UPDATE SET doc = excluded.doc`, r.RunID, string(doc)); err != nil {
		return err
	}
	return a.record("review."+string(r.State), "review/"+r.RunID, old, doc)
}

func putWaiver(ctx context.Context, tx *sql.Tx, a *trail, w *qualstate.Waiver, doc []byte) error {
	var old []byte
	err := tx.QueryRowContext(ctx, `SELECT doc FROM waivers WHERE id = ?`, w.ID).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	switch {
	case w.Status == qualstate.WaiverRequested && old != nil:
		return conflict("waiver id %s is taken", w.ID)
	case w.Status != qualstate.WaiverRequested && old == nil:
		return notFound("waiver %s not found: a waiver is requested before it is decided", w.ID)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO waivers (id, doc) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, w.ID, string(doc)); err != nil {
		return err
	}
	return a.record("waiver."+string(w.Status), "waiver/"+w.ID, old, doc)
}

// Record returns the bytes stored under the digest. Bytes that no longer
// hash to their digest are reported (ErrEnvironment, wrapping
// qualstate.ErrDigestMismatch), never returned.
func (s *Store) Record(ctx context.Context, digest string) ([]byte, error) {
	op := "read record " + digest
	var blob []byte
	err := s.db.QueryRowContext(ctx, `SELECT blob FROM records WHERE digest = ?`, digest).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("record %s not found", digest)
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	if qualstate.Digest(blob) != digest {
		return nil, s.fail(op, fmt.Errorf("the stored record was altered: %w", qualstate.ErrDigestMismatch))
	}
	return blob, nil
}

// Signatures returns the signatures on the subject in time order,
// signatures made at the same instant in the order recorded.
func (s *Store) Signatures(ctx context.Context, subject string) ([]qualstate.Signature, error) {
	op := "read signatures on " + subject
	docs, err := s.docs(ctx, op, `SELECT doc FROM signatures WHERE subject = ? ORDER BY time, rowid`, subject)
	if err != nil {
		return nil, err
	}
	sigs := make([]qualstate.Signature, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal(doc, &sigs[i]); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return sigs, nil
}

// Review returns a run's review; ErrNotFound when none began.
func (s *Store) Review(ctx context.Context, runID string) (*qualstate.Review, error) {
	op := "read review of run " + runID
	var doc []byte
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM reviews WHERE run_id = ?`, runID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("review of run %s not found", runID)
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	var r qualstate.Review
	if err := json.Unmarshal(doc, &r); err != nil {
		return nil, s.fail(op, err)
	}
	return &r, nil
}

// Waiver returns the waiver with the id.
func (s *Store) Waiver(ctx context.Context, id string) (*qualstate.Waiver, error) {
	op := "read waiver " + id
	var doc []byte
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM waivers WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("waiver %s not found", id)
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	var w qualstate.Waiver
	if err := json.Unmarshal(doc, &w); err != nil {
		return nil, s.fail(op, err)
	}
	return &w, nil
}

// Waivers lists every waiver by id.
func (s *Store) Waivers(ctx context.Context) ([]qualstate.Waiver, error) {
	const op = "list waivers"
	docs, err := s.docs(ctx, op, `SELECT doc FROM waivers ORDER BY id`)
	if err != nil {
		return nil, err
	}
	ws := make([]qualstate.Waiver, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal(doc, &ws[i]); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return ws, nil
}

// NextWaiverID returns "W-" and the number of waivers recorded plus one,
// in four digits or more. Waivers are never deleted, so the id is free
// unless another waiver is requested first; Sign then refuses the second
// with ErrConflict.
func (s *Store) NextWaiverID(ctx context.Context) (string, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM waivers`).Scan(&n); err != nil {
		return "", s.fail("number the next waiver", err)
	}
	return fmt.Sprintf("W-%04d", n+1), nil
}
