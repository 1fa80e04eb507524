package registry

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"qualstate/cfn/schema"
	"qualstate/jsonpatch"
)

// NameHint says who is creating a resource, for generated physical names.
type NameHint struct {
	// StackName is the stack creating the resource; "" when Cloud Control
	// creates it.
	StackName string
	// LogicalID is the resource's logical id in the stack's template.
	LogicalID string
}

// Error is a failure as a resource handler reports it. Code is a Cloud
// Control HandlerErrorCode: "InvalidRequest", "NotUpdatable",
// "AlreadyExists", "NotFound", "GeneralServiceException" or
// "ServiceLimitExceeded". Message is written as AWS writes it, a sentence
// for the person reading the stack's events.
type Error struct {
	// Code is the handler error code.
	Code string
	// Message says what is wrong.
	Message string
}

// Error renders "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Handler error codes the registry reports.
const (
	codeInvalidRequest   = "InvalidRequest"
	codeNotUpdatable     = "NotUpdatable"
	codeGeneralException = "GeneralServiceException"
)

// Type is a supported resource type. A Type is immutable and safe for
// concurrent use.
type Type struct {
	name   string
	schema *schema.Schema
	spec   *spec

	primary    [][]string
	readOnly   [][]string
	writeOnly  [][]string
	createOnly [][]string
	// roTop holds the top-level properties that are read-only as a whole.
	roTop map[string]bool
}

var (
	typesMu sync.Mutex
	types   = map[string]*Type{}
)

// Lookup returns a supported type. For any other name it returns an
// *Error with Code "InvalidRequest" that names the type and, when the name
// is a slip for a supported one, suggests it.
func Lookup(typeName string) (*Type, error) {
	typesMu.Lock()
	defer typesMu.Unlock()
	if t, ok := types[typeName]; ok {
		return t, nil
	}
	sp, ok := specs[typeName]
	var s *schema.Schema
	if ok {
		s, ok = schema.Lookup(typeName)
	}
	if !ok {
		return nil, unsupported(typeName)
	}
	t := &Type{name: typeName, schema: s, spec: sp, roTop: map[string]bool{}}
	for _, l := range []struct {
		pointers []string
		dst      *[][]string
	}{
		{s.PrimaryIdentifier(), &t.primary},
		{s.ReadOnlyProperties(), &t.readOnly},
		{s.WriteOnlyProperties(), &t.writeOnly},
		{s.CreateOnlyProperties(), &t.createOnly},
	} {
		for _, p := range l.pointers {
			if path, ok := schemaPath(p); ok {
				*l.dst = append(*l.dst, path)
			}
		}
	}
	for _, p := range t.readOnly {
		if len(p) == 1 {
			t.roTop[p[0]] = true
		}
	}
	types[typeName] = t
	return t, nil
}

// unsupported explains that the sandbox has no such type.
func unsupported(typeName string) *Error {
	msg := fmt.Sprintf("Resource type %s is not supported by the sandbox.", typeName)
	if best := closest(typeName, Names()); best != "" {
		msg += fmt.Sprintf(" Did you mean %s?", best)
	} else if _, ok := schema.Lookup(typeName); ok {
		msg += " It is a CloudFormation resource type, but the sandbox does not simulate it."
	}
	return &Error{Code: codeInvalidRequest, Message: msg}
}

