package cfn

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"qualstate"
)

// maxAliasNodes caps the values YAML aliases may expand to. Aliases are
// copied, so without a cap a few hundred bytes ("billion laughs") would
// expand to more values than memory holds.
const maxAliasNodes = 100_000

// shortTags maps YAML short-form tags to the intrinsic function they write.
var shortTags = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!Base64":       "Fn::Base64",
	"!Cidr":         "Fn::Cidr",
	"!FindInMap":    "Fn::FindInMap",
	"!GetAtt":       "Fn::GetAtt",
	"!GetAZs":       "Fn::GetAZs",
	"!ImportValue":  "Fn::ImportValue",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!Sub":          "Fn::Sub",
	"!Transform":    "Fn::Transform",
	"!And":          "Fn::And",
	"!Equals":       "Fn::Equals",
	"!If":           "Fn::If",
	"!Not":          "Fn::Not",
	"!Or":           "Fn::Or",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
}

// yamlReader turns a yaml.v3 node tree into the template node model.
type yamlReader struct {
	doc   *Document
	probs *problems
	slab  nodeSlab
	// aliasNodes counts the values produced by expanding aliases.
	aliasNodes int
	// expanding holds the anchors being expanded, to catch an alias inside
	// its own anchor.
	expanding map[*yaml.Node]bool
	inAlias   int
	// outerAlias is the alias being expanded that no other contains.
	outerAlias *yaml.Node
	// firstAlias is the first alias met, for the warning that
	// CloudFormation itself rejects aliases.
	firstAlias *yaml.Node
	bombed     bool
	deep       bool
}

// readYAML parses a YAML template body.
func readYAML(d *Document, body []byte, p *problems) *Node {
	var root yaml.Node
	if err := decodeYAML(body, &root); err != nil {
		p.add(yamlErrorLoc(d.file, err), "invalid YAML: %s", yamlErrorText(err))
		return nil
	}
	if hasSecondDocument(body) {
		line, err := secondDocument(body)
		switch {
		case err != nil:
			p.add(yamlErrorLoc(d.file, err), "invalid YAML: %s", yamlErrorText(err))
			return nil
		case line > 0:
			p.add(qualstate.Location{File: d.file, Line: line}, "a template is one YAML document; a second one starts here")
			return nil
		}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	r := &yamlReader{doc: d, probs: p}
	n := r.node(root.Content[0], 0)
	if r.firstAlias != nil {
		d.warn("yaml-alias", r.loc(r.firstAlias), "",
			"CloudFormation rejects YAML aliases; they are expanded here as `aws cloudformation package` would")
	}
	return n
}

// decodeYAML parses body into a node tree; yaml.v3 reports most problems
// by panicking internally, and a panic it does not catch must not escape.
func decodeYAML(body []byte, root *yaml.Node) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("yaml: the parser failed: %v", v)
		}
	}()
	return yaml.Unmarshal(body, root)
}

// hasSecondDocument cheaply tells whether a document marker follows content.
func hasSecondDocument(body []byte) bool {
	return bytes.Contains(body, []byte("\n---")) || bytes.Contains(body, []byte("\n..."))
}

// secondDocument returns the line where a second, non-empty YAML document
// starts, 0 when there is none, or what is wrong with it.
func secondDocument(body []byte) (int, error) {
	dec := yaml.NewDecoder(bytes.NewReader(body))
	var first, second yaml.Node
	if err := decodeNext(dec, &first); err != nil {
		return 0, err
	}
	switch err := decodeNext(dec, &second); {
	case err == io.EOF:
		return 0, nil
	case err != nil:
		return 0, err
	}
	if len(second.Content) == 0 || (second.Content[0].Kind == yaml.ScalarNode && second.Content[0].Value == "" && second.Content[0].Tag == "!!null") {
		// A trailing "---" some tools write starts an empty document.
		return 0, nil
	}
	return max(second.Line, 1), nil
}

func decodeNext(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("yaml: %v", v)
		}
	}()
	return dec.Decode(n)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlErrorLoc extracts the line yaml.v3 puts in its messages; it reports
