package registry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"qualstate/cfn/schema"
	"qualstate/jsonpatch"
)

// spec is what a type's schema cannot say: the service, its naming, its
// defaults, its rules, the formats of what it generates.
type spec struct {
	// service is the endpoint prefix of the type's service.
	service string
	// name, when set, is how the type names resources the caller does
	// not name.
	name *nameRule
	// arn is the property carrying the resource's ARN; "" when none does.
	arn string
	// chosen lists (dotted) properties the service chooses when the
	// caller leaves them out, beyond the name; an update that leaves them
	// out keeps what was chosen instead of counting a change.
	chosen []string
	// policies lists properties holding policy documents, which the
	// service stores, and Cloud Control returns, as JSON objects
	// whichever way the template writes them.
	policies []string
	// conditional maps read-only attributes that AWS sets only in some
	// configurations (a stream's ARN when the table has a stream) to the
	// test of the model that tells whether it does.
	conditional map[string]func(m map[string]any) bool
	// attributes lists Fn::GetAtt attributes CloudFormation documents for
	// the type beyond those the schema gives.
	attributes []string
	// canon rewrites the desired state as the service stores it
	// (identifiers lowercased); it runs before validation.
	canon func(m map[string]any)
	// check applies the service's rules beyond the schema to a desired
	// state that satisfies the schema.
	check func(m map[string]any) problems
	// defaults sets what the service sets for properties left out; it
	// only draws on the env, never on randomness, so that an update can
	// apply it again and compare.
	defaults func(e Env, m map[string]any)
	// generate sets the read-only properties still missing.
	generate func(g *gen, m map[string]any)
	// update adjusts read-only properties an in-place update changes
	// (version numbers, update times), given the model before it.
	update func(g *gen, current, next map[string]any)
	// ref, when set, is what Ref gives instead of the identifier.
	ref func(m map[string]any) any
}

// problem is one broken rule of a service, at a path in the properties.
type problem struct {
	path []string
	msg  string
}

// problems collects the broken rules of one request.
type problems []problem

func (ps *problems) add(msg string, path ...string) {
	*ps = append(*ps, problem{path: path, msg: msg})
}

func (ps *problems) addf(path []string, format string, args ...any) {
	ps.add(fmt.Sprintf(format, args...), path...)
}

func (ps problems) error() *Error {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = jsonPointer(p.path...) + ": " + p.msg
	}
	return &Error{Code: codeInvalidRequest, Message: "Invalid request provided: " + strings.Join(parts, "; ")}
}

// validationError reports schema violations the way CloudFormation's
// registry does, each with the JSON pointer of the offending value.
func validationError(vs []schema.Violation) *Error {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = "#" + v.Pointer + ": " + v.Message
	}
	return &Error{Code: codeInvalidRequest, Message: "Properties validation failed for resource with message: " + strings.Join(parts, "; ")}
}

