package schema

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"qualstate"
)

// Limits that keep validation finite on any input: schemas may refer to
// themselves (a WAF statement holds statements), and alternatives nest.
const (
	// maxDepth bounds how deep validation descends, counting each nested
	// value and each alternative tried.
	maxDepth = 128
	// maxSteps bounds the schema nodes one Validate or Coerce call visits;
	// the largest real resources need a few thousand.
	maxSteps = 1 << 18
)

// stepLimit is maxSteps, lowered by tests that reach the limit on purpose.
var stepLimit = maxSteps

// limits is the budget one Validate call shares with every alternative it
// tries, and where it ran out.
type limits struct {
	steps     int
	exhausted bool
	at        string
	reason    string
}

func newLimits() *limits { return &limits{steps: stepLimit} }

// Validate checks resolved template properties against the schema and
// returns every violation, in a stable order. Values of type
// *qualstate.Unknown are valid wherever they appear: they are decided
// after deployment. Read-only properties written in a template are
// violations. Validate is strict about types: call Coerce first to accept
// what CloudFormation converts ("30" for an integer).
func (s *Schema) Validate(props map[string]any) []Violation {
	if props == nil {
		props = map[string]any{}
	}
	v := &validator{limits: newLimits()}
	v.value(s.root, props, s.readOnlyTree, 0)
	if v.limits.exhausted {
		// What was found before the limit stands; the rest is unchecked,
		// which a violation must say, or silence would read as a pass.
		v.out = append(v.out, Violation{Pointer: v.limits.at, Code: CodeTooComplex, Message: v.limits.reason})
	}
	return v.out
}

// validator walks a value and a schema node together.
type validator struct {
	path []segment
	out  []Violation
	// limits are shared with the validators that try alternatives, so
	// the whole call stays within maxSteps.
	limits *limits
	// sawUnknown records that a value known only after deployment was
	// passed over: an alternative that "fits" then may not fit later.
	sawUnknown bool
}

// segment is one step of the path to the current value: a property name,
// or an array index.
type segment struct {
	name  string
	index bool
}

func (v *validator) push(name string, index bool) { v.path = append(v.path, segment{name, index}) }
func (v *validator) pop()                         { v.path = v.path[:len(v.path)-1] }

// pointer is the JSON pointer of the current value.
func (v *validator) pointer() string {
	var b strings.Builder
	for _, s := range v.path {
		b.WriteByte('/')
		b.WriteString(escapePointer(s.name))
	}
	return b.String()
}

// label names the current value for a message: the property, with the
// indexes of the arrays it sits in ("Tags[2]").
func (v *validator) label() string {
	i := len(v.path) - 1
	for i >= 0 && v.path[i].index {
		i--
	}
	var b strings.Builder
	if i >= 0 {
		b.WriteString(strconv.Quote(v.path[i].name))
	} else if len(v.path) > 0 {
		b.WriteString("item")
	} else {
		return "the properties"
	}
	for _, s := range v.path[i+1:] {
		b.WriteString("[" + s.name + "]")
	}
	return b.String()
}

func (v *validator) report(code, format string, args ...any) {
	v.out = append(v.out, Violation{Pointer: v.pointer(), Code: code, Message: fmt.Sprintf(format, args...)})
}

// spend takes one step from the budget; false means a limit was reached
// (now or before) and nothing more is checked.
func (v *validator) spend(depth int) bool {
	l := v.limits
	switch {
	case l.exhausted:
		return false
	case depth > maxDepth:
		l.reason = fmt.Sprintf("nested deeper than %d levels; not checked from here on", maxDepth)
	case l.steps <= 0:
		l.reason = fmt.Sprintf("too large to check in full (over %d steps); not checked from here on", stepLimit)
	default:
		l.steps--
		return true
	}
	l.exhausted, l.at = true, v.pointer()
	return false
}

// sub returns a validator for trying an alternative: same place, same
// budget, its own findings.
func (v *validator) sub() *validator {
	// Sharing the path's backing array is safe: the parent waits while
	// the alternative runs, and its own length is untouched.
	return &validator{path: v.path, limits: v.limits}
}

