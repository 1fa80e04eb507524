package policy

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"qualstate"
)

const (
	// maxObservations bounds how many values a reason names.
	maxObservations = 6
	// maxElements bounds how many elements of one list a reason names.
	maxElements = 4
	// maxValueText bounds how long one rendered value is.
	maxValueText = 80
)

// notes is the text of a reason as it is written: what the check read,
// one observation after another separated by "; ", without repeats and at
// most maxObservations. It is written into one buffer so that a finding's
// reason costs one allocation however many values it names.
type notes struct {
	buf   []byte
	spans [][2]int
	// pointer is the JSON pointer, in the finding's resource, of the first
	// observation's deepest value that exists; it places the finding. It is
	// only worked out when wantPointer says the resource has places to
	// find it in.
	pointer     string
	wantPointer bool
	placed      bool
}

func (n *notes) full() bool { return len(n.spans) >= maxObservations }

// begin starts an observation and returns where it starts.
func (n *notes) begin() int {
	if len(n.spans) > 0 {
		n.buf = append(n.buf, "; "...)
	}
	return len(n.buf)
}

// end finishes the observation begun at start, dropping it if an earlier
// one says the same (chains that stop at the same absent property do).
func (n *notes) end(start int) {
	seg := n.buf[start:]
	for _, sp := range n.spans {
		if string(n.buf[sp[0]:sp[1]]) == string(seg) {
			n.buf = n.buf[:max(start-2, 0)]
			return
		}
	}
	n.spans = append(n.spans, [2]int{start, len(n.buf)})
}

// observe looks the paths a check reads up in a resource.
func (s *scopeState) observe(i int, rd *reads, n *notes) {
	r := s.resources[i]
	for _, p := range rd.paths {
		if n.full() {
			return
		}
		if p.via == nil {
			w := pathWalk{notes: n, tokens: s.tokens[:0]}
			w.walk(r.Properties, p.steps[1:])
			s.tokens = w.tokens[:0]
			continue
		}
		// ref(via).…: follow every value the reference takes.
		var refs []refValue
		w := pathWalk{refs: &refs, tokens: s.tokens[:0]}
		w.walk(r.Properties, p.via.steps[1:])
		s.tokens = w.tokens[:0]
		for _, rv := range refs {
			if n.full() {
				return
			}
			j, ok := s.target(rv.value)
			if !ok || !p.readsProperties() {
				rv.write(n)
				continue
			}
			t := s.resources[j]
			w := pathWalk{notes: n, tokens: s.tokens[:0], prefix: rv.name + " → " + t.LogicalID + " (" + t.Type + "): ", pointer: rv.pointer}
			w.walk(t.Properties, p.steps[1:])
			s.tokens = w.tokens[:0]
		}
	}
	for _, c := range rd.calls {
		if n.full() {
			return
		}
		start := n.begin()
		n.placed = true
		n.buf = append(n.buf, s.describeCall(i, c)...)
		n.end(start)
	}
}

// refValue is a value a reference was followed from.
type refValue struct {
	name, suffix string
	value        any
	showValue    bool
	pointer      string
}

// write reports the reference itself, for when it leads nowhere.
func (rv refValue) write(n *notes) {
	start := n.begin()
	if !n.placed {
		n.placed, n.pointer = true, rv.pointer
	}
	n.buf = append(n.buf, rv.name...)
	n.buf = append(n.buf, rv.suffix...)
	if rv.showValue {
		n.buf = appendValue(n.buf, rv.value)
	}
	n.end(start)
}

func (s *scopeState) describeCall(i int, c scopeCall) string {
	var n int
	if c.function == "resources" {
		for _, r := range s.resources {
			if r.Type == c.typ {
				n++
			}
		}
		return count(n, c.typ) + " in the " + s.where()
	}
	n = len(s.referrers(i, c.typ))
	verb := " refers to it"
	if n > 1 {
		verb = " refer to it"
	}
	return count(n, c.typ) + verb
}

func count(n int, typ string) string {
	if n == 0 {
		return "no " + typ
	}
	return strconv.Itoa(n) + " " + typ
}

// pathWalk follows a chain through Go values and reports what it finds:
// the value, where the chain stops being present, or the value not known
// before deployment that stands in its way. It keeps the tokens of the
// place reached and renders them only when it reports. It writes to notes,
// or, following a reference, gathers refs.
type pathWalk struct {
	notes  *notes
	refs   *[]refValue
	tokens []token
	// prefix leads every observation; pointer, when set, places them
	// (both for values read through a reference).
	prefix  string
	pointer string
}

type token struct {
	field string
	index int64
	isIdx bool
}

// walk reports what steps lead to from v, leaving the tokens as it found
// them.
func (w *pathWalk) walk(v any, steps []step) {
	mark := len(w.tokens)
	w.descend(v, steps)
	w.tokens = w.tokens[:mark]
}

