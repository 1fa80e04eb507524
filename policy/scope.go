package policy

import (
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"qualstate"
)

// Scope is what a check can see: the resources of one template or of one
// deployed stack. Stage is recorded in the findings (static when empty).
type Scope struct {
	Resources []*qualstate.Resource
	Stage     qualstate.Stage
}

// unknownBase is where the ids of unknown values start: far above the ids
// the CEL parser gives expression nodes, so an unknown's id always leads
// back to the value it stands for.
const unknownBase = 1 << 40

// pending is a value not known before deployment that a check met.
type pending struct {
	unknown *qualstate.Unknown
	// phrase says, after "depends on", what the value is and why it is not
	// known.
	phrase string
}

// scopeState holds what one evaluation of a scope has worked out, so that
// each resource's properties are converted to CEL values once however many
// requirements read them. It belongs to one goroutine.
type scopeState struct {
	resources []*qualstate.Resource
	stack     bool // some resource has a physical id: a deployed stack

	values []ref.Val // resource maps, converted on first use
	props  []ref.Val

	pending []pending
	// outsideRefs holds the unknown ref gives for each value that names
	// nothing in the scope.
	outsideRefs map[string]*types.Unknown

	// tokens, spans and reasonBuf are scratch space for writing reasons.
	tokens    []token
	spans     [][2]int
	reasonBuf []byte

	byLogical map[string]int
	byIdent   map[string][]int
	byType    map[string]ref.Val
	refersTo  map[int]map[int]bool
}

func newScopeState(resources []*qualstate.Resource) *scopeState {
	s := &scopeState{
		resources: resources,
		values:    make([]ref.Val, len(resources)),
		props:     make([]ref.Val, len(resources)),
	}
	for _, r := range resources {
		if r.PhysicalID != "" {
			s.stack = true
			break
		}
	}
	return s
}

// where names the scope for messages.
func (s *scopeState) where() string {
	if s.stack {
		return "stack"
	}
	return "template"
}

// resourceValue returns the `resource` map of the i-th resource.
func (s *scopeState) resourceValue(i int) ref.Val {
	if s.values[i] == nil {
		r := s.resources[i]
		props := s.convert(r.Properties)
		if r.Properties == nil {
			props = types.NewRefValMap(types.DefaultTypeAdapter, map[ref.Val]ref.Val{})
		}
		s.props[i] = props
		s.values[i] = types.NewRefValMap(types.DefaultTypeAdapter, map[ref.Val]ref.Val{
			types.String("type"):       types.String(r.Type),
			types.String("logicalId"):  types.String(r.LogicalID),
			types.String("physicalId"): types.String(r.PhysicalID),
			types.String("properties"): props,
		})
	}
	return s.values[i]
}

// convert turns a resource model value into a CEL value; a
// *qualstate.Unknown becomes a CEL unknown whose id leads back to it.
func (s *scopeState) convert(v any) ref.Val {
	switch x := v.(type) {
	case nil:
		return types.NullValue
	case string:
		return types.String(x)
	case bool:
		return types.Bool(x)
	case int64:
		return types.Int(x)
	case float64:
		return types.Double(x)
	case int:
		return types.Int(x)
	case map[string]any:
		m := make(map[ref.Val]ref.Val, len(x))
		for k, e := range x {
			m[types.String(k)] = s.convert(e)
		}
		return types.NewRefValMap(types.DefaultTypeAdapter, m)
	case []any:
		l := make([]ref.Val, len(x))
		for i, e := range x {
			l[i] = s.convert(e)
		}
		return types.NewRefValList(types.DefaultTypeAdapter, l)
	case *qualstate.Unknown:
		return s.newUnknown(x, unknownPhrase(x))
	}
	return types.DefaultTypeAdapter.NativeToValue(v)
}

// unknownPhrase says what a template value is and that it is only known
// after deployment.
func unknownPhrase(u *qualstate.Unknown) string {
	if u.Loc.IsZero() {
		return u.Reason + ", known after deployment"
	}
	return u.Reason + " (" + u.Loc.String() + "), known after deployment"
}

func (s *scopeState) newUnknown(u *qualstate.Unknown, phrase string) *types.Unknown {
	s.pending = append(s.pending, pending{unknown: u, phrase: phrase})
	return types.NewUnknown(unknownBase+int64(len(s.pending)-1), nil)
}

// pendingOf returns what an unknown result depended on.
func (s *scopeState) pendingOf(u *types.Unknown) []pending {
	var out []pending
	for _, id := range u.IDs() {
		if i := id - unknownBase; i >= 0 && i < int64(len(s.pending)) {
			out = append(out, s.pending[i])
		}
	}
	return out
}