// no column, so none is given.
func yamlErrorLoc(file string, err error) qualstate.Location {
	loc := qualstate.Location{File: file}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		loc.Line, _ = strconv.Atoi(m[1])
	}
	return loc
}

func yamlErrorText(err error) string {
	s := err.Error()
	if m := yamlLineRE.FindStringIndex(s); m != nil {
		return s[m[1]:]
	}
	return strings.TrimPrefix(s, "yaml: ")
}

func (r *yamlReader) loc(y *yaml.Node) qualstate.Location {
	return qualstate.Location{File: r.doc.file, Line: y.Line, Column: y.Column}
}

func (r *yamlReader) at(y *yaml.Node, kind Kind) *Node {
	return r.slab.node(kind, int32(y.Line), int32(y.Column))
}

// node converts one YAML node and what it contains.
func (r *yamlReader) node(y *yaml.Node, depth int) *Node {
	if r.inAlias > 0 {
		if r.aliasNodes++; r.aliasNodes > maxAliasNodes {
			if !r.bombed {
				r.bombed = true
				r.probs.add(r.loc(r.outerAlias), "YAML alias *%s expands to more than %d values", clip(r.outerAlias.Value), maxAliasNodes)
			}
			return r.at(y, Null)
		}
	}
	if depth > maxDepth {
		if !r.deep {
			r.deep = true
			r.probs.add(r.loc(y), "values nest deeper than %d levels", maxDepth)
		}
		return r.at(y, Null)
	}
	if y.Kind == yaml.AliasNode {
		return r.alias(y, depth)
	}
	if y.Style&yaml.TaggedStyle != 0 && y.Tag != "" && !strings.HasPrefix(y.Tag, "!!") {
		return r.shortForm(y, depth)
	}
	if y.Style&yaml.TaggedStyle != 0 && y.Kind != yaml.ScalarNode && y.Tag != "!!map" && y.Tag != "!!seq" {
		r.probs.add(r.loc(y), "unsupported YAML tag %s", clip(y.Tag))
	}
	switch y.Kind {
	case yaml.ScalarNode:
		return r.scalar(y)
	case yaml.SequenceNode:
		n := r.at(y, Sequence)
		n.items = make([]*Node, 0, len(y.Content))
		for _, c := range y.Content {
			n.items = append(n.items, r.node(c, depth+1))
		}
		return n
	case yaml.MappingNode:
		return r.mapping(y, depth)
	}
	return r.at(y, Null)
}

// shortForm reads !Ref X, !GetAtt A.B, !Sub … into the long form
// {"Ref": "X"}: one model for YAML and JSON templates.
func (r *yamlReader) shortForm(y *yaml.Node, depth int) *Node {
	name, ok := shortTags[y.Tag]
	if !ok {
		r.probs.add(r.loc(y), "unknown intrinsic function %s", clip(y.Tag))
		return r.at(y, Null)
	}
	var arg *Node
	if y.Kind == yaml.ScalarNode {
		// A tag decides the type: !Ref 123 names "123".
		arg = r.at(y, String)
		arg.s = y.Value
	} else {
		plain := *y
		plain.Style &^= yaml.TaggedStyle
		plain.Tag = ""
		arg = r.node(&plain, depth+1)
	}
	n := r.at(y, Mapping)
	n.entries = []entry{{key: name, keyLine: int32(y.Line), keyCol: int32(y.Column), value: arg}}
	return n
}

// alias expands an alias into a copy of its anchor's value; node counts
// what the copy costs against maxAliasNodes.
func (r *yamlReader) alias(y *yaml.Node, depth int) *Node {
	if r.firstAlias == nil {
		r.firstAlias = y
	}
	target := y.Alias
	if target == nil || r.bombed {
		return r.at(y, Null)
	}
	if r.expanding[target] {
		r.probs.add(r.loc(y), "YAML alias *%s refers to a value that contains it", clip(y.Value))
		return r.at(y, Null)
	}
	if r.expanding == nil {
		r.expanding = map[*yaml.Node]bool{}
	}
	r.expanding[target] = true
	if r.inAlias == 0 {
		r.outerAlias = y
	}
	r.inAlias++
	n := r.node(target, depth)
	r.inAlias--
	delete(r.expanding, target)
	// The copy stands where the alias is written.
	n.line, n.col = int32(y.Line), int32(y.Column)
	return n
}

