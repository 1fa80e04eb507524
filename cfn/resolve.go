package cfn

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"qualstate"
)

// resolver holds the state of one resolution.
type resolver struct {
	doc                        *Document
	opts                       Options
	region, account, stackName string
	tpl                        *qualstate.Template
	probs                      *problems
	params                     map[string]any
	conds                      map[string]tri
	status                     map[string]presence
	// why holds, for a resource not surely created, the reason.
	why map[string]*qualstate.Unknown

	// The resource or output being resolved.
	what string
	// soft turns problems into warnings: they are in a resource that is
	// not created, whose values CloudFormation never evaluates.
	soft bool
	locs map[string]qualstate.Location
	deps []string
	// included is set when a mapping in the resource merges in an
	// Fn::Transform snippet, which is not expanded.
	included *qualstate.Unknown

	// fails counts the problems found, so that a function whose argument
	// failed gives up quietly instead of adding a second message.
	fails int
	// values and bytes count what resolution has produced.
	values, bytes int
	exhausted     bool
}

// fail records a problem with a value, or, in a resource that is not
// created, a warning: CloudFormation does not evaluate such resources.
func (r *resolver) fail(at *Node, format string, args ...any) {
	r.fails++
	msg := fmt.Sprintf(format, args...)
	if r.what != "" {
		msg = r.what + ": " + msg
	}
	if r.soft {
		r.diag(qualstate.SeverityWarning, "unresolvable", r.doc.loc(at), r.logicalID(),
			msg+" (the resource is not created: its condition is false)")
		return
	}
	r.probs.add(r.doc.loc(at), "%s", msg)
}

// logicalID returns the resource being resolved, or "".
func (r *resolver) logicalID() string {
	if id, ok := strings.CutPrefix(r.what, "resource "); ok {
		return id
	}
	return ""
}

func (r *resolver) diag(sev qualstate.Severity, code string, loc qualstate.Location, logicalID, msg string) {
	r.tpl.Diagnostics = append(r.tpl.Diagnostics, qualstate.Diagnostic{Severity: sev, Code: code, Message: msg, Loc: loc, LogicalID: logicalID})
}

// spendValues charges values produced against maxEvalValues; once that
// is spent, resolution stops with one problem rather than running for
// minutes.
func (r *resolver) spendValues(n int, at *Node) bool {
	r.values += n
	return r.within(at)
}

// spendBytes charges bytes of strings built against maxEvalBytes.
func (r *resolver) spendBytes(n int, at *Node) bool {
	r.bytes += n
	return r.within(at)
}

func (r *resolver) within(at *Node) bool {
	if r.exhausted {
		return false
	}
	if r.values > maxEvalValues || r.bytes > maxEvalBytes {
		r.exhausted = true
		r.fails++
		r.probs.add(r.doc.loc(at), "resolving the template produces more than %d values or %d bytes: it expands too far to evaluate", maxEvalValues, maxEvalBytes)
		return false
	}
	return true
}

// failedSince reports whether a problem was found since fails was n.
func (r *resolver) failedSince(n int) bool { return r.fails != n }

// resolve evaluates a node. With record set, it notes where each value of
// the result is written, under JSON pointers that start at ptr.
func (r *resolver) resolve(n *Node, ptr string, record bool) any {
	if !r.spendValues(1, n) {
		return nil
	}
	if record && ptr != "" {
		r.locs[ptr] = r.doc.loc(n)
	}
	switch n.kind {
	case Null:
		return nil
	case Bool:
		return n.b
	case Int:
		return n.i
	case Float:
		return n.f
	case String:
		if strings.Contains(n.s, "{{resolve:") {
			return r.dynamicRef(n)
		}
		return n.s
	case Sequence:
		out := make([]any, 0, len(n.items))
		for _, it := range n.items {
			var child string
			if record {
				child = ptr + "/" + strconv.Itoa(len(out))
			}
			v := r.resolve(it, child, record)
			if _, skip := v.(noValue); skip {
				r.forget(child)
				continue
			}
			out = append(out, v)
		}
		return out
	}
	if name, arg, ok := n.intrinsic(); ok {
		if name == "Fn::If" {
			return r.fnIf(arg, n, ptr, record)
		}
		return r.call(name, arg, n)
	}
	out := make(map[string]any, len(n.entries))
	for i := range n.entries {
		e := &n.entries[i]
		if e.key == "Fn::Transform" {
			// AWS::Include merges a snippet into this mapping: the keys
			// written stay, what it adds is unknown.
			if r.included == nil {
				r.included = r.fnTransform(e.value, e.value)
			}
			continue
		}
		var child string
		if record {
			child = ptr + "/" + escapePointer(e.key)
		}
		v := r.resolve(e.value, child, record)
		if _, skip := v.(noValue); skip {
			r.forget(child)
			continue
		}
		out[e.key] = v
	}
	return out
}

