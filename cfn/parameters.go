package cfn

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"qualstate"
)

// awsParamTypes are the AWS-specific parameter types: their values are ids
// of existing resources, which CloudFormation checks at deployment.
var awsParamTypes = map[string]bool{
	"AWS::EC2::AvailabilityZone::Name":   true,
	"AWS::EC2::Image::Id":                true,
	"AWS::EC2::Instance::Id":             true,
	"AWS::EC2::KeyPair::KeyName":         true,
	"AWS::EC2::SecurityGroup::GroupName": true,
	"AWS::EC2::SecurityGroup::Id":        true,
	"AWS::EC2::Subnet::Id":               true,
	"AWS::EC2::Volume::Id":               true,
	"AWS::EC2::VPC::Id":                  true,
	"AWS::Route53::HostedZone::Id":       true,
}

// paramAttributes are the keys a parameter declaration may have.
var paramAttributes = map[string]bool{
	"Type": true, "Default": true, "AllowedValues": true, "AllowedPattern": true,
	"ConstraintDescription": true, "Description": true, "MaxLength": true,
	"MaxValue": true, "MinLength": true, "MinValue": true, "NoEcho": true,
}

// paramDecl is one entry of the Parameters section.
type paramDecl struct {
	name string
	loc  qualstate.Location
	typ  string
	// list is set for list types, whose value is a []any of strings.
	list bool
	// number is set when the value (or each element) must be a number.
	number bool
	// ssm is set for AWS::SSM::Parameter::Value<…>: the value given names an
	// SSM parameter whose own value is read only at deployment.
	ssm         bool
	def         *string
	allowed     []string
	pattern     *regexp.Regexp
	patternText string
	minLen      *int
	maxLen      *int
	minVal      *float64
	maxVal      *float64
	noEcho      bool
	constraint  string
}

// parseParamType checks a parameter type and says what its values are.
func parseParamType(t string) (list, number, ssm, ok bool) {
	if inner, found := strings.CutPrefix(t, "AWS::SSM::Parameter::Value<"); found {
		inner, found = strings.CutSuffix(inner, ">")
		if !found {
			return false, false, false, false
		}
		switch inner {
		case "String":
			return false, false, true, true
		case "List<String>", "CommaDelimitedList":
			return true, false, true, true
		}
		list, _, _, ok = parseParamType(inner)
		return list, false, true, ok && (awsParamTypes[inner] || list)
	}
	switch t {
	case "String", "AWS::SSM::Parameter::Name":
		return false, false, false, true
	case "Number":
		return false, true, false, true
	case "List<Number>":
		return true, true, false, true
	case "CommaDelimitedList":
		return true, false, false, true
	}
	if inner, found := strings.CutPrefix(t, "List<"); found {
		inner, found = strings.CutSuffix(inner, ">")
		return true, false, false, found && awsParamTypes[inner]
	}
	return false, false, false, awsParamTypes[t]
}

func (d *Document) readParameters(section *Node, p *problems) {
	if section.kind != Mapping {
		p.add(d.loc(section), "Parameters must be a mapping of parameter names to declarations")
		return
	}
	if len(section.entries) > maxParameters {
		p.add(d.loc(section), "template declares %d parameters, more than CloudFormation's limit of %d", len(section.entries), maxParameters)
	}
	d.paramIndex = make(map[string]*paramDecl, len(section.entries))
	for i := range section.entries {
		e := &section.entries[i]
		if pd := d.readParameter(e, p); pd != nil {
			d.params = append(d.params, pd)
			d.paramIndex[pd.name] = pd
		}
	}
}

