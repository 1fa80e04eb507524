package policy

import (
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
)

// CEL compares lists and maps element by element with each element's own
// Equal, which treats an unknown element as equal to anything and makes
// `in` ignore unknown elements. A list holding a value not known before
// deployment would then give a definite answer it cannot have. The
// operators here compare the same way, except that an unknown element
// makes the answer unknown unless another element already decides it.

// triStateOperators replaces the plan's ==, != and in with triCall, and
// makes other function calls unknown rather than failing when an argument
// holds an unknown (see unknownOnError).
func triStateOperators(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
	call, ok := i.(interpreter.InterpretableCall)
	if !ok {
		return i, nil
	}
	switch call.Function() {
	case operators.Equals, operators.NotEquals, operators.In:
		args := call.Args()
		if len(args) != 2 {
			return i, nil
		}
		return &triCall{id: i.ID(), function: call.Function(), overload: call.OverloadID(), args: args}, nil
	case operators.LogicalAnd, operators.LogicalOr, operators.LogicalNot, operators.Conditional,
		operators.NotStrictlyFalse, presentFunction:
		// Already three-valued, or never given a container.
		return i, nil
	}
	return &unknownOnError{InterpretableCall: call}, nil
}

// unknownOnError is a function call that, when it fails and one of its
// arguments holds an unknown value, gives that unknown instead. Functions
// over lists check only a list's first element for its type, so
// ["a"].join() works while [unknown, "a"].join() fails with "no such
// overload"; and a list holding an unknown cannot be sorted or formatted.
// The answer to such a call depends on the unknown, so it is unknown.
type unknownOnError struct {
	interpreter.InterpretableCall
}

// Eval implements interpreter.Interpretable.
func (c *unknownOnError) Eval(vars interpreter.Activation) ref.Val {
	return interpreter.EvalActivation(vars, c.Exec)
}

// Exec implements interpreter.InterpretableV2.
func (c *unknownOnError) Exec(frame *interpreter.ExecutionFrame) ref.Val {
	res := c.InterpretableCall.Exec(frame)
	if !types.IsError(res) {
		return res
	}
	// Failing is rare, so evaluating the arguments again only costs then.
	var unk *types.Unknown
	for _, a := range c.Args() {
		unk = types.MergeUnknowns(unk, unknownWithin(a.Exec(frame)))
	}
	if unk != nil {
		return unk
	}
	return res
}

// unknownWithin merges the unknowns anywhere inside a value.
func unknownWithin(v ref.Val) *types.Unknown {
	switch x := v.(type) {
	case *types.Unknown:
		return x
	case traits.Lister:
		var unk *types.Unknown
		for it := x.Iterator(); it.HasNext() == types.True; {
			unk = types.MergeUnknowns(unk, unknownWithin(it.Next()))
		}
		return unk
	case traits.Mapper:
		var unk *types.Unknown
		for it := x.Iterator(); it.HasNext() == types.True; {
			e, _ := x.Find(it.Next())
			unk = types.MergeUnknowns(unk, unknownWithin(e))
		}
		return unk
	}
	return nil
}

// triCall is a comparison that is unknown when its answer depends on an
// unknown value inside a list or map.
type triCall struct {
	id       int64
	function string
	overload string
	args     []interpreter.InterpretableV2
}

// ID implements interpreter.Interpretable.
func (c *triCall) ID() int64 { return c.id }

// Function implements interpreter.InterpretableCall.
func (c *triCall) Function() string { return c.function }

// OverloadID implements interpreter.InterpretableCall; keeping the original
// lets the optimizer still turn `x in [constants]` into a set lookup, which
// is exact because constants hold no unknowns.
func (c *triCall) OverloadID() string { return c.overload }

// Args implements interpreter.InterpretableCall.
func (c *triCall) Args() []interpreter.InterpretableV2 { return c.args }

// Eval implements interpreter.Interpretable.
func (c *triCall) Eval(vars interpreter.Activation) ref.Val {
	return interpreter.EvalActivation(vars, c.Exec)
}

