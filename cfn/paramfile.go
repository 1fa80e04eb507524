package cfn

import (
	"bytes"
	"strings"
)

// LoadParameterFile reads parameter values from a JSON file in any of the
// forms the AWS CLI takes:
//
//	[{"ParameterKey": "Env", "ParameterValue": "prod"}]  (create-stack --parameters file://)
//	{"Parameters": {"Env": "prod"}}                     (deploy --parameter-overrides file://)
//	["Env=prod"]                                        (deploy --parameter-overrides as a list)
//
// A list value in the second form is joined with commas, as a
// CommaDelimitedList parameter expects.
func LoadParameterFile(path string) (map[string]string, error) {
	body, err := readFile(path, MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	return parseParameterFile(path, body)
}

func parseParameterFile(file string, body []byte) (map[string]string, error) {
	var p problems
	d := &Document{file: file}
	text := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(text)) == 0 {
		p.add(d.fileLoc(), "empty parameter file")
		return nil, p.err()
	}
	root := readJSON(file, text, &p)
	if !p.empty() {
		return nil, p.err()
	}
	out := map[string]string{}
	where := map[string]*Node{}
	set := func(key string, at, value *Node) {
		if first := where[key]; first != nil {
			p.add(d.loc(at), "parameter %s is given twice (first at line %d, column %d)", quote(key), first.line, first.col)
			return
		}
		where[key] = at
		if value == nil {
			return
		}
		s, ok := paramText(value)
		if !ok {
			p.add(d.loc(value), "the value of parameter %s must be a string, a number, a boolean or a list of them", quote(key))
			return
		}
		out[key] = s
	}
	const want = `want [{"ParameterKey": "K", "ParameterValue": "V"}], {"Parameters": {"K": "V"}} or ["K=V"]`
	switch {
	case root.kind == Sequence:
		for _, it := range root.items {
			if s, ok := it.Str(); ok {
				k, v, found := strings.Cut(s, "=")
				if !found || k == "" {
					p.add(d.loc(it), "%s is not Key=Value", quote(s))
					continue
				}
				set(k, it, &Node{kind: String, s: v})
				continue
			}
			if it.kind != Mapping {
				p.add(d.loc(it), "a parameter must be a mapping or a Key=Value string; %s", want)
				continue
			}
			readParameterEntry(d, it, set, &p)
		}
	case root.kind == Mapping && root.Get("Parameters") != nil:
		params := root.Get("Parameters")
		if params.kind != Mapping {
			p.add(d.loc(params), "Parameters must be a mapping of names to values")
			break
		}
		for i := range params.entries {
			e := &params.entries[i]
			set(e.key, &Node{line: e.keyLine, col: e.keyCol}, e.value)
		}
	default:
		p.add(d.loc(root), "not a parameter file: %s", want)
	}
	if !p.empty() {
		return nil, p.err()
	}
	return out, nil
}

// readParameterEntry reads {"ParameterKey": …, "ParameterValue": …}.
func readParameterEntry(d *Document, it *Node, set func(string, *Node, *Node), p *problems) {
	for i := range it.entries {
		switch k := it.entries[i].key; k {
		case "ParameterKey", "ParameterValue", "UsePreviousValue", "ResolvedValue":
		default:
			p.add(d.keyLoc(&it.entries[i]), "unknown key %s (want ParameterKey, ParameterValue, UsePreviousValue or ResolvedValue)", quote(k))
		}
	}
	key, ok := it.Get("ParameterKey").Str()
	if !ok || key == "" {
		p.add(d.loc(it), "a parameter needs a ParameterKey string")
		return
	}
	value := it.Get("ParameterValue")
	if value == nil && it.Get("UsePreviousValue") == nil {
		p.add(d.loc(it), "parameter %s has no ParameterValue", quote(key))
		return
	}
	// UsePreviousValue keeps a deployed stack's value, unknown here: the
	// parameter is left to its default.
	set(key, it, value)
}

// paramText renders a parameter file value as the string CloudFormation
// receives.
func paramText(n *Node) (string, bool) {
	if s, ok := n.scalarText(); ok {
		return s, true
	}
	if n.kind != Sequence {
		return "", false
	}
	parts := make([]string, len(n.items))
	for i, it := range n.items {
		s, ok := it.scalarText()
		if !ok {
			return "", false
		}
		parts[i] = s
	}
	return strings.Join(parts, ","), true
}
