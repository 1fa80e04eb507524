package registry

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// The checks below state rules the services enforce and the schemas do
// not: allowed values of properties the schemas type as plain strings,
// ranges, names, and properties that need or exclude each other.

// enum reports a string property that is not one of the allowed values.
func (ps *problems) enum(m map[string]any, path []string, allowed ...string) {
	v, ok := get(m, path...)
	if !ok {
		return
	}
	s, isString := v.(string)
	if isString && slices.Contains(allowed, s) {
		return
	}
	ps.addf(path, "must be one of %s; got %s", strings.Join(allowed, ", "), describe(v))
}

// between reports an integer property outside [lo, hi].
func (ps *problems) between(m map[string]any, lo, hi int64, path ...string) {
	n, ok := integer(m, path...)
	if ok && (n < lo || n > hi) {
		ps.addf(path, "must be between %d and %d; got %d", lo, hi, n)
	}
}

// named reports a name that breaks a service's naming rule.
func (ps *problems) named(m map[string]any, prop string, re *regexp.Regexp, rule string) {
	if s, ok := m[prop].(string); ok && !re.MatchString(s) {
		ps.addf([]string{prop}, "%s; got %q", rule, s)
	}
}

// requires reports a property given without another it needs.
func (ps *problems) requires(m map[string]any, prop, needed string) {
	if has(m, prop) && !has(m, needed) {
		ps.addf([]string{prop}, "%s requires %s", prop, needed)
	}
}

// exclusive reports properties given together that exclude each other.
func (ps *problems) exclusive(m map[string]any, props ...string) {
	var given []string
	for _, p := range props {
		if has(m, p) {
			given = append(given, p)
		}
	}
	if len(given) > 1 {
		ps.addf(nil, "%s cannot be given together", joinAnd(given))
	}
}

// oneRequired reports that none of the properties is given.
func (ps *problems) oneRequired(m map[string]any, path []string, props ...string) {
	for _, p := range props {
		if has(m, append(slices.Clone(path), p)...) {
			return
		}
	}
	ps.addf(path, "one of %s is required", strings.Join(props, ", "))
}

// describe writes a value for a message.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// cidr4 checks an IPv4 CIDR block as EC2 does: a network address, with a
// prefix in [lo, hi].
func (ps *problems) cidr4(m map[string]any, lo, hi int, path ...string) {
	s := str(m, path...)
	if s == "" {
		return
	}
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil || !p.Addr().Is4():
		ps.addf(path, "%q is not an IPv4 CIDR block", s)
	case p.Masked() != p:
		ps.addf(path, "%q is not a network address; the block is %s", s, p.Masked())
	case p.Bits() < lo || p.Bits() > hi:
		ps.addf(path, "the prefix of %q must be between /%d and /%d", s, lo, hi)
	}
}

// portRules checks the ports of a security group rule: TCP and UDP need
// both ends of a range.
func (ps *problems) portRules(rule map[string]any, path []string) {
	switch strings.ToLower(str(rule, "IpProtocol")) {
	case "tcp", "udp", "6", "17":
		from, hasFrom := integer(rule, "FromPort")
		to, hasTo := integer(rule, "ToPort")
		switch {
		case !hasFrom || !hasTo:
			ps.add("TCP and UDP rules need FromPort and ToPort", path...)
		case from < 0 || to > 65535 || from > to:
			ps.addf(path, "the port range %d-%d is not valid", from, to)
		}
	}
}

// lowercase rewrites string properties in lowercase, as services that
// ignore the case of identifiers store them.
func lowercase(props ...string) func(m map[string]any) {
	return func(m map[string]any) {
		for _, p := range props {
			if s, ok := m[p].(string); ok {
				m[p] = strings.ToLower(s)
			}
		}
	}
}

// checks runs several checks as one.
func checks(fs ...func(m map[string]any) problems) func(m map[string]any) problems {
	return func(m map[string]any) problems {
		var out problems
		for _, f := range fs {
			out = append(out, f(m)...)
		}
		return out
	}
}
