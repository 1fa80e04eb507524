package schema

import (
	"sort"
	"strings"
)

var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// escapePointer writes a name as one segment of a JSON pointer (RFC 6901).
func escapePointer(name string) string {
	if !strings.ContainsAny(name, "~/") {
		return name
	}
	return pointerEscaper.Replace(name)
}

// unescapePointer reads one segment of a JSON pointer.
func unescapePointer(seg string) string {
	if !strings.Contains(seg, "~") {
		return seg
	}
	return pointerUnescaper.Replace(seg)
}

// splitPointer returns the unescaped segments of a JSON pointer; "" is
// the whole document, "/" its member named "".
func splitPointer(pointer string) []string {
	if pointer == "" {
		return nil
	}
	segs := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i := range segs {
		segs[i] = unescapePointer(segs[i])
	}
	return segs
}

// sortedKeys returns a map's keys in order, so that messages and results do
// not depend on Go's map iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
