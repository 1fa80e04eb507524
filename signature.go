package qualstate

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Meaning is what a signer means by an electronic signature (21 CFR 11.50).
type Meaning string

// Meanings of signatures.
const (
	MeaningAuthored Meaning = "authored" // wrote the record (a waiver request)
	MeaningReviewed Meaning = "reviewed" // reviewed the record and found it complete
	MeaningApproved Meaning = "approved" // approves it: certifies a run, puts a waiver in force
	MeaningRejected Meaning = "rejected" // rejects it, with the reason
	MeaningRevoked  Meaning = "revoked"  // withdraws an approval given before (a waiver)
)

// Signature is an electronic signature: a user's signed statement of a
// meaning about one exact record. It is bound to the record's SHA-256 by
// the instance key's Ed25519 signature over (record digest, subject,
// signer, printed name, meaning, time, reason), so it cannot be copied to
// another record or changed without failing verification (21 CFR 11.70).
type Signature struct {
	ID string `json:"id"`
	// Subject names what was signed: "run/ID" or "waiver/W-0001".
	Subject string `json:"subject"`
	// RecordDigest is the hex SHA-256 of the exact bytes signed, kept by
	// the Store under that digest.
	RecordDigest string    `json:"recordDigest"`
	SignerID     string    `json:"signerId"`
	SignerName   string    `json:"signerName"`
	Meaning      Meaning   `json:"meaning"`
	Time         time.Time `json:"time"`
	Reason       string    `json:"reason,omitempty"`
	// Key is the id of the instance key that signed (InstanceKey.ID).
	Key string `json:"key"`
	// Value is the base64 Ed25519 signature over Message().
	Value string `json:"value"`
}

// Message returns the bytes the instance key signs: the canonical JSON of
// everything the signature states.
func (s *Signature) Message() []byte {
	m := struct {
		V       int     `json:"v"`
		Record  string  `json:"record"`
		Subject string  `json:"subject"`
		Signer  string  `json:"signer"`
		Name    string  `json:"name"`
		Meaning Meaning `json:"meaning"`
		Time    string  `json:"time"`
		Reason  string  `json:"reason"`
	}{1, s.RecordDigest, s.Subject, s.SignerID, s.SignerName, s.Meaning, s.Time.UTC().Format(time.RFC3339Nano), s.Reason}
	b, _ := json.Marshal(m) // strings and an int: cannot fail
	return b
}

// ErrBadSignature is returned when a signature does not verify.
var ErrBadSignature = errors.New("signature does not verify")

// Verify checks the signature against the exact bytes of the record it
// claims to sign and the instance's public key.
func (s *Signature) Verify(record []byte, pub ed25519.PublicKey) error {
	if d := Digest(record); d != s.RecordDigest {
		return fmt.Errorf("signature %s: signs record %s, not this one (%s): %w", s.ID, short(s.RecordDigest), short(d), ErrBadSignature)
	}
	if id := KeyID(pub); id != s.Key {
		return fmt.Errorf("signature %s: made with key %s, not %s: %w", s.ID, s.Key, id, ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(s.Value)
	if err != nil || !ed25519.Verify(pub, s.Message(), sig) {
		return fmt.Errorf("signature %s by %s (%s): %w", s.ID, s.SignerID, s.Meaning, ErrBadSignature)
	}
	return nil
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

// ReviewState is where a finished run is in review and certification.
type ReviewState string

// Review states: executed → in-review → approved | rejected. A run that
// finished passed or failed is executed until someone reviews it.
const (
	ReviewExecuted ReviewState = "executed"
	ReviewInReview ReviewState = "in-review"
	ReviewApproved ReviewState = "approved"
	ReviewRejected ReviewState = "rejected"
)

// Review is a run's review and certification.
type Review struct {
	RunID string      `json:"runId"`
	State ReviewState `json:"state"`
	// RecordDigest is the SHA-256 of the run's qualification record as
	// frozen at the first review: every signature on the run signs it.
	RecordDigest string `json:"recordDigest"`
	// Reason is the rejection's.
	Reason  string    `json:"reason,omitempty"`
	Updated time.Time `json:"updated"`
	// CertificateDigest names the certificate approval issued.
	CertificateDigest string `json:"certificateDigest,omitempty"`
}

// SignedRecord is a record as signed: its exact bytes, kept under their
// SHA-256.
type SignedRecord struct {
	Subject string
	Data    []byte
}

// SignedChange is what a signature changes, recorded with it in one
// transaction: the records it signs or issues (stored when new), and the
// review or waiver it moves on.
type SignedChange struct {
	Records []SignedRecord
	Review  *Review
	Waiver  *Waiver
}

// CertificateKind names the format of certificates.
const CertificateKind = "qualstate.certificate/v1"

// Certificate is the signed statement that a template (by digest) met a
// requirement set (by digest) in a qualification run, issued when the run
// is approved.
type Certificate struct {
	Kind      string `json:"kind"`
	Statement string `json:"statement"`
	RunID     string `json:"runId"`
	Template  struct {
		File   string `json:"file"`
		Digest string `json:"digest"`
	} `json:"template"`
	RequirementSet struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
		Digest  string `json:"digest"`
	} `json:"requirementSet"`
	Environment  Environment `json:"environment"`
	Result       Result      `json:"result"`
	RecordDigest string      `json:"recordDigest"`
	// Waivers are those that made failed checks waived in the run.
	Waivers []WaiverRef `json:"waivers,omitempty"`
	// Signatures are the run's signatures up to and including the approval.
	Signatures []Signature `json:"signatures"`
	Issued     time.Time   `json:"issued"`
	Key        string      `json:"key"`
	// Value is the base64 Ed25519 signature of the instance key over the
	// certificate's canonical JSON with Value empty.
	Value string `json:"value,omitempty"`
}

// Message returns the bytes the instance key signs.
func (c *Certificate) Message() []byte {
	u := *c
	u.Value = ""
	b, err := json.Marshal(&u)
	if err != nil {
		panic(fmt.Sprintf("encode certificate: %v", err))
	}
	return b
}

// Verify checks the certificate's signature and the signatures it holds
// (each against the record digest the certificate names).
func (c *Certificate) Verify(pub ed25519.PublicKey) error {
	if c.Kind != CertificateKind {
		return fmt.Errorf("certificate: kind %q, want %q", c.Kind, CertificateKind)
	}
	if id := KeyID(pub); id != c.Key {
		return fmt.Errorf("certificate of run %s: issued with key %s, not %s: %w", c.RunID, c.Key, id, ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(c.Value)
	if err != nil || !ed25519.Verify(pub, c.Message(), sig) {
		return fmt.Errorf("certificate of run %s: %w", c.RunID, ErrBadSignature)
	}
	for i := range c.Signatures {
		s := &c.Signatures[i]
		if s.RecordDigest != c.RecordDigest || s.Subject != "run/"+c.RunID {
			return fmt.Errorf("certificate of run %s: signature %s is for another record: %w", c.RunID, s.ID, ErrBadSignature)
		}
		b, err := base64.StdEncoding.DecodeString(s.Value)
		if err != nil || s.Key != c.Key || !ed25519.Verify(pub, s.Message(), b) {
			return fmt.Errorf("certificate of run %s: signature %s by %s: %w", c.RunID, s.ID, s.SignerID, ErrBadSignature)
		}
	}
	return nil
}
