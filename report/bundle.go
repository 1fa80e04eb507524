package report

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"qualstate"
)

// BundleVersion names the layout of the evidence bundle and its manifest.
const BundleVersion = "qualstate.bundle/v1"

// Names of the files in an evidence bundle.
const (
	bundleHTML     = "report.html"
	bundlePDF      = "report.pdf"
	bundleJSON     = "report.json"
	bundleJUnit    = "report.junit.xml"
	bundleBaseline = "baseline.json"
	bundleManifest = "manifest.json"
	bundleSums     = "SHA256SUMS"
	bundleEvidence = "evidence/"
)

// maxBundleEntry bounds what VerifyBundle reads of one file, so a crafted
// archive that inflates without end cannot exhaust memory. A variable so
// tests can lower it.
var maxBundleEntry int64 = 1 << 30

// Manifest lists every file of an evidence bundle but itself and
// SHA256SUMS, with its SHA-256 and size, and names the run, template and
// requirement set the bundle is about.
type Manifest struct {
	Version              string         `json:"version"`
	RunID                string         `json:"runId"`
	TemplateDigest       string         `json:"templateDigest"`
	RequirementSetDigest string         `json:"requirementSetDigest"`
	Generated            time.Time      `json:"generated"`
	Files                []ManifestFile `json:"files"`
}

// ManifestFile is one file of a bundle.
type ManifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// bundleBaselineDoc is baseline.json.
type bundleBaselineDoc struct {
	RunID     string                       `json:"runId"`
	Resources []qualstate.BaselineResource `json:"resources"`
}

// WriteBundle writes the evidence bundle of a run: a zip an auditor can
// verify offline, holding report.html, report.pdf, report.json,
// report.junit.xml, baseline.json, every piece of evidence the run refers to
// as evidence/<digest>.json (the sealed blob as the evidence function
// returns it, which must hash to its digest), manifest.json (see Manifest)
// and SHA256SUMS in the format `sha256sum -c` checks, covering every file.
//
// The zip is deterministic: entries are sorted by name and dated
// q.Generated.
func WriteBundle(w io.Writer, q *Qualification, evidence func(digest string) ([]byte, error)) error {
	if err := checkQualification(q); err != nil {
		return fmt.Errorf("writing evidence bundle: %w", err)
	}
	if evidence == nil {
		return errors.New("writing evidence bundle: no evidence source")
	}
	v := newQualView(q)
	files := map[string][]byte{}
	for name, write := range map[string]func(io.Writer, *Qualification) error{
		bundleHTML: QualificationHTML, bundlePDF: QualificationPDF, bundleJSON: QualificationJSON, bundleJUnit: QualificationJUnit,
	} {
		var buf bytes.Buffer
		if err := write(&buf, q); err != nil {
			return fmt.Errorf("writing evidence bundle: %w", err)
		}
		files[name] = buf.Bytes()
	}
	base, err := indentedJSON(bundleBaselineDoc{RunID: q.Run.ID, Resources: nonNil(sortedBaseline(q.Baseline))})
	if err != nil {
		return fmt.Errorf("writing evidence bundle: %s: %w", bundleBaseline, err)
	}
	files[bundleBaseline] = base
	for _, e := range v.evidence {
		if !isDigest(e.Digest) {
			return fmt.Errorf("writing evidence bundle: evidence %q is not a SHA-256 digest", e.Digest)
		}
		blob, err := evidence(e.Digest)
		if err != nil {
			return fmt.Errorf("writing evidence bundle: evidence %s: %w", e.Digest, err)
		}
		// A blob that is not what its digest names would make the bundle
		// fail verification; better to refuse to write it.
		if _, err := qualstate.OpenEvidence(e.Digest, blob); err != nil {
			return fmt.Errorf("writing evidence bundle: %w", err)
		}
		files[bundleEvidence+e.Digest+".json"] = blob
	}
	m := Manifest{
		Version: BundleVersion, RunID: q.Run.ID, TemplateDigest: q.Run.TemplateDigest,
		RequirementSetDigest: q.Run.RequirementSetDigest, Generated: utc(q.Generated), Files: []ManifestFile{},
	}
	if m.RequirementSetDigest == "" && q.RequirementSet != nil {
		m.RequirementSetDigest = q.RequirementSet.Digest
	}
	for _, name := range sortedKeys(files) {
		m.Files = append(m.Files, ManifestFile{Path: name, SHA256: sha256Hex(files[name]), Size: int64(len(files[name]))})
	}
	manifest, err := indentedJSON(m)
	if err != nil {
		return fmt.Errorf("writing evidence bundle: %s: %w", bundleManifest, err)
	}
	files[bundleManifest] = manifest
	var sums bytes.Buffer
	for _, name := range sortedKeys(files) {
		fmt.Fprintf(&sums, "%s  %s\n", sha256Hex(files[name]), name)
	}
	files[bundleSums] = sums.Bytes()

	modified := utc(q.Generated)
	if modified.IsZero() {
		modified = pdfEpoch
	}
	zw := zip.NewWriter(w)
	for _, name := range sortedKeys(files) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified}
		h.SetMode(0o644)
		f, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("writing evidence bundle: %s: %w", name, err)
		}
		if _, err := f.Write(files[name]); err != nil {
			return fmt.Errorf("writing evidence bundle: %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("writing evidence bundle: %w", err)
	}
	return nil
}

