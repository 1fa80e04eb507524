package cfn

import (
	"qualstate"
)

// Kind is the kind of value a Node holds.
type Kind uint8

// Node kinds. Intrinsic functions are mappings with one key ("Ref",
// "Fn::Join", …) whichever way the template writes them: YAML short forms
// (!Ref X) are read into the same shape as the long forms.
const (
	Null Kind = iota
	Bool
	Int
	Float
	String
	Sequence
	Mapping
)

var kindNames = [...]string{"null", "boolean", "integer", "number", "string", "list", "mapping"}

// String names the kind as an error message would.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// Node is one value of a template as written, with its position.
type Node struct {
	kind Kind
	line int32
	col  int32
	b    bool
	i    int64
	f    float64
	// s holds a string's value, and for integers and floats the text they
	// were written as.
	s       string
	items   []*Node // sequence elements
	entries []entry // mapping entries in the order written
}

// nodeSlab hands out nodes from blocks, so that reading a template costs a
// few large allocations rather than one per value.
type nodeSlab struct{ free []Node }

func (s *nodeSlab) node(kind Kind, line, col int32) *Node {
	if len(s.free) == 0 {
		s.free = make([]Node, 256)
	}
	n := &s.free[0]
	s.free = s.free[1:]
	n.kind, n.line, n.col = kind, line, col
	return n
}

// entry is one key of a mapping with the value written for it.
type entry struct {
	key     string
	keyLine int32
	keyCol  int32
	value   *Node
}

// Kind returns what the node holds.
func (n *Node) Kind() Kind { return n.kind }

// Line returns the 1-based line the node starts on.
func (n *Node) Line() int { return int(n.line) }

// Column returns the 1-based column, in characters, the node starts at.
func (n *Node) Column() int { return int(n.col) }

// Len returns the number of elements of a sequence or entries of a mapping.
func (n *Node) Len() int {
	switch n.kind {
	case Sequence:
		return len(n.items)
	case Mapping:
		return len(n.entries)
	}
	return 0
}

// Index returns the i-th element of a sequence or the value of the i-th
// entry of a mapping.
func (n *Node) Index(i int) *Node {
	if n.kind == Mapping {
		return n.entries[i].value
	}
	return n.items[i]
}

// Key returns the key of the i-th entry of a mapping.
func (n *Node) Key(i int) string { return n.entries[i].key }

// Get returns the value of a mapping's key, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.kind != Mapping {
		return nil
	}
	for i := range n.entries {
		if n.entries[i].key == key {
			return n.entries[i].value
		}
	}
	return nil
}

// Str returns a string node's value.
func (n *Node) Str() (string, bool) {
	if n == nil || n.kind != String {
		return "", false
	}
	return n.s, true
}

// Value returns the node as plain Go values (string, int64, float64, bool,
// nil, []any, map[string]any); intrinsic functions stay in their long form,
// e.g. map[string]any{"Ref": "Bucket"}.
func (n *Node) Value() any {
	switch n.kind {
	case Bool:
		return n.b
	case Int:
		return n.i
	case Float:
		return n.f
	case String:
		return n.s
	case Sequence:
		out := make([]any, len(n.items))
		for i, it := range n.items {
			out[i] = it.Value()
		}
		return out
	case Mapping:
		out := make(map[string]any, len(n.entries))
		for _, e := range n.entries {
			out[e.key] = e.value.Value()
		}
		return out
	}
	return nil
}

// scalarText renders a scalar as CloudFormation turns it into a string
// (in Fn::Join, Fn::Sub, parameter values).
func (n *Node) scalarText() (string, bool) {
	switch n.kind {
	case String, Int, Float:
		return n.s, true
	case Bool:
		if n.b {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// intrinsic returns the function name and argument of a mapping that is an
// intrinsic function call: one key, "Ref" or "Fn::…". A lone "Condition"
// key is a function only inside conditions (elsewhere it is, say, an IAM
// policy's), so callers there look for it themselves.
func (n *Node) intrinsic() (string, *Node, bool) {
	if n.kind != Mapping || len(n.entries) != 1 {
		return "", nil, false
	}
	k := n.entries[0].key
	if k == "Ref" || isFnName(k) {
		return k, n.entries[0].value, true
	}
	return "", nil, false
}

func isFnName(k string) bool { return len(k) > 4 && k[:4] == "Fn::" }

// Loc returns where a node of the document is written.
func (d *Document) Loc(n *Node) qualstate.Location { return d.loc(n) }

func (d *Document) loc(n *Node) qualstate.Location {
	return qualstate.Location{File: d.file, Line: int(n.line), Column: int(n.col)}
}

// keyLoc is where a mapping's key is written.
func (d *Document) keyLoc(e *entry) qualstate.Location {
	return qualstate.Location{File: d.file, Line: int(e.keyLine), Column: int(e.keyCol)}
}
