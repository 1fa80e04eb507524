package monitor

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"qualstate/cfn/schema"
	"qualstate/drift"
	"qualstate/jsonpatch"
)

// PropertyDrift is one top-level property of a resource whose live value
// differs from its baseline.
type PropertyDrift struct {
	// Path is the top-level property as a JSON pointer, "/BucketEncryption".
	Path string
	// Expected and Actual are the whole top-level values as the baseline
	// and the live model have them; nil when absent.
	Expected, Actual any
	// Differences lists what differs inside the value, after
	// normalisation.
	Differences []drift.Difference
}

// Compare compares a resource's live model with its baseline, every
// property in both directions, after normalisation: read-only and
// write-only properties are not compared, unordered arrays are compared as
// sets, number and string forms of a value are equal, empty equals absent,
// and the rules of the type (Rules) apply. The result is sorted by Path.
func Compare(typeName string, baseline, live map[string]any) []PropertyDrift {
	ti := infoOf(typeName)
	var out []PropertyDrift
	for k, bv := range baseline {
		lv, inLive := live[k]
		if d, ok := ti.compareProperty(k, bv, true, lv, inLive, baseline); ok {
			out = append(out, d)
		}
	}
	for k, lv := range live {
		if _, ok := baseline[k]; ok {
			continue
		}
		if d, ok := ti.compareProperty(k, nil, false, lv, true, baseline); ok {
			out = append(out, d)
		}
	}
	if len(out) > 1 {
		slices.SortFunc(out, func(a, b PropertyDrift) int { return strings.Compare(a.Path, b.Path) })
	}
	return out
}

// typeInfo is what comparing a type's models needs from its schema and
// rules, worked out once per type.
type typeInfo struct {
	schema *schema.Schema // nil when the type has no schema
	// skip holds the top-level properties never compared: read-only,
	// write-only or volatile as a whole.
	skip map[string]bool
	// readOnly holds the top-level read-only properties.
	readOnly map[string]bool
	// strip holds, per top-level property, the paths below it (tokens
	// after the property's name, "*" for every item) removed from both
	// sides before comparing.
	strip map[string][][]string
	// tags holds the top-level properties whose aws: tags are dropped.
	tags map[string]bool
	// defaults holds the service defaults of RuleDefault.
	defaults map[string]any
	// minor maps a property compared by RuleMinorVersion to the baseline
	// property that enables it.
	minor map[string]string
}

var (
	typeInfosMu sync.RWMutex
	typeInfos   = map[string]*typeInfo{}
)

// infoOf returns the comparison facts of a type, built on first use.
func infoOf(typeName string) *typeInfo {
	typeInfosMu.RLock()
	ti, ok := typeInfos[typeName]
	typeInfosMu.RUnlock()
	if ok {
		return ti
	}
	ti = buildInfo(typeName)
	typeInfosMu.Lock()
	defer typeInfosMu.Unlock()
	if known, ok := typeInfos[typeName]; ok {
		return known
	}
	typeInfos[typeName] = ti
	return ti
}

func buildInfo(typeName string) *typeInfo {
	ti := &typeInfo{
		skip: map[string]bool{}, readOnly: map[string]bool{}, strip: map[string][][]string{}, tags: map[string]bool{},
		defaults: map[string]any{}, minor: map[string]string{},
	}
	s, ok := schema.Lookup(typeName)
	if ok {
		ti.schema = s
		for _, p := range s.ReadOnlyProperties() {
			if name, ok := strings.CutPrefix(p, "/properties/"); ok && !strings.Contains(name, "/") {
				ti.readOnly[name] = true
			}
		}
		for _, p := range append(s.ReadOnlyProperties(), s.WriteOnlyProperties()...) {
			if rest, ok := strings.CutPrefix(p, "/properties"); ok && strings.HasPrefix(rest, "/") {
				ti.ignore(rest)
			}
		}
	}
	for _, r := range rules {
		if r.Type != typeName && r.Type != "*" {
			continue
		}
		tokens, err := jsonpatch.ParsePointer(r.Path)
		if err != nil || len(tokens) == 0 {
			continue
		}
		switch r.Kind {
		case RuleVolatile:
			ti.ignore(r.Path)
		case RuleSystemTags:
			ti.tags[tokens[0]] = true
		case RuleDefault:
			ti.defaults[tokens[0]] = r.Value
		case RuleMinorVersion:
			ti.minor[tokens[0]] = r.When
		}
	}
	return ti
}

