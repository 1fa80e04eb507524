package qualstate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"sort"
	"strings"
	"time"
)

// Evidence is one piece of evidence: an API response (or an input such as
// the template body) with when, where and how it was obtained. It is stored
// as its canonical JSON encoding and named by the SHA-256 of that encoding,
// so the metadata is as tamper-evident as the body.
type Evidence struct {
	// Operation is service:Action ("cloudcontrol:GetResource") or, for
	// inputs, "input:Template".
	Operation   string    `json:"operation"`
	Request     string    `json:"request,omitempty"`
	Time        time.Time `json:"time"`
	Endpoint    string    `json:"endpoint,omitempty"`
	Account     string    `json:"account,omitempty"`
	Region      string    `json:"region,omitempty"`
	ContentType string    `json:"contentType,omitempty"`
	// Redacted counts the secret values replaced by "****" in Body.
	Redacted int    `json:"redacted,omitempty"`
	Body     string `json:"body"`
}

// Seal encodes the evidence canonically and returns the encoding and its
// SHA-256, hex encoded.
func (e *Evidence) Seal() (digest string, blob []byte, err error) {
	c := *e
	c.Time = c.Time.UTC()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return "", nil, fmt.Errorf("encode evidence: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), buf.Bytes(), nil
}

// ErrDigestMismatch is returned by OpenEvidence when the bytes do not hash
// to the digest they are filed under.
var ErrDigestMismatch = errors.New("evidence does not match its digest")

// OpenEvidence checks that blob hashes to digest and decodes it.
func OpenEvidence(digest string, blob []byte) (*Evidence, error) {
	sum := sha256.Sum256(blob)
	if hex.EncodeToString(sum[:]) != digest {
		return nil, fmt.Errorf("evidence %s: %w", digest, ErrDigestMismatch)
	}
	var e Evidence
	if err := json.Unmarshal(blob, &e); err != nil {
		return nil, fmt.Errorf("evidence %s: %w", digest, err)
	}
	return &e, nil
}

// EvidenceFromCapture makes evidence of an API response in an environment.
func EvidenceFromCapture(c Capture, env Environment) *Evidence {
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = env.Endpoint
	}
	return &Evidence{
		Operation: c.Operation, Request: c.Request, Time: c.Time.UTC(),
		Endpoint: endpoint, Account: env.Account, Region: env.Region,
		ContentType: c.ContentType, Body: string(c.Body),
	}
}

// Redactor replaces secret values (NoEcho parameter values, passwords) in
// evidence before it is stored. It matches each secret as written and in
// the escaped forms JSON and XML responses carry it in.
type Redactor struct {
	secrets []string
}

// Mask is what a secret is replaced with, as CloudFormation shows NoEcho
// values.
const Mask = "****"

// minSecret is the shortest value redacted: replacing every "1" or "a" in
// a response would destroy the evidence and hide nothing.
const minSecret = 4

// NewRedactor returns a redactor for the secrets; values shorter than four
// characters are ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := map[string]bool{}
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		for _, form := range secretForms(s) {
			if !seen[form] {
				seen[form] = true
				r.secrets = append(r.secrets, form)
			}
		}
	}
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	return r
}

// secretForms lists how a value can appear in a response body: as written,
// XML-escaped, and JSON-escaped with and without HTML escaping (services
// differ; Go's encoder writes < as \u003c), once or twice over (Cloud
// Control's Properties is a JSON document inside a JSON string).
func secretForms(s string) []string {
	forms := []string{s, html.EscapeString(s)}
	for _, once := range jsonEscapes(s) {
		forms = append(forms, once)
		forms = append(forms, jsonEscapes(once)...)
	}
	return forms
}

// jsonEscapes returns s escaped as the inside of a JSON string, plainly
// and HTML-safe.
func jsonEscapes(s string) []string {
	var out []string
	for _, escapeHTML := range []bool{false, true} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		if err := enc.Encode(s); err != nil {
			continue
		}
		text := strings.TrimSuffix(b.String(), "\n")
		out = append(out, text[1:len(text)-1])
	}
	return out
}

// Redact replaces every secret in the evidence's body and request and
// counts the replacements in Redacted.
func (r *Redactor) Redact(e *Evidence) {
	if r == nil {
		return
	}
	for _, s := range r.secrets {
		if n := strings.Count(e.Body, s); n > 0 {
			e.Body = strings.ReplaceAll(e.Body, s, Mask)
			e.Redacted += n
		}
		if n := strings.Count(e.Request, s); n > 0 {
			e.Request = strings.ReplaceAll(e.Request, s, Mask)
			e.Redacted += n
		}
	}
}

// String redacts a string.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, x := range r.secrets {
		s = strings.ReplaceAll(s, x, Mask)
	}
	return s
}
