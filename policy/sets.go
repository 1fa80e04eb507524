package policy

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/decls"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// setFunctions declares sets.contains, sets.intersects and sets.equivalent
// with the meaning ext.Sets gives them, answered in three values.
func setFunctions() []cel.EnvOption {
	lists := []*cel.Type{cel.ListType(cel.DynType), cel.ListType(cel.DynType)}
	// The runtime type check of a list looks at its first element, which
	// may be an unknown; these functions check what they are given.
	unguarded := decls.DisableTypeGuards(true)
	return []cel.EnvOption{
		cel.Function("sets.contains", unguarded,
			cel.Overload("list_sets_contains_list", lists, cel.BoolType, cel.BinaryBinding(setsContains))),
		cel.Function("sets.equivalent", unguarded,
			cel.Overload("list_sets_equivalent_list", lists, cel.BoolType, cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				return triAnd(setsContains(a, b), setsContains(b, a))
			}))),
		cel.Function("sets.intersects", unguarded,
			cel.Overload("list_sets_intersects_list", lists, cel.BoolType, cel.BinaryBinding(setsIntersects))),
	}
}

// setsContains reports whether every element of sub is in list.
func setsContains(list, sub ref.Val) ref.Val {
	l, ok1 := list.(traits.Lister)
	s, ok2 := sub.(traits.Lister)
	if !ok1 || !ok2 {
		return types.NewErr("sets.contains: want two lists")
	}
	result := ref.Val(types.True)
	for it := s.Iterator(); it.HasNext() == types.True; {
		result = triAnd(result, triContains(l, it.Next()))
		if result == types.False || types.IsError(result) {
			return result
		}
	}
	return result
}

// setsIntersects reports whether some element of a is in b.
func setsIntersects(a, b ref.Val) ref.Val {
	la, ok1 := a.(traits.Lister)
	lb, ok2 := b.(traits.Lister)
	if !ok1 || !ok2 {
		return types.NewErr("sets.intersects: want two lists")
	}
	var unk *types.Unknown
	for it := la.Iterator(); it.HasNext() == types.True; {
		if r, done := triStep(triContains(lb, it.Next()), types.True, &unk); done {
			return r
		}
	}
	return triEnd(unk, types.False)
}

// triAnd is CEL's &&: false wins over unknown, unknown over true.
func triAnd(a, b ref.Val) ref.Val {
	if a == types.False || b == types.False {
		return types.False
	}
	if types.IsError(a) {
		return a
	}
	if types.IsError(b) {
		return b
	}
	if u, ok := unknownOf(a, b); ok {
		return u
	}
	return types.True
}
