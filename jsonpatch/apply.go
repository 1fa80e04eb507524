package jsonpatch

import (
	"fmt"

	"qualstate"
)

// Apply returns doc with the operations applied in order. It does not modify
// doc or the operations' values: the result shares nothing mutable with
// them. An error names the index, op and path of the operation that failed
// and wraps ErrInvalid, ErrNoTarget or ErrTestFailed.
func Apply(doc any, ops []qualstate.PatchOp) (any, error) {
	if len(ops) == 0 {
		return doc, nil
	}
	// One deep copy up front lets every operation work in place.
	out := Clone(doc)
	for i, op := range ops {
		var err error
		out, err = applyOp(out, op)
		if err != nil {
			return nil, fmt.Errorf("op %d (%s %s): %w", i, op.Op, op.Path, err)
		}
	}
	return out, nil
}

func applyOp(doc any, op qualstate.PatchOp) (any, error) {
	if err := ValidateOp(op); err != nil {
		return nil, err
	}
	path, _ := ParsePointer(op.Path)
	switch op.Op {
	case "add":
		return add(doc, path, Clone(op.Value))
	case "remove":
		out, _, err := remove(doc, path)
		return out, err
	case "replace":
		return replace(doc, path, Clone(op.Value))
	case "move":
		from, _ := ParsePointer(op.From)
		if op.From == op.Path {
			// Moving a value onto itself changes nothing, but it must exist.
			_, err := get(doc, from)
			return doc, err
		}
		out, v, err := remove(doc, from)
		if err != nil {
			return nil, fmt.Errorf("from %s: %w", op.From, err)
		}
		return add(out, path, v)
	case "copy":
		from, _ := ParsePointer(op.From)
		v, err := get(doc, from)
		if err != nil {
			return nil, fmt.Errorf("from %s: %w", op.From, err)
		}
		return add(doc, path, Clone(v))
	case "test":
		v, err := get(doc, path)
		if err != nil {
			return nil, err
		}
		if !Equal(v, op.Value) {
			return nil, fmt.Errorf("%w: value is %s, not %s", ErrTestFailed, brief(v), brief(op.Value))
		}
		return doc, nil
	}
	// ValidateOp rejected every other op above.
	return nil, fmt.Errorf("%w: unknown op %q", ErrInvalid, op.Op)
}

// get returns the value at the pointer's tokens.
func get(doc any, tokens []string) (any, error) {
	cur := doc
	for i, t := range tokens {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[t]
			if !ok {
				return nil, fmt.Errorf("%w: %s has no member %q", ErrNoTarget, where(tokens[:i]), t)
			}
			cur = v
		case []any:
			n, err := arrayIndex(t, len(c), false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where(tokens[:i]), err)
			}
			cur = c[n]
		default:
			return nil, fmt.Errorf("%w: %s is %s, not an object or array", ErrNoTarget, where(tokens[:i]), kind(cur))
		}
	}
	return cur, nil
}

// edit finds the container holding the pointer's last token and replaces
// it with what change returns; containers on the way are updated in place,
// which is safe because Apply works on its own copy.
func edit(doc any, tokens []string, change func(parent any, token string, at []string) (any, error)) (any, error) {
	var walk func(node any, depth int) (any, error)
	walk = func(node any, depth int) (any, error) {
		if depth == len(tokens)-1 {
			return change(node, tokens[depth], tokens[:depth])
		}
		t := tokens[depth]
		switch c := node.(type) {
		case map[string]any:
			child, ok := c[t]
			if !ok {
				return nil, fmt.Errorf("%w: %s has no member %q", ErrNoTarget, where(tokens[:depth]), t)
			}
			nc, err := walk(child, depth+1)
			if err != nil {
				return nil, err
			}
			c[t] = nc
			return c, nil
		case []any:
			n, err := arrayIndex(t, len(c), false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where(tokens[:depth]), err)
			}
			nc, err := walk(c[n], depth+1)
			if err != nil {
				return nil, err
			}
			c[n] = nc
			return c, nil
		}
		return nil, fmt.Errorf("%w: %s is %s, not an object or array", ErrNoTarget, where(tokens[:depth]), kind(node))
	}
	return walk(doc, 0)
}

func add(doc any, path []string, value any) (any, error) {
	if len(path) == 0 {
		return value, nil
	}
	return edit(doc, path, func(parent any, t string, at []string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			c[t] = value
			return c, nil
		case []any:
			n, err := arrayIndex(t, len(c), true)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where(at), err)
			}
			c = append(c, nil)
			copy(c[n+1:], c[n:])
			c[n] = value
			return c, nil
		}
		return nil, fmt.Errorf("%w: %s is %s, not an object or array", ErrNoTarget, where(at), kind(parent))
	})
}

// remove takes the value at path out of doc and returns it too, for move.
func remove(doc any, path []string) (any, any, error) {
	if len(path) == 0 {
		return nil, nil, fmt.Errorf("%w: cannot remove the whole document", ErrInvalid)
	}
	var removed any
	out, err := edit(doc, path, func(parent any, t string, at []string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			v, ok := c[t]
			if !ok {
				return nil, fmt.Errorf("%w: %s has no member %q", ErrNoTarget, where(at), t)
			}
			removed = v
			delete(c, t)
			return c, nil
		case []any:
			n, err := arrayIndex(t, len(c), false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where(at), err)
			}
			removed = c[n]
			return append(c[:n], c[n+1:]...), nil
		}
		return nil, fmt.Errorf("%w: %s is %s, not an object or array", ErrNoTarget, where(at), kind(parent))
	})
	return out, removed, err
}

func replace(doc any, path []string, value any) (any, error) {
	if len(path) == 0 {
		return value, nil
	}
	return edit(doc, path, func(parent any, t string, at []string) (any, error) {
		switch c := parent.(type) {
		case map[string]any:
			if _, ok := c[t]; !ok {
				return nil, fmt.Errorf("%w: %s has no member %q", ErrNoTarget, where(at), t)
			}
			c[t] = value
			return c, nil
		case []any:
			n, err := arrayIndex(t, len(c), false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where(at), err)
			}
			c[n] = value
			return c, nil
		}
		return nil, fmt.Errorf("%w: %s is %s, not an object or array", ErrNoTarget, where(at), kind(parent))
	})
}

// where renders the location reached so far for an error message.
func where(tokens []string) string {
	if len(tokens) == 0 {
		return "the document"
	}
	return Pointer(tokens...)
}

// Clone returns a deep copy of a JSON value: maps and slices are copied,
// leaves shared.
func Clone(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, e := range c {
			m[k] = Clone(e)
		}
		return m
	case []any:
		s := make([]any, len(c))
		for i, e := range c {
			s[i] = Clone(e)
		}
		return s
	}
	return v
}