// prepare copies a desired state, brings it to the form the service
// stores and validates it against the schema.
func (t *Type) prepare(desired map[string]any) (map[string]any, error) {
	v, err := normalize(desired, nil)
	if err != nil {
		return nil, &Error{Code: codeInvalidRequest, Message: "Properties validation failed for resource with message: " + err.Error()}
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	malformed := t.canonical(m)
	t.schema.Coerce(m)
	if vs := t.schema.Validate(m); len(vs) > 0 {
		return nil, validationError(vs)
	}
	if len(malformed) > 0 {
		return nil, malformed.error()
	}
	return m, nil
}

// canonical rewrites a desired state as the service stores it: policy
// documents written as JSON text become objects.
func (t *Type) canonical(m map[string]any) problems {
	var ps problems
	for _, p := range t.spec.policies {
		path := strings.Split(p, ".")
		for _, found := range find(m, path) {
			text, ok := found.value.(string)
			if !ok {
				continue
			}
			var doc any
			if err := json.Unmarshal([]byte(text), &doc); err != nil {
				ps.add("the policy document is not valid JSON (MalformedPolicyDocument): "+err.Error(), found.path...)
				continue
			}
			if _, isObject := doc.(map[string]any); !isObject {
				ps.add("the policy document must be a JSON object (MalformedPolicyDocument)", found.path...)
				continue
			}
			set(m, doc, found.path...)
		}
	}
	if t.spec.canon != nil {
		t.spec.canon(m)
	}
	return ps
}

// rules applies the service's rules beyond the schema.
func (t *Type) rules(m map[string]any) problems {
	if t.spec.check == nil {
		return nil
	}
	return t.spec.check(m)
}

// defaults sets the service's defaults, then the schema's, for what the
// desired state leaves out.
func (t *Type) defaults(e Env, m map[string]any) {
	if t.spec.defaults != nil {
		t.spec.defaults(e, m)
	}
	placeholders := strings.NewReplacer("<partition>", e.partition(), "<account-id>", e.Account, "<region>", e.Region)
	for name, v := range t.schema.Defaults() {
		if !has(m, name) {
			m[name] = fill(v, placeholders)
		}
	}
}

// fill puts the env into a schema default that names it by placeholder
// (a key policy's "arn:<partition>:iam::<account-id>:root").
func fill(v any, r *strings.Replacer) any {
	switch v := v.(type) {
	case string:
		return r.Replace(v)
	case map[string]any:
		for k, item := range v {
			v[k] = fill(item, r)
		}
	case []any:
		for i, item := range v {
			v[i] = fill(item, r)
		}
	}
	return v
}

// complete turns a valid desired state into a model: name, defaults,
// read-only properties (current's, on an update, where they still
// apply).
func (t *Type) complete(g *gen, m, current map[string]any) {
	if rule := t.spec.name; rule != nil && !has(m, rule.prop) {
		m[rule.prop] = g.name(*rule, m)
	}
	t.defaults(g.env, m)
	if current != nil {
		t.carry(current, m)
		if t.spec.update != nil {
			t.spec.update(g, current, m)
		}
	}
	if t.spec.generate != nil {
		t.spec.generate(g, m)
	}
	t.fallback(g, m)
	for attr, on := range t.spec.conditional {
		if !on(m) {
			prune(m, strings.Split(attr, "."))
		}
	}
	t.schema.Coerce(m)
}

// carry copies the current read-only values into the next model where
// what holds them is still there.
func (t *Type) carry(current, next map[string]any) {
	for _, path := range t.readOnly {
		for _, found := range find(current, path) {
			p := found.path
			if has(next, p...) {
				continue
			}
			if len(p) > 1 && !t.roTop[p[0]] {
				if _, ok := get(next, p[:len(p)-1]...); !ok {
					continue
				}
			}
			set(next, jsonpatch.Clone(found.value), p...)
		}
	}
}

// fallback gives a read-only property that no generator knows a plausible
// value by its name, so that Fn::GetAtt resolves: a schema refreshed with
// a new attribute must not break templates that read it.
func (t *Type) fallback(g *gen, m map[string]any) {
	for _, path := range t.readOnly {
		if slices.Contains(path, "*") || has(m, path...) {
			continue
		}
		if len(path) > 1 && !t.roTop[path[0]] {
			if object(m, path[:len(path)-1]...) == nil {
				continue
			}
		}
		if t.isParent(path) || t.unset(m, path) {
			continue
		}
		set(m, plausible(g, t.spec.service, path[len(path)-1]), path...)
		g.guessed = append(g.guessed, strings.Join(path, "."))
	}
}

// unset reports whether a read-only property is one AWS leaves unset in
// the model's configuration.
func (t *Type) unset(m map[string]any, path []string) bool {
	attr := strings.Join(path, ".")
	for key, on := range t.spec.conditional {
		if (attr == key || strings.HasPrefix(attr, key+".")) && !on(m) {
			return true
		}
	}
	return false
}

// isParent reports whether other read-only properties lie beneath a path:
// it is then an object their values make up.
func (t *Type) isParent(path []string) bool {
	for _, other := range t.readOnly {
		if len(other) > len(path) && slices.Equal(other[:len(path)], path) {
			return true
		}
	}
	return false
}

// plausible makes up a value for a read-only property from its name.
func plausible(g *gen, service, name string) any {
	switch {
	case strings.HasSuffix(name, "Arn") || strings.HasSuffix(name, "ARN"):
		return g.env.arn(service, strings.ToLower(g.short)+"/"+g.uuid())
	case strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID"):
		return g.uuid()
	case strings.HasSuffix(name, "Time") || strings.HasSuffix(name, "Date"):
		return timestamp(g.now)
	case strings.HasSuffix(name, "Url") || strings.HasSuffix(name, "URL"):
		return "https://" + g.env.Region + "." + service + "." + g.env.dnsSuffix() + "/" + g.pick(12, lowerAlnum)
	case strings.HasSuffix(name, "Status") || strings.HasSuffix(name, "State"):
		return "available"
	case strings.HasSuffix(name, "Name"):
		return g.name(nameRule{max: 64}, nil)
	}
	return ""
}
