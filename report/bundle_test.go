package report

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// bundleEntry is one file of a zip as tests rebuild it.
type bundleEntry struct {
	name string
	data []byte
}

func writeTestBundle(t *testing.T) ([]byte, *qualFixture) {
	t.Helper()
	f := newQualFixture(t)
	var buf bytes.Buffer
	if err := WriteBundle(&buf, f.q, f.evidence); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), f
}

// unzip returns a zip's entries in archive order.
func unzip(t *testing.T, b []byte) []bundleEntry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []bundleEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bundleEntry{f.Name, data})
	}
	return out
}

// rezip writes entries as given: duplicates and odd names included.
func rezip(t *testing.T, entries []bundleEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// reseal rewrites manifest.json and SHA256SUMS to match the other entries,
// as a forger covering their tracks would.
func reseal(t *testing.T, entries []bundleEntry) []bundleEntry {
	t.Helper()
	var m Manifest
	var rest []bundleEntry
	for _, e := range entries {
		switch e.name {
		case bundleManifest:
			if err := json.Unmarshal(e.data, &m); err != nil {
				t.Fatal(err)
			}
		case bundleSums:
		default:
			rest = append(rest, e)
		}
	}
	m.Files = nil
	for _, e := range rest {
		m.Files = append(m.Files, ManifestFile{Path: e.name, SHA256: sha256Hex(e.data), Size: int64(len(e.data))})
	}
	manifest, err := indentedJSON(m)
	if err != nil {
		t.Fatal(err)
	}
	rest = append(rest, bundleEntry{bundleManifest, manifest})
	var sums strings.Builder
	for _, e := range rest {
		fmt.Fprintf(&sums, "%s  %s\n", sha256Hex(e.data), e.name)
	}
	return append(rest, bundleEntry{bundleSums, []byte(sums.String())})
}

func TestBundleVerifies(t *testing.T) {
	b, f := writeTestBundle(t)
	m, err := VerifyBundle(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != BundleVersion || m.RunID != qualRunID || m.TemplateDigest != f.q.Run.TemplateDigest ||
		m.RequirementSetDigest != f.q.Run.RequirementSetDigest || !m.Generated.Equal(f.q.Generated) {
		t.Errorf("manifest names %+v", m)
	}
	var paths []string
	for _, file := range m.Files {
		paths = append(paths, file.Path)
	}
	want := []string{bundleBaseline}
	for d := range f.blobs {
		want = append(want, bundleEvidence+d+".json")
	}
	want = append(want, bundleHTML, bundleJSON, bundleJUnit, bundlePDF)
	slices.Sort(want)
	if !slices.Equal(paths, want) {
		t.Errorf("manifest lists %v, want %v", paths, want)
	}
	var names []string
	for _, e := range unzip(t, b) {
		names = append(names, e.name)
		if d, ok := strings.CutPrefix(e.name, bundleEvidence); ok {
			if !bytes.Equal(e.data, f.blobs[strings.TrimSuffix(d, ".json")]) {
				t.Errorf("%s is not the sealed blob", e.name)
			}
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("entries are not sorted: %v", names)
	}
	again, _ := writeTestBundle(t)
	if !bytes.Equal(b, again) {
		t.Error("two bundles of the same run differ")
	}
}

// TestBundleSHA256SUMS checks the bundle with coreutils' sha256sum, the
// tool an auditor would use, when the machine has it.
func TestBundleSHA256SUMS(t *testing.T) {
	tool, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum is not installed")
	}
	b, _ := writeTestBundle(t)
	dir := t.TempDir()
	for _, e := range unzip(t, b) {
		path := filepath.Join(dir, filepath.FromSlash(e.name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, e.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(tool, "--strict", "-c", bundleSums)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
}

func TestBundleTamper(t *testing.T) {
	good, f := writeTestBundle(t)
	var someEvidence string
	for d := range f.blobs {
		if someEvidence == "" || d < someEvidence {
			someEvidence = d
		}
	}
	evidenceName := bundleEvidence + someEvidence + ".json"
	other := strings.Repeat("0", 64)
	change := func(name string, edit func([]byte) []byte) func([]bundleEntry) []bundleEntry {
		return func(es []bundleEntry) []bundleEntry {
			for i := range es {
				if es[i].name == name {
					es[i].data = edit(bytes.Clone(es[i].data))
				}
			}
			return es
		}
	}
	drop := func(name string) func([]bundleEntry) []bundleEntry {
		return func(es []bundleEntry) []bundleEntry {
			return slices.DeleteFunc(es, func(e bundleEntry) bool { return e.name == name })
		}
	}
	for _, tc := range []struct {
		name   string
		tamper func([]bundleEntry) []bundleEntry
		// file and problem are what one of the reported problems must say.
		file, problem string
	}{
		{"changed byte in evidence", change(evidenceName, func(b []byte) []byte { b[10] ^= 1; return b }),
			evidenceName, "content hashes to"},
		{"changed report", change(bundleHTML, func(b []byte) []byte { return bytes.Replace(b, []byte("FAIL"), []byte("PASS"), 1) }),
			bundleHTML, "SHA-256 is"},
		{"changed report, manifest and sums resealed", func(es []bundleEntry) []bundleEntry {
			// Every mention, or the review and signatures, which name the
			// run too, would give the forgery away before the manifest does.
			return reseal(t, change(bundleJSON, func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(qualRunID), []byte("run-forged")) })(es))
		}, bundleManifest, `runId is "` + qualRunID + `", report.json says "run-forged"`},
		{"missing file", drop(bundlePDF), bundlePDF, "is listed in manifest.json but missing"},
		{"extra file", func(es []bundleEntry) []bundleEntry { return append(es, bundleEntry{"notes.txt", []byte("trust me")}) },
			"notes.txt", "is not listed in manifest.json"},
		{"manifest edited", change(bundleManifest, func(b []byte) []byte { return bytes.Replace(b, []byte(`"size": `), []byte(`"size": 1`), 1) }),
			bundleManifest, "SHA-256 is"},
		{"manifest edited, sums resealed", func(es []bundleEntry) []bundleEntry {
			es = change(bundleManifest, func(b []byte) []byte { return bytes.Replace(b, []byte(`"size": `), []byte(`"size": 1`), 1) })(es)
			var sums strings.Builder
			for _, e := range es {
				if e.name != bundleSums {
					fmt.Fprintf(&sums, "%s  %s\n", sha256Hex(e.data), e.name)
				}
			}
			return change(bundleSums, func([]byte) []byte { return []byte(sums.String()) })(es)
		}, bundleBaseline, "size is"},
		{"evidence renamed", func(es []bundleEntry) []bundleEntry {
			for i := range es {
				if es[i].name == evidenceName {
					es[i].name = bundleEvidence + other + ".json"
				}
			}
			return es
		}, evidenceName, "is listed in manifest.json but missing"},
		{"evidence replaced and resealed", func(es []bundleEntry) []bundleEntry {
			forged := []byte(`{"operation": "input:Template", "time": "2026-11-23T09:00:00Z", "body": "forged"}` + "\n")
			es = drop(evidenceName)(es)
			es = append(es, bundleEntry{bundleEvidence + sha256Hex(forged) + ".json", forged})
			return reseal(t, es)
		}, evidenceName, "refers to it"},
		{"evidence that is not evidence", func(es []bundleEntry) []bundleEntry {
			junk := []byte("not json")
			return reseal(t, append(es, bundleEntry{bundleEvidence + sha256Hex(junk) + ".json", junk}))
		}, bundleEvidence + sha256Hex([]byte("not json")) + ".json", "does not decode as evidence"},
		{"evidence misnamed", func(es []bundleEntry) []bundleEntry {
			return reseal(t, append(es, bundleEntry{bundleEvidence + "x.json", []byte("{}")}))
		}, bundleEvidence + "x.json", "is not named evidence/<sha-256>.json"},
		{"sums malformed", change(bundleSums, func(b []byte) []byte { return append(b, "garbage\n"...) }),
			bundleSums, `is not "<sha-256>  <file>": "garbage"`},
		{"duplicate entry", func(es []bundleEntry) []bundleEntry {
			return append(es, bundleEntry{bundleHTML, []byte("<p>second</p>")})
		},
			bundleHTML, "appears more than once"},
		{"path outside the bundle", func(es []bundleEntry) []bundleEntry { return append(es, bundleEntry{"../report.html", []byte("x")}) },
			"../report.html", "is not a plain relative path"},
		{"directory entry", func(es []bundleEntry) []bundleEntry { return append(es, bundleEntry{"evidence/", nil}) },
			"evidence/", "is a directory entry"},
		{"no manifest", drop(bundleManifest), bundleManifest, "is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := rezip(t, tc.tamper(unzip(t, good)))
			_, err := VerifyBundle(bytes.NewReader(b), int64(len(b)))
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("error %v, want a *BundleError", err)
			}
			for _, p := range be.Problems {
				if p.File == tc.file && strings.Contains(p.Problem, tc.problem) {
					return
				}
			}
			t.Errorf("no problem with %s saying %q in:\n%v", tc.file, tc.problem, err)
		})
	}
}

func TestVerifyBundleNotZip(t *testing.T) {
	b := []byte("PK\x03\x04 this is not a zip")
	_, err := VerifyBundle(bytes.NewReader(b), int64(len(b)))
	if err == nil || !strings.Contains(err.Error(), "not a zip archive") {
		t.Fatalf("error %v", err)
	}
}

func TestVerifyBundleEntryTooLarge(t *testing.T) {
	b, _ := writeTestBundle(t)
	defer func(n int64) { maxBundleEntry = n }(maxBundleEntry)
	maxBundleEntry = 1 << 10
	_, err := VerifyBundle(bytes.NewReader(b), int64(len(b)))
	if err == nil || !strings.Contains(err.Error(), "report.pdf: cannot be read: larger than") {
		t.Fatalf("error %v, want one about report.pdf's size", err)
	}
}

func TestWriteBundleBadEvidence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		source func(f *qualFixture) func(string) ([]byte, error)
		want   string
	}{
		{"source fails", func(*qualFixture) func(string) ([]byte, error) {
			return func(d string) ([]byte, error) { return nil, errors.New("store is closed") }
		}, "store is closed"},
		{"blob does not match its digest", func(f *qualFixture) func(string) ([]byte, error) {
			return func(d string) ([]byte, error) { return append(bytes.Clone(f.blobs[d]), ' '), nil }
		}, "evidence does not match its digest"},
		{"no source", func(*qualFixture) func(string) ([]byte, error) { return nil }, "no evidence source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newQualFixture(t)
			var buf bytes.Buffer
			err := WriteBundle(&buf, f.q, tc.source(f))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes of a bundle that failed", buf.Len())
			}
		})
	}
}