func (d *Document) readParameter(e *entry, p *problems) *paramDecl {
	at := d.keyLoc(e)
	if !isAlphanumeric(e.key) || len(e.key) > maxNameLength {
		p.add(at, "parameter name %s must be alphanumeric (A-Z, a-z, 0-9) and at most %d characters", quote(e.key), maxNameLength)
	}
	if isPseudo(e.key) {
		p.add(at, "parameter %s has the name of a pseudo parameter", quote(e.key))
	}
	n := e.value
	pd := &paramDecl{name: e.key, loc: at}
	if n.kind != Mapping {
		p.add(d.loc(n), "parameter %s must be a mapping with at least a Type", e.key)
		return pd
	}
	for i := range n.entries {
		a := &n.entries[i]
		if !paramAttributes[a.key] {
			p.add(d.keyLoc(a), "parameter %s has unknown attribute %s (want Type, Default, AllowedValues, AllowedPattern, MinLength, MaxLength, MinValue, MaxValue, NoEcho, Description or ConstraintDescription)", e.key, quote(a.key))
		}
	}
	// A parameter with a broken declaration is still declared, so that
	// references to it are not reported as well.
	typeNode := n.Get("Type")
	if typeNode == nil {
		p.add(at, "parameter %s has no Type", e.key)
		return pd
	}
	typ, isStr := typeNode.Str()
	var ok bool
	pd.list, pd.number, pd.ssm, ok = parseParamType(typ)
	if !isStr || !ok {
		p.add(d.loc(typeNode), "parameter %s has unknown type %s (want String, Number, List<Number>, CommaDelimitedList, an AWS-specific type or an SSM parameter type)", e.key, quote(typ))
		return pd
	}
	pd.typ = typ
	if v := n.Get("Default"); v != nil {
		if s, ok := v.scalarText(); ok {
			pd.def = &s
		} else {
			p.add(d.loc(v), "parameter %s: Default must be a string or number, not a %s", e.key, v.kind)
		}
	}
	if v := n.Get("NoEcho"); v != nil {
		s, _ := v.scalarText()
		switch strings.ToLower(s) {
		case "true":
			pd.noEcho = true
		case "false":
		default:
			p.add(d.loc(v), "parameter %s: NoEcho must be true or false", e.key)
		}
	}
	if v := n.Get("AllowedValues"); v != nil {
		if v.kind != Sequence {
			p.add(d.loc(v), "parameter %s: AllowedValues must be a list", e.key)
		}
		for _, it := range v.items {
			s, ok := it.scalarText()
			if !ok {
				p.add(d.loc(it), "parameter %s: AllowedValues entries must be strings or numbers", e.key)
				continue
			}
			pd.allowed = append(pd.allowed, s)
		}
	}
	if v := n.Get("AllowedPattern"); v != nil {
		s, ok := v.Str()
		if !ok {
			p.add(d.loc(v), "parameter %s: AllowedPattern must be a string", e.key)
		} else if re, err := regexp.Compile(`^(?:` + s + `)$`); err == nil {
			pd.pattern, pd.patternText = re, s
		} else {
			// CloudFormation's patterns are Java's; Go's lack a few of
			// their features (look-around, back references).
			d.warn("pattern-unchecked", d.loc(v), "", fmt.Sprintf("parameter %s: AllowedPattern %s cannot be checked here: %v", e.key, quote(s), err))
		}
	}
	if v := n.Get("ConstraintDescription"); v != nil {
		pd.constraint, _ = v.scalarText()
	}
	pd.minLen = d.intAttr(n, "MinLength", e.key, p)
	pd.maxLen = d.intAttr(n, "MaxLength", e.key, p)
	pd.minVal = d.numAttr(n, "MinValue", e.key, p)
	pd.maxVal = d.numAttr(n, "MaxValue", e.key, p)
	if pd.def != nil {
		if msg := pd.violation(*pd.def); msg != "" {
			p.add(d.loc(n.Get("Default")), "parameter %s: Default %s", e.key, msg)
		}
	}
	return pd
}

func (d *Document) intAttr(n *Node, key, param string, p *problems) *int {
	v := n.Get(key)
	if v == nil {
		return nil
	}
	s, _ := v.scalarText()
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		p.add(d.loc(v), "parameter %s: %s must be a whole number, not %s", param, key, quote(s))
		return nil
	}
	return &i
}

func (d *Document) numAttr(n *Node, key, param string, p *problems) *float64 {
	v := n.Get(key)
	if v == nil {
		return nil
	}
	s, _ := v.scalarText()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		p.add(d.loc(v), "parameter %s: %s must be a number, not %s", param, key, quote(s))
		return nil
	}
	return &f
}

