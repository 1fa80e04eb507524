package report

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
)

// streamedList stands in a document for a list that writeIndented encodes
// item by item. It marshals as a token unique to the call, which marks
// where the items go.
type streamedList struct{ token string }

// MarshalJSON implements json.Marshaler.
func (s streamedList) MarshalJSON() ([]byte, error) { return json.Marshal(s.token) }

// newStreamedList returns a placeholder with a token no document contains:
// 128 random bits.
func newStreamedList() streamedList {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return streamedList{token: "qualstate-list-" + hex.EncodeToString(b[:])}
}

// writeIndented writes doc as a json.Encoder with two-space indent and no
// HTML escaping would, with items in place of the placeholder doc holds.
// Reports can hold hundreds of thousands of findings; encoding them one at a
// time into a buffered writer, instead of building and re-indenting the
// whole document in memory, keeps time and memory proportional to one item.
func writeIndented[T any](w io.Writer, doc any, placeholder streamedList, items []T) error {
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	// Reasons quote template values such as "<" and "&"; people read these
	// files, and no browser interprets them as HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	quoted := []byte(`"` + placeholder.token + `"`)
	at := bytes.Index(head.Bytes(), quoted)
	if at < 0 {
		return errors.New("the document holds no list placeholder")
	}
	before, after := head.Bytes()[:at], head.Bytes()[at+len(quoted):]
	// The placeholder's line is indented as deep as the list's closing
	// bracket; items go one level deeper.
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	indent := before[lineStart : lineStart+len(before[lineStart:])-len(bytes.TrimLeft(before[lineStart:], " "))]

	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(before)
	if len(items) == 0 {
		bw.WriteString("[]")
	} else {
		itemIndent := string(indent) + "  "
		var item bytes.Buffer
		ienc := json.NewEncoder(&item)
		ienc.SetIndent(itemIndent, "  ")
		ienc.SetEscapeHTML(false)
		bw.WriteString("[\n")
		for i := range items {
			item.Reset()
			if err := ienc.Encode(&items[i]); err != nil {
				return err
			}
			bw.WriteString(itemIndent)
			bw.Write(bytes.TrimSuffix(item.Bytes(), []byte("\n")))
			if i < len(items)-1 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
		}
		bw.Write(indent)
		bw.WriteString("]")
	}
	bw.Write(after)
	return bw.Flush()
}