// indentedJSON encodes v as the reports do: two-space indent, no HTML
// escaping, a final newline.
func indentedJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// BundleError lists everything wrong with an evidence bundle.
type BundleError struct {
	Problems []BundleProblem
}

// BundleProblem is one thing wrong with one file of a bundle.
type BundleProblem struct {
	// File is the path in the bundle; empty for the archive as a whole.
	File    string
	Problem string
}

// Error renders one problem per line, each naming its file.
func (e *BundleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "evidence bundle does not verify: %s", plural(len(e.Problems), "problem", "problems"))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		if p.File != "" {
			b.WriteString(p.File + ": ")
		}
		b.WriteString(p.Problem)
	}
	return b.String()
}

// bundleCheck collects the problems of one verification.
type bundleCheck struct {
	files    map[string][]byte
	problems []BundleProblem
}

func (c *bundleCheck) fail(file, format string, args ...any) {
	c.problems = append(c.problems, BundleProblem{File: file, Problem: fmt.Sprintf(format, args...)})
}

// VerifyBundle checks an evidence bundle as an auditor would, offline: it
// re-hashes every file; checks that SHA256SUMS and manifest.json list every
// file (SHA256SUMS every file but itself, the manifest every file but
// itself and SHA256SUMS) with its hash and size, and nothing that is not
// there; that each evidence/<digest>.json hashes to its name and decodes as
// evidence; that report.json reads and names the run, template and
// requirement set the manifest names; and that every piece of evidence a
// test case, the baseline or the run refers to is in the bundle.
//
// It returns the manifest of a bundle that verifies, or a *BundleError
// listing every problem, each naming its file.
func VerifyBundle(r io.ReaderAt, size int64) (*Manifest, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &BundleError{Problems: []BundleProblem{{Problem: fmt.Sprintf("not a zip archive: %v", err)}}}
	}
	c := &bundleCheck{files: map[string][]byte{}}
	c.read(zr)
	m := c.manifest()
	c.sums()
	if m != nil {
		c.listed(m)
	}
	c.evidence()
	c.references(m)
	if len(c.problems) > 0 {
		slices.SortStableFunc(c.problems, func(a, b BundleProblem) int { return strings.Compare(a.File, b.File) })
		c.problems = slices.Compact(c.problems)
		return nil, &BundleError{Problems: c.problems}
	}
	return m, nil
}

