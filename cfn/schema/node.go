package schema

// kind is a set of JSON types, as a schema's "type" keyword names them.
type kind uint8

const (
	kindObject kind = 1 << iota
	kindArray
	kindString
	kindInteger
	kindNumber
	kindBoolean
	kindNull
)

// kindNames lists the JSON type names in the order messages give them.
var kindNames = []struct {
	k    kind
	name string
}{
	{kindObject, "object"},
	{kindArray, "array"},
	{kindString, "string"},
	{kindInteger, "integer"},
	{kindNumber, "number"},
	{kindBoolean, "boolean"},
	{kindNull, "null"},
}

// String lists the kinds joined by "or", e.g. "object or string".
func (k kind) String() string {
	var names []string
	for _, kn := range kindNames {
		if k&kn.k != 0 {
			names = append(names, kn.name)
		}
	}
	switch len(names) {
	case 0:
		return "any"
	case 1:
		return names[0]
	}
	out := names[0]
	for i, n := range names[1:] {
		if i == len(names)-2 {
			out += " or " + n
		} else {
			out += ", " + n
		}
	}
	return out
}

// admits reports whether a value of kind v meets a "type" of k. An
// integer is also a number; 0 means no type was declared.
func (k kind) admits(v kind) bool {
	if k == 0 || k&v != 0 {
		return true
	}
	return v == kindInteger && k&kindNumber != 0
}

// bound is an optional numeric limit.
type bound struct {
	v   float64
	set bool
}

// node is one schema of a resource type's JSON Schema (draft-07 subset),
// compiled for validation: absent limits are -1 or unset, $ref resolved.
type node struct {
	// at is the node's JSON pointer in its schema document.
	at string

	types  kind
	ref    string
	target *node

	properties        map[string]*node
	patternProperties []patternProperty
	// additional is the schema of properties neither named nor matched by
	// a pattern; closed forbids them.
	additional        *node
	closed            bool
	required          []string
	dependencies      map[string][]string
	dependencySchemas map[string]*node
	minProperties     int
	maxProperties     int

	enum       []any
	constant   any
	hasConst   bool
	def        any
	hasDefault bool
	format     string

	pattern    string
	hasPattern bool
	minLength  int
	maxLength  int

	minimum          bound
	maximum          bound
	exclusiveMinimum bound
	exclusiveMaximum bound
	multipleOf       float64

	items       *node
	tuple       []*node
	minItems    int
	maxItems    int
	uniqueItems bool
	// unordered records insertionOrder: false, which says the service may
	// return the array's items in another order.
	unordered bool

	oneOf []*node
	anyOf []*node
	allOf []*node
	not   *node

	// definitions is set on a document's root only.
	definitions map[string]*node
}

// patternProperty is one entry of patternProperties.
type patternProperty struct {
	pattern string
	schema  *node
}

func newNode(at string) *node {
	return &node{at: at, minLength: -1, maxLength: -1, minItems: -1, maxItems: -1, minProperties: -1, maxProperties: -1}
}

// inferObject gives a node that describes properties without naming a
// type the type "object": JSON Schema would let a string through there,
// CloudFormation's handlers would not. Nodes whose branches name types or
// refer elsewhere are left as written.
func (n *node) inferObject() {
	if n.types != 0 || n.ref != "" || len(n.properties)+len(n.patternProperties) == 0 {
		return
	}
	for _, branches := range [][]*node{n.oneOf, n.anyOf, n.allOf} {
		for _, b := range branches {
			if b.types != 0 || b.ref != "" {
				return
			}
		}
	}
	n.types = kindObject
}
