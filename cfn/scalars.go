package cfn

import (
	"strconv"
	"strings"
)

// resolvePlain gives an unquoted YAML scalar its type the way CloudFormation
// does. CloudFormation reads YAML 1.1, so yes/no/on/off (in the three
// spellings YAML 1.1 allows) are booleans, not strings; a resource schema
// turns them back into "true"/"false" where it wants a string, which is what
// CloudFormation deploys.
//
// Numbers are decimal integers and decimal floats. The YAML 1.1 forms that
// nobody means in a template (0x1F, 0o17, 1:30 sexagesimal, timestamps) stay
// the strings they are written as, and so does an integer too large for
// int64, rather than losing digits.
func resolvePlain(n *Node) {
	s := n.s
	if s == "" {
		n.kind = Null
		return
	}
	switch s {
	case "~", "null", "Null", "NULL":
		n.kind = Null
		return
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON":
		n.kind, n.b = Bool, true
		return
	case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF":
		n.kind, n.b = Bool, false
		return
	}
	c := s[0]
	if c != '-' && c != '+' && c != '.' && (c < '0' || c > '9') {
		n.kind = String
		return
	}
	switch numberShape(s) {
	case shapeInt:
		if i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64); err == nil {
			n.kind, n.i = Int, i
			return
		}
	case shapeFloat:
		if f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
			n.kind, n.f = Float, f
			return
		}
	}
	n.kind = String
}

type shape uint8

const (
	shapeNone shape = iota
	shapeInt
	shapeFloat
)

// numberShape classifies YAML 1.1 decimal numbers: [-+]?(0|[1-9][0-9_]*)
// for integers, and digits with a point and/or an exponent for floats.
// A leading zero ("012345678901", an account id) is not a decimal integer.
func numberShape(s string) shape {
	i := 0
	if s[0] == '-' || s[0] == '+' {
		i++
	}
	digits := 0
	start := i
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_' && digits > 0) {
		if s[i] != '_' {
			digits++
		}
		i++
	}
	if i == len(s) {
		if digits == 0 || (s[start] == '0' && i-start > 1) {
			return shapeNone
		}
		return shapeInt
	}
	float := false
	if s[i] == '.' {
		float = true
		i++
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
			if s[i] != '_' {
				digits++
			}
			i++
		}
	}
	if digits == 0 {
		return shapeNone
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		float = true
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			exp++
			i++
		}
		if exp == 0 {
			return shapeNone
		}
	}
	if i != len(s) || !float {
		return shapeNone
	}
	return shapeFloat
}
