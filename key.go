package qualstate

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// InstanceKey is the Ed25519 key of one qualstate installation. It signs
// the audit trail's checkpoints, electronic signatures and certificates;
// its public half lets anyone verify them.
type InstanceKey struct {
	// Name identifies the installation in signed notes ("qualstate-HOST").
	Name    string
	Private ed25519.PrivateKey
}

// Public returns the public key.
func (k *InstanceKey) Public() ed25519.PublicKey {
	return k.Private.Public().(ed25519.PublicKey)
}

// ID returns the key's id, as signatures and certificates name it.
func (k *InstanceKey) ID() string { return KeyID(k.Public()) }

// KeyID names a public key: "ed25519:" and the first 16 hex digits of its
// SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:8])
}

// Sign signs msg.
func (k *InstanceKey) Sign(msg []byte) []byte { return ed25519.Sign(k.Private, msg) }

// SignBase64 signs msg and returns the signature in standard base64.
func (k *InstanceKey) SignBase64(msg []byte) string {
	return base64.StdEncoding.EncodeToString(k.Sign(msg))
}

// GenerateKey makes a new instance key.
func GenerateKey(name string) (*InstanceKey, error) {
	if !validKeyName(name) {
		return nil, fmt.Errorf("generate key: name %q must be printable, without spaces or '+'", name)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return &InstanceKey{Name: name, Private: priv}, nil
}

func validKeyName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r == '+' || r >= 0x7f {
			return false
		}
	}
	return true
}

// keyFileHeader starts an instance key file; the file holds
// "HEADER NAME BASE64-SEED\n".
const keyFileHeader = "qualstate-instance-key-v1"

// ErrNoKey is returned by LoadKey when the key file does not exist.
var ErrNoKey = errors.New("no instance key")

// LoadKey reads an instance key file written by WriteFile.
func LoadKey(path string) (*InstanceKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("instance key %s: %w", path, ErrNoKey)
	}
	if err != nil {
		return nil, fmt.Errorf("instance key: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[0] != keyFileHeader || !validKeyName(f[1]) {
		return nil, fmt.Errorf("instance key %s: not a qualstate instance key file", path)
	}
	seed, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("instance key %s: the key is damaged", path)
	}
	return &InstanceKey{Name: f[1], Private: ed25519.NewKeyFromSeed(seed)}, nil
}

// WriteFile writes the key to a new file readable by its owner only; an
// existing file is never overwritten.
func (k *InstanceKey) WriteFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write instance key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write instance key: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s %s %s\n", keyFileHeader, k.Name, base64.StdEncoding.EncodeToString(k.Private.Seed()))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write instance key: %w", err)
	}
	return nil
}
