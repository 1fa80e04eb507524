package cfn

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"qualstate"
)

// jsonReader parses JSON (RFC 8259) into the node model in one pass,
// tracking line and column, which encoding/json cannot give per value, and
// catching duplicate keys, which it silently accepts.
type jsonReader struct {
	file string
	data []byte
	pos  int
	line int32
	// lineStart is the offset where the current line begins; colOff and
	// col cache the last column computed on it, so that columns, counted
	// in characters, cost linear time even on one long minified line.
	lineStart int
	colOff    int
	col       int32
	probs     *problems
	failed    bool
	slab      nodeSlab
}

// readJSON parses a JSON template body; parse errors are added to p.
func readJSON(file string, data []byte, p *problems) *Node {
	r := &jsonReader{file: file, data: data, line: 1, col: 1, probs: p}
	r.space()
	n := r.value(0)
	if r.failed {
		return nil
	}
	r.space()
	if r.pos < len(r.data) {
		r.fail("unexpected %s after the end of the JSON value", r.what())
		return nil
	}
	return n
}

// column returns the 1-based character column of offset off, which lies on
// the current line at or after the last offset asked about.
func (r *jsonReader) column(off int) int32 {
	if r.colOff < r.lineStart {
		r.colOff, r.col = r.lineStart, 1
	}
	r.col += int32(utf8.RuneCount(r.data[r.colOff:off]))
	r.colOff = off
	return r.col
}

func (r *jsonReader) here() qualstate.Location {
	return qualstate.Location{File: r.file, Line: int(r.line), Column: int(r.column(r.pos))}
}

// fail records the first syntax error; JSON cannot be read past one.
func (r *jsonReader) fail(format string, args ...any) {
	if !r.failed {
		r.failed = true
		r.probs.add(r.here(), "invalid JSON: "+format, args...)
	}
}

// what describes the byte at the current position for an error message.
func (r *jsonReader) what() string {
	if r.pos >= len(r.data) {
		return "end of file"
	}
	c, _ := utf8.DecodeRune(r.data[r.pos:])
	return "character " + strconv.QuoteRune(c)
}

func (r *jsonReader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\r':
			r.pos++
		case '\n':
			r.pos++
			r.line++
			r.lineStart = r.pos
		default:
			return
		}
	}
}

func (r *jsonReader) node(kind Kind) *Node {
	return r.slab.node(kind, r.line, r.column(r.pos))
}

func (r *jsonReader) value(depth int) *Node {
	if r.failed {
		return nil
	}
	if depth > maxDepth {
		r.fail("values nest deeper than %d levels", maxDepth)
		return nil
	}
	if r.pos >= len(r.data) {
		r.fail("unexpected end of file, expected a value")
		return nil
	}
	switch c := r.data[r.pos]; {
	case c == '{':
		return r.object(depth)
	case c == '[':
		return r.array(depth)
	case c == '"':
		n := r.node(String)
		n.s = r.str()
		return n
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	case c == 't':
		return r.word("true", Bool, true)
	case c == 'f':
		return r.word("false", Bool, false)
	case c == 'n':
		return r.word("null", Null, false)
	}
	r.fail("unexpected %s, expected a value", r.what())
	return nil
}

func (r *jsonReader) word(w string, kind Kind, b bool) *Node {
	n := r.node(kind)
	if len(r.data)-r.pos < len(w) || string(r.data[r.pos:r.pos+len(w)]) != w {
		r.fail("unexpected %s, expected a value", r.what())
		return nil
	}
	r.pos += len(w)
	n.b = b
	return n
}

func (r *jsonReader) object(depth int) *Node {
	n := r.node(Mapping)
	r.pos++ // {
	r.space()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		return n
	}
	var seen map[string]int
	for !r.failed {
		r.space()
		if r.pos >= len(r.data) || r.data[r.pos] != '"' {
			r.fail("unexpected %s, expected a string key", r.what())
			return nil
		}
		e := entry{keyLine: r.line, keyCol: r.column(r.pos)}
		e.key = r.str()
		r.space()
		if r.pos >= len(r.data) || r.data[r.pos] != ':' {
			r.fail("unexpected %s, expected ':' after a key", r.what())
			return nil
		}
		r.pos++
		r.space()
		e.value = r.value(depth + 1)
		if r.failed {
			return nil
		}
		if j, dup := lookupKey(n.entries, &seen, e.key); dup {
			first := n.entries[j]
			r.probs.add(qualstate.Location{File: r.file, Line: int(e.keyLine), Column: int(e.keyCol)},
				"duplicate key %s (first written at line %d, column %d)", quote(e.key), first.keyLine, first.keyCol)
		} else {
			n.entries = append(n.entries, e)
		}
		r.space()
		if r.pos < len(r.data) && r.data[r.pos] == ',' {
			r.pos++
			continue
		}
		if r.pos < len(r.data) && r.data[r.pos] == '}' {
			r.pos++
			return n
		}
		r.fail("unexpected %s, expected ',' or '}'", r.what())
	}
	return nil
}

