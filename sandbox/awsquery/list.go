package awsquery

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// member is one parameter of a list: name.member.{index}[.{field}].
type member struct {
	key   string // the full parameter name, for error messages
	raw   string // the index as sent, to tell "1" from "01"
	index uint64
	field string // "" for a list of strings
	hasF  bool
	value string
}

// List returns the list of strings sent as name.member.1 … name.member.N,
// in index order. botocore and the Go SDK send an empty list as the
// single parameter "name=" (see ListPresent); that decodes to an empty,
// non-nil slice. An absent list is nil. A missing, repeated or
// non-numeric index is an error, since the order of the members is
// meaningful and a hole means the request was mangled.
func (v Values) List(name string) ([]string, error) {
	ms, empty, err := v.members(name)
	if err != nil || ms == nil && !empty {
		return nil, err
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.hasF {
			return nil, fmt.Errorf("parameter %q: %q is a list of strings, its members have no fields", v.prefix+m.key, v.prefix+name)
		}
		out = append(out, m.value)
	}
	return out, nil
}

// ListPresent reports whether the list name was sent at all, even empty.
// The difference matters for operations such as UpdateStack, where
// "Capabilities=" clears the capabilities while an absent Capabilities
// keeps the previous ones.
func (v Values) ListPresent(name string) bool {
	if v.Has(name) {
		return true
	}
	prefix := name + "."
	i, _ := slices.BinarySearch(v.keys, prefix)
	return i < len(v.keys) && strings.HasPrefix(v.keys[i], prefix)
}

// Structs returns the list of structures sent as name.member.N.Field…,
// one Values per N in index order, with the "name.member.N." prefix
// stripped: the first member's ParameterKey is
// Structs("Parameters")[0].String("ParameterKey"), and a list nested in
// a member is read with List or Structs on that member. The empty and
// absent forms and the index rules are those of List.
func (v Values) Structs(name string) ([]Values, error) {
	ms, empty, err := v.members(name)
	if err != nil || ms == nil && !empty {
		return nil, err
	}
	out := make([]Values, 0, len(ms))
	for i := 0; i < len(ms); {
		j := i
		for j < len(ms) && ms[j].index == ms[i].index {
			j++
		}
		sub := Values{
			m:      make(map[string]string, j-i),
			keys:   make([]string, 0, j-i),
			prefix: v.prefix + name + ".member." + ms[i].raw + ".",
		}
		for _, m := range ms[i:j] {
			if !m.hasF {
				return nil, fmt.Errorf("parameter %q: %q is a list of structures, its members need a field name", v.prefix+m.key, v.prefix+name)
			}
			sub.m[m.field] = m.value
			sub.keys = append(sub.keys, m.field)
		}
		out = append(out, sub)
		i = j
	}
	return out, nil
}

// members collects the parameters of the list name, ordered by index and
// then by name, and checks that the indexes run from 1 without a hole.
// empty reports the "name=" form of an empty list.
func (v Values) members(name string) (ms []member, empty bool, err error) {
	full := v.prefix + name
	single, hasSingle := v.m[name]
	if hasSingle && single != "" {
		return nil, false, fmt.Errorf("parameter %q: a list is sent as %s.member.N, not as a single value", full, full)
	}
	prefix := name + "."
	i, _ := slices.BinarySearch(v.keys, prefix)
	for ; i < len(v.keys) && strings.HasPrefix(v.keys[i], prefix); i++ {
		key := v.keys[i]
		rest, ok := strings.CutPrefix(key[len(prefix):], "member.")
		if !ok {
			return nil, false, fmt.Errorf("parameter %q: list members are sent as %s.member.N", v.prefix+key, full)
		}
		raw, field, hasF := strings.Cut(rest, ".")
		index, err := parseIndex(raw)
		if err != nil {
			return nil, false, fmt.Errorf("parameter %q: %w", v.prefix+key, err)
		}
		if hasF && field == "" {
			return nil, false, fmt.Errorf("parameter %q: empty field name", v.prefix+key)
		}
		ms = append(ms, member{key: key, raw: raw, index: index, field: field, hasF: hasF, value: v.m[key]})
	}
	if hasSingle && len(ms) > 0 {
		return nil, false, fmt.Errorf("list %q is sent both empty (%s=) and with members", full, full)
	}
	// The keys are sorted as strings, where "10" comes before "2"; a
	// stable sort by number keeps each member's fields in name order.
	slices.SortStableFunc(ms, func(a, b member) int { return cmp.Compare(a.index, b.index) })
	var want uint64 = 1
	for k, m := range ms {
		if k > 0 && m.index == ms[k-1].index {
			if m.raw != ms[k-1].raw {
				return nil, false, fmt.Errorf("list %q: index %d is sent more than once (%q and %q)", full, m.index, v.prefix+ms[k-1].key, v.prefix+m.key)
			}
			continue
		}
		if m.index != want {
			return nil, false, fmt.Errorf("list %q: index %d is missing (next sent is %d)", full, want, m.index)
		}
		want++
	}
	return ms, hasSingle, nil
}

// parseIndex parses a list index, which is a positive decimal number.
func parseIndex(raw string) (uint64, error) {
	for i := 0; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			return 0, fmt.Errorf("index %q is not a number", raw)
		}
	}
	if raw == "" {
		return 0, fmt.Errorf("index %q is not a number", raw)
	}
	n, err := strconv.ParseUint(raw, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("index %q is too large", raw)
	}
	if n == 0 {
		return 0, fmt.Errorf("index %q is out of range: list indexes start at 1", raw)
	}
	return n, nil
}