// ignore sets aside the property at a pointer into the properties.
func (ti *typeInfo) ignore(pointer string) {
	tokens, err := jsonpatch.ParsePointer(pointer)
	if err != nil || len(tokens) == 0 {
		return
	}
	if len(tokens) == 1 {
		ti.skip[tokens[0]] = true
		return
	}
	ti.strip[tokens[0]] = append(ti.strip[tokens[0]], tokens[1:])
}

// compareProperty compares one top-level property; ok is false when it
// has not drifted.
func (ti *typeInfo) compareProperty(name string, bv any, inBase bool, lv any, inLive bool, baseline map[string]any) (PropertyDrift, bool) {
	if ti.skip[name] {
		return PropertyDrift{}, false
	}
	b, l := bv, lv
	if paths := ti.strip[name]; len(paths) > 0 {
		b, l = stripped(b, paths), stripped(l, paths)
	}
	if ti.tags[name] {
		if sameTags(b, l) {
			return PropertyDrift{}, false
		}
		b, l = withoutSystemTags(b), withoutSystemTags(l)
	}
	if same(b, l) {
		return PropertyDrift{}, false
	}
	if def, ok := ti.defaults[name]; ok && isEmpty(b) && drift.Equal(def, l) {
		return PropertyDrift{}, false
	}
	if when, ok := ti.minor[name]; ok && isTrue(baseline[when]) && sameFamily(b, l) {
		return PropertyDrift{}, false
	}
	path := "/" + jsonpatch.EscapeToken(name)
	d := differ{schema: ti.schema}
	d.diff(path, b, l)
	if len(d.out) == 0 {
		return PropertyDrift{}, false
	}
	if !inBase {
		bv = nil
	}
	if !inLive {
		lv = nil
	}
	return PropertyDrift{Path: path, Expected: bv, Actual: lv, Differences: d.out}, true
}

// isTrue reports whether a baseline value is true in either form.
func isTrue(v any) bool {
	s, ok := scalarText(v)
	return ok && s == "true"
}

// sameFamily reports whether two versions agree up to their last dot.
func sameFamily(a, b any) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	if !aok || !bok {
		return false
	}
	ai, bi := strings.LastIndexByte(as, '.'), strings.LastIndexByte(bs, '.')
	return ai > 0 && bi > 0 && as[:ai] == bs[:bi]
}

// stripped copies v without the values at the paths; v itself is never
// changed, and is returned as it is when nothing is at the paths.
func stripped(v any, paths [][]string) any {
	if v == nil {
		return nil
	}
	for _, p := range paths {
		if reaches(v, p) {
			out := jsonpatch.Clone(v)
			for _, p := range paths {
				out = removeAt(out, p)
			}
			return out
		}
	}
	return v
}

// reaches reports whether some value lies at the path.
func reaches(v any, path []string) bool {
	if len(path) == 0 {
		return true
	}
	switch x := v.(type) {
	case map[string]any:
		next, ok := x[path[0]]
		return ok && reaches(next, path[1:])
	case []any:
		for _, item := range x {
			if reaches(item, path[1:]) {
				return true
			}
		}
	}
	return false
}

// removeAt removes the values at the path from v, which it owns. An array
// takes the path's next token ("*" or an index) for every item.
func removeAt(v any, path []string) any {
	switch x := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			delete(x, path[0])
			return x
		}
		if next, ok := x[path[0]]; ok {
			x[path[0]] = removeAt(next, path[1:])
		}
	case []any:
		if len(path) == 1 {
			return x
		}
		for i := range x {
			x[i] = removeAt(x[i], path[1:])
		}
	}
	return v
}

