package cfn

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"unicode/utf8"

	"qualstate"
)

// Load parses a template body, YAML or JSON, and checks it as CloudFormation
// does before creating a stack: syntax, sections, resource attributes,
// intrinsic functions and their arguments, references, cycles and AWS's
// limits. Every problem found is reported, as an errors.Join of
// *qualstate.Error with code ErrInvalidInput and the file:line:col.
func Load(file string, body []byte) (*Document, error) {
	d := &Document{file: file}
	sum := sha256.Sum256(body)
	d.digest = hex.EncodeToString(sum[:])
	var p problems
	if !d.readBody(body, &p) {
		return nil, p.err()
	}
	// Problems the reader found (a duplicate key, an unknown tag) leave a
	// tree to check, so that one run reports them and everything else.
	d.readSections(&p)
	if d.resIndex == nil {
		return nil, p.err()
	}
	d.check(&p)
	if !p.empty() {
		return nil, p.err()
	}
	return d, nil
}

// readBody checks the body as bytes and parses it into d.root.
func (d *Document) readBody(body []byte, p *problems) bool {
	whole := d.fileLoc()
	if len(body) > MaxBodyBytes {
		p.add(whole, "template is %d bytes, more than CloudFormation's limit of %d bytes", len(body), MaxBodyBytes)
		return false
	}
	if !utf8.Valid(body) {
		p.add(byteLoc(d.file, body, invalidUTF8At(body)), "invalid UTF-8: a template must be UTF-8 text")
		return false
	}
	text := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(text, " \t\r\n")
	if len(trimmed) == 0 || onlyComments(trimmed) {
		p.add(whole, "empty file: a template needs at least a Resources section")
		return false
	}
	if trimmed[0] == '{' {
		d.format = "json"
		// A byte-order mark takes no column, as editors show it.
		d.root = readJSON(d.file, text, p)
	} else {
		d.format = "yaml"
		d.root = readYAML(d, body, p)
	}
	if d.root == nil && !p.empty() {
		return false
	}
	if d.root == nil || d.root.kind != Mapping {
		loc := whole
		if d.root != nil {
			loc = d.loc(d.root)
		}
		p.add(loc, "not a CloudFormation template: the file is not a mapping of template sections")
		return false
	}
	if len(body) > maxDirectBodyBytes {
		d.note("body-size", whole, "", fmt.Sprintf("template is %d bytes: more than the %d bytes CloudFormation accepts inline, so it must be deployed from S3", len(body), maxDirectBodyBytes))
	}
	return true
}

// onlyComments reports whether YAML text holds nothing but comments.
func onlyComments(text []byte) bool {
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && !bytes.Equal(line, []byte("---")) {
			return false
		}
	}
	return true
}

// invalidUTF8At returns the offset of the first byte that is not UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// byteLoc converts a byte offset into a line and character column.
func byteLoc(file string, b []byte, off int) qualstate.Location {
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	start := bytes.LastIndexByte(b[:off], '\n') + 1
	col := 1
	for i := start; i < off; {
		_, size := utf8.DecodeRune(b[i:])
		i += size
		col++
	}
	return qualstate.Location{File: file, Line: line, Column: col}
}
