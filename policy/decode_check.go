package policy

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"qualstate"
)

// compile reports every problem CEL finds in a check at its place in the
// file.
func (d *decoder) compile(n *yaml.Node, label, src string) {
	_, problems := compileCheck(src)
	for _, p := range problems {
		d.errorAt(d.checkLoc(n, p.line, p.column), label, "check: %s", p.msg)
	}
}

// checkLoc maps a position in a check's text to the file. Literal blocks
// (|) and one-line scalars map exactly; elsewhere YAML has folded lines
// together and the check's own position is the best there is.
func (d *decoder) checkLoc(n *yaml.Node, line, col int) qualstate.Location {
	at := d.loc(n)
	if line < 1 {
		return at
	}
	if d.lines == nil {
		d.lines = strings.Split(string(d.body), "\n")
	}
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		indent := -1
		for i := n.Line; i < len(d.lines); i++ {
			if t := strings.TrimLeft(d.lines[i], " "); t != "" {
				indent = len(d.lines[i]) - len(t)
				break
			}
		}
		if indent < 0 || n.Line+line > len(d.lines) {
			return at
		}
		return qualstate.Location{File: d.file, Line: n.Line + line, Column: indent + col + 1}
	case line == 1 && n.Line >= 1 && n.Line <= len(d.lines):
		src := d.lines[n.Line-1]
		start := n.Column - 1
		if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			start++
		}
		if start >= 0 && start <= len(src) && strings.HasPrefix(src[start:], n.Value) {
			return qualstate.Location{File: d.file, Line: n.Line, Column: start + col + 1}
		}
	}
	return at
}