func (v *validator) value(n *node, val any, ro *pathTree, depth int) {
	if _, unknown := val.(*qualstate.Unknown); unknown {
		v.sawUnknown = true
		return
	}
	if !v.spend(depth) {
		return
	}
	// Keywords beside a $ref are ignored, as draft-07 says; schemas put
	// documentation there, and sometimes a stray "additionalProperties".
	for n.target != nil {
		n = n.target
	}
	k, ok := valueKind(val)
	if !ok {
		v.report(CodeInvalidType, "expected %s, got %s", n.types, describeValue(val))
		return
	}
	if !n.types.admits(k) {
		v.typeMismatch(n, k, val)
		return
	}
	switch k {
	case kindObject:
		v.object(n, val.(map[string]any), ro, depth)
	case kindArray:
		v.array(n, val.([]any), ro, depth)
	case kindString:
		v.string(n, val.(string))
	case kindInteger, kindNumber:
		v.number(n, val)
	}
	if n.enum != nil {
		v.enum(n, val)
	}
	if n.hasConst {
		if containsUnknown(val) {
			v.sawUnknown = true
		} else if !equalValues(val, n.constant) {
			v.report(CodeConst, "%s must be %s; got %s", v.label(), gotText(n.constant), gotText(val))
		}
	}
	for _, b := range n.allOf {
		v.value(b, val, ro, depth+1)
	}
	if len(n.anyOf) > 0 {
		v.alternatives(n.anyOf, false, val, ro, depth)
	}
	if len(n.oneOf) > 0 {
		v.alternatives(n.oneOf, true, val, ro, depth)
	}
	if n.not != nil {
		try := v.sub()
		try.value(n.not, val, ro, depth+1)
		v.sawUnknown = v.sawUnknown || try.sawUnknown
		if len(try.out) == 0 && !try.sawUnknown && !v.limits.exhausted {
			v.report(CodeNot, "%s must not be %s", v.label(), describeBranch(n.not))
		}
	}
}

func (v *validator) typeMismatch(n *node, got kind, val any) {
	msg := fmt.Sprintf("expected %s, got %s", n.types, describeValue(val))
	switch {
	case n.types&kindObject != 0 && got == kindArray && isKeyValueList(val.([]any)):
		// Tags are a list of {Key, Value} for most types, a map for some.
		msg += " (this type takes a map of key: value, not a list of Key and Value)"
	case n.types&kindArray != 0 && got == kindObject && n.items != nil && isKeyValueSchema(resolveTarget(n.items)):
		msg += " (this type takes a list of Key and Value, not a map)"
	case n.types&kindArray != 0 && n.types&got == 0:
		msg += " (a list is needed even for one item)"
	}
	v.out = append(v.out, Violation{Pointer: v.pointer(), Code: CodeInvalidType, Message: msg})
}

// isKeyValueList reports whether a list is written as [{Key, Value}, …].
func isKeyValueList(list []any) bool {
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m["Key"]; !ok {
			return false
		}
	}
	return len(list) > 0
}

// isKeyValueSchema reports whether a schema describes {Key, Value} items.
func isKeyValueSchema(n *node) bool {
	_, key := n.properties["Key"]
	_, value := n.properties["Value"]
	return key && value
}

func (v *validator) object(n *node, obj map[string]any, ro *pathTree, depth int) {
	for _, name := range n.required {
		if _, ok := obj[name]; ok {
			continue
		}
		if child := ro.child(name, false); child != nil && child.leaf {
			// Required and read-only at once: the service fills it in.
			continue
		}
		v.report(CodeRequired, "missing required property %q", name)
	}
	for _, name := range sortedKeys(n.dependencies) {
		if _, ok := obj[name]; !ok {
			continue
		}
		for _, need := range n.dependencies[name] {
			if _, ok := obj[need]; !ok {
				v.report(CodeDependency, "%q requires %q, which is missing", name, need)
			}
		}
	}
	for _, name := range sortedKeys(n.dependencySchemas) {
		if _, ok := obj[name]; ok {
			v.value(n.dependencySchemas[name], obj, ro, depth+1)
		}
	}
	if n.minProperties >= 0 && len(obj) < n.minProperties {
		v.report(CodeMinProperties, "%s must have at least %d %s; got %d", v.label(), n.minProperties, plural(n.minProperties, "entry", "entries"), len(obj))
	}
	if n.maxProperties >= 0 && len(obj) > n.maxProperties {
		v.report(CodeMaxProperties, "%s must have at most %d %s; got %d", v.label(), n.maxProperties, plural(n.maxProperties, "entry", "entries"), len(obj))
	}
	for _, key := range sortedKeys(obj) {
		val := obj[key]
		child := ro.child(key, false)
		v.push(key, false)
		switch {
		case child != nil && child.leaf:
			v.report(CodeReadOnly, "%q is read-only: the service sets it, so a template cannot", key)
		default:
			v.member(n, key, val, child, depth)
		}
		v.pop()
	}
}