func (r *jsonReader) array(depth int) *Node {
	n := r.node(Sequence)
	r.pos++ // [
	r.space()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return n
	}
	for !r.failed {
		r.space()
		v := r.value(depth + 1)
		if r.failed {
			return nil
		}
		n.items = append(n.items, v)
		r.space()
		if r.pos < len(r.data) && r.data[r.pos] == ',' {
			r.pos++
			continue
		}
		if r.pos < len(r.data) && r.data[r.pos] == ']' {
			r.pos++
			return n
		}
		r.fail("unexpected %s, expected ',' or ']'", r.what())
	}
	return nil
}

// number reads a JSON number: integers without a fraction or exponent
// become Int, the rest Float; an integer beyond int64 keeps its digits as a
// string rather than losing them.
func (r *jsonReader) number() *Node {
	n := r.node(Int)
	start := r.pos
	if r.data[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.data) && r.data[r.pos] == '0':
		r.pos++
	case r.pos < len(r.data) && r.data[r.pos] >= '1' && r.data[r.pos] <= '9':
		r.digits()
	default:
		r.fail("invalid number, expected a digit")
		return nil
	}
	float := false
	if r.pos < len(r.data) && r.data[r.pos] == '.' {
		float = true
		r.pos++
		if r.digits() == 0 {
			r.fail("invalid number, expected a digit after '.'")
			return nil
		}
	}
	if r.pos < len(r.data) && (r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		float = true
		r.pos++
		if r.pos < len(r.data) && (r.data[r.pos] == '+' || r.data[r.pos] == '-') {
			r.pos++
		}
		if r.digits() == 0 {
			r.fail("invalid number, expected a digit in the exponent")
			return nil
		}
	}
	n.s = string(r.data[start:r.pos])
	if !float {
		if i, err := strconv.ParseInt(n.s, 10, 64); err == nil {
			n.i = i
			return n
		}
		n.kind = String
		return n
	}
	f, err := strconv.ParseFloat(n.s, 64)
	if err != nil {
		n.kind = String
		return n
	}
	n.kind, n.f = Float, f
	return n
}

func (r *jsonReader) digits() int {
	start := r.pos
	for r.pos < len(r.data) && r.data[r.pos] >= '0' && r.data[r.pos] <= '9' {
		r.pos++
	}
	return r.pos - start
}

// str reads a quoted string, unescaping it; the input is known to be valid
// UTF-8 already.
func (r *jsonReader) str() string {
	r.pos++ // opening quote
	start := r.pos
	// Fast path: no escapes, the string is a slice of the input.
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		if c == '"' {
			s := string(r.data[start:r.pos])
			r.pos++
			return s
		}
		if c == '\\' || c < 0x20 {
			break
		}
		r.pos++
	}
	buf := append([]byte(nil), r.data[start:r.pos]...)
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			return string(buf)
		case c < 0x20:
			if c == '\n' {
				r.fail("unterminated string")
			} else {
				r.fail("control character %s in a string must be escaped", strconv.QuoteRune(rune(c)))
			}
			return ""
		case c != '\\':
			buf = append(buf, c)
			r.pos++
			continue
		}
		r.pos++
		if r.pos >= len(r.data) {
			break
		}
		esc := r.data[r.pos]
		r.pos++
		switch esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			c, ok := r.hex4()
			if !ok {
				return ""
			}
			if utf16.IsSurrogate(c) {
				if c2, ok := r.lowSurrogate(); ok {
					c = utf16.DecodeRune(c, c2)
				} else {
					c = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, c)
		default:
			r.pos -= 2 // at the backslash
			r.fail("invalid escape %s in a string", strconv.Quote(`\`+string(rune(esc))))
			return ""
		}
	}
	r.fail("unterminated string")
	return ""
}

func (r *jsonReader) hex4() (rune, bool) {
	if len(r.data)-r.pos < 4 {
		r.fail(`invalid \u escape, expected four hex digits`)
		return 0, false
	}
	v, err := strconv.ParseUint(string(r.data[r.pos:r.pos+4]), 16, 32)
	if err != nil {
		r.fail(`invalid \u escape, expected four hex digits`)
		return 0, false
	}
	r.pos += 4
	return rune(v), true
}

// lowSurrogate reads the \uDC00-\uDFFF escape that completes a UTF-16
// surrogate pair, if it follows.
func (r *jsonReader) lowSurrogate() (rune, bool) {
	if len(r.data)-r.pos < 6 || r.data[r.pos] != '\\' || r.data[r.pos+1] != 'u' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(r.data[r.pos+2:r.pos+6]), 16, 32)
	if err != nil || v < 0xDC00 || v > 0xDFFF {
		return 0, false
	}
	r.pos += 6
	return rune(v), true
}
