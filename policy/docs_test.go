package policy

import (
	"os"
	"regexp"
	"testing"
)

// TestDocumentedChecks keeps docs/requirements.md true: every check it
// shows compiles, and its complete example set loads and passes its own
// examples.
func TestDocumentedChecks(t *testing.T) {
	body, err := os.ReadFile("../docs/requirements.md")
	if err != nil {
		t.Fatal(err)
	}
	snippets := regexp.MustCompile("(?s)```cel\n(.*?)```").FindAllStringSubmatch(string(body), -1)
	if len(snippets) == 0 {
		t.Fatal("no checks found in the document")
	}
	for _, m := range snippets {
		t.Run(m[1], func(t *testing.T) {
			if _, problems := compileCheck(m[1]); len(problems) > 0 {
				t.Errorf("does not compile: %v", problems)
			}
		})
	}
	example := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(string(body))
	if example == nil {
		t.Fatal("no example set in the document")
	}
	set, err := Load("requirements.md", []byte(example[1]))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(set)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range RunExamples(e, set, ".", parseTemplate) {
		if !r.OK {
			t.Errorf("example %q: %s", r.Example.Name, r.Problem)
		}
	}
}