// member validates one property of an object against the schema that
// governs it: named, matched by a pattern, or additional.
func (v *validator) member(n *node, key string, val any, ro *pathTree, depth int) {
	matched := false
	if ps, ok := n.properties[key]; ok {
		v.value(ps, val, ro, depth+1)
		matched = true
	}
	for _, pp := range n.patternProperties {
		re := compiledPattern(pp.pattern)
		// A pattern RE2 cannot read might match: give the key the benefit.
		if re == nil || re.MatchString(key) {
			v.value(pp.schema, val, ro, depth+1)
			matched = true
		}
	}
	switch {
	case matched:
	case n.additional != nil:
		v.value(n.additional, val, ro, depth+1)
	case n.closed:
		v.unknownProperty(n, key, ro)
	}
}

func (v *validator) unknownProperty(n *node, key string, ro *pathTree) {
	var names []string
	for _, name := range sortedKeys(n.properties) {
		if child := ro.child(name, false); child == nil || !child.leaf {
			names = append(names, name)
		}
	}
	msg := fmt.Sprintf("unknown property %q", key)
	if best := suggest(key, names); best != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", best)
	} else if len(names) == 0 && len(n.patternProperties) == 0 {
		msg += " (no properties are allowed here)"
	} else if len(names) > 0 && len(names) <= 8 && len(n.patternProperties) == 0 {
		msg += " (expected " + joinOr(names) + ")"
	}
	v.out = append(v.out, Violation{Pointer: v.pointer(), Code: CodeUnknownProperty, Message: msg})
}

func (v *validator) array(n *node, list []any, ro *pathTree, depth int) {
	if n.minItems >= 0 && len(list) < n.minItems {
		v.report(CodeMinItems, "%s must have at least %d %s; got %d", v.label(), n.minItems, plural(n.minItems, "item", "items"), len(list))
	}
	if n.maxItems >= 0 && len(list) > n.maxItems {
		v.report(CodeMaxItems, "%s must have at most %d %s; got %d", v.label(), n.maxItems, plural(n.maxItems, "item", "items"), len(list))
	}
	if n.uniqueItems && len(list) > 1 {
		seen := make(map[string]int, len(list))
		for i, item := range list {
			key, ok := canonicalKey(item)
			if !ok {
				v.sawUnknown = true
				continue
			}
			if first, dup := seen[key]; dup {
				v.push(strconv.Itoa(i), true)
				v.report(CodeUniqueItems, "%s repeats item %d; items must be unique", v.label(), first)
				v.pop()
				continue
			}
			seen[key] = i
		}
	}
	child := ro.child("", true)
	for i, item := range list {
		var itemSchema *node
		switch {
		case i < len(n.tuple):
			itemSchema = n.tuple[i]
		case n.tuple == nil:
			itemSchema = n.items
		}
		if itemSchema == nil {
			continue
		}
		v.push(strconv.Itoa(i), true)
		if child != nil && child.leaf {
			v.report(CodeReadOnly, "%s is read-only: the service sets it, so a template cannot", v.label())
		} else {
			v.value(itemSchema, item, child, depth+1)
		}
		v.pop()
	}
}

func (v *validator) string(n *node, s string) {
	if n.minLength >= 0 || n.maxLength >= 0 {
		length := utf8.RuneCountInString(s)
		if n.minLength >= 0 && length < n.minLength {
			v.report(CodeMinLength, "%s must be at least %d %s long; got %d: %s", v.label(), n.minLength, plural(n.minLength, "character", "characters"), length, quoteShort(s))
		}
		if n.maxLength >= 0 && length > n.maxLength {
			v.report(CodeMaxLength, "%s must be at most %d %s long; got %d: %s", v.label(), n.maxLength, plural(n.maxLength, "character", "characters"), length, quoteShort(s))
		}
	}
	if n.hasPattern {
		if re := compiledPattern(n.pattern); re != nil && !re.MatchString(s) {
			v.report(CodePattern, "%s must match the pattern %s; got %s", v.label(), n.pattern, quoteShort(s))
		}
	}
}