// forget drops the location recorded for a value that turned out to be
// AWS::NoValue. Only scalars (Ref AWS::NoValue, maybe through Fn::If) are,
// so nothing was recorded beneath it.
func (r *resolver) forget(ptr string) {
	if ptr != "" {
		delete(r.locs, ptr)
	}
}

// eval evaluates a function argument, recording no locations.
func (r *resolver) eval(n *Node) any { return r.resolve(n, "", false) }

// call evaluates an intrinsic function other than Fn::If.
func (r *resolver) call(name string, arg, at *Node) any {
	switch name {
	case "Ref":
		return r.fnRef(arg, at)
	case "Fn::GetAtt":
		return r.fnGetAtt(arg, at)
	case "Fn::Sub":
		return r.fnSub(arg, at)
	case "Fn::Join":
		return r.fnJoin(arg, at)
	case "Fn::Select":
		return r.fnSelect(arg, at)
	case "Fn::Split":
		return r.fnSplit(arg, at)
	case "Fn::FindInMap":
		return r.fnFindInMap(arg, at)
	case "Fn::Base64":
		return r.fnBase64(arg, at)
	case "Fn::Cidr":
		return r.fnCidr(arg, at)
	case "Fn::GetAZs":
		return r.fnGetAZs(arg, at)
	case "Fn::ImportValue":
		return r.fnImportValue(arg, at)
	case "Fn::Length":
		return r.fnLength(arg, at)
	case "Fn::ToJsonString":
		return r.fnToJSONString(arg, at)
	case "Fn::Transform":
		return r.fnTransform(arg, at)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		c := r.condExpr(at)
		if c.unknown != nil {
			return c.unknown
		}
		return c.value
	}
	// Load rejects any other name.
	r.fail(at, "unknown intrinsic function %s", quote(name))
	return nil
}

// depend notes that the resource being resolved depends on another, and
// that this is a problem when the other is not created.
func (r *resolver) depend(id string, at *Node) {
	decl := r.doc.resIndex[id]
	if decl == nil {
		return
	}
	if !slices.Contains(r.deps, id) {
		r.deps = append(r.deps, id)
	}
	if r.status[id] == absent && at != nil {
		r.fail(at, "refers to resource %s, which is not created (condition %s is false)", id, decl.cond)
	}
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// escapePointer escapes a key for a JSON pointer (RFC 6901).
func escapePointer(key string) string {
	if strings.ContainsAny(key, "~/") {
		return pointerEscaper.Replace(key)
	}
	return key
}

// sortedNames returns a map's keys in order, for output that does not vary.
func sortedNames[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// evalKnown evaluates the argument of the function at, for a function that
// computes from its value. done is true when there is nothing to compute:
// evaluation failed (result is nil) or the value is unknown (result is the
// unknown the function returns, derived from it).
func (r *resolver) evalKnown(arg, at *Node) (v, result any, done bool) {
	mark := r.fails
	v = r.eval(arg)
	if r.failedSince(mark) {
		return nil, nil, true
	}
	if _, ok := v.(*qualstate.Unknown); ok {
		return nil, r.derived(at, v), true
	}
	return v, nil, false
}
