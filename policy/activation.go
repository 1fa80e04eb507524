package policy

import (
	"cel.dev/cel-go/common/functions"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// activation is what one resource's checks see: its variables and the
// functions bound to its scope.
type activation struct {
	s     *scopeState
	index int
	props ref.Val
	value ref.Val

	refFn, resourcesFn, referencedByFn, fromResourceFn functions.LateBoundOp
}

func (s *scopeState) activation(i int) *activation {
	a := &activation{s: s, index: i, value: s.resourceValue(i), props: s.props[i]}
	a.refFn, a.resourcesFn, a.referencedByFn, a.fromResourceFn = a.ref, a.resourcesOf, a.referencedBy, a.fromResource
	return a
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "properties":
		return a.props, true
	case "resource":
		return a.value, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// ResolveFunction implements interpreter.FunctionActivation.
func (a *activation) ResolveFunction(name string) (functions.LateBoundOp, bool) {
	switch name {
	case "ref":
		return a.refFn, true
	case "resources":
		return a.resourcesFn, true
	case "referencedBy":
		return a.referencedByFn, true
	case "fromResource":
		return a.fromResourceFn, true
	}
	return nil, false
}
