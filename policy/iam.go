package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// iamFunctions declares statements and principals, which read IAM policy
// documents in the many shapes IAM accepts as one shape.
func iamFunctions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("statements",
			cel.Overload("statements_dyn", []*cel.Type{cel.DynType}, cel.ListType(cel.MapType(cel.StringType, cel.DynType)),
				cel.UnaryBinding(statements))),
		cel.Function("principals",
			cel.Overload("principals_dyn", []*cel.Type{cel.DynType}, cel.ListType(cel.StringType),
				cel.UnaryBinding(principals))),
	}
}

var (
	emptyList = types.NewRefValList(types.DefaultTypeAdapter, nil)
	emptyMap  = types.NewRefValMap(types.DefaultTypeAdapter, map[ref.Val]ref.Val{})
	anyone    = types.NewRefValMap(types.DefaultTypeAdapter, map[ref.Val]ref.Val{
		types.String("AWS"): types.NewRefValList(types.DefaultTypeAdapter, []ref.Val{types.String("*")}),
	})
)

// statementLists are the statement members that hold a string or a list of
// strings, always given as lists.
var statementLists = []string{"Action", "NotAction", "Resource", "NotResource"}

// statements returns a policy document's statements, normalised.
func statements(doc ref.Val) ref.Val {
	if s, ok := doc.(types.String); ok {
		parsed, err := parseJSONValue(string(s))
		if err != nil {
			return types.NewErr("statements: the policy document is not JSON: %v", err)
		}
		doc = parsed
	}
	m, ok := doc.(traits.Mapper)
	if !ok {
		return types.NewErr("statements: a policy document is a map or a JSON string, not a %s", doc.Type().TypeName())
	}
	st, found := m.Find(types.String("Statement"))
	if !found || st == types.NullValue {
		return emptyList
	}
	var items []ref.Val
	switch x := st.(type) {
	case *types.Unknown:
		return x
	case traits.Mapper:
		items = []ref.Val{x}
	case traits.Lister:
		for it := x.Iterator(); it.HasNext() == types.True; {
			items = append(items, it.Next())
		}
	default:
		return types.NewErr("statements: Statement is a %s, not a map or a list", st.Type().TypeName())
	}
	out := make([]ref.Val, len(items))
	for i, item := range items {
		n, err := normaliseStatement(item)
		if err != nil {
			return err
		}
		out[i] = n
	}
	return types.NewRefValList(types.DefaultTypeAdapter, out)
}

// normaliseStatement gives a statement every member, lists where IAM allows
// a string or a list. An unknown statement stays unknown.
func normaliseStatement(v ref.Val) (ref.Val, ref.Val) {
	if _, ok := v.(*types.Unknown); ok {
		return v, nil
	}
	m, ok := v.(traits.Mapper)
	if !ok {
		return nil, types.NewErr("statements: a statement is a map, not a %s", v.Type().TypeName())
	}
	out := make(map[ref.Val]ref.Val, 10)
	for it := m.Iterator(); it.HasNext() == types.True; {
		k := it.Next()
		out[k], _ = m.Find(k)
	}
	for _, name := range []string{"Sid", "Effect"} {
		if _, ok := out[types.String(name)]; !ok {
			out[types.String(name)] = types.String("")
		}
	}
	for _, name := range statementLists {
		key := types.String(name)
		switch x := out[key].(type) {
		case nil:
			out[key] = emptyList
		case types.String:
			out[key] = types.NewRefValList(types.DefaultTypeAdapter, []ref.Val{x})
		case *types.Unknown:
			// Almost always one ARN (!GetAtt Key.Arn); as the single
			// element, every test of it stays unknown, and a check can still
			// ask fromResource about it. Were it a list, each element test
			// would be unknown as well, so nothing is decided wrongly.
			out[key] = types.NewRefValList(types.DefaultTypeAdapter, []ref.Val{x})
		case traits.Lister:
		default:
			return nil, types.NewErr("statements: %s is a %s, not a string or a list", name, x.Type().TypeName())
		}
	}
	for _, name := range []string{"Principal", "NotPrincipal"} {
		key := types.String(name)
		switch x := out[key].(type) {
		case nil:
			out[key] = emptyMap
		case types.String:
			if x == "*" {
				out[key] = anyone
			}
		}
	}
	if _, ok := out[types.String("Condition")]; !ok {
		out[types.String("Condition")] = emptyMap
	}
	return types.NewRefValMap(types.DefaultTypeAdapter, out), nil
}

// principals lists every principal value of a statement, "*" for anyone.
func principals(stmt ref.Val) ref.Val {
	m, ok := stmt.(traits.Mapper)
	if !ok {
		return types.NewErr("principals: a statement is a map, not a %s", stmt.Type().TypeName())
	}
	p, found := m.Find(types.String("Principal"))
	if !found || p == types.NullValue {
		return emptyList
	}
	var out []ref.Val
	switch x := p.(type) {
	case *types.Unknown:
		return x
	case types.String:
		out = append(out, x)
	case traits.Mapper:
		var keys []string
		for it := x.Iterator(); it.HasNext() == types.True; {
			if k, ok := it.Next().(types.String); ok {
				keys = append(keys, string(k))
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, _ := x.Find(types.String(k))
			if l, ok := v.(traits.Lister); ok {
				for it := l.Iterator(); it.HasNext() == types.True; {
					out = append(out, it.Next())
				}
			} else {
				out = append(out, v)
			}
		}
	default:
		return types.NewErr("principals: Principal is a %s, not a string or a map", p.Type().TypeName())
	}
	return types.NewRefValList(types.DefaultTypeAdapter, out)
}

// parseJSONValue reads JSON into CEL values, integers as int.
func parseJSONValue(text string) (ref.Val, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(text)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errTrailingData
	}
	return jsonToVal(v), nil
}

var errTrailingData = errors.New("data after the JSON value")

func jsonToVal(v any) ref.Val {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return types.Int(i)
		}
		f, _ := x.Float64()
		return types.Double(f)
	case map[string]any:
		m := make(map[ref.Val]ref.Val, len(x))
		for k, e := range x {
			m[types.String(k)] = jsonToVal(e)
		}
		return types.NewRefValMap(types.DefaultTypeAdapter, m)
	case []any:
		l := make([]ref.Val, len(x))
		for i, e := range x {
			l[i] = jsonToVal(e)
		}
		return types.NewRefValList(types.DefaultTypeAdapter, l)
	}
	return types.DefaultTypeAdapter.NativeToValue(v)
}
