package treat

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// week is the period of a weekly window.
const week = 7 * 24 * time.Hour

// Window is an approved change window: while it is in force the team
// changes things on purpose, so deviations are recorded but not treated
// automatically.
//
// A window is either absolute — Start to End, written as an RFC 3339
// interval "2026-12-01T22:00:00Z/2026-12-02T02:00:00Z" — or weekly in UTC
// — opening on Day at Offset after midnight for Length, written
// "sat 22:00/4h", which may run on into the next week.
type Window struct {
	// Start and End bound an absolute window, End excluded; both are zero
	// for a weekly window.
	Start time.Time
	End   time.Time
	// Day and Offset are when a weekly window opens (Offset is under a
	// day, in whole minutes); Length is how long it stays open, at most a
	// week.
	Day    time.Weekday
	Offset time.Duration
	Length time.Duration
}

// Weekly reports whether the window recurs every week.
func (w Window) Weekly() bool { return w.Start.IsZero() }

// Contains reports whether the window is in force at t.
func (w Window) Contains(t time.Time) bool {
	if !w.Weekly() {
		return !t.Before(w.Start) && t.Before(w.End)
	}
	return w.sinceOpened(t) < w.Length
}

// Until returns when the occurrence of the window that holds t closes;
// the result means nothing when the window does not hold t.
func (w Window) Until(t time.Time) time.Time {
	if !w.Weekly() {
		return w.End
	}
	return t.UTC().Add(-w.sinceOpened(t)).Add(w.Length)
}

// sinceOpened is how long before t the weekly window last opened.
func (w Window) sinceOpened(t time.Time) time.Duration {
	t = t.UTC()
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	now := time.Duration(t.Weekday())*24*time.Hour + t.Sub(midnight)
	open := time.Duration(w.Day)*24*time.Hour + w.Offset
	return ((now-open)%week + week) % week
}

// String writes the window the way ParseWindows reads it.
func (w Window) String() string {
	if !w.Weekly() {
		return w.Start.UTC().Format(time.RFC3339Nano) + "/" + w.End.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s %02d:%02d/%s", dayNames[w.Day], int(w.Offset/time.Hour), int(w.Offset%time.Hour/time.Minute), formatDuration(w.Length))
}

// MarshalText writes the window as String does, so that a Config travels
// as JSON in the form a person writes.
func (w Window) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText reads one window as ParseWindows does.
func (w *Window) UnmarshalText(b []byte) error {
	v, err := parseWindow(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// InWindow returns the first window in force at t.
func InWindow(ws []Window, t time.Time) (Window, bool) {
	for _, w := range ws {
		if w.Contains(t) {
			return w, true
		}
	}
	return Window{}, false
}

// ParseWindows reads a list of windows separated by ";" or ",": absolute
// RFC 3339 intervals ("2026-12-01T22:00:00Z/2026-12-02T02:00:00Z") and
// weekly UTC windows ("sat 22:00/4h", a day, a time and a duration of at
// most a week). Empty entries are skipped; an empty string is no windows.
func ParseWindows(s string) ([]Window, error) {
	var out []Window
	for entry := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == ',' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		w, err := parseWindow(entry)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func parseWindow(entry string) (Window, error) {
	start, end, ok := strings.Cut(entry, "/")
	if !ok {
		return Window{}, fmt.Errorf("window %q: want START/END (RFC 3339) or DAY HH:MM/DURATION", entry)
	}
	start, end = strings.TrimSpace(start), strings.TrimSpace(end)
	if day, at, weekly := strings.Cut(start, " "); weekly {
		return parseWeekly(entry, day, strings.TrimSpace(at), end)
	}
	from, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: start %q is not an RFC 3339 time such as 2026-12-01T22:00:00Z", entry, start)
	}
	to, err := time.Parse(time.RFC3339Nano, end)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: end %q is not an RFC 3339 time such as 2026-12-02T02:00:00Z", entry, end)
	}
	if !to.After(from) {
		return Window{}, fmt.Errorf("window %q: ends before it starts", entry)
	}
	return Window{Start: from.UTC(), End: to.UTC()}, nil
}

func parseWeekly(entry, day, at, length string) (Window, error) {
	w := Window{Day: -1}
	for d, name := range dayNames {
		if strings.EqualFold(day, name) || strings.EqualFold(day, time.Weekday(d).String()) {
			w.Day = time.Weekday(d)
		}
	}
	if w.Day < 0 {
		return Window{}, fmt.Errorf("window %q: %q is not a day (sun, mon, tue, wed, thu, fri, sat)", entry, day)
	}
	hh, mm, ok := strings.Cut(at, ":")
	h, errH := strconv.Atoi(hh)
	m, errM := strconv.Atoi(mm)
	if !ok || errH != nil || errM != nil || len(hh) > 2 || len(mm) != 2 || h < 0 || h > 23 || m < 0 || m > 59 {
		return Window{}, fmt.Errorf("window %q: %q is not a time of day such as 22:00", entry, at)
	}
	w.Offset = time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	d, err := parseLength(length)
	if err != nil || d <= 0 || d > week {
		return Window{}, fmt.Errorf("window %q: %q is not a duration from 1m to 7d such as 4h", entry, length)
	}
	w.Length = d
	return w, nil
}

var dayNames = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// parseLength reads a Go duration, or whole days written "2d": a window of
// days reads better that way than as "48h".
func parseLength(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("days %q: %w", s, err)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// formatDuration writes a duration without the zero units Duration.String
// keeps ("4h", not "4h0m0s").
func formatDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	var b strings.Builder
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
		d -= m * time.Minute
	}
	if d > 0 || b.Len() == 0 {
		b.WriteString(d.String())
	}
	return b.String()
}
