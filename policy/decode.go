package policy

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"qualstate"
)

var (
	setNamePattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	requirementIDPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]*$`)
	controlPattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*:[A-Za-z0-9][A-Za-z0-9._()/-]*$`)
	// resourceTypePattern accepts Service::Product::Type (and its ::MODULE
	// form) and Custom::Name.
	resourceTypePattern = regexp.MustCompile(`^([A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+(::MODULE)?|Custom::[A-Za-z0-9_@-]+)$`)
)

// decoder turns one requirement-set file into requirements, collecting
// every problem it finds rather than stopping at the first.
type decoder struct {
	file  string
	body  []byte
	lines []string
	errs  []*qualstate.Error
	// plainNodes counts the nodes plain values have expanded to.
	plainNodes int
	// ids maps every requirement id seen, across the files of a set, to
	// where it was first given.
	ids map[string]qualstate.Location
}

func (d *decoder) loc(n *yaml.Node) qualstate.Location {
	return qualstate.Location{File: d.file, Line: n.Line, Column: n.Column}
}

// errorf records a problem at a node; label names the requirement it is in.
func (d *decoder) errorf(n *yaml.Node, label, format string, args ...any) {
	d.errorAt(d.loc(n), label, format, args...)
}

func (d *decoder) errorAt(at qualstate.Location, label, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if label != "" {
		msg = "requirement " + label + ": " + msg
	}
	d.errs = append(d.errs, qualstate.Errorf(qualstate.ErrInvalidInput, at, "%s", msg))
}

// field is one key of a mapping with its value.
type field struct {
	key        string
	keyNode, n *yaml.Node
}

// fields reads a mapping's keys, reporting keys that are not plain text,
// merge keys and keys given twice.
func (d *decoder) fields(n *yaml.Node, label, what string) ([]field, bool) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, label, "%s is %s, not a mapping", what, describe(n))
		return nil, false
	}
	first := make(map[string]int, len(n.Content)/2)
	out := make([]field, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
			d.errorf(k, label, "%s has a key that is %s, not text", what, describe(k))
			continue
		case k.ShortTag() == "!!merge":
			d.errorf(k, label, "merge keys (<<) are not supported")
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.errorf(k, label, "duplicate key %q (first at line %d)", k.Value, line)
			continue
		}
		first[k.Value] = k.Line
		out = append(out, field{key: k.Value, keyNode: k, n: v})
	}
	return out, true
}

func (d *decoder) unknownField(f field, label, what string, known string) {
	d.errorf(f.keyNode, label, "unknown field %q in %s (known: %s)", f.key, what, known)
}

// text reads a scalar as text; an empty value is "".
func (d *decoder) text(f field, label string) (string, bool) {
	n := deref(f.n)
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, label, "%s is %s, not text", f.key, describe(n))
		return "", false
	}
	if isCustomTag(n.ShortTag()) {
		d.errorf(n, label, "%s has the tag %s; it is plain text", f.key, n.Tag)
		return "", false
	}
	if n.ShortTag() == "!!null" {
		return "", true
	}
	return n.Value, true
}

// texts reads a list of scalars.
func (d *decoder) texts(f field, label string) ([]string, []*yaml.Node, bool) {
	n := deref(f.n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, label, "%s is %s, not a list", f.key, describe(n))
		return nil, nil, false
	}
	vals := make([]string, 0, len(n.Content))
	nodes := make([]*yaml.Node, 0, len(n.Content))
	ok := true
	for i, e := range n.Content {
		s, good := d.text(field{key: fmt.Sprintf("%s[%d]", f.key, i), n: e}, label)
		if !good {
			ok = false
			continue
		}
		vals = append(vals, s)
		nodes = append(nodes, deref(e))
	}
	return vals, nodes, ok
}

// header is what a file says of the set itself.
type header struct {
	name, version, description string
	named                      bool
}

// fileKind says which of a set's files is being read.
type fileKind int

const (
	wholeSet  fileKind = iota // one file: the set and its requirements
	setHeader                 // a directory's set.yaml: the set, requirements optional
	setPart                   // a directory's other files: requirements only
)

// decodeFile reads a requirement-set file.
func (d *decoder) decodeFile(root *yaml.Node, kind fileKind) (header, []*qualstate.Requirement) {
	part := kind == setPart
	var h header
	const setKnown = "name, version, description, requirements"
	fields, ok := d.fields(root, "", "a requirement set")
	if !ok {
		return h, nil
	}
	var reqs []*qualstate.Requirement
	hasReqs := false
	for _, f := range fields {
		switch f.key {
		case "name", "version", "description":
			if part {
				d.errorf(f.keyNode, "", "%s belongs in set.yaml; this file holds only requirements", f.key)
				continue
			}
			s, _ := d.text(f, "")
			switch f.key {
			case "name":
				h.name, h.named = s, true
				if !setNamePattern.MatchString(s) {
					d.errorf(f.n, "", "name %q must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", s)
				}
			case "version":
				h.version = s
			case "description":
				h.description = s
			}
		case "requirements":
			hasReqs = true
			reqs = d.requirements(f)
		default:
			if part {
				d.unknownField(f, "", "a requirements file", "requirements")
			} else {
				d.unknownField(f, "", "a requirement set", setKnown)
			}
		}
	}
	if !part && !h.named {
		d.errorf(root, "", "the requirement set has no name")
	}
	if !hasReqs && kind != setHeader {
		d.errorf(root, "", "the file has no requirements")
	}
	return h, reqs
}

