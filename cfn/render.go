package cfn

import (
	"strconv"
	"strings"
)

// maxRender bounds the text that names an expression in an Unknown's
// reason: enough to recognise it, not the whole of a long Fn::Join.
const maxRender = 160

// render writes an expression the way a person would in a YAML template,
// with short-form tags and flow collections: !GetAtt LogKey.Arn,
// !Sub arn:aws:s3:::${Bucket}/*, !Join [",", [!Ref A, b]].
func render(n *Node) string {
	var b strings.Builder
	renderTo(&b, n, 0, false)
	s := b.String()
	if len(s) > maxRender {
		s = clip(s[:maxRender-1])
		if !strings.HasSuffix(s, "…") {
			s += "…"
		}
	}
	return s
}

// renderTo writes n; flow is set inside [..] and {..}, where YAML gives
// commas and brackets a meaning of their own.
func renderTo(b *strings.Builder, n *Node, depth int, flow bool) {
	if b.Len() > maxRender || depth > maxDepth {
		return
	}
	switch n.kind {
	case Null:
		b.WriteString("null")
	case Bool, Int, Float:
		s, _ := n.scalarText()
		b.WriteString(s)
	case String:
		b.WriteString(plainOrQuoted(n.s, flow))
	case Sequence:
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteString(", ")
			}
			renderTo(b, it, depth+1, true)
			if b.Len() > maxRender {
				return
			}
		}
		b.WriteByte(']')
	case Mapping:
		if name, arg, ok := n.intrinsic(); ok || isConditionCall(n) {
			if !ok {
				name, arg = n.entries[0].key, n.entries[0].value
			}
			b.WriteByte('!')
			b.WriteString(strings.TrimPrefix(name, "Fn::"))
			b.WriteByte(' ')
			if name == "Fn::GetAtt" && arg.kind == Sequence && len(arg.items) == 2 && arg.items[0].kind == String && arg.items[1].kind == String {
				b.WriteString(arg.items[0].s + "." + arg.items[1].s)
				return
			}
			renderTo(b, arg, depth+1, flow)
			return
		}
		b.WriteByte('{')
		for i, e := range n.entries {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(plainOrQuoted(e.key, true))
			b.WriteString(": ")
			renderTo(b, e.value, depth+1, true)
			if b.Len() > maxRender {
				return
			}
		}
		b.WriteByte('}')
	}
}

func isConditionCall(n *Node) bool {
	return n.kind == Mapping && len(n.entries) == 1 && n.entries[0].key == "Condition" && n.entries[0].value.kind == String
}

// plainOrQuoted writes a string bare where YAML would read it back as the
// same string, and double-quoted otherwise.
func plainOrQuoted(s string, flow bool) string {
	if s == "" {
		return `""`
	}
	probe := Node{s: s}
	resolvePlain(&probe)
	quoteIt := probe.kind != String ||
		strings.IndexByte("-?:,[]{}#&*!|>'\"%@`", s[0]) >= 0 ||
		strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") ||
		strings.HasSuffix(s, " ") || strings.ContainsAny(s, "\n\t\r") ||
		(flow && strings.ContainsAny(s, ",[]{}"))
	if quoteIt {
		return strconv.Quote(s)
	}
	return s
}