func (v *validator) number(n *node, val any) {
	f, _ := toFloat(val)
	got := scalarText(val)
	if n.minimum.set && f < n.minimum.v {
		v.report(CodeMinimum, "%s must be at least %s; got %s", v.label(), formatNumber(n.minimum.v), got)
	}
	if n.exclusiveMinimum.set && f <= n.exclusiveMinimum.v {
		v.report(CodeMinimum, "%s must be greater than %s; got %s", v.label(), formatNumber(n.exclusiveMinimum.v), got)
	}
	if n.maximum.set && f > n.maximum.v {
		v.report(CodeMaximum, "%s must be at most %s; got %s", v.label(), formatNumber(n.maximum.v), got)
	}
	if n.exclusiveMaximum.set && f >= n.exclusiveMaximum.v {
		v.report(CodeMaximum, "%s must be less than %s; got %s", v.label(), formatNumber(n.exclusiveMaximum.v), got)
	}
	if n.multipleOf > 0 {
		q := f / n.multipleOf
		if math.IsInf(q, 0) || math.Abs(q-math.Round(q)) > 1e-9*math.Max(1, math.Abs(q)) {
			v.report(CodeMultipleOf, "%s must be a multiple of %s; got %s", v.label(), formatNumber(n.multipleOf), got)
		}
	}
}

func (v *validator) enum(n *node, val any) {
	if containsUnknown(val) {
		v.sawUnknown = true
		return
	}
	for _, allowed := range n.enum {
		if equalValues(val, allowed) {
			return
		}
	}
	msg := fmt.Sprintf("%s must be one of %s; got %s", v.label(), listValues(n.enum, 12), gotText(val))
	if best := suggestEnum(val, n.enum); best != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", best)
	}
	v.out = append(v.out, Violation{Pointer: v.pointer(), Code: CodeEnum, Message: msg})
}

// alternatives checks anyOf (exactly false) or oneOf (exactly true). When
// no alternative fits, the one that came closest speaks for all: its type
// matched, and it found the fewest problems.
func (v *validator) alternatives(branches []*node, exactly bool, val any, ro *pathTree, depth int) {
	results := make([][]Violation, len(branches))
	var passed []int
	uncertain := false
	for i, b := range branches {
		try := v.sub()
		try.value(b, val, ro, depth+1)
		if v.limits.exhausted {
			// An alternative cut short proves nothing either way.
			return
		}
		v.sawUnknown = v.sawUnknown || try.sawUnknown
		results[i] = try.out
		if len(try.out) == 0 {
			passed = append(passed, i)
			uncertain = uncertain || try.sawUnknown
			if !exactly {
				return
			}
		}
	}
	switch {
	case len(passed) == 1:
		return
	case len(passed) > 1:
		// An alternative that fits only because a value is not known yet
		// may not fit after deployment: no verdict.
		if uncertain {
			return
		}
		matched := make([]*node, len(passed))
		empty := 0
		for i, p := range passed {
			matched[i] = branches[p]
			if isEmptyNode(resolveTarget(matched[i])) {
				empty++
			}
		}
		// Alternatives that constrain nothing are annotations (links to
		// other types, stripped of their meaning here), not choices.
		if empty > 1 {
			return
		}
		v.report(CodeOneOf, "%s", tooManyAlternatives(matched))
		return
	}
	here := v.pointer()
	if sets, ok := requiredOnly(branches, results, here); ok {
		v.report(CodeRequired, "one of %s is required", joinOr(sets))
		return
	}
	best, bestScore := 0, math.MaxInt
	var types kind
	for i, out := range results {
		score := len(out)
		for _, viol := range out {
			if viol.Pointer == here && viol.Code == CodeInvalidType {
				score += 1 << 20
				types |= resolveTarget(branches[i]).types
			}
		}
		if score < bestScore {
			best, bestScore = i, score
		}
	}
	if bestScore >= 1<<20 && types != 0 {
		// No alternative takes a value of this type at all: one message
		// naming the types they take reads better than one per branch.
		v.report(CodeInvalidType, "expected %s, got %s", types, describeValue(val))
		return
	}
	if len(results[best]) == 0 {
		v.report(CodeNoAlternative, "%s matches none of the alternatives", v.label())
		return
	}
	v.out = append(v.out, results[best]...)
}

// requiredOnly reports whether every alternative is a list of required
// properties and failed only for that, the registry's way of saying "give
// A or B"; it returns each alternative's properties, "A and B".
func requiredOnly(branches []*node, results [][]Violation, here string) ([]string, bool) {
	sets := make([]string, len(branches))
	for i, b := range branches {
		b = resolveTarget(b)
		if len(b.required) == 0 || b.types != 0 && b.types != kindObject {
			return nil, false
		}
		for _, viol := range results[i] {
			if viol.Code != CodeRequired || viol.Pointer != here {
				return nil, false
			}
		}
		sets[i] = joinAnd(b.required)
		if len(b.required) > 1 && len(branches) > 1 {
			sets[i] = "(" + sets[i] + ")"
		}
	}
	return sets, true
}