func (d *decoder) requirements(f field) []*qualstate.Requirement {
	n := deref(f.n)
	if n.Kind != yaml.SequenceNode {
		if n.ShortTag() != "!!null" {
			d.errorf(n, "", "requirements is %s, not a list", describe(n))
		}
		return nil
	}
	out := make([]*qualstate.Requirement, 0, len(n.Content))
	for i, e := range n.Content {
		if r := d.requirement(e, i); r != nil {
			out = append(out, r)
		}
	}
	return out
}

const requirementKnown = "id, title, description, risk, controls, resourceTypes, check, examples, challenge, remediation, tolerance, tags"

// requirement reads one requirement. It returns nil only when the node is
// not a mapping at all; a requirement with problems is still returned so
// later checks (duplicate ids) see it.
func (d *decoder) requirement(n *yaml.Node, index int) *qualstate.Requirement {
	label := fmt.Sprintf("#%d", index+1)
	// Name the requirement by its id in every message, even those about
	// keys before the id.
	if m := deref(n); m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k, v := m.Content[i], deref(m.Content[i+1]); k.Value == "id" && v.Kind == yaml.ScalarNode && requirementIDPattern.MatchString(v.Value) {
				label = v.Value
				break
			}
		}
	}
	fields, ok := d.fields(n, label, "a requirement")
	if !ok {
		return nil
	}
	n = deref(n)
	req := &qualstate.Requirement{Loc: d.loc(n)}
	for _, f := range fields {
		if f.key != "id" {
			continue
		}
		id, ok := d.text(f, label)
		if !ok {
			break
		}
		if !requirementIDPattern.MatchString(id) {
			d.errorf(f.n, label, "id %q must be upper-case letters, digits, '.', '_' or '-', starting with a letter or digit", id)
			break
		}
		req.ID = id
		if first, dup := d.ids[id]; dup {
			d.errorf(f.n, label, "duplicate requirement id (first at %s)", first)
		} else {
			d.ids[id] = d.loc(f.n)
		}
	}
	present := make(map[string]bool, len(fields))
	for _, f := range fields {
		present[f.key] = true
		switch f.key {
		case "id":
		case "title":
			req.Title, _ = d.text(f, label)
		case "description":
			req.Description, _ = d.text(f, label)
		case "risk":
			if s, ok := d.text(f, label); ok {
				req.Risk = qualstate.Risk(s)
				if req.Risk.Rank() == 0 {
					d.errorf(f.n, label, "risk %q is not high, medium or low", s)
				}
			}
		case "controls":
			vals, nodes, _ := d.texts(f, label)
			for i, c := range vals {
				if !controlPattern.MatchString(c) {
					d.errorf(nodes[i], label, "control %q is not framework:control, e.g. nist-800-53:SC-28", c)
					continue
				}
				req.Controls = append(req.Controls, qualstate.Control(c))
			}
		case "resourceTypes":
			vals, nodes, ok := d.texts(f, label)
			seen := make(map[string]bool, len(vals))
			for i, t := range vals {
				switch {
				case !resourceTypePattern.MatchString(t):
					d.errorf(nodes[i], label, "resource type %q is not a CloudFormation type such as AWS::S3::Bucket", t)
				case seen[t]:
					d.errorf(nodes[i], label, "resource type %s is listed twice", t)
				default:
					seen[t] = true
					req.ResourceTypes = append(req.ResourceTypes, t)
				}
			}
			if ok && len(vals) == 0 {
				d.errorf(deref(f.n), label, "resourceTypes is empty")
			}
		case "check":
			if s, ok := d.text(f, label); ok {
				req.Check = s
				if strings.TrimSpace(s) == "" {
					d.errorf(deref(f.n), label, "check is empty")
				} else {
					d.compile(deref(f.n), label, s)
				}
			}
		case "examples":
			req.Examples = d.examples(f, label)
		case "challenge":
			req.Challenge = d.patch(f, label)
		case "remediation":
			req.Remediation, req.RemediationMode = d.remediation(f, label)
		case "tolerance":
			if s, ok := d.text(f, label); ok && s != "" {
				if dur, err := time.ParseDuration(s); err != nil || dur < 0 {
					d.errorf(deref(f.n), label, "tolerance %q is not a duration such as 15m or 24h", s)
				} else {
					req.Tolerance = s
				}
			}
		case "tags":
			tags, nodes, _ := d.texts(f, label)
			for i, t := range tags {
				if t == "" {
					d.errorf(nodes[i], label, "tags[%d] is empty", i)
					continue
				}
				req.Tags = append(req.Tags, t)
			}
		default:
			d.unknownField(f, label, "a requirement", requirementKnown)
		}
	}
	for _, k := range []string{"id", "title", "risk", "resourceTypes", "check"} {
		if !present[k] {
			d.errorf(n, label, "%s is missing", k)
		}
	}
	if present["title"] && strings.TrimSpace(req.Title) == "" {
		d.errorf(n, label, "title is empty")
	}
	return req
}
