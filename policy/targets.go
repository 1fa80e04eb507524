package policy

import (
	"strings"

	"cel.dev/cel-go/common/types"

	"qualstate"
)

// How a value names another resource of the scope: in a template through
// the references of a value not known before deployment (!Ref, !GetAtt,
// !Sub), live through the resource's physical id or ARN.

// logicalIndex finds a resource by logical id.
func (s *scopeState) logicalIndex(id string) (int, bool) {
	if s.byLogical == nil {
		s.byLogical = make(map[string]int, len(s.resources))
		for i, r := range s.resources {
			if _, dup := s.byLogical[r.LogicalID]; !dup {
				s.byLogical[r.LogicalID] = i
			}
		}
	}
	i, ok := s.byLogical[id]
	return i, ok
}

// unknownTarget returns the resource an unknown value was derived from,
// when it was derived from exactly one resource of the scope.
func (s *scopeState) unknownTarget(u *types.Unknown) (int, bool) {
	var refs []qualstate.Ref
	for _, p := range s.pendingOf(u) {
		refs = append(refs, p.unknown.Refs...)
	}
	return s.refsTarget(refs)
}

// refsTarget returns the one resource of the scope that refs name, however
// many attributes of it they read.
func (s *scopeState) refsTarget(refs []qualstate.Ref) (int, bool) {
	target := ""
	for _, r := range refs {
		if target != "" && r.LogicalID != target {
			return 0, false
		}
		target = r.LogicalID
	}
	if target == "" {
		return 0, false
	}
	return s.logicalIndex(target)
}

// identTarget returns the resource a live value names: the one whose
// physical id or Arn property equals it, or, for an ARN, whose physical id
// is the ARN's resource part, that part without its type, or its last
// segment. Only a single match counts.
func (s *scopeState) identTarget(v string) (int, bool) {
	if v == "" {
		return 0, false
	}
	if s.byIdent == nil {
		s.byIdent = make(map[string][]int)
		for i, r := range s.resources {
			if r.PhysicalID != "" {
				s.byIdent[r.PhysicalID] = append(s.byIdent[r.PhysicalID], i)
			}
			if arn, ok := r.Properties["Arn"].(string); ok && arn != "" && arn != r.PhysicalID {
				s.byIdent[arn] = append(s.byIdent[arn], i)
			}
		}
	}
	if len(s.byIdent) == 0 {
		return 0, false
	}
	var candidates [4]string
	for _, c := range identCandidates(v, candidates[:0]) {
		found := -1
		for _, i := range s.byIdent[c] {
			if found >= 0 && found != i {
				return 0, false
			}
			found = i
		}
		if found >= 0 {
			return found, true
		}
	}
	return 0, false
}

// identCandidates appends what a value may be a resource's identifier as:
// itself, and for an ARN its resource part ("key/1234" in
// arn:aws:kms:…:key/1234), that part without its type ("1234"), and its
// last segment (a role's name after its path).
func identCandidates(v string, out []string) []string {
	out = append(out, v)
	if !strings.HasPrefix(v, "arn:") {
		return out
	}
	// The resource part follows the fifth colon.
	res, colons := "", 0
	for i := 0; i < len(v); i++ {
		if v[i] == ':' {
			if colons++; colons == 5 {
				res = v[i+1:]
				break
			}
		}
	}
	res = strings.TrimSuffix(res, ":*")
	if res == "" {
		return out
	}
	out = append(out, res)
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		out = append(out, res[i+1:])
	}
	if i := strings.LastIndexAny(res, "/:"); i >= 0 {
		out = append(out, res[i+1:])
	}
	return out
}

// target resolves a property value to the resource it refers to.
func (s *scopeState) target(v any) (int, bool) {
	switch x := v.(type) {
	case string:
		return s.identTarget(x)
	case *qualstate.Unknown:
		return s.refsTarget(x.Refs)
	}
	return 0, false
}

// refers reports whether resource i refers to resource j in any property.
func (s *scopeState) refers(i, j int) bool {
	if s.refersTo == nil {
		s.refersTo = make(map[int]map[int]bool)
	}
	set, ok := s.refersTo[i]
	if !ok {
		set = make(map[int]bool)
		s.collectRefs(s.resources[i].Properties, set)
		s.refersTo[i] = set
	}
	return set[j]
}

func (s *scopeState) collectRefs(v any, into map[int]bool) {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			s.collectRefs(e, into)
		}
	case []any:
		for _, e := range x {
			s.collectRefs(e, into)
		}
	case string:
		if i, ok := s.identTarget(x); ok {
			into[i] = true
		}
	case *qualstate.Unknown:
		for _, r := range x.Refs {
			if i, ok := s.logicalIndex(r.LogicalID); ok {
				into[i] = true
			}
		}
	}
}
