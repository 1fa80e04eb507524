package qualify

import (
	"regexp"
	"strings"

	"qualstate"
	"qualstate/cfn/schema"
)

// secretName matches the write-only properties that hold secrets (a
// database password, a secret string, an auth token), as opposed to other
// write-only input such as a function's inline code.
var secretName = regexp.MustCompile(`(?i)(password|secret|token|passphrase|credential|privatekey)`)

// writeOnlyLiterals returns the values a template writes literally into
// write-only secret properties: secrets that must not reach evidence even
// though they are not parameters.
func writeOnlyLiterals(tpl *qualstate.Template) []string {
	var out []string
	for _, r := range tpl.Resources {
		s, ok := schema.Lookup(r.Type)
		if !ok {
			continue
		}
		for _, p := range s.WriteOnlyProperties() {
			path, ok := strings.CutPrefix(p, "/properties/")
			if !ok || !secretName.MatchString(path) {
				continue
			}
			collectStrings(r.Properties, strings.Split(path, "/"), &out)
		}
	}
	return out
}

// collectStrings appends the strings found at a schema path, where "*"
// stands for every item of an array.
func collectStrings(v any, path []string, out *[]string) {
	if len(path) == 0 {
		switch v := v.(type) {
		case string:
			*out = append(*out, v)
		case map[string]any:
			for _, x := range v {
				collectStrings(x, nil, out)
			}
		case []any:
			for _, x := range v {
				collectStrings(x, nil, out)
			}
		}
		return
	}
	switch v := v.(type) {
	case map[string]any:
		collectStrings(v[path[0]], path[1:], out)
	case []any:
		for _, x := range v {
			collectStrings(x, path[1:], out)
		}
	}
}
