package notify

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"qualstate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current output")

// fixtures are the notifications in testdata/notifications, by name.
var fixtures = []string{"opened", "closed", "status"}

func loadNotification(t testing.TB, name string) qualstate.Notification {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "notifications", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var n qualstate.Notification
	if err := json.Unmarshal(data, &n); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// golden compares got with testdata/golden/NAME, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// mustJSON is the notification as the webhook sends it, to compare what a
// receiver decoded with what was sent.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
