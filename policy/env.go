package policy

import (
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
)

// checkEnv is the environment every check compiles in. Building one costs
// milliseconds, so it is built once and shared; a cel.Env is safe for
// concurrent use.
var checkEnv = sync.OnceValues(func() (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.Variable("properties", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("resource", cel.MapType(cel.StringType, cel.DynType)),
		cel.OptionalTypes(),
		cel.CrossTypeNumericComparisons(true),
		ext.Strings(),
		// Version 5 adds hasAny/hasAll/…, which compare elements without
		// regard to unknowns; sets.* below do the same job correctly.
		ext.Lists(ext.ListsVersion(4)),
		// Base64 only: the JSON and YAML encoders would print unknown values
		// as if they were text.
		ext.Encoders(ext.EncodersVersion(0)),
		ext.Bindings(),
		cel.Macros(hasMacro),
		presenceFunction(),
	}
	opts = append(opts, setFunctions()...)
	opts = append(opts, scopeFunctions()...)
	opts = append(opts, iamFunctions()...)
	return cel.NewEnv(opts...)
})

// programOptions are used for every check's program: the tri-state
// operators replace ==, != and in before the optimizer sees them.
func programOptions() []cel.ProgramOption {
	return []cel.ProgramOption{
		cel.CustomDecoratorV2(triStateOperators),
		cel.EvalOptions(cel.OptOptimize),
	}
}
