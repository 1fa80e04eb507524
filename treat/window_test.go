package treat_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"qualstate/treat"
)

// at reads an RFC 3339 time or fails the test.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseWindows(t *testing.T) {
	tests := []struct {
		in   string
		want []string // String of each window
		err  string
	}{
		{in: "", want: nil},
		{in: " ; , ", want: nil},
		{in: "sat 22:00/4h", want: []string{"sat 22:00/4h"}},
		{in: "Saturday 9:05/90m", want: []string{"sat 09:05/1h30m"}},
		{in: "SUN 00:00/7d", want: []string{"sun 00:00/7d"}},
		{in: "mon 08:00/48h", want: []string{"mon 08:00/2d"}},
		{in: "fri 23:59/30s", want: []string{"fri 23:59/30s"}},
		{
			in:   "2026-12-01T22:00:00Z/2026-12-02T02:00:00Z; sat 22:00/4h, sun 10:00/1h",
			want: []string{"2026-12-01T22:00:00Z/2026-12-02T02:00:00Z", "sat 22:00/4h", "sun 10:00/1h"},
		},
		{in: "2026-12-01T23:00:00+01:00/2026-12-02T03:30:00+01:00", want: []string{"2026-12-01T22:00:00Z/2026-12-02T02:30:00Z"}},
		{in: "sat 22:00", err: "want START/END"},
		{in: "someday 22:00/4h", err: `"someday" is not a day`},
		{in: "sat 24:00/4h", err: `"24:00" is not a time of day`},
		{in: "sat 22:5/4h", err: `"22:5" is not a time of day`},
		{in: "sat 22/4h", err: `"22" is not a time of day`},
		{in: "sat 22:00/0h", err: `"0h" is not a duration`},
		{in: "sat 22:00/-1h", err: `"-1h" is not a duration`},
		{in: "sat 22:00/169h", err: `"169h" is not a duration`},
		{in: "sat 22:00/8d", err: `"8d" is not a duration`},
		{in: "sat 22:00/soon", err: `"soon" is not a duration`},
		{in: "2026-12-01/2026-12-02", err: "start \"2026-12-01\" is not an RFC 3339 time"},
		{in: "2026-12-01T22:00:00Z/tomorrow", err: `end "tomorrow" is not an RFC 3339 time`},
		{in: "2026-12-02T02:00:00Z/2026-12-01T22:00:00Z", err: "ends before it starts"},
		{in: "2026-12-01T22:00:00Z/2026-12-01T22:00:00Z", err: "ends before it starts"},
		{in: "sat 22:00/4h; nope", err: `window "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ws, err := treat.ParseWindows(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseWindows = %v, %v; want an error with %q", ws, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseWindows: %v", err)
			}
			var got []string
			for _, w := range ws {
				got = append(got, w.String())
				// The written form reads back as the same window.
				again, err := treat.ParseWindows(w.String())
				if err != nil || len(again) != 1 || !reflect.DeepEqual(again[0], w) {
					t.Errorf("ParseWindows(%q) = %+v, %v; want %+v", w, again, err, w)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("windows = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInWindow(t *testing.T) {
	ws, err := treat.ParseWindows("sat 22:00/4h; wed 12:00/30m; 2026-12-24T00:00:00Z/2026-12-26T12:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		t     string
		want  string // the window in force, "" for none
		until string
	}{
		{name: "before the weekly window", t: "2026-11-28T21:59:59Z"},
		{name: "opening instant", t: "2026-11-28T22:00:00Z", want: "sat 22:00/4h", until: "2026-11-29T02:00:00Z"},
		{name: "saturday night", t: "2026-11-28T23:30:00Z", want: "sat 22:00/4h", until: "2026-11-29T02:00:00Z"},
		// Sunday starts Go's week: the window runs on across the wrap.
		{name: "across the week wrap", t: "2026-11-29T01:59:59Z", want: "sat 22:00/4h", until: "2026-11-29T02:00:00Z"},
		{name: "closing instant", t: "2026-11-29T02:00:00Z"},
		{name: "a week later", t: "2026-12-06T00:15:00Z", want: "sat 22:00/4h", until: "2026-12-06T02:00:00Z"},
		{name: "in another time zone", t: "2026-11-29T00:30:00+01:00", want: "sat 22:00/4h", until: "2026-11-29T02:00:00Z"},
		{name: "midweek", t: "2026-12-02T12:29:00Z", want: "wed 12:00/30m", until: "2026-12-02T12:30:00Z"},
		{name: "midweek after", t: "2026-12-02T12:30:00Z"},
		{name: "absolute", t: "2026-12-25T08:00:00Z", want: "2026-12-24T00:00:00Z/2026-12-26T12:00:00Z", until: "2026-12-26T12:00:00Z"},
		{name: "absolute end excluded", t: "2026-12-26T12:00:00Z"},
		{name: "absolute year after", t: "2027-12-25T08:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := at(t, tt.t)
			w, ok := treat.InWindow(ws, now)
			if ok != (tt.want != "") || (ok && w.String() != tt.want) {
				t.Fatalf("InWindow(%s) = %s, %v; want %q", tt.t, w, ok, tt.want)
			}
			if ok && !w.Until(now).Equal(at(t, tt.until)) {
				t.Errorf("Until = %s, want %s", w.Until(now), tt.until)
			}
		})
	}
	t.Run("a whole week", func(t *testing.T) {
		always, err := treat.ParseWindows("thu 06:00/7d")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"2026-11-26T06:00:00Z", "2026-11-29T00:00:00Z", "2026-12-03T05:59:59Z", "2026-12-03T06:00:00Z"} {
			if _, ok := treat.InWindow(always, at(t, s)); !ok {
				t.Errorf("%s is outside a window open all week", s)
			}
		}
	})
	t.Run("no windows", func(t *testing.T) {
		if w, ok := treat.InWindow(nil, at(t, "2026-11-28T23:00:00Z")); ok {
			t.Errorf("InWindow(nil) = %s, true", w)
		}
	})
}

func TestConfigJSON(t *testing.T) {
	c, err := treat.ParseConfig(map[string]string{"treat.windows": "sat 22:00/4h;2026-12-24T00:00:00Z/2026-12-27T00:00:00Z", "treat.drift": "auto"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"windows":["sat 22:00/4h","2026-12-24T00:00:00Z/2026-12-27T00:00:00Z"]`) {
		t.Errorf("JSON %s does not write the windows as a person does", b)
	}
	var back treat.Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip = %+v, want %+v", back, c)
	}
	if err := json.Unmarshal([]byte(`{"windows":["sat 25:00/1h"]}`), &back); err == nil {
		t.Error("a bad window in JSON is accepted")
	}
}

// FuzzParseWindows proves any input is read or refused without a panic,
// and that what is read is written back in a form read as the same.
func FuzzParseWindows(f *testing.F) {
	for _, s := range []string{"sat 22:00/4h", "2026-12-01T22:00:00Z/2026-12-02T02:00:00Z", "sun 00:00/7d; mon 9:30/90m", "x/y", "sat 22:00/1d1h", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws, err := treat.ParseWindows(s)
		if err != nil {
			return
		}
		for _, w := range ws {
			again, err := treat.ParseWindows(w.String())
			if err != nil || len(again) != 1 || again[0] != w {
				t.Fatalf("%q read as %+v, written %q, read back as %+v, %v", s, w, w.String(), again, err)
			}
		}
	})
}
