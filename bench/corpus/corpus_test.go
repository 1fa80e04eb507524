package corpus

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateIsReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	opts := Options{Templates: 5, MinResources: 20, MaxResources: 60, Seed: 7}
	sa, err := Generate(a, opts)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := Generate(b, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sa != sb {
		t.Fatalf("stats differ for the same seed: %+v vs %+v", sa, sb)
	}
	if sa.Resources < 5*20 || sa.Resources > 5*60 {
		t.Fatalf("resources %d outside 100..300", sa.Resources)
	}
	for i := range 5 {
		name := fmt.Sprintf("template-%04d.yaml", i)
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(x) != string(y) {
			t.Fatalf("%s differs between two runs with the same seed", name)
		}
	}
}

func TestGenerateRejectsBadSizes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max int
	}{
		{"zero", 0, 5}, {"inverted", 10, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(t.TempDir(), Options{Templates: 1, MinResources: tc.min, MaxResources: tc.max}); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestTemplateHasRequestedResources(t *testing.T) {
	for _, n := range []int{2, 20, 60} {
		rng := rand.New(rand.NewPCG(1, 2))
		body := Template(rng, n)
		if got := countResources(body); got != n {
			t.Errorf("Template(%d): %d resources", n, got)
		}
	}
}

// countResources counts the two-space-indented keys under Resources.
func countResources(body string) int {
	n, in := 0, false
	for _, line := range strings.Split(body, "\n") {
		switch {
		case line == "Resources:":
			in = true
		case len(line) > 0 && line[0] != ' ':
			in = false
		case in && len(line) > 2 && line[:2] == "  " && line[2] != ' ':
			n++
		}
	}
	return n
}
