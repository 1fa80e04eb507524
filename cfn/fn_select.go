package cfn

import (
	"strconv"

	"qualstate"
)

// checkSelect checks Fn::Select: [index, [values…]].
func (c *checker) checkSelect(arg, at *Node, depth int) {
	items := c.list("Fn::Select", arg, at, 2, 2, "[index, [values…]]")
	if items == nil {
		return
	}
	switch idx := items[0]; {
	case isCall(idx):
		c.walk(idx, depth+1)
	case idx.kind == Int && idx.i >= 0:
	case idx.kind == String && isIndex(idx.s):
	default:
		c.problem(at, "Fn::Select: the index must be a whole number of 0 or more")
	}
	c.checkList("Fn::Select", "the values", items[1], at, depth)
}

func isIndex(s string) bool {
	_, err := strconv.ParseUint(s, 10, 31)
	return err == nil
}

// fnSelect evaluates Fn::Select. The element chosen may be known though
// others in the list are not.
func (r *resolver) fnSelect(arg, at *Node) any {
	mark := r.fails
	iv := r.eval(arg.items[0])
	lv := r.eval(arg.items[1])
	if r.failedSince(mark) {
		return nil
	}
	if _, ok := iv.(*qualstate.Unknown); ok {
		return r.derived(at, iv, lv)
	}
	if _, ok := lv.(*qualstate.Unknown); ok {
		return r.derived(at, lv)
	}
	var idx int
	switch v := iv.(type) {
	case int64:
		if v < 0 || v > 1<<31 {
			r.fail(at, "Fn::Select: index %d is out of range", v)
			return nil
		}
		idx = int(v)
	case string:
		if !isIndex(v) {
			r.fail(at, "Fn::Select: the index must be a whole number, not %s", quote(v))
			return nil
		}
		idx, _ = strconv.Atoi(v)
	default:
		r.fail(at, "Fn::Select: the index must be a whole number, not %s", describe(iv))
		return nil
	}
	list, ok := lv.([]any)
	if !ok {
		r.fail(at, "Fn::Select needs a list of values, not %s", describe(lv))
		return nil
	}
	if idx >= len(list) {
		r.fail(at, "Fn::Select: index %d is past the end of a list of %d", idx, len(list))
		return nil
	}
	return list[idx]
}
