package ledger

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"qualstate"
)

// noteSigner signs checkpoint notes with the instance key. The note
// package only makes signers from its own "PRIVATE+KEY+…" text form;
// building one over the key in memory keeps the private key in one place.
type noteSigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
}

func (s *noteSigner) Name() string                    { return s.name }
func (s *noteSigner) KeyHash() uint32                 { return s.hash }
func (s *noteSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }

// VerifierKey returns the note verifier key of the instance key:
// "NAME+HASH+BASE64", the text to publish so that anyone can check the
// trail's checkpoints and proofs.
func VerifierKey(k *qualstate.InstanceKey) string {
	vkey, err := note.NewEd25519VerifierKey(k.Name, k.Public())
	if err != nil {
		// Public always returns ed25519.PublicKeySize bytes, the only
		// thing NewEd25519VerifierKey checks.
		panic(fmt.Sprintf("verifier key: %v", err))
	}
	return vkey
}

// ParseVerifierKey reads a verifier key written by VerifierKey and
// returns the name and public key it holds, checking its key hash.
func ParseVerifierKey(vkey string) (name string, pub ed25519.PublicKey, err error) {
	vkey = strings.TrimSpace(vkey)
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", nil, fmt.Errorf("verifier key %q: %w", vkey, err)
	}
	name, rest, _ := strings.Cut(vkey, "+")
	_, key64, _ := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(key) != 1+ed25519.PublicKeySize {
		// NewVerifier accepted it, so only a key of another length can
		// land here.
		return "", nil, fmt.Errorf("verifier key %q: not an Ed25519 key", vkey)
	}
	return name, ed25519.PublicKey(key[1:]), nil
}

// newSigner returns the signer and verifier of the instance key.
func newSigner(k *qualstate.InstanceKey) (*noteSigner, note.Verifier, error) {
	if k == nil || len(k.Private) != ed25519.PrivateKeySize {
		return nil, nil, errors.New("no instance key")
	}
	v, err := note.NewVerifier(VerifierKey(k))
	if err != nil {
		return nil, nil, fmt.Errorf("instance key %q: %w", k.Name, err)
	}
	return &noteSigner{name: k.Name, hash: v.KeyHash(), key: k.Private}, v, nil
}

// openTree checks a checkpoint note's signature and returns the tree it
// signs. Its errors complete the sentence "the checkpoint is …".
func openTree(v note.Verifier, text string) (tlog.Tree, error) {
	n, err := note.Open([]byte(text), note.VerifierList(v))
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &unverified):
		return tlog.Tree{}, fmt.Errorf("not signed by %s's key", v.Name())
	case errors.As(err, &invalid):
		return tlog.Tree{}, fmt.Errorf("not validly signed: its signature by %s's key does not verify", v.Name())
	case err != nil:
		return tlog.Tree{}, fmt.Errorf("not a signed note: %w", err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("signed but not a checkpoint: %w", err)
	}
	return tree, nil
}

// signTree returns the checkpoint note for the tree.
func signTree(s *noteSigner, tree tlog.Tree) (string, error) {
	msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tree))}, s)
	if err != nil {
		return "", fmt.Errorf("sign checkpoint: %w", err)
	}
	return string(msg), nil
}

// verifierFromKey returns the note verifier of a published verifier key.
func verifierFromKey(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("verifier key %q: %w", vkey, err)
	}
	return v, nil
}
