package report

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the writers' output")

// writers lists every format with the golden file it must reproduce.
var writers = []struct {
	name   string
	golden string
	write  func(io.Writer, *Check) error
}{
	{"text", "check.txt", func(w io.Writer, c *Check) error { return Text(w, c, TextOptions{}) }},
	{"text verbose", "check-verbose.txt", func(w io.Writer, c *Check) error { return Text(w, c, TextOptions{Verbose: true}) }},
	{"text colour", "check-color.txt", func(w io.Writer, c *Check) error { return Text(w, c, TextOptions{Color: true, Verbose: true}) }},
	{"json", "check.json", JSON},
	{"sarif", "check.sarif", SARIF},
	{"junit", "check.junit.xml", JUnit},
}

func TestGolden(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			got := render(t, w.write, fixtureCheck())
			path := filepath.Join("testdata", "golden", w.golden)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (go test ./report -run TestGolden -update rewrites it):\n%s",
					w.name, path, firstDifference(got, want))
			}
		})
	}
}

// TestDeterministic renders each format twice from separately built checks:
// nothing may depend on map order, the clock or the input's order.
func TestDeterministic(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			a := render(t, w.write, fixtureCheck())
			shuffled := fixtureCheck()
			reverse(shuffled.Templates)
			reverse(shuffled.Findings)
			b := render(t, w.write, shuffled)
			if !bytes.Equal(a, b) {
				t.Errorf("output depends on input order:\n%s", firstDifference(b, a))
			}
		})
	}
}

// TestInputUnchanged makes sure writers sort copies, not the caller's data.
func TestInputUnchanged(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			c := fixtureCheck()
			reverse(c.Templates)
			first := c.Templates[0].File
			render(t, w.write, c)
			if c.Templates[0].File != first {
				t.Errorf("writer reordered the check's templates")
			}
		})
	}
}

func render(t testing.TB, write func(io.Writer, *Check) error, c *Check) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(no line differs)"
}
