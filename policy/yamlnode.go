package policy

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"qualstate"
)

// maxSetSize bounds a requirement-set file; the built-in library is a few
// hundred kilobytes.
const maxSetSize = 16 << 20

// maxPlainNodes bounds how many YAML nodes the plain values of one file
// (example properties, patch values) may expand to through aliases, so a
// few lines of anchors cannot make gigabytes.
const maxPlainNodes = 100_000

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML reads a file holding one YAML document and returns its root.
func parseYAML(file string, body []byte) (*yaml.Node, *qualstate.Error) {
	at := qualstate.Location{File: file}
	if len(body) > maxSetSize {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, at, "file is %d bytes, more than the %d a requirement set may have", len(body), maxSetSize)
	}
	if !utf8.Valid(body) {
		line := 1 + bytes.Count(body[:firstInvalidUTF8(body)], []byte("\n"))
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file, Line: line}, "file is not valid UTF-8")
	}
	dec := yaml.NewDecoder(bytes.NewReader(body))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, qualstate.Errorf(qualstate.ErrInvalidInput, at, "file is empty")
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(file, err)
	default:
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file, Line: extra.Line, Column: extra.Column},
			"a requirement set file holds one YAML document; another starts here")
	}
	if len(doc.Content) == 0 {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, at, "file is empty")
	}
	return doc.Content[0], nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// yamlError turns the YAML library's "yaml: line N: msg" into a located
// error.
func yamlError(file string, err error) *qualstate.Error {
	msg := err.Error()
	at := qualstate.Location{File: file}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		at.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return qualstate.Errorf(qualstate.ErrInvalidInput, at, "invalid YAML: %s", msg)
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "empty"
		case "!!str":
			return "text"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a " + n.ShortTag() + " value"
	}
	return "nothing"
}

// isCustomTag reports a local tag such as !Ref, which only templates give
// meaning to.
func isCustomTag(tag string) bool {
	return len(tag) > 0 && tag[0] == '!' && (len(tag) == 1 || tag[1] != '!') && tag != "!"
}

// deref follows aliases to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}
