package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"qualstate"
)

// valueKind returns the JSON type of a property value. Integral numbers,
// whatever their Go type (5, int64(5), 5.0), are integers; ok is false for
// a Go value that has no JSON form.
func valueKind(v any) (k kind, ok bool) {
	switch v := v.(type) {
	case nil:
		return kindNull, true
	case bool:
		return kindBoolean, true
	case string:
		return kindString, true
	case map[string]any:
		return kindObject, true
	case []any:
		return kindArray, true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return kindInteger, true
	case float64:
		return floatKind(v), true
	case float32:
		return floatKind(float64(v)), true
	case json.Number:
		if _, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
			return kindInteger, true
		}
		f, err := v.Float64()
		if err != nil {
			return 0, false
		}
		return floatKind(f), true
	}
	return 0, false
}

func floatKind(f float64) kind {
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		return kindInteger
	}
	return kindNumber
}

// toFloat returns a numeric value as a float64.
func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int8:
		return float64(v), true
	case int16:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint8:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float32:
		return float64(v), true
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// toInt64 returns an integral numeric value as an int64.
func toInt64(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint:
		return int64(v), uint64(v) <= math.MaxInt64
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		return int64(v), v <= math.MaxInt64
	case json.Number:
		if i, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
			return i, true
		}
	}
	f, ok := toFloat(v)
	if !ok || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// normalizeJSON turns the json.Number values of a decoded schema value into
// int64 (when integral and in range) or float64, as property values are.
func normalizeJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = normalizeJSON(item)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = normalizeJSON(item)
		}
		return out
	}
	return v
}

// describeJSON names a value decoded from a schema document, for errors.
func describeJSON(v any) string { return describeValue(normalizeJSON(v)) }

// describeValue names a value's type and, for scalars, the value itself:
// `string "abc"`, `integer 5`, `an object`.
func describeValue(v any) string {
	if _, unknown := v.(*qualstate.Unknown); unknown {
		return "a value known only after deployment"
	}
	k, ok := valueKind(v)
	if !ok {
		return fmt.Sprintf("a Go %T, which has no JSON form", v)
	}
	switch k {
	case kindNull:
		return "null"
	case kindObject:
		return "an object"
	case kindArray:
		n := len(v.([]any))
		if n == 1 {
			return "an array of 1 item"
		}
		return fmt.Sprintf("an array of %d items", n)
	case kindString:
		return "string " + quoteShort(v.(string))
	}
	return k.String() + " " + scalarText(v)
}

// scalarText writes a scalar as a template would: 5, 1.5, true, abc.
func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	case json.Number:
		return v.String()
	}
	if i, ok := toInt64(v); ok {
		return strconv.FormatInt(i, 10)
	}
	if f, ok := toFloat(v); ok {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// quoteShort quotes a string for a message, cutting it down when long.
func quoteShort(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:max])) + "…"
}

// equalValues compares two values as JSON does: 5 equals 5.0, objects by
// their members. A value known only after deployment equals nothing.
func equalValues(a, b any) bool {
	switch a := a.(type) {
	case *qualstate.Unknown:
		return false
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !equalValues(av, bv) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], bl[i]) {
				return false
			}
		}
		return true
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case nil:
		return b == nil
	}
	if ai, ok := toInt64(a); ok {
		if bi, ok := toInt64(b); ok {
			return ai == bi
		}
	}
	af, aok := toFloat(a)
	bf, bok := toFloat(b)
	return aok && bok && af == bf
}

// canonicalKey writes a value so that equal values (by equalValues) give
// equal keys; ok is false when the value holds something known only after
// deployment, which cannot be compared.
func canonicalKey(v any) (string, bool) {
	var b strings.Builder
	ok := writeCanonical(&b, v)
	return b.String(), ok
}

func writeCanonical(b *strings.Builder, v any) bool {
	switch v := v.(type) {
	case *qualstate.Unknown:
		return false
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			if !writeCanonical(b, v[k]) {
				return false
			}
		}
		b.WriteByte('}')
		return true
	case []any:
		b.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if !writeCanonical(b, item) {
				return false
			}
		}
		b.WriteByte(']')
		return true
	case string:
		b.WriteString(strconv.Quote(v))
		return true
	}
	if i, ok := toInt64(v); ok {
		b.WriteString(strconv.FormatInt(i, 10))
		return true
	}
	if f, ok := toFloat(v); ok {
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		return true
	}
	fmt.Fprintf(b, "%T:%v", v, v)
	return true
}
