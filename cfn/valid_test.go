package cfn

import (
	"path/filepath"
	"testing"
)

// TestValidTemplates resolves each template in testdata/valid and compares
// the whole result, locations included, with its golden file.
func TestValidTemplates(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	jsonFiles, _ := filepath.Glob("testdata/valid/*.json")
	files = append(files, jsonFiles...)
	if len(files) == 0 {
		t.Fatal("no templates in testdata/valid")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			tpl, err := Parse(file, readTestdata(t, file), Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			golden(t, file+".golden", dump(t, tpl))
		})
	}
}
