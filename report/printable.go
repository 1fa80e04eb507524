package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// printable makes s safe to print on one terminal line. Reasons and messages
// quote values from templates, so a template could otherwise break the one-
// line-per-problem layout with a newline, rewrite the terminal with escape
// sequences, or reorder what is shown with bidirectional controls. Those are
// written as Go escapes instead; every other character, Unicode included, is
// kept.
func printable(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isPrintable reports whether printable would return s unchanged, which is
// the common case and needs no allocation.
func isPrintable(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune reports whether r controls the terminal or the text's layout
// rather than showing as a character.
func unsafeRune(r rune) bool {
	if r < utf8.RuneSelf {
		// ASCII, nearly all text: only C0 controls and DEL qualify.
		return r < 0x20 || r == 0x7f
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
		unicode.In(r, unicode.Zl, unicode.Zp)
}
