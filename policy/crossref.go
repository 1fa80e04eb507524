package policy

import (
	"strconv"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"qualstate"
)

// scopeFunctions declares ref, resources and referencedBy. What they return
// depends on the scope being evaluated, so their implementations come with
// each evaluation's activation.
func scopeFunctions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("ref",
			// Non-strict: ref must see an unknown argument to follow the
			// resource it was derived from.
			cel.Overload("ref_dyn", []*cel.Type{cel.DynType}, cel.DynType,
				cel.OverloadIsNonStrict(), cel.LateFunctionBinding())),
		cel.Function("resources",
			cel.Overload("resources_string", []*cel.Type{cel.StringType}, cel.ListType(cel.DynType),
				cel.LateFunctionBinding())),
		cel.Function("referencedBy",
			cel.Overload("referencedBy_string", []*cel.Type{cel.StringType}, cel.ListType(cel.DynType),
				cel.LateFunctionBinding())),
		cel.Function("fromResource",
			// Non-strict: a value derived from a resource is unknown in a
			// template, and that is exactly what fromResource must see.
			cel.Overload("fromResource_dyn", []*cel.Type{cel.DynType}, cel.BoolType,
				cel.OverloadIsNonStrict(), cel.LateFunctionBinding())),
	}
}

// fromResource reports whether a value is computed from a resource's
// identifier or attribute: in a template, an unknown derived from a Ref or
// GetAtt of a resource; live, a value equal to the identifier or ARN of a
// resource in the stack. Such a value names that resource, so it is never a
// wildcard, which lets a check decide `"*"` comparisons before deployment.
func (a *activation) fromResource(_ string, args ...ref.Val) ref.Val {
	switch v := args[0].(type) {
	case *types.Unknown:
		for _, p := range a.s.pendingOf(v) {
			if len(p.unknown.Refs) > 0 {
				return types.True
			}
		}
		// Unknown for another reason (a parameter without a value, an
		// import): it may be anything.
		return v
	case types.String:
		_, ok := a.s.identTarget(string(v))
		return types.Bool(ok)
	case *types.Err:
		return v
	}
	return types.False
}

// ref returns the resource a property value refers to, or an unknown when
// that cannot be decided from the scope.
func (a *activation) ref(_ string, args ...ref.Val) ref.Val {
	switch v := args[0].(type) {
	case *types.Unknown:
		if i, ok := a.s.unknownTarget(v); ok {
			return a.s.resourceValue(i)
		}
		return v
	case types.String:
		if i, ok := a.s.identTarget(string(v)); ok {
			return a.s.resourceValue(i)
		}
		return a.s.outside(string(v))
	case *types.Err:
		return v
	}
	return types.NewErr("ref: a %s is not a reference to a resource", args[0].Type().TypeName())
}

// outside returns the unknown that ref gives for a value naming nothing in
// the scope; one per value, however many checks follow it.
func (s *scopeState) outside(v string) *types.Unknown {
	if u, ok := s.outsideRefs[v]; ok {
		return u
	}
	if s.outsideRefs == nil {
		s.outsideRefs = make(map[string]*types.Unknown)
	}
	phrase := strconv.Quote(v) + ", which names no resource in this " + s.where()
	u := s.newUnknown(&qualstate.Unknown{Reason: "ref(" + strconv.Quote(v) + ")"}, phrase)
	s.outsideRefs[v] = u
	return u
}

// resourcesOf returns the resources of a type in the scope, in scope order.
func (a *activation) resourcesOf(_ string, args ...ref.Val) ref.Val {
	typ, ok := args[0].(types.String)
	if !ok {
		return types.NewErr("resources: want a type name")
	}
	if a.s.byType == nil {
		a.s.byType = make(map[string]ref.Val)
	}
	if l, ok := a.s.byType[string(typ)]; ok {
		return l
	}
	var vals []ref.Val
	for i, r := range a.s.resources {
		if r.Type == string(typ) {
			vals = append(vals, a.s.resourceValue(i))
		}
	}
	l := types.NewRefValList(types.DefaultTypeAdapter, vals)
	a.s.byType[string(typ)] = l
	return l
}

// referencedBy returns the resources of a type that refer to this one.
func (a *activation) referencedBy(_ string, args ...ref.Val) ref.Val {
	typ, ok := args[0].(types.String)
	if !ok {
		return types.NewErr("referencedBy: want a type name")
	}
	var vals []ref.Val
	for _, i := range a.s.referrers(a.index, string(typ)) {
		vals = append(vals, a.s.resourceValue(i))
	}
	return types.NewRefValList(types.DefaultTypeAdapter, vals)
}

// referrers lists the resources of a type, other than j, that refer to j.
func (s *scopeState) referrers(j int, typ string) []int {
	var out []int
	for i, r := range s.resources {
		if i != j && r.Type == typ && s.refers(i, j) {
			out = append(out, i)
		}
	}
	return out
}