// closest returns the candidate a misspelt type name most likely meant:
// one equal but for case, else the nearest within three edits.
func closest(word string, candidates []string) string {
	best, bestDist := "", 4
	for _, c := range candidates {
		if strings.EqualFold(c, word) {
			return c
		}
		if d := distance(strings.ToLower(word), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between two strings, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Names lists the supported types, sorted.
func Names() []string {
	out := make([]string, 0, len(specs))
	for name := range specs {
		if _, ok := schema.Lookup(name); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Name is the type's name, e.g. "AWS::S3::Bucket".
func (t *Type) Name() string { return t.name }

// Schema is the type's provider schema.
func (t *Type) Schema() *schema.Schema { return t.schema }

// Service is the endpoint prefix of the type's service, which CloudTrail
// events carry as eventSource ("s3" for s3.amazonaws.com).
func (t *Type) Service() string { return t.spec.service }

// CloudControl reports whether Cloud Control can manage the type: its
// schema has handlers. CloudFormation provisions the others too.
func (t *Type) CloudControl() bool { return len(t.schema.HandlerPermissions("create")) > 0 }

// Identifier joins the values of the primary identifier's properties with
// "|", Cloud Control's form of a compound identifier.
func (t *Type) Identifier(model map[string]any) (string, error) {
	parts := make([]string, 0, len(t.primary))
	for _, path := range t.primary {
		v, _ := get(model, path...)
		s := scalar(v)
		if s == "" {
			return "", &Error{Code: codeInvalidRequest, Message: fmt.Sprintf("The model of %s has no value for %s, a property of its primary identifier.", t.name, strings.Join(path, "."))}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "|"), nil
}

// scalar writes a string or number identifier value; "" for anything else.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// IdentifierProperties reads an identifier back into the properties it
// joins, e.g. {"BucketName": "my-bucket"}.
func (t *Type) IdentifierProperties(id string) (map[string]any, error) {
	parts := strings.SplitN(id, "|", len(t.primary))
	if len(parts) != len(t.primary) || slices.Contains(parts, "") {
		names := make([]string, len(t.primary))
		for i, p := range t.primary {
			names[i] = strings.Join(p, ".")
		}
		return nil, &Error{Code: codeInvalidRequest, Message: fmt.Sprintf("Identifier %q is not an identifier of %s, which is %s.", id, t.name, strings.Join(names, "|"))}
	}
	out := map[string]any{}
	for i, path := range t.primary {
		set(out, parts[i], path...)
	}
	return out, nil
}

// Create provisions a resource from the desired properties: it checks them
// against the schema and the service's own rules, applies the defaults
// the service applies, names the resource when the template does not, and
// sets every read-only property. The result is the resource's model.
func (t *Type) Create(env Env, desired map[string]any, hint NameHint) (map[string]any, error) {
	m, err := t.prepare(desired)
	if err != nil {
		return nil, err
	}
	if p := t.rules(m); len(p) > 0 {
		return nil, p.error()
	}
	g := newGen(env, hint, t.name)
	t.complete(g, m, nil)
	if g.err != nil {
		return nil, &Error{Code: codeGeneralException, Message: g.err.Error()}
	}
	return m, nil
}

// RequiresReplacement lists the create-only properties whose values differ
// between the current model and the desired state, in the schema's order.
// A property the service chose (a generated name, a zone) that the desired
// state leaves out is not a change, nor is a default stated or left out.
func (t *Type) RequiresReplacement(current, desired map[string]any) []string {
	d, err := normalize(desired, nil)
	if err != nil || d == nil {
		return nil
	}
	next := d.(map[string]any)
	t.canonical(next)
	t.schema.Coerce(next)
	return t.replacements(current, next)
}

func (t *Type) replacements(current, next map[string]any) []string {
	// What the service sets inside a create-only property (the VPC id
	// inside a VPC's encryption control) is no part of the comparison.
	current, next = t.Desired(current), t.Desired(next)
	t.keepChosen(current, next)
	t.defaults(Env{}, next)
	var out []string
	for _, path := range t.createOnly {
		if slices.Contains(out, path[0]) {
			continue
		}
		cut := path
		if i := slices.Index(path, "*"); i >= 0 {
			cut = path[:i]
		}
		a, inCurrent := get(current, cut...)
		b, inNext := get(next, cut...)
		if inCurrent != inNext || inCurrent && !jsonpatch.Equal(a, b) {
			out = append(out, path[0])
		}
	}
	return out
}

// keepChosen copies into next what the service chose for current and the
// caller leaves out: the generated name and the spec's chosen properties.
func (t *Type) keepChosen(current, next map[string]any) {
	chosen := t.spec.chosen
	if t.spec.name != nil {
		chosen = append([]string{t.spec.name.prop}, chosen...)
	}
	for _, p := range chosen {
		path := strings.Split(p, ".")
		if v, ok := get(current, path...); ok && !has(next, path...) {
			set(next, jsonpatch.Clone(v), path...)
		}
	}
}

// Update changes a resource in place to the desired state, which has no
// read-only properties (or only their current values). A create-only
// property that changes makes it fail with NotUpdatable: the caller
// replaces the resource instead. Read-only properties and the identifier
// stay; defaults apply again to what the desired state leaves out.
func (t *Type) Update(env Env, current, desired map[string]any) (map[string]any, error) {
	cur, err := normalize(current, nil)
	if err != nil {
		return nil, &Error{Code: codeInvalidRequest, Message: "The current model is not JSON: " + err.Error()}
	}
	curModel, _ := cur.(map[string]any)
	d, err := normalize(desired, nil)
	if err != nil {
		return nil, &Error{Code: codeInvalidRequest, Message: "Properties validation failed for resource with message: " + err.Error()}
	}
	next, _ := d.(map[string]any)
	if next == nil {
		next = map[string]any{}
	}
	var changed []string
	for _, path := range t.readOnly {
		for _, found := range find(next, path) {
			if v, ok := get(curModel, found.path...); !ok || !jsonpatch.Equal(v, found.value) {
				changed = append(changed, jsonPointer(found.path...))
			}
		}
		remove(next, path)
	}
	if len(changed) > 0 {
		return nil, &Error{Code: codeInvalidRequest, Message: "Properties validation failed for resource with message: read-only properties cannot be changed: " + strings.Join(changed, ", ")}
	}
	m, err := t.prepare(next)
	if err != nil {
		return nil, err
	}
	if props := t.replacements(curModel, m); len(props) > 0 {
		return nil, &Error{Code: codeNotUpdatable, Message: fmt.Sprintf("Resource of type %s cannot be updated in place: %s can only be set when it is created (replace the resource to change %s).", t.name, joinAnd(props), them(len(props)))}
	}
	t.keepChosen(curModel, m)
	if p := t.rules(m); len(p) > 0 {
		return nil, p.error()
	}
	g := newGen(env, NameHint{}, t.name)
	t.complete(g, m, curModel)
	if g.err != nil {
		return nil, &Error{Code: codeGeneralException, Message: g.err.Error()}
	}
	return m, nil
}

func joinAnd(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// Ref is what Ref gives for the resource; for every supported type it is
// the physical id, its primary identifier.
func (t *Type) Ref(model map[string]any) any {
	if t.spec.ref != nil {
		return t.spec.ref(model)
	}
	id, err := t.Identifier(model)
	if err != nil {
		return nil
	}
	return id
}

// GetAtt is what Fn::GetAtt gives for an attribute ("Arn",
// "Endpoint.Address"); false when the type has no such attribute or the
// resource has no value for it.
func (t *Type) GetAtt(model map[string]any, attribute string) (any, bool) {
	if !t.schema.HasAttribute(attribute) && !slices.Contains(t.spec.attributes, attribute) {
		return nil, false
	}
	v, ok := get(model, strings.Split(attribute, ".")...)
	if !ok || v == nil {
		return nil, false
	}
	return jsonpatch.Clone(v), true
}

// Public copies a model without its write-only properties: what Cloud
// Control's GetResource returns.
func (t *Type) Public(model map[string]any) map[string]any {
	out := clone(model)
	for _, path := range t.writeOnly {
		prune(out, path)
	}
	return out
}

// Desired copies a model without its read-only properties, write-only
// ones kept: the desired state that Cloud Control's UpdateResource
// patches.
func (t *Type) Desired(model map[string]any) map[string]any {
	out := clone(model)
	for _, path := range t.readOnly {
		prune(out, path)
	}
	return out
}

// prune removes the values at a path and then the objects that removal
// left empty, which the caller never wrote.
func prune(m map[string]any, path []string) {
	remove(m, path)
	for i := len(path) - 1; i > 0; i-- {
		parent := path[:i]
		if slices.Contains(parent, "*") {
			return
		}
		if o := object(m, parent...); o == nil || len(o) > 0 {
			return
		}
		remove(m, parent)
	}
}

// ARN is the resource's ARN as its model carries it; "" for a type whose
// model carries none (an inline policy, an EC2 network resource, whose
// ARNs CloudFormation does not expose).
func (t *Type) ARN(model map[string]any) string {
	if t.spec.arn == "" {
		return ""
	}
	return strings.TrimSuffix(str(model, t.spec.arn), ":*")
}

// IAM reports whether creating the resource needs CAPABILITY_IAM (it is an
// IAM resource) and CAPABILITY_NAMED_IAM (it has a custom name).
func (t *Type) IAM(desired map[string]any) (needsIAM, named bool) {
	if t.spec.service != "iam" {
		return false, false
	}
	for _, p := range []string{"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"} {
		if v, ok := desired[p]; ok && v != nil && v != "" {
			named = true
		}
	}
	return true, named
}
