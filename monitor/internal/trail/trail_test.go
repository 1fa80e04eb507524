package trail

import (
	"os"
	"path/filepath"
	"testing"
)

// The seeds are the event fixtures of the monitor package, which its
// tests read too, and a few odd bodies.
const seeds = "../../testdata/events/*.json"

func fuzzSeeds(f *testing.F) {
	files, err := filepath.Glob(seeds)
	if err != nil || len(files) == 0 {
		f.Fatalf("no event fixtures: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "{}", "null", `{"Records": null}`, `{"detail-type": null}`,
		`{"eventSource": "s", "eventName": "n", "requestParameters": [[[[{"a": ["b"]}]]]]}`} {
		f.Add([]byte(s))
	}
}

// checkStrings holds for every event the parsers return.
func checkStrings(t *testing.T, strs []string) {
	if len(strs) > MaxEventStrings {
		t.Errorf("%d strings", len(strs))
	}
	seen := map[string]bool{}
	for _, s := range strs {
		if s == "" || len(s) > MaxStringLen || seen[s] {
			t.Errorf("string %.40q empty, too long or repeated", s)
		}
		seen[s] = true
	}
}

func FuzzParseEvent(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := Parse(body)
		if err != nil {
			if err.Error() == "" {
				t.Error("empty error")
			}
			return
		}
		if ev.Source == "" || ev.Name == "" {
			t.Errorf("event without source or name: %+v", ev)
		}
		checkStrings(t, ev.Strings)
	})
}

func FuzzParseRecords(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := ParseRecords(body)
		if err != nil {
			return
		}
		if len(evs) > MaxRecords {
			t.Errorf("%d events", len(evs))
		}
		for _, ev := range evs {
			if ev.Source == "" || ev.Name == "" {
				t.Errorf("event without source or name: %+v", ev)
			}
			checkStrings(t, ev.Strings)
		}
	})
}
