package policy

import (
	"fmt"

	"cel.dev/cel-go/cel"
)

// checkProblem is a compile error at a position in the check's text: line
// 1-based, column 0-based, as CEL reports them.
type checkProblem struct {
	line, column int
	msg          string
}

// compileCheck parses and type-checks a check; it must return bool.
func compileCheck(src string) (*cel.Ast, []checkProblem) {
	env, err := checkEnv()
	if err != nil {
		return nil, []checkProblem{{msg: fmt.Sprintf("check environment: %v", err)}}
	}
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		var out []checkProblem
		for _, e := range iss.Errors() {
			out = append(out, checkProblem{line: e.Location.Line(), column: e.Location.Column(), msg: e.Message})
		}
		return nil, out
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) {
		msg := fmt.Sprintf("check returns %s, not bool", t)
		if t.IsExactType(cel.DynType) {
			msg += ": compare the value, e.g. properties.X == true"
		}
		return nil, []checkProblem{{line: 1, msg: msg}}
	}
	return ast, nil
}

// program plans a compiled check for evaluation.
func program(ast *cel.Ast) (cel.Program, error) {
	env, err := checkEnv()
	if err != nil {
		return nil, err
	}
	return env.Program(ast, programOptions()...)
}
