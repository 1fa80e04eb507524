package schema

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"

	"qualstate"
)

// Coerce converts scalar values in place to the types the schema declares,
// as CloudFormation does: "30" becomes int64(30) where an integer belongs,
// "1.5" float64(1.5) for a number, "true"/"false" a bool for a boolean, and
// numbers and booleans become strings for a string. Integers are int64 and
// numbers float64 whatever Go type they arrive as (5.0 for an integer is
// 5). Values it cannot convert are left alone for Validate to report;
// *qualstate.Unknown values are never touched. Where the schema offers
// alternatives (oneOf, anyOf), the first one the converted value satisfies
// decides.
func (s *Schema) Coerce(props map[string]any) {
	if props == nil {
		return
	}
	c := &coercer{limits: newLimits()}
	c.object(s.root, props, 0)
}

// coercer walks a value and a schema node together, converting scalars.
type coercer struct {
	limits *limits
}

func (c *coercer) value(n *node, val any, depth int) any {
	if _, unknown := val.(*qualstate.Unknown); unknown {
		return val
	}
	if c.limits.steps <= 0 || depth > maxDepth {
		c.limits.exhausted = true
		return val
	}
	c.limits.steps--
	n = resolveTarget(n)
	switch v := val.(type) {
	case map[string]any:
		if n.types.admits(kindObject) {
			c.object(n, v, depth)
		}
	case []any:
		if n.types.admits(kindArray) {
			c.array(n, v, depth)
		}
	default:
		val = coerceScalar(n.types, val)
	}
	for _, b := range n.allOf {
		val = c.value(b, val, depth+1)
	}
	if len(n.anyOf) > 0 {
		val = c.alternatives(n.anyOf, val, depth)
	}
	if len(n.oneOf) > 0 {
		val = c.alternatives(n.oneOf, val, depth)
	}
	return val
}

func (c *coercer) object(n *node, obj map[string]any, depth int) {
	for key, val := range obj {
		matched := false
		if ps, ok := n.properties[key]; ok {
			val = c.value(ps, val, depth+1)
			matched = true
		}
		for _, pp := range n.patternProperties {
			if re := compiledPattern(pp.pattern); re != nil && re.MatchString(key) {
				val = c.value(pp.schema, val, depth+1)
				matched = true
			}
		}
		if !matched && n.additional != nil {
			val = c.value(n.additional, val, depth+1)
		}
		obj[key] = val
	}
	for _, name := range sortedKeys(n.dependencySchemas) {
		if _, ok := obj[name]; ok {
			c.value(n.dependencySchemas[name], obj, depth+1)
		}
	}
}

func (c *coercer) array(n *node, list []any, depth int) {
	for i, item := range list {
		switch {
		case i < len(n.tuple):
			list[i] = c.value(n.tuple[i], item, depth+1)
		case n.tuple == nil && n.items != nil:
			list[i] = c.value(n.items, item, depth+1)
		}
	}
}

// alternatives converts a copy of the value for each alternative in turn
// and keeps the first copy that satisfies its alternative; when none does,
// the value stays as it was. Alternatives that only list required
// properties (the registry's usual use) convert nothing and are skipped.
func (c *coercer) alternatives(branches []*node, val any, depth int) any {
	converts := false
	for _, b := range branches {
		converts = converts || coercible(b)
	}
	if !converts {
		return val
	}
	for _, b := range branches {
		cp, ok := c.copy(val)
		if !ok {
			return val
		}
		try := c.value(b, cp, depth+1)
		v := &validator{limits: c.limits}
		v.value(b, try, nil, depth+1)
		if c.limits.exhausted {
			return val
		}
		if len(v.out) == 0 {
			return try
		}
	}
	return val
}

// coercible reports whether coercing against a node could change a value.
func coercible(n *node) bool {
	n = resolveTarget(n)
	return n.types != 0 || len(n.properties)+len(n.patternProperties) > 0 || n.additional != nil ||
		n.items != nil || n.tuple != nil || len(n.allOf)+len(n.anyOf)+len(n.oneOf) > 0 || len(n.dependencySchemas) > 0
}

// copy deep-copies a value for an alternative to convert, charging each
// copied value to the budget, as alternatives inside alternatives would
// otherwise copy without end.
func (c *coercer) copy(val any) (any, bool) {
	if c.limits.steps <= 0 {
		c.limits.exhausted = true
		return nil, false
	}
	c.limits.steps--
	switch v := val.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			cp, ok := c.copy(item)
			if !ok {
				return nil, false
			}
			out[k] = cp
		}
		return out, true
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			cp, ok := c.copy(item)
			if !ok {
				return nil, false
			}
			out[i] = cp
		}
		return out, true
	}
	return val, true
}

// decimal is the form of a number CloudFormation reads from a string:
// no hexadecimal, no underscores, no Inf or NaN.
var decimal = regexp.MustCompile(`^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$`)

// coerceScalar converts a scalar to one of the declared types, and writes
// numbers as int64 or float64.
func coerceScalar(types kind, val any) any {
	k, ok := valueKind(val)
	if !ok {
		return val
	}
	if types.admits(k) {
		return normalizeNumber(types, k, val)
	}
	for _, kn := range kindNames {
		if types&kn.k == 0 {
			continue
		}
		if out, ok := convert(kn.k, k, val); ok {
			return out
		}
	}
	return val
}

// normalizeNumber gives an admitted number the Go type of its declared
// type: int64 for integer, float64 for number.
func normalizeNumber(types, k kind, val any) any {
	if k != kindInteger && k != kindNumber {
		return val
	}
	if k == kindInteger && (types == 0 || types&kindInteger != 0) {
		if i, ok := toInt64(val); ok {
			return i
		}
	}
	if f, ok := toFloat(val); ok {
		return f
	}
	return val
}

// convert turns a value of kind from into kind to, if CloudFormation would.
func convert(to, from kind, val any) (any, bool) {
	switch to {
	case kindInteger:
		if from != kindString {
			return nil, false
		}
		s := val.(string)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, true
		}
		if f, ok := parseDecimal(s); ok && f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
			return int64(f), true
		}
	case kindNumber:
		if from == kindString {
			if f, ok := parseDecimal(val.(string)); ok {
				return f, true
			}
		}
	case kindBoolean:
		if from == kindString {
			switch strings.ToLower(val.(string)) {
			case "true":
				return true, true
			case "false":
				return false, true
			}
		}
	case kindString:
		switch from {
		case kindBoolean:
			return strconv.FormatBool(val.(bool)), true
		case kindInteger, kindNumber:
			if n, ok := val.(json.Number); ok {
				return n.String(), true
			}
			if i, ok := toInt64(val); ok {
				return strconv.FormatInt(i, 10), true
			}
			if f, ok := toFloat(val); ok {
				return strconv.FormatFloat(f, 'f', -1, 64), true
			}
		}
	}
	return nil, false
}

func parseDecimal(s string) (float64, bool) {
	if !decimal.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