// withoutSystemTags drops the aws: tags from a list of {Key, Value} or a
// map of key to value, copying only when there is one to drop.
func withoutSystemTags(v any) any {
	switch x := v.(type) {
	case []any:
		n := 0
		for _, t := range x {
			if !systemTag(t) {
				n++
			}
		}
		if n == len(x) {
			return v
		}
		kept := make([]any, 0, n)
		for _, t := range x {
			if !systemTag(t) {
				kept = append(kept, t)
			}
		}
		return kept
	case map[string]any:
		var out map[string]any
		for k := range x {
			if strings.HasPrefix(k, "aws:") {
				if out == nil {
					out = maps.Clone(x)
				}
				delete(out, k)
			}
		}
		if out != nil {
			return out
		}
	}
	return v
}

// sameTags reports whether two lists of tags are the same, aws: tags
// aside, in the same order: the common case, settled without copying.
func sameTags(a, b any) bool {
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if !aok || !bok {
		return false
	}
	i, j := 0, 0
	for {
		for i < len(al) && systemTag(al[i]) {
			i++
		}
		for j < len(bl) && systemTag(bl[j]) {
			j++
		}
		if i == len(al) || j == len(bl) {
			return i == len(al) && j == len(bl)
		}
		if !same(al[i], bl[j]) {
			return false
		}
		i, j = i+1, j+1
	}
}

func systemTag(t any) bool {
	m, ok := t.(map[string]any)
	if !ok {
		return false
	}
	k, _ := m["Key"].(string)
	return strings.HasPrefix(k, "aws:")
}

// isEmpty reports whether a value counts as absent: nil, or an empty array
// or object.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// same reports whether two values are equal after normalisation, items of
// arrays in order: the fast test that settles most properties.
func same(a, b any) bool {
	if isEmpty(a) || isEmpty(b) {
		return isEmpty(a) && isEmpty(b)
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, av := range x {
			if !same(av, y[k]) {
				return false
			}
		}
		for k, bv := range y {
			if _, ok := x[k]; !ok && !isEmpty(bv) {
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
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		if y, ok := b.(string); ok {
			return x == y
		}
	case bool:
		if y, ok := b.(bool); ok {
			return x == y
		}
	}
	as, aok := scalarText(a)
	bs, bok := scalarText(b)
	return aok && bok && as == bs
}

// scalarText renders a scalar the way it compares: the number 30 and the
// string "30" alike.
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64), true
		}
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// differ lists the differences between a baseline value and a live one,
// in both directions.
type differ struct {
	schema *schema.Schema
	out    []drift.Difference
}

func (d *differ) add(path string, expected, actual any, kind drift.Kind) {
	d.out = append(d.out, drift.Difference{Path: path, Expected: expected, Actual: actual, Kind: kind})
}

func (d *differ) ordered(path string) bool {
	return d.schema == nil || d.schema.InsertionOrder(path)
}

func (d *differ) diff(path string, e, a any) {
	switch {
	case isEmpty(e) && isEmpty(a):
		return
	case isEmpty(e):
		d.add(path, nil, a, drift.Added)
		return
	case isEmpty(a):
		d.add(path, e, nil, drift.Removed)
		return
	}
	switch ev := e.(type) {
	case map[string]any:
		av, ok := a.(map[string]any)
		if !ok {
			d.add(path, e, a, drift.NotEqual)
			return
		}
		for _, k := range slices.Sorted(maps.Keys(ev)) {
			d.diff(path+"/"+jsonpatch.EscapeToken(k), ev[k], av[k])
		}
		for _, k := range slices.Sorted(maps.Keys(av)) {
			if _, ok := ev[k]; !ok {
				d.diff(path+"/"+jsonpatch.EscapeToken(k), nil, av[k])
			}
		}
	case []any:
		av, ok := a.([]any)
		if !ok {
			d.add(path, e, a, drift.NotEqual)
			return
		}
		drift.DiffArrays(path, ev, av, d.ordered(path), same, d.diff, func(x drift.Difference) { d.out = append(d.out, x) })
	default:
		if !same(e, a) {
			d.add(path, e, a, drift.NotEqual)
		}
	}
}
