// Package jsonpos turns places in a JSON document (a byte offset, a JSON
// pointer) into the line and column a person can open in an editor.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// LineCol returns the 1-based line and column (in characters) of the byte
// at offset; an offset past the end counts as the end.
func LineCol(data []byte, offset int64) (line, col int) {
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	col = utf8.RuneCount(before[start:]) + 1
	return line, col
}

// ErrorOffset returns the offset in data of the byte an encoding/json
// decoding error is about: the offending byte of a syntax error, the value
// of a type error, the end for a document cut short, else 0.
func ErrorOffset(data []byte, err error) int64 {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		// Offset counts the bytes read, the offending one included.
		return max(syntax.Offset-1, 0)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return typ.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return int64(len(data))
	}
	return 0
}

// SkipSpace returns the offset of the first byte at or after offset that
// is not JSON white space.
func SkipSpace(data []byte, offset int64) int64 {
	for offset < int64(len(data)) {
		switch data[offset] {
		case ' ', '\t', '\r', '\n':
			offset++
		default:
			return offset
		}
	}
	return offset
}

// Locate returns the byte offset at which the value the JSON pointer names
// starts in data, or where the deepest part of it that exists starts. It
// returns 0 when data does not parse far enough to tell.
func Locate(data []byte, pointer string) int64 {
	var segments []string
	if pointer != "" {
		segments = strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	best := int64(0)
	for depth := 0; ; depth++ {
		best = valueStart(data, dec.InputOffset())
		if depth == len(segments) {
			return best
		}
		want := pointerUnescaper.Replace(segments[depth])
		tok, err := dec.Token()
		if err != nil {
			return best
		}
		delim, _ := tok.(json.Delim)
		switch delim {
		case '{':
			if !seekKey(dec, want) {
				return best
			}
		case '[':
			index, err := strconv.Atoi(want)
			if err != nil || index < 0 || !seekIndex(dec, index) {
				return best
			}
		default:
			return best
		}
	}
}

// valueStart skips the separators that sit between the decoder's offset
// and the next value.
func valueStart(data []byte, offset int64) int64 {
	for offset < int64(len(data)) {
		switch data[offset] {
		case ' ', '\t', '\r', '\n', ':', ',':
			offset++
		default:
			return offset
		}
	}
	return offset
}

// seekKey advances the decoder, just inside an object, to the value of key.
func seekKey(dec *json.Decoder, key string) bool {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if k, _ := tok.(string); k == key {
			return true
		}
		if skipValue(dec) != nil {
			return false
		}
	}
	return false
}

// seekIndex advances the decoder, just inside an array, to its index-th item.
func seekIndex(dec *json.Decoder, index int) bool {
	for i := 0; dec.More(); i++ {
		if i == index {
			return true
		}
		if skipValue(dec) != nil {
			return false
		}
	}
	return false
}

// skipValue reads one whole value.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}
