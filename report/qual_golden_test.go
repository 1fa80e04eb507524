package report

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// qualWriters lists every qualification format, with its golden file when
// the format is compared byte for byte.
var qualWriters = []struct {
	name   string
	golden string
	write  func(io.Writer, *Qualification) error
}{
	{"html", "qualification.html.golden", QualificationHTML},
	{"json", "qualification.json.golden", QualificationJSON},
	{"junit", "qualification.junit.xml.golden", QualificationJUnit},
	{"pdf", "", QualificationPDF},
}

func renderQual(t testing.TB, write func(io.Writer, *Qualification) error, q *Qualification) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, q); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestQualificationGolden holds the text formats to their golden files
// (go test ./report -run TestQualificationGolden -update rewrites them).
func TestQualificationGolden(t *testing.T) {
	for _, w := range qualWriters {
		if w.golden == "" {
			continue
		}
		t.Run(w.name, func(t *testing.T) {
			got := renderQual(t, w.write, newQualFixture(t).q)
			path := filepath.Join("testdata", "qual", w.golden)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./report -run TestQualificationGolden -update creates it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (go test ./report -run TestQualificationGolden -update rewrites it):\n%s",
					w.name, path, firstDifference(got, want))
			}
		})
	}
}

// TestQualificationDeterministic renders each format twice from separately
// built fixtures, the second with steps and baseline in another order:
// nothing may depend on map order, the clock or the order of unordered
// input. The caller's data must not be reordered.
func TestQualificationDeterministic(t *testing.T) {
	for _, w := range qualWriters {
		t.Run(w.name, func(t *testing.T) {
			a := renderQual(t, w.write, newQualFixture(t).q)
			q := newQualFixture(t).q
			reverse(q.Steps)
			reverse(q.Baseline)
			firstStep, firstBase := q.Steps[0].Seq, q.Baseline[0].LogicalID
			b := renderQual(t, w.write, q)
			if !bytes.Equal(a, b) {
				t.Errorf("output depends on input order:\n%s", firstDifference(b, a))
			}
			if q.Steps[0].Seq != firstStep || q.Baseline[0].LogicalID != firstBase {
				t.Errorf("writer reordered the caller's steps or baseline")
			}
		})
	}
}

func TestQualificationWritersRejectIncomplete(t *testing.T) {
	bundle := func(w io.Writer, q *Qualification) error {
		return WriteBundle(w, q, func(string) ([]byte, error) { return nil, nil })
	}
	writers := append(slices.Clone(qualWriters), struct {
		name   string
		golden string
		write  func(io.Writer, *Qualification) error
	}{"bundle", "", bundle})
	for _, w := range writers {
		for _, tc := range []struct {
			name string
			q    *Qualification
		}{
			{"nil", nil},
			{"no run", &Qualification{RequirementSet: qualFixtureSet()}},
		} {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := w.write(&buf, tc.q); err == nil {
					t.Fatalf("no error writing %s", tc.name)
				}
				if buf.Len() != 0 {
					t.Errorf("wrote %d bytes before failing", buf.Len())
				}
			})
		}
	}
}

// TestQualificationWriteErrors: a failing writer's error is returned.
func TestQualificationWriteErrors(t *testing.T) {
	q := newQualFixture(t).q
	for _, w := range qualWriters {
		t.Run(w.name, func(t *testing.T) {
			if err := w.write(failingWriter{}, q); err == nil {
				t.Fatal("write error was not returned")
			}
		})
	}
}