// read reads every entry, refusing paths a file could not be extracted to
// as named, duplicates, directories and damaged or oversized entries.
func (c *bundleCheck) read(zr *zip.Reader) {
	for _, f := range zr.File {
		name := f.Name
		switch {
		case name == "" || strings.HasSuffix(name, "/") || f.FileInfo().IsDir():
			c.fail(name, "is a directory entry, which a bundle does not have")
			continue
		case strings.Contains(name, `\`) || path.IsAbs(name) || path.Clean(name) != name || strings.HasPrefix(name, "../"):
			c.fail(name, "is not a plain relative path")
			continue
		}
		if _, dup := c.files[name]; dup {
			c.fail(name, "appears more than once in the archive")
			continue
		}
		data, err := readEntry(f)
		if err != nil {
			c.fail(name, "cannot be read: %v", err)
			c.files[name] = nil
			continue
		}
		c.files[name] = data
	}
	for _, name := range []string{bundleManifest, bundleSums, bundleJSON, bundleHTML, bundlePDF, bundleJUnit, bundleBaseline} {
		if _, ok := c.files[name]; !ok {
			c.fail(name, "is missing")
		}
	}
}

func readEntry(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > uint64(maxBundleEntry) {
		return nil, fmt.Errorf("larger than %d MiB", maxBundleEntry>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxBundleEntry+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxBundleEntry {
		return nil, fmt.Errorf("larger than %d MiB", maxBundleEntry>>20)
	}
	return data, nil
}

// manifest decodes manifest.json.
func (c *bundleCheck) manifest() *Manifest {
	data, ok := c.files[bundleManifest]
	if !ok || data == nil {
		return nil
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		c.fail(bundleManifest, "is not a manifest: %v", err)
		return nil
	}
	if m.Version != BundleVersion {
		c.fail(bundleManifest, "version is %q, want %q", m.Version, BundleVersion)
		return nil
	}
	return &m
}

// sums checks SHA256SUMS against the files.
func (c *bundleCheck) sums() {
	data, ok := c.files[bundleSums]
	if !ok || data == nil {
		return
	}
	listed := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			// sha256sum writes " *name" for files hashed in binary mode.
			sum, name, ok = strings.Cut(line, " *")
		}
		if !ok || !isDigest(sum) || name == "" {
			c.fail(bundleSums, "line %d is not \"<sha-256>  <file>\": %q", i+1, line)
			continue
		}
		if listed[name] {
			c.fail(bundleSums, "lists %s more than once", name)
			continue
		}
		listed[name] = true
		content, ok := c.files[name]
		switch {
		case !ok:
			c.fail(name, "is listed in %s but missing from the bundle", bundleSums)
		case content != nil && sha256Hex(content) != sum:
			c.fail(name, "SHA-256 is %s, %s says %s", sha256Hex(content), bundleSums, sum)
		}
	}
	for name := range c.files {
		if name != bundleSums && !listed[name] {
			c.fail(name, "is not listed in %s", bundleSums)
		}
	}
}

// listed checks the manifest's file list against the files.
func (c *bundleCheck) listed(m *Manifest) {
	listed := map[string]bool{}
	for _, f := range m.Files {
		if listed[f.Path] {
			c.fail(bundleManifest, "lists %s more than once", f.Path)
			continue
		}
		listed[f.Path] = true
		content, ok := c.files[f.Path]
		switch {
		case !ok:
			c.fail(f.Path, "is listed in %s but missing from the bundle", bundleManifest)
		case content == nil:
		case sha256Hex(content) != f.SHA256:
			c.fail(f.Path, "SHA-256 is %s, %s says %s", sha256Hex(content), bundleManifest, f.SHA256)
		case int64(len(content)) != f.Size:
			c.fail(f.Path, "size is %d bytes, %s says %d", len(content), bundleManifest, f.Size)
		}
	}
	for name := range c.files {
		if name != bundleManifest && name != bundleSums && !listed[name] {
			c.fail(name, "is not listed in %s", bundleManifest)
		}
	}
}

// evidence checks that each evidence file is what its name says.
func (c *bundleCheck) evidence() {
	for name, data := range c.files {
		rest, ok := strings.CutPrefix(name, bundleEvidence)
		if !ok || data == nil {
			continue
		}
		digest, ok := strings.CutSuffix(rest, ".json")
		if !ok || !isDigest(digest) {
			c.fail(name, "is not named %s<sha-256>.json", bundleEvidence)
			continue
		}
		if got := sha256Hex(data); got != digest {
			c.fail(name, "content hashes to %s, not to its name", got)
			continue
		}
		if _, err := qualstate.OpenEvidence(digest, data); err != nil {
			c.fail(name, "does not decode as evidence: %v", err)
		}
	}
}

// references checks report.json against the manifest and that the
// evidence it and baseline.json refer to is present.
func (c *bundleCheck) references(m *Manifest) {
	refs := map[string][]string{}
	refer := func(digest, by string) {
		if digest != "" {
			refs[digest] = append(refs[digest], by)
		}
	}
	if data := c.files[bundleJSON]; data != nil {
		q, err := ReadQualificationJSON(bytes.NewReader(data))
		if err != nil {
			c.fail(bundleJSON, "does not read: %v", err)
		} else {
			if m != nil {
				for _, f := range []struct{ field, manifest, report string }{
					{"runId", m.RunID, q.Run.ID},
					{"templateDigest", m.TemplateDigest, q.Run.TemplateDigest},
					{"requirementSetDigest", m.RequirementSetDigest, q.Run.RequirementSetDigest},
				} {
					if f.manifest != f.report && !(f.field == "requirementSetDigest" && f.report == "" && q.RequirementSet != nil && q.RequirementSet.Digest == f.manifest) {
						c.fail(bundleManifest, "%s is %q, %s says %q", f.field, f.manifest, bundleJSON, f.report)
					}
				}
			}
			refer(q.Run.TemplateEvidence, "the run's template")
			for _, tc := range q.TestCases {
				for _, d := range tc.Evidence {
					refer(d, "test case "+tc.ID)
				}
			}
			for _, b := range q.Baseline {
				refer(b.Evidence, "baseline resource "+b.LogicalID)
			}
		}
	}
	if data := c.files[bundleBaseline]; data != nil {
		var doc bundleBaselineDoc
		if err := json.Unmarshal(data, &doc); err != nil {
			c.fail(bundleBaseline, "does not read: %v", err)
		} else {
			if m != nil && doc.RunID != m.RunID {
				c.fail(bundleBaseline, "runId is %q, %s says %q", doc.RunID, bundleManifest, m.RunID)
			}
			for _, b := range doc.Resources {
				refer(b.Evidence, "baseline resource "+b.LogicalID)
			}
		}
	}
	for _, d := range sortedKeys(refs) {
		name := bundleEvidence + d + ".json"
		if _, ok := c.files[name]; !ok {
			by := slices.Compact(refs[d])
			c.fail(name, "is missing; %s refers to it", strings.Join(by, ", "))
		}
	}
}