func (r *yamlReader) mapping(y *yaml.Node, depth int) *Node {
	n := r.at(y, Mapping)
	n.entries = make([]entry, 0, len(y.Content)/2)
	var seen map[string]int
	var merges []*yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			if r.firstAlias == nil {
				r.firstAlias = k
			}
			k = k.Alias
		}
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" && k.Style&yaml.TaggedStyle == 0 {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode || (k.Style&yaml.TaggedStyle != 0 && !strings.HasPrefix(k.Tag, "!!")) {
			r.probs.add(r.loc(k), "a mapping key must be a plain string")
			continue
		}
		if j, dup := lookupKey(n.entries, &seen, k.Value); dup {
			first := n.entries[j]
			r.probs.add(r.loc(k), "duplicate key %s (first written at line %d, column %d)", quote(k.Value), first.keyLine, first.keyCol)
			continue
		}
		n.entries = append(n.entries, entry{key: k.Value, keyLine: int32(k.Line), keyCol: int32(k.Column), value: r.node(v, depth+1)})
	}
	for _, m := range merges {
		r.merge(n, &seen, m, depth)
	}
	return n
}

// merge adds the entries of a YAML merge key (<<: *base) that the mapping
// does not write itself.
func (r *yamlReader) merge(n *Node, seen *map[string]int, m *yaml.Node, depth int) {
	src := m
	if src.Kind == yaml.SequenceNode {
		for _, c := range src.Content {
			r.merge(n, seen, c, depth)
		}
		return
	}
	v := r.node(src, depth+1)
	if v.kind != Mapping {
		if !r.bombed {
			r.probs.add(r.loc(m), "a YAML merge key (<<) needs a mapping or a list of mappings")
		}
		return
	}
	for _, e := range v.entries {
		if _, dup := lookupKey(n.entries, seen, e.key); !dup {
			n.entries = append(n.entries, e)
		}
	}
}

// lookupKey finds key among entries: a linear scan for the small mappings
// that are most of a template, an index for large ones.
func lookupKey(entries []entry, seen *map[string]int, key string) (int, bool) {
	if len(entries) < 16 {
		for i := range entries {
			if entries[i].key == key {
				return i, true
			}
		}
		return 0, false
	}
	if *seen == nil {
		*seen = make(map[string]int, len(entries)*2)
		for i := range entries {
			(*seen)[entries[i].key] = i
		}
	}
	if len(*seen) < len(entries) {
		for i := len(*seen); i < len(entries); i++ {
			(*seen)[entries[i].key] = i
		}
	}
	i, ok := (*seen)[key]
	return i, ok
}

func (r *yamlReader) scalar(y *yaml.Node) *Node {
	n := r.at(y, String)
	n.s = y.Value
	if y.Style&yaml.TaggedStyle != 0 {
		switch y.Tag {
		case "!!str", "!!binary", "!!timestamp":
		case "!!null":
			n.kind = Null
		case "!!bool", "!!int", "!!float":
			resolvePlain(n)
			if n.kind == Int && y.Tag == "!!float" {
				n.kind, n.f = Float, float64(n.i)
			}
			if kindTag[n.kind] != y.Tag {
				r.probs.add(r.loc(y), "%s is not a valid %s", quote(y.Value), y.Tag)
				n.kind = String
			}
		default:
			r.probs.add(r.loc(y), "unsupported YAML tag %s", clip(y.Tag))
		}
		return n
	}
	if y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		resolvePlain(n)
	}
	return n
}

var kindTag = map[Kind]string{Bool: "!!bool", Int: "!!int", Float: "!!float"}