// violation checks a value against the parameter's type and constraints and
// says what is wrong, or returns "".
func (pd *paramDecl) violation(value string) string {
	if pd.ssm {
		// The value names an SSM parameter; the constraints apply to what
		// it holds, which is read at deployment.
		return ""
	}
	values := []string{value}
	if pd.list {
		values = splitList(value)
	}
	for _, v := range values {
		if msg := pd.violationOne(v); msg != "" {
			if pd.list {
				return fmt.Sprintf("element %s %s", quote(v), msg)
			}
			return fmt.Sprintf("%s %s", quote(v), msg)
		}
	}
	return ""
}

func (pd *paramDecl) violationOne(v string) string {
	why := func(msg string) string {
		if pd.constraint != "" {
			return msg + " (" + pd.constraint + ")"
		}
		return msg
	}
	if pd.number {
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return "is not a number"
		}
	}
	if len(pd.allowed) > 0 {
		found := false
		for _, a := range pd.allowed {
			if a == v {
				found = true
				break
			}
		}
		if !found {
			return why(fmt.Sprintf("is not one of the AllowedValues [%s]", strings.Join(pd.allowed, ", ")))
		}
	}
	if pd.pattern != nil && !pd.pattern.MatchString(v) {
		return why(fmt.Sprintf("does not match AllowedPattern %s", quote(pd.patternText)))
	}
	if n := utf8.RuneCountInString(v); pd.minLen != nil && n < *pd.minLen {
		return why(fmt.Sprintf("is shorter than MinLength %d", *pd.minLen))
	} else if pd.maxLen != nil && n > *pd.maxLen {
		return why(fmt.Sprintf("is longer than MaxLength %d", *pd.maxLen))
	}
	if pd.minVal != nil || pd.maxVal != nil {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch {
		case err != nil:
			return "is not a number"
		case pd.minVal != nil && f < *pd.minVal:
			return why(fmt.Sprintf("is less than MinValue %s", strconv.FormatFloat(*pd.minVal, 'f', -1, 64)))
		case pd.maxVal != nil && f > *pd.maxVal:
			return why(fmt.Sprintf("is greater than MaxValue %s", strconv.FormatFloat(*pd.maxVal, 'f', -1, 64)))
		}
	}
	return ""
}

// splitList splits a list parameter's value as CloudFormation does: at
// commas, each member trimmed of spaces.
func splitList(v string) []string {
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// paramValues resolves every parameter for one resolution: the caller's
// value, else the default, else unknown. Values that break the parameter's
// constraints are problems.
func (r *resolver) paramValues(p *problems) {
	r.params = make(map[string]any, len(r.doc.params))
	for _, pd := range r.doc.params {
		value, given := r.opts.Parameters[pd.name]
		if !given && pd.def != nil {
			value, given = *pd.def, true
		}
		out := &qualstate.Parameter{Name: pd.name, Type: pd.typ, NoEcho: pd.noEcho, AllowedValues: pd.allowed, Loc: pd.loc}
		switch {
		case !given:
			out.Value = &qualstate.Unknown{Reason: fmt.Sprintf("!Ref %s (parameter %s has no value)", pd.name, pd.name), Loc: pd.loc}
		case pd.ssm:
			out.Value = &qualstate.Unknown{Reason: fmt.Sprintf("!Ref %s (SSM parameter %s, read at deployment)", pd.name, value), Loc: pd.loc}
		default:
			if _, fromCaller := r.opts.Parameters[pd.name]; fromCaller {
				if msg := pd.violation(value); msg != "" {
					p.add(pd.loc, "parameter %s: value %s", pd.name, msg)
				}
			}
			if pd.list {
				parts := splitList(value)
				list := make([]any, len(parts))
				for i, s := range parts {
					list[i] = s
				}
				out.Value = list
			} else {
				out.Value = value
			}
		}
		r.params[pd.name] = out.Value
		r.tpl.Parameters = append(r.tpl.Parameters, out)
	}
	for _, name := range sortedNames(r.opts.Parameters) {
		if r.doc.paramIndex[name] == nil {
			r.diag(qualstate.SeverityWarning, "unknown-parameter", r.doc.fileLoc(), "",
				fmt.Sprintf("a value is given for parameter %s, which the template does not declare", name))
		}
	}
}
