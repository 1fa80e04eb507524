package policy

import (
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// A check's reason names the property values it read. Which ones it reads is
// worked out once per check from its syntax tree: every chain of field
// selections and constant indexes starting at `properties` (or
// `resource.properties`), through comprehension variables and through
// ref(). The chains are then looked up in each resource's properties, so a
// finding reports the values without the cost of tracking evaluation state.

type stepKind uint8

const (
	stepField stepKind = iota
	stepIndex
	stepEach // every element of a list: a comprehension's variable
)

type step struct {
	kind  stepKind
	field string
	index int64
}

// readPath is a chain read from the resource map: its first step is
// usually "properties". With via set, it starts at the resource that
// ref(via) names instead.
type readPath struct {
	via   *readPath
	steps []step
}

func (p readPath) with(s step) readPath {
	steps := make([]step, len(p.steps), len(p.steps)+1)
	copy(steps, p.steps)
	return readPath{via: p.via, steps: append(steps, s)}
}

func (p readPath) equal(q readPath) bool {
	if (p.via == nil) != (q.via == nil) || len(p.steps) != len(q.steps) {
		return false
	}
	if p.via != nil && !p.via.equal(*q.via) {
		return false
	}
	for i := range p.steps {
		if p.steps[i] != q.steps[i] {
			return false
		}
	}
	return true
}

// prefixOf reports whether p is a proper prefix of q.
func (p readPath) prefixOf(q readPath) bool {
	if (p.via == nil) != (q.via == nil) || len(p.steps) >= len(q.steps) {
		return false
	}
	if p.via != nil && !p.via.equal(*q.via) {
		return false
	}
	for i := range p.steps {
		if p.steps[i] != q.steps[i] {
			return false
		}
	}
	return true
}

// readsProperties reports whether the path reads below `properties`.
func (p readPath) readsProperties() bool {
	return len(p.steps) >= 2 && p.steps[0] == step{kind: stepField, field: "properties"}
}

// scopeCall is a resources("T") or referencedBy("T") with a constant type.
type scopeCall struct {
	function string
	typ      string
}

// reads is what a check reads.
type reads struct {
	paths []readPath
	calls []scopeCall
	// scopeFunctions is set when the check calls ref, resources or
	// referencedBy at all.
	scopeFunctions bool
}

// readsOf analyses a checked expression.
func readsOf(e ast.Expr) reads {
	w := &walker{vars: map[string]readPath{}}
	w.walk(e)
	// Keep only the longest chains: reading A.B.C also reads A.B, and
	// following ref(A) shows A.
	var keep []readPath
	for i, p := range w.out.paths {
		redundant := false
		for j, q := range w.out.paths {
			if p.prefixOf(q) || (j < i && p.equal(q)) || (q.via != nil && (p.equal(*q.via) || p.prefixOf(*q.via))) {
				redundant = true
				break
			}
		}
		if !redundant {
			keep = append(keep, p)
		}
	}
	w.out.paths = keep
	return w.out
}

type walker struct {
	vars map[string]readPath
	out  reads
}

func (w *walker) record(p readPath) {
	if p.readsProperties() {
		w.out.paths = append(w.out.paths, p)
	}
}

// pathOf returns the chain e reads, and the sub-expressions of e that are
// not part of the chain (an orValue default, say) for the caller to walk.
func (w *walker) pathOf(e ast.Expr) (readPath, []ast.Expr, bool) {
	switch e.Kind() {
	case ast.IdentKind:
		name := e.AsIdent()
		if p, ok := w.vars[name]; ok {
			return p, nil, true
		}
		switch name {
		case "properties":
			return readPath{steps: []step{{kind: stepField, field: "properties"}}}, nil, true
		case "resource":
			return readPath{}, nil, true
		}
	case ast.SelectKind:
		s := e.AsSelect()
		if p, side, ok := w.pathOf(s.Operand()); ok {
			return p.with(step{kind: stepField, field: s.FieldName()}), side, true
		}
	case ast.CallKind:
		c := e.AsCall()
		args := c.Args()
		switch c.FunctionName() {
		case operators.OptSelect, presentFunction:
			if len(args) == 2 && args[1].Kind() == ast.LiteralKind {
				if f, ok := args[1].AsLiteral().(types.String); ok {
					if p, side, ok := w.pathOf(args[0]); ok {
						return p.with(step{kind: stepField, field: string(f)}), side, true
					}
				}
			}
		case operators.Index, operators.OptIndex:
			if len(args) == 2 && args[1].Kind() == ast.LiteralKind {
				if p, side, ok := w.pathOf(args[0]); ok {
					switch k := args[1].AsLiteral().(type) {
					case types.String:
						return p.with(step{kind: stepField, field: string(k)}), side, true
					case types.Int:
						return p.with(step{kind: stepIndex, index: int64(k)}), side, true
					case types.Uint:
						return p.with(step{kind: stepIndex, index: int64(k)}), side, true
					}
				}
			}
		case "orValue", "value":
			if c.IsMemberFunction() {
				if p, side, ok := w.pathOf(c.Target()); ok {
					return p, append(side, args...), true
				}
			}
		case "ref":
			w.out.scopeFunctions = true
			if len(args) == 1 {
				if p, side, ok := w.pathOf(args[0]); ok && p.readsProperties() {
					return readPath{via: &p, steps: []step{}}, side, true
				}
			}
		}
	}
	return readPath{}, nil, false
}

func (w *walker) walk(e ast.Expr) {
	if p, side, ok := w.pathOf(e); ok {
		w.record(p)
		for _, s := range side {
			w.walk(s)
		}
		return
	}
	switch e.Kind() {
	case ast.SelectKind:
		w.walk(e.AsSelect().Operand())
	case ast.CallKind:
		w.walkCall(e.AsCall())
	case ast.ListKind:
		for _, el := range e.AsList().Elements() {
			w.walk(el)
		}
	case ast.MapKind:
		for _, en := range e.AsMap().Entries() {
			w.walk(en.AsMapEntry().Key())
			w.walk(en.AsMapEntry().Value())
		}
	case ast.StructKind:
		for _, f := range e.AsStruct().Fields() {
			w.walk(f.AsStructField().Value())
		}
	case ast.ComprehensionKind:
		w.walkComprehension(e.AsComprehension())
	}
}

func (w *walker) walkCall(c ast.CallExpr) {
	args := c.Args()
	switch c.FunctionName() {
	case "resources", "referencedBy", "ref":
		w.out.scopeFunctions = true
		if len(args) == 1 && args[0].Kind() == ast.LiteralKind && c.FunctionName() != "ref" {
			if t, ok := args[0].AsLiteral().(types.String); ok {
				w.out.calls = append(w.out.calls, scopeCall{function: c.FunctionName(), typ: string(t)})
			}
		}
	case operators.In:
		// "Key" in properties reads properties.Key.
		if len(args) == 2 && args[0].Kind() == ast.LiteralKind {
			if k, ok := args[0].AsLiteral().(types.String); ok {
				if p, side, ok := w.pathOf(args[1]); ok {
					w.record(p.with(step{kind: stepField, field: string(k)}))
					for _, s := range side {
						w.walk(s)
					}
					return
				}
			}
		}
	}
	if c.IsMemberFunction() {
		w.walk(c.Target())
	}
	for _, a := range args {
		w.walk(a)
	}
}

// rangePath is the chain a comprehension's element variable stands for.
func (w *walker) rangePath(r ast.Expr) (readPath, bool) {
	if p, _, ok := w.pathOf(r); ok {
		return p.with(step{kind: stepEach}), true
	}
	// statements(doc) iterates the document's Statement, however it is
	// written.
	if r.Kind() == ast.CallKind && r.AsCall().FunctionName() == "statements" && len(r.AsCall().Args()) == 1 {
		if p, _, ok := w.pathOf(r.AsCall().Args()[0]); ok {
			return p.with(step{kind: stepField, field: "Statement"}).with(step{kind: stepEach}), true
		}
	}
	return readPath{}, false
}

func (w *walker) walkComprehension(c ast.ComprehensionExpr) {
	w.walk(c.IterRange())
	w.walk(c.AccuInit())
	saved := make(map[string]readPath, len(w.vars))
	for k, v := range w.vars {
		saved[k] = v
	}
	// Inner variables hide outer ones of the same name.
	delete(w.vars, c.IterVar())
	delete(w.vars, c.IterVar2())
	delete(w.vars, c.AccuVar())
	if p, ok := w.rangePath(c.IterRange()); ok {
		if c.HasIterVar2() {
			w.vars[c.IterVar2()] = p
		} else {
			w.vars[c.IterVar()] = p
		}
	}
	// cel.bind(x, init, body) is a comprehension whose accumulator is x.
	if p, _, ok := w.pathOf(c.AccuInit()); ok {
		w.vars[c.AccuVar()] = p
	}
	w.walk(c.LoopCondition())
	w.walk(c.LoopStep())
	w.walk(c.Result())
	w.vars = saved
}
