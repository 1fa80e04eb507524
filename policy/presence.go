package policy

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// presentFunction is what has(a.f) becomes. The name cannot be written in a
// check, so only the macro produces it.
const presentFunction = "@present"

// hasMacro replaces CEL's has() so that a property holding a value not known
// before deployment is present: CloudFormation will set it, only its value
// is unknown. The standard has() would return unknown there, because it
// cannot tell a present unknown from an unknown map.
var hasMacro = cel.GlobalMacro("has", 1, func(eh cel.MacroExprFactory, _ ast.Expr, args []ast.Expr) (ast.Expr, *cel.Error) {
	if args[0].Kind() != ast.SelectKind {
		return nil, eh.NewError(args[0].ID(), "invalid argument to has() macro")
	}
	s := args[0].AsSelect()
	return eh.NewCall(presentFunction, s.Operand(), eh.NewLiteral(types.String(s.FieldName()))), nil
})

func presenceFunction() cel.EnvOption {
	return cel.Function(presentFunction,
		cel.Overload("present_dyn_string", []*cel.Type{cel.DynType, cel.StringType}, cel.BoolType,
			// Strict: an unknown or failing operand stays unknown or failing;
			// only a known map is looked into.
			cel.BinaryBinding(func(operand, field ref.Val) ref.Val {
				m, ok := operand.(traits.Mapper)
				if !ok {
					return types.NewErr("has(): %s has no fields", operand.Type().TypeName())
				}
				_, found := m.Find(field)
				return types.Bool(found)
			})))
}