// tooManyAlternatives explains why a value fits several alternatives where
// exactly one must fit.
func tooManyAlternatives(matched []*node) string {
	var sets []string
	var empty int
	for _, b := range matched {
		b = resolveTarget(b)
		switch {
		case len(b.required) > 0:
			sets = append(sets, joinAnd(b.required))
		case isEmptyNode(b):
			empty++
		default:
			return fmt.Sprintf("matches %d of the alternatives (%s) where exactly one must match", len(matched), describeBranches(matched))
		}
	}
	if empty > 0 && len(sets) == 1 {
		// {} beside {required: [A, B]}: the registry's way to forbid A
		// and B together.
		if strings.Contains(sets[0], " and ") {
			return sets[0] + " may not be given together"
		}
		return sets[0] + " may not be given"
	}
	for i := range sets {
		if strings.Contains(sets[i], " and ") {
			sets[i] = "(" + sets[i] + ")"
		}
	}
	return "only one of " + joinOr(sets) + " may be given"
}

// describeBranch names an alternative for a message.
func describeBranch(b *node) string {
	name := ""
	if b.ref != "" {
		name = b.ref[strings.LastIndexByte(b.ref, '/')+1:]
	}
	b = resolveTarget(b)
	switch {
	case name != "":
		return name
	case len(b.required) > 0 && b.types&^kindObject == 0:
		return "an object with " + joinAnd(b.required)
	case b.enum != nil:
		return "one of " + listValues(b.enum, 6)
	case b.types != 0:
		return b.types.String()
	case isEmptyNode(b):
		return "anything"
	}
	return "a schema at " + b.at
}

func describeBranches(bs []*node) string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = describeBranch(b)
	}
	return strings.Join(out, "; ")
}

func resolveTarget(n *node) *node {
	for n.target != nil {
		n = n.target
	}
	return n
}

// isEmptyNode reports whether a node constrains nothing.
func isEmptyNode(n *node) bool {
	return n.types == 0 && n.ref == "" && len(n.properties) == 0 && len(n.patternProperties) == 0 &&
		n.additional == nil && !n.closed && len(n.required) == 0 && n.enum == nil && !n.hasConst &&
		!n.hasPattern && n.minLength < 0 && n.maxLength < 0 && !n.minimum.set && !n.maximum.set &&
		!n.exclusiveMinimum.set && !n.exclusiveMaximum.set && n.multipleOf == 0 &&
		n.items == nil && n.tuple == nil && n.minItems < 0 && n.maxItems < 0 && !n.uniqueItems &&
		len(n.oneOf)+len(n.anyOf)+len(n.allOf) == 0 && n.not == nil && len(n.dependencies) == 0 &&
		len(n.dependencySchemas) == 0 && n.minProperties < 0 && n.maxProperties < 0
}

// containsUnknown reports whether a value is, or holds, a value known only
// after deployment.
func containsUnknown(val any) bool {
	switch val := val.(type) {
	case *qualstate.Unknown:
		return true
	case map[string]any:
		for _, item := range val {
			if containsUnknown(item) {
				return true
			}
		}
	case []any:
		for _, item := range val {
			if containsUnknown(item) {
				return true
			}
		}
	}
	return false
}

// gotText writes a value for "got …": strings quoted, other scalars bare.
func gotText(val any) string {
	switch val := val.(type) {
	case string:
		return quoteShort(val)
	case map[string]any, []any:
		return describeValue(val)
	}
	return scalarText(val)
}

// listValues lists allowed values the way a person writes them, strings
// unquoted, cutting long lists short.
func listValues(values []any, max int) string {
	var parts []string
	for i, val := range values {
		if i == max {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(values)-max))
			break
		}
		if s, ok := val.(string); ok {
			if s == "" {
				s = `""`
			}
			parts = append(parts, s)
		} else {
			parts = append(parts, gotText(val))
		}
	}
	return strings.Join(parts, ", ")
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinAnd(names []string) string {
	return joinWith(names, "and")
}

func joinOr(names []string) string {
	return joinWith(names, "or")
}

// joinWith writes "A", "A or B", "A, B or C".
func joinWith(names []string, word string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + word + " " + names[len(names)-1]
}
