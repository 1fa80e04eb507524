package library

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"qualstate"
)

// Framework is a compliance framework's control catalog: its id (the part
// before the colon of a qualstate.Control), title, the version of the text
// the titles come from, and the controls the built-in requirements cite.
type Framework struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Version  string    `json:"version"`
	Controls []Control `json:"controls"`
}

// Control is one control of a framework: its id within the framework (the
// part after the colon of a qualstate.Control) and its official title.
type Control struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Control returns the framework's control with the id.
func (f Framework) Control(id string) (Control, bool) {
	for _, c := range f.Controls {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}

// frameworksDir is where the catalogs sit in frameworkFiles, one
// <framework id>.yaml each.
const frameworksDir = "frameworks"

//go:embed frameworks/*.yaml
var frameworkFiles embed.FS

var loadFrameworks = sync.OnceValues(func() ([]Framework, error) {
	return readFrameworks(frameworkFiles, frameworksDir)
})

// Frameworks returns the control catalogs of the frameworks the built-in
// requirements cite, ordered by id. The result is the caller's own copy.
func Frameworks() ([]Framework, error) {
	fws, err := loadFrameworks()
	if err != nil {
		return nil, err
	}
	out := make([]Framework, len(fws))
	for i, f := range fws {
		out[i] = f
		out[i].Controls = append([]Control(nil), f.Controls...)
	}
	return out, nil
}

// readFrameworks parses every catalog in dir. A catalog's file is named
// after its framework id, so the file a control id points to is obvious.
func readFrameworks(fsys fs.FS, dir string) ([]Framework, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read framework catalogs: %w", err)
	}
	var out []Framework
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		file := path.Join(dir, e.Name())
		body, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("read framework catalog: %w", err)
		}
		f, err := parseFramework(file, body)
		if err != nil {
			return nil, err
		}
		if want := strings.TrimSuffix(e.Name(), ".yaml"); f.ID != want {
			return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file},
				"framework id %q does not match the file name (want %q)", f.ID, want)
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

var (
	// frameworkIDPattern is the shape of the part before the colon of a
	// control id: lower case, so "nist-800-53:SC-28" is unambiguous.
	frameworkIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)
	// controlIDPattern admits the ways frameworks number their controls
	// (SC-28(1), 164.312(a)(2)(iv), 11.10(e), 10.2.1.1, 12.1) and nothing
	// that would break framework:control apart or read as two ids.
	controlIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.()-]*$`)
)

// maxCatalogBytes bounds what parseFramework reads: the largest real
// catalog is a few kilobytes.
const maxCatalogBytes = 1 << 20

// parseFramework reads one catalog:
//
//	id: nist-800-53
//	title: NIST SP 800-53 …
//	version: Revision 5
//	controls:
//	  - {id: SC-28, title: Protection of Information at Rest}
//
// Every problem is reported with the file, line and column it is at.
func parseFramework(file string, body []byte) (Framework, error) {
	p := &catalogParser{file: file}
	if len(body) > maxCatalogBytes {
		return Framework{}, p.fail(nil, "catalog is larger than %d bytes", maxCatalogBytes)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Framework{}, p.fail(nil, "framework catalog is empty")
		}
		return Framework{}, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file},
			"framework catalog is not valid YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return Framework{}, p.fail(&extra, "framework catalog holds more than one YAML document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return Framework{}, p.fail(&doc, "framework catalog is empty")
	}
	return p.framework(doc.Content[0])
}

// catalogParser carries the file name into every error.
type catalogParser struct {
	file string
}

func (p *catalogParser) fail(n *yaml.Node, format string, args ...any) error {
	loc := qualstate.Location{File: p.file}
	if n != nil {
		loc.Line, loc.Column = n.Line, n.Column
	}
	return qualstate.Errorf(qualstate.ErrInvalidInput, loc, format, args...)
}

func (p *catalogParser) framework(n *yaml.Node) (Framework, error) {
	var f Framework
	fields, err := p.mapping(n, "the framework catalog", map[string]bool{"id": true, "title": true, "version": true, "controls": true})
	if err != nil {
		return f, err
	}
	if f.ID, err = p.text(fields, n, "id"); err != nil {
		return f, err
	}
	if !frameworkIDPattern.MatchString(f.ID) {
		return f, p.fail(fields["id"], "framework id %q is not lower-case letters, digits, dots and hyphens", f.ID)
	}
	if f.Title, err = p.text(fields, n, "title"); err != nil {
		return f, err
	}
	if f.Version, err = p.text(fields, n, "version"); err != nil {
		return f, err
	}
	list, ok := fields["controls"]
	if !ok {
		return f, p.fail(n, "framework catalog has no controls")
	}
	if list.Kind != yaml.SequenceNode {
		return f, p.fail(list, "controls is a %s, not a list", kindName(list))
	}
	if len(list.Content) == 0 {
		return f, p.fail(list, "controls is empty")
	}
	seen := make(map[string]*yaml.Node, len(list.Content))
	for i, item := range list.Content {
		what := fmt.Sprintf("controls[%d]", i)
		cf, err := p.mapping(item, what, map[string]bool{"id": true, "title": true})
		if err != nil {
			return f, err
		}
		var c Control
		if c.ID, err = p.text(cf, item, "id"); err != nil {
			return f, err
		}
		if !controlIDPattern.MatchString(c.ID) {
			return f, p.fail(cf["id"], "%s: control id %q is not letters, digits, dots, hyphens and parentheses", what, c.ID)
		}
		if first, dup := seen[c.ID]; dup {
			return f, p.fail(cf["id"], "%s: control %s is listed twice (first at line %d)", what, c.ID, first.Line)
		}
		seen[c.ID] = cf["id"]
		if c.Title, err = p.text(cf, item, "title"); err != nil {
			return f, err
		}
		f.Controls = append(f.Controls, c)
	}
	return f, nil
}

// mapping returns the values of a mapping node by key, refusing keys not in
// allowed, repeated keys and anything that is not a mapping.
func (p *catalogParser) mapping(n *yaml.Node, what string, allowed map[string]bool) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n, "%s is a %s, not a mapping", what, kindName(n))
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, p.fail(k, "%s has a key that is a %s, not a name", what, kindName(k))
		}
		if !allowed[k.Value] {
			return nil, p.fail(k, "%s has an unknown key %q (want %s)", what, k.Value, keyList(allowed))
		}
		if _, dup := out[k.Value]; dup {
			return nil, p.fail(k, "%s has the key %q twice", what, k.Value)
		}
		out[k.Value] = v
	}
	return out, nil
}

// text returns a required, non-blank scalar field.
func (p *catalogParser) text(fields map[string]*yaml.Node, parent *yaml.Node, key string) (string, error) {
	v, ok := fields[key]
	if !ok {
		return "", p.fail(parent, "%s is missing", key)
	}
	if v.Kind != yaml.ScalarNode {
		return "", p.fail(v, "%s is a %s, not text", key, kindName(v))
	}
	if v.Tag == "!!null" || strings.TrimSpace(v.Value) == "" {
		return "", p.fail(v, "%s is empty", key)
	}
	if strings.ContainsFunc(v.Value, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) {
		return "", p.fail(v, "%s holds control characters or invalid UTF-8", key)
	}
	return v.Value, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.DocumentNode:
		return "document"
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "node"
}

func keyList(allowed map[string]bool) string {
	keys := make([]string, 0, len(allowed))
	for k := range allowed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}