// Exec implements interpreter.InterpretableV2.
func (c *triCall) Exec(frame *interpreter.ExecutionFrame) ref.Val {
	l := c.args[0].Exec(frame)
	if types.IsError(l) {
		return l
	}
	r := c.args[1].Exec(frame)
	if types.IsError(r) {
		return r
	}
	if u, ok := unknownOf(l, r); ok {
		return u
	}
	switch c.function {
	case operators.Equals:
		return triEqual(l, r)
	case operators.NotEquals:
		return triNot(triEqual(l, r))
	}
	switch container := r.(type) {
	case traits.Lister:
		return triContains(container, l)
	case traits.Mapper:
		return container.Contains(l)
	}
	return types.NewErrWithNodeID(c.id, "no such overload: %s in %s", l.Type().TypeName(), r.Type().TypeName())
}

// unknownOf merges the unknowns among vals.
func unknownOf(vals ...ref.Val) (*types.Unknown, bool) {
	var u *types.Unknown
	for _, v := range vals {
		if x, ok := v.(*types.Unknown); ok {
			u = types.MergeUnknowns(u, x)
		}
	}
	return u, u != nil
}

func triNot(v ref.Val) ref.Val {
	if b, ok := v.(types.Bool); ok {
		return !b
	}
	return v
}

// triEqual is CEL equality, unknown where an unknown element could decide it.
func triEqual(a, b ref.Val) ref.Val {
	if u, ok := unknownOf(a, b); ok {
		return u
	}
	switch x := a.(type) {
	case traits.Lister:
		y, ok := b.(traits.Lister)
		if !ok {
			return types.Equal(a, b)
		}
		if x.Size() != y.Size() {
			return types.False
		}
		var unk *types.Unknown
		n := int64(x.Size().(types.Int))
		for i := int64(0); i < n; i++ {
			if r, done := triStep(triEqual(x.Get(types.Int(i)), y.Get(types.Int(i))), types.False, &unk); done {
				return r
			}
		}
		return triEnd(unk, types.True)
	case traits.Mapper:
		y, ok := b.(traits.Mapper)
		if !ok {
			return types.Equal(a, b)
		}
		if x.Size() != y.Size() {
			return types.False
		}
		var unk *types.Unknown
		for it := x.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			yv, found := y.Find(k)
			if !found {
				return types.False
			}
			xv, _ := x.Find(k)
			if r, done := triStep(triEqual(xv, yv), types.False, &unk); done {
				return r
			}
		}
		return triEnd(unk, types.True)
	}
	if _, ok := b.(traits.Lister); ok {
		return types.False
	}
	if _, ok := b.(traits.Mapper); ok {
		return types.False
	}
	return types.Equal(a, b)
}

// triContains reports whether the list holds an element equal to v: true
// if one is, unknown if none is but an unknown one might be, else false.
func triContains(list traits.Lister, v ref.Val) ref.Val {
	if u, ok := v.(*types.Unknown); ok {
		return u
	}
	var unk *types.Unknown
	n := int64(list.Size().(types.Int))
	for i := int64(0); i < n; i++ {
		if r, done := triStep(triEqual(list.Get(types.Int(i)), v), types.True, &unk); done {
			return r
		}
	}
	return triEnd(unk, types.False)
}

// triStep folds one three-valued result into an "all" (decisive false) or
// an "any" (decisive true): it returns the fold's result and true when v
// decides it — the decisive value, or an error — and otherwise merges an
// unknown v into *unk.
func triStep(v ref.Val, decisive types.Bool, unk **types.Unknown) (ref.Val, bool) {
	switch e := v.(type) {
	case types.Bool:
		if e == decisive {
			return decisive, true
		}
	case *types.Unknown:
		*unk = types.MergeUnknowns(*unk, e)
	default:
		return e, true
	}
	return nil, false
}

// triEnd is the result of a fold no value decided: unknown if any value
// was, else the non-decisive value.
func triEnd(unk *types.Unknown, otherwise types.Bool) ref.Val {
	if unk != nil {
		return unk
	}
	return otherwise
}
