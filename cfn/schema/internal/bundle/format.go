package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

// Header opens every bundle. The format number changes whenever the shape
// of the bundle or of the schemas in it changes in a way an older reader
// would misread.
const Header = `{"format":1,"types":{`

// typeNamePattern is the shape the CloudFormation registry gives type
// names. Encode holds names to it so that Decode can find where a line's
// name ends without a JSON parser.
var typeNamePattern = regexp.MustCompile(`^[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$`)

// footer closes the object Header opened.
const footer = `}}`

// Encode writes the schemas, keyed by type name, as one JSON object:
// Header, then one line per type, sorted by name, then the footer. Each
// schema must be compact JSON (no newlines), which Minify guarantees.
func Encode(schemas map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(schemas))
	size := len(Header) + len(footer) + 1
	for name, doc := range schemas {
		if !typeNamePattern.MatchString(name) {
			return nil, fmt.Errorf("type name %q is not of the form Organization::Service::Resource", name)
		}
		if bytes.IndexByte(doc, '\n') >= 0 {
			return nil, fmt.Errorf("schema of %s spans several lines", name)
		}
		names = append(names, name)
		size += len(name) + len(doc) + 5
	}
	sort.Strings(names)
	out := make([]byte, 0, size)
	out = append(out, Header...)
	for i, name := range names {
		out = append(out, '\n')
		key, err := json.Marshal(name)
		if err != nil {
			return nil, fmt.Errorf("type name %q: %w", name, err)
		}
		out = append(out, key...)
		out = append(out, ':')
		out = append(out, schemas[name]...)
		if i < len(names)-1 {
			out = append(out, ',')
		}
	}
	out = append(out, '\n')
	out = append(out, footer...)
	out = append(out, '\n')
	return out, nil
}

// Decode indexes a bundle written by Encode: the type names in order and,
// for each, the bytes of its schema (sub-slices of data, not copies, and
// not parsed: a schema is parsed only when it is asked for).
func Decode(data []byte) ([]string, map[string][]byte, error) {
	rest, ok := bytes.CutPrefix(data, []byte(Header))
	if !ok {
		return nil, nil, fmt.Errorf("bundle does not start with %s", Header)
	}
	rest, ok = bytes.CutSuffix(bytes.TrimRight(rest, "\n"), []byte("\n"+footer))
	if !ok {
		return nil, nil, fmt.Errorf("bundle does not end with %s", footer)
	}
	lines := bytes.Split(bytes.TrimPrefix(rest, []byte("\n")), []byte("\n"))
	if len(rest) == 0 {
		lines = nil
	}
	names := make([]string, 0, len(lines))
	docs := make(map[string][]byte, len(lines))
	for i, line := range lines {
		if i < len(lines)-1 {
			if line, ok = bytes.CutSuffix(line, []byte(",")); !ok {
				return nil, nil, fmt.Errorf("bundle line %d: missing comma after the schema", i+2)
			}
		}
		end := bytes.Index(line, []byte(`":`))
		if !bytes.HasPrefix(line, []byte(`"`)) || end < 0 {
			return nil, nil, fmt.Errorf("bundle line %d: does not start with a quoted type name", i+2)
		}
		name, err := strconv.Unquote(string(line[:end+1]))
		if err != nil {
			return nil, nil, fmt.Errorf("bundle line %d: type name: %w", i+2, err)
		}
		if _, dup := docs[name]; dup {
			return nil, nil, fmt.Errorf("bundle line %d: %s appears twice", i+2, name)
		}
		if len(names) > 0 && name < names[len(names)-1] {
			return nil, nil, fmt.Errorf("bundle line %d: %s is out of order", i+2, name)
		}
		names = append(names, name)
		docs[name] = line[end+2:]
	}
	return names, docs, nil
}
