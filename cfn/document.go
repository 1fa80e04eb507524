package cfn

import (
	"qualstate"
)

// Document is a parsed, checked, not yet resolved template: the node tree
// with locations and the declarations read from it. Resolve turns it into a
// qualstate.Template; a Document is never changed after Load, so it may be
// resolved again, with other parameters or a Resolver, also concurrently.
type Document struct {
	file   string
	format string
	digest string
	root   *Node

	description string
	params      []*paramDecl
	paramIndex  map[string]*paramDecl
	mappings    map[string]*Node
	conds       []*condDecl
	condIndex   map[string]*condDecl
	resources   []*resourceDecl
	resIndex    map[string]*resourceDecl
	outputs     []*outputDecl
	transforms  []transformDecl
	// langExt is set when the template declares AWS::LanguageExtensions,
	// whose functions this package evaluates itself.
	langExt bool
	// forEach is the first Fn::ForEach loop, which is not expanded.
	forEach *Node
	// opaque names a declared transform that is not expanded here and may
	// add, remove or change resources ("" when there is none).
	opaque string
	// serverless is set when the template declares AWS::Serverless, which
	// rewrites AWS::Serverless::* resources and adds resources of its own.
	serverless bool

	// diags are warnings and notes found while loading; every resolution
	// reports them.
	diags []qualstate.Diagnostic
}

// resourceDecl is one entry of the Resources section.
type resourceDecl struct {
	id    string
	index int
	loc   qualstate.Location
	node  *Node
	typ   string
	props *Node
	// cond is the name of the condition the resource is created under.
	cond           string
	dependsOn      []string
	deletionPolicy *Node
	replacePolicy  *Node
	schema         resourceSchema
	hasSchema      bool
	transformed    bool // rewritten by a transform that is not expanded
	// staticDeps are the resources it refers to anywhere, DependsOn
	// included, whatever the conditions: the edges cycles are found on.
	staticDeps      []string
	staticDepsIndex map[string]bool
	// otherDeps are the resources its Metadata and policies refer to.
	otherDeps []string
	// propNodes counts the values written under Properties, to size the
	// map of their locations.
	propNodes int
}

// outputDecl is one entry of the Outputs section.
type outputDecl struct {
	name   string
	loc    qualstate.Location
	value  *Node
	export *Node
	cond   string
}

// condDecl is one entry of the Conditions section.
type condDecl struct {
	name string
	loc  qualstate.Location
	node *Node
}

// transformDecl is one transform the template declares at its top level.
type transformDecl struct {
	name string
	loc  qualstate.Location
}

// RawResource is a resource as the template writes it, before resolution.
type RawResource struct {
	LogicalID string
	Type      string
	// Condition names the condition the resource is created under.
	Condition string
	DependsOn []string
	// Loc is where the logical id is written.
	Loc qualstate.Location
	// Node is the resource's mapping: Type, Properties, Metadata, policies.
	Node *Node
}

// File returns the name the template was loaded under.
func (d *Document) File() string { return d.file }

// Format returns "yaml" or "json".
func (d *Document) Format() string { return d.format }

// Digest returns the hex SHA-256 of the template body.
func (d *Document) Digest() string { return d.digest }

// Root returns the template's top-level mapping.
func (d *Document) Root() *Node { return d.root }

// Resources returns every resource the template declares, in the order
// written, whatever its condition.
func (d *Document) Resources() []RawResource {
	out := make([]RawResource, len(d.resources))
	for i, r := range d.resources {
		out[i] = RawResource{LogicalID: r.id, Type: r.typ, Condition: r.cond, DependsOn: r.dependsOn, Loc: r.loc, Node: r.node}
	}
	return out
}

// Transforms returns the names of the transforms the template declares.
func (d *Document) Transforms() []string {
	var out []string
	for _, t := range d.transforms {
		out = append(out, t.name)
	}
	return out
}

// fileLoc is the location of the whole file, for problems that have no
// better place.
func (d *Document) fileLoc() qualstate.Location { return qualstate.Location{File: d.file} }

func (d *Document) warn(code string, loc qualstate.Location, logicalID, msg string) {
	d.diags = append(d.diags, qualstate.Diagnostic{Severity: qualstate.SeverityWarning, Code: code, Message: msg, Loc: loc, LogicalID: logicalID})
}

func (d *Document) note(code string, loc qualstate.Location, logicalID, msg string) {
	d.diags = append(d.diags, qualstate.Diagnostic{Severity: qualstate.SeverityNote, Code: code, Message: msg, Loc: loc, LogicalID: logicalID})
}
