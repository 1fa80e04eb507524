package sqlite

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPragmasOnEveryConnection holds several pooled connections at once
// and checks that each one got the settings durability and concurrency
// rest on, not only the first the pool opened.
func TestPragmasOnEveryConnection(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "qualstate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	var conns []*sql.Conn
	for range 3 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			for i, c := range conns {
				var got string
				if err := c.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("connection %d: %s = %s, want %s", i, tt.pragma, got, tt.want)
				}
			}
		})
	}
}

func TestLiveNumbers(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"30", int64(30)},
		{"-0", int64(0)},
		{"9223372036854775807", int64(9223372036854775807)},
		{"9223372036854775808", 9223372036854775808.0}, // beyond int64
		{"0.25", 0.25},
		{"30.0", 30.0}, // Go never writes this, but as written it is a float
		{"1e+21", 1e21},
		{"-2.5e-3", -2.5e-3},
		{`"30"`, "30"},
		{"null", nil},
		{"[1, 1.5]", []any{int64(1), 1.5}},
		{`{"a": {"b": [2]}}`, map[string]any{"a": map[string]any{"b": []any{int64(2)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tt.in))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			if got := liveNumbers(v); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s decoded as %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}
