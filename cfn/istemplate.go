package cfn

import (
	"bytes"
)

// IsTemplate reports, cheaply, whether a YAML or JSON file looks like a
// CloudFormation template: it has AWSTemplateFormatVersion, or a Resources
// mapping whose entries have a Type. It reads no further than it must, so
// that scanning a directory can skip other YAML and JSON quickly.
func IsTemplate(body []byte) bool {
	text := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(text) == 0 {
		return false
	}
	if text[0] == '{' {
		return isJSONTemplate(text)
	}
	return isYAMLTemplate(text)
}

func isJSONTemplate(text []byte) bool {
	if bytes.Contains(text, []byte(`"AWSTemplateFormatVersion"`)) {
		return true
	}
	if !bytes.Contains(text, []byte(`"Resources"`)) {
		return false
	}
	if len(text) > MaxBodyBytes {
		// Too large to parse cheaply; it names the sections, so let the
		// loader say what is wrong with it.
		return bytes.Contains(text, []byte(`"Type"`))
	}
	var p problems
	root := readJSON("", text, &p)
	if root == nil || root.kind != Mapping {
		return false
	}
	return hasTypedEntry(root.Get("Resources"))
}

func hasTypedEntry(resources *Node) bool {
	if resources == nil || resources.kind != Mapping {
		return false
	}
	for _, e := range resources.entries {
		if e.value.Get("Type") != nil {
			return true
		}
	}
	return false
}

// isYAMLTemplate scans lines: a top-level AWSTemplateFormatVersion key, or
// a top-level Resources key with a Type key under one of its entries.
func isYAMLTemplate(text []byte) bool {
	inResources := false
	entryIndent := -1
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		trimmed := bytes.TrimLeft(line, " ")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		indent := len(line) - len(trimmed)
		if indent == 0 {
			key := topKey(trimmed)
			if key == "AWSTemplateFormatVersion" {
				return true
			}
			inResources, entryIndent = key == "Resources", -1
			continue
		}
		if !inResources {
			continue
		}
		if entryIndent < 0 {
			entryIndent = indent
			continue
		}
		if indent > entryIndent && topKey(trimmed) == "Type" {
			return true
		}
	}
	return false
}

// topKey returns the key of a "key: value" line, unquoted, or "".
func topKey(line []byte) string {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || (i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t') {
		return ""
	}
	key := bytes.TrimSpace(line[:i])
	if len(key) >= 2 && (key[0] == '"' || key[0] == '\'') && key[len(key)-1] == key[0] {
		key = key[1 : len(key)-1]
	}
	return string(key)
}
