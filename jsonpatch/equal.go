package jsonpatch

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Equal reports whether two JSON values are equal as RFC 6902's test
// operation defines it: numbers by value whatever their Go type (int64(5)
// equals float64(5)), strings by their characters, objects by their members
// regardless of order, arrays element by element.
func Equal(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x.equal(y)
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	// Values of other types are compared as Go values: they are leaves the
	// patch cannot look into.
	return a == b
}

// num holds a JSON number exactly when it is an integer that fits 64 bits.
type num struct {
	isInt bool
	i     int64
	u     uint64 // integers above MaxInt64
	big   bool   // u is in use
	f     float64
}

func (x num) float() float64 {
	switch {
	case x.big:
		return float64(x.u)
	case x.isInt:
		return float64(x.i)
	}
	return x.f
}

func (x num) equal(y num) bool {
	if x.isInt && y.isInt {
		return x.big == y.big && x.i == y.i && x.u == y.u
	}
	// Comparing an integer with a float: equal only if the float is that
	// integer exactly, so 2^53+1 is not equal to the float nearest to it.
	if x.isInt {
		x, y = y, x
	}
	if y.isInt {
		if x.f != math.Trunc(x.f) || math.IsInf(x.f, 0) {
			return false
		}
		if y.big {
			return x.f >= 1<<63 && x.f < 1<<64 && uint64(x.f) == y.u
		}
		return x.f >= -(1<<63) && x.f < 1<<63 && int64(x.f) == y.i
	}
	return x.float() == y.float()
}

func number(v any) (num, bool) {
	switch n := v.(type) {
	case int:
		return num{isInt: true, i: int64(n)}, true
	case int8:
		return num{isInt: true, i: int64(n)}, true
	case int16:
		return num{isInt: true, i: int64(n)}, true
	case int32:
		return num{isInt: true, i: int64(n)}, true
	case int64:
		return num{isInt: true, i: n}, true
	case uint:
		return unsigned(uint64(n)), true
	case uint8:
		return unsigned(uint64(n)), true
	case uint16:
		return unsigned(uint64(n)), true
	case uint32:
		return unsigned(uint64(n)), true
	case uint64:
		return unsigned(n), true
	case float32:
		return floating(float64(n)), true
	case float64:
		return floating(n), true
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return num{isInt: true, i: i}, true
		}
		if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
			return unsigned(u), true
		}
		f, err := n.Float64()
		return floating(f), err == nil
	}
	return num{}, false
}

func unsigned(u uint64) num {
	if u <= math.MaxInt64 {
		return num{isInt: true, i: int64(u)}
	}
	return num{isInt: true, big: true, u: u}
}

func floating(f float64) num { return num{f: f} }

// kind names a value's JSON type for messages.
func kind(v any) string {
	if _, ok := number(v); ok {
		return "a number"
	}
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}

// brief renders a value as JSON, cut short for messages.
func brief(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return kind(v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}
