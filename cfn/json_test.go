package cfn

import (
	"testing"
)

// TestJSONReader checks values, positions and errors of the JSON reader
// against what RFC 8259 says.
func TestJSONReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string // the value as shown, or the error
	}{
		{"object", `{"a": 1, "b": [true, false, null], "c": "x"}`, `{"a":1,"b":[true,false,null],"c":"x"}`},
		{"numbers", `[0, -1, 1.5, 1e3, -2.5E-1, 12345678901234567890]`, `[0,-1,1.5,1000,-0.25,"12345678901234567890"]`},
		{"escapes", `["a\"b\\c\/d\n\t\u00e9\ud83d\ude00"]`, `["a\"b\\c/d\n\té😀"]`},
		{"lone surrogate", `["\ud800x"]`, `["�x"]`},
		{"empty containers", `{"a": {}, "b": []}`, `{"a":{},"b":[]}`},
		{"trailing comma", `{"a": 1,}`, `t.json:1:9: invalid JSON: unexpected character '}', expected a string key`},
		{"missing colon", `{"a" 1}`, `t.json:1:6: invalid JSON: unexpected character '1', expected ':' after a key`},
		{"leading zero", `[01]`, `t.json:1:3: invalid JSON: unexpected character '1', expected ',' or ']'`},
		{"bad escape", `["\x"]`, `t.json:1:3: invalid JSON: invalid escape "\\x" in a string`},
		{"control character", "[\"a\tb\"]", `t.json:1:4: invalid JSON: control character '\t' in a string must be escaped`},
		{"unterminated string", `["abc`, `t.json:1:6: invalid JSON: unterminated string`},
		{"unterminated object", `{"a": [1, 2]`, `t.json:1:13: invalid JSON: unexpected end of file, expected ',' or '}'`},
		{"bare word", `{"a": yes}`, `t.json:1:7: invalid JSON: unexpected character 'y', expected a value`},
		{"trailing data", `{} {}`, `t.json:1:4: invalid JSON: unexpected character '{' after the end of the JSON value`},
		{"columns count characters", "{\"é\": 1,\n \"ü\":}", `t.json:2:6: invalid JSON: unexpected character '}', expected a value`},
		{"duplicate key", `{"a": 1, "a": 2}`, `t.json:1:10: duplicate key "a" (first written at line 1, column 2)`},
		{"bad exponent", `[1e]`, `t.json:1:4: invalid JSON: invalid number, expected a digit in the exponent`},
		{"minus alone", `[-]`, `t.json:1:3: invalid JSON: invalid number, expected a digit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problems
			n := readJSON("t.json", []byte(tt.input), &p)
			var got string
			if err := p.err(); err != nil {
				got = err.Error()
			} else {
				got = show(n.Value())
			}
			if got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", tt.input, got, tt.want)
			}
		})
	}
}

// TestJSONPositions checks the line and column of nested values.
func TestJSONPositions(t *testing.T) {
	input := "{\n  \"Résumé\": [1,\n    {\"k\": \"v\"}]\n}"
	var p problems
	n := readJSON("t.json", []byte(input), &p)
	if err := p.err(); err != nil {
		t.Fatal(err)
	}
	list := n.Get("Résumé")
	tests := []struct {
		name      string
		node      *Node
		line, col int
	}{
		{"root", n, 1, 1},
		{"list", list, 2, 13},
		{"first element", list.Index(0), 2, 14},
		{"object", list.Index(1), 3, 5},
		{"string", list.Index(1).Get("k"), 3, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.node.Line() != tt.line || tt.node.Column() != tt.col {
				t.Errorf("at %d:%d, want %d:%d", tt.node.Line(), tt.node.Column(), tt.line, tt.col)
			}
		})
	}
}