func (w *pathWalk) descend(v any, steps []step) {
	for n, st := range steps {
		if u, ok := v.(*qualstate.Unknown); ok {
			w.emit(" = ", u, true)
			return
		}
		switch st.kind {
		case stepField:
			m, ok := v.(map[string]any)
			if !ok {
				w.emit(" = ", v, true)
				return
			}
			e, ok := m[st.field]
			w.tokens = append(w.tokens, token{field: st.field})
			if !ok {
				w.emit(" absent", nil, false)
				return
			}
			v = e
		case stepIndex:
			l, ok := v.([]any)
			if !ok {
				w.emit(" = ", v, true)
				return
			}
			w.tokens = append(w.tokens, token{index: st.index, isIdx: true})
			if st.index < 0 || st.index >= int64(len(l)) {
				w.emit(" absent", nil, false)
				return
			}
			v = l[st.index]
		case stepEach:
			l, ok := v.([]any)
			if !ok {
				// A map iterated, or a single statement where a list may
				// stand: treat it as its only element.
				continue
			}
			if len(l) == 0 {
				w.emit(" = []", nil, false)
				return
			}
			for k, e := range l {
				if k == maxElements {
					w.emit(" has "+strconv.Itoa(len(l)-k)+" more", nil, false)
					break
				}
				mark := len(w.tokens)
				w.tokens = append(w.tokens, token{index: int64(k), isIdx: true})
				w.walk(e, steps[n+1:])
				w.tokens = w.tokens[:mark]
			}
			return
		}
	}
	w.emit(" = ", v, true)
}

// emit reports the place reached, what follows its name, and with
// showValue the value.
func (w *pathWalk) emit(suffix string, v any, showValue bool) {
	if w.refs != nil {
		*w.refs = append(*w.refs, refValue{name: string(w.appendName(nil)), suffix: suffix, value: v, showValue: showValue, pointer: w.tokenPointer()})
		return
	}
	n := w.notes
	if n.full() {
		return
	}
	start := n.begin()
	if !n.placed {
		n.placed = true
		n.pointer = w.pointer
		if n.pointer == "" && n.wantPointer {
			n.pointer = w.tokenPointer()
		}
	}
	n.buf = append(n.buf, w.prefix...)
	n.buf = w.appendName(n.buf)
	n.buf = append(n.buf, suffix...)
	if showValue {
		n.buf = appendValue(n.buf, v)
	}
	n.end(start)
}

// appendName renders the tokens as a path, e.g. A.B[0]["x.y"].
func (w *pathWalk) appendName(b []byte) []byte {
	for i, t := range w.tokens {
		switch {
		case t.isIdx:
			b = append(b, '[')
			b = strconv.AppendInt(b, t.index, 10)
			b = append(b, ']')
		case !isPlainName(t.field):
			b = append(b, '[')
			b = strconv.AppendQuote(b, t.field)
			b = append(b, ']')
		case i > 0:
			b = append(b, '.')
			b = append(b, t.field...)
		default:
			b = append(b, t.field...)
		}
	}
	return b
}

// tokenPointer renders the tokens as a JSON pointer; the root is "/" rather
// than "" so that an observation of the whole model still places itself.
func (w *pathWalk) tokenPointer() string {
	if len(w.tokens) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, t := range w.tokens {
		b.WriteByte('/')
		if t.isIdx {
			b.WriteString(strconv.FormatInt(t.index, 10))
		} else {
			b.WriteString(escapeToken(t.field))
		}
	}
	return b.String()
}

func isPlainName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func escapeToken(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(t)
}

// appendValue renders v onto b, cutting it short with "…" past
// maxValueText bytes.
func appendValue(b []byte, v any) []byte {
	start := len(b)
	b = appendJSONish(b, v, start+maxValueText)
	if len(b)-start <= maxValueText {
		return b
	}
	b = b[:start+maxValueText]
	for !utf8.Valid(b[start:]) {
		b = b[:len(b)-1]
	}
	return append(b, "…"...)
}

// appendJSONish renders v, stopping once b is longer than limit.
func appendJSONish(b []byte, v any, limit int) []byte {
	if len(b) > limit {
		return b
	}
	switch x := v.(type) {
	case nil:
		b = append(b, "null"...)
	case string:
		b = strconv.AppendQuote(b, x)
	case bool:
		b = strconv.AppendBool(b, x)
	case int64:
		b = strconv.AppendInt(b, x, 10)
	case int:
		b = strconv.AppendInt(b, int64(x), 10)
	case float64:
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
	case *qualstate.Unknown:
		b = append(b, x.Reason...)
		b = append(b, " (known after deployment)"...)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b = appendJSONish(b, e, limit); len(b) > limit {
				return b
			}
		}
		b = append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, ": "...)
			if b = appendJSONish(b, x[k], limit); len(b) > limit {
				return b
			}
		}
		b = append(b, '}')
	default:
		b = append(b, '?')
	}
	return b
}
