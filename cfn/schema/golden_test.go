package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateGolden validates each resource in testdata/validate before
// and after Coerce, and holds the violations and the coerced properties to
// the .golden file beside it, so a change in any message shows in review.
func TestValidateGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/validate/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			f := readFixture(t, file)
			s, ok := Lookup(f.Type)
			if !ok {
				t.Fatalf("no schema for %s", f.Type)
			}
			var b bytes.Buffer
			fmt.Fprintf(&b, "# %s\n\n## violations as written\n", f.Type)
			writeViolations(&b, s.Validate(f.Properties))
			s.Coerce(f.Properties)
			b.WriteString("\n## properties after Coerce\n")
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(toJSON(f.Properties)); err != nil {
				t.Fatal(err)
			}
			b.WriteString("\n## violations after Coerce\n")
			writeViolations(&b, s.Validate(f.Properties))
			golden(t, strings.TrimSuffix(file, ".json")+".golden", b.Bytes())
		})
	}
}

func writeViolations(b *bytes.Buffer, vs []Violation) {
	if len(vs) == 0 {
		b.WriteString("(none)\n")
	}
	for _, v := range vs {
		fmt.Fprintf(b, "%s [%s] %s\n", pointerOrRoot(v.Pointer), v.Code, v.Message)
	}
}

func pointerOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
