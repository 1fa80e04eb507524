package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"qualstate/cfn"
	"qualstate/cfn/schema"
	"qualstate/sandbox/awsquery"
	"qualstate/sandbox/registry"
)

// paramDecl is a template parameter as declared.
type paramDecl struct {
	Key, Type, Default, Description string
	HasDefault, NoEcho              bool
}

// loadTemplate reads and checks a template body as CloudFormation does
// before any stack operation.
func loadTemplate(body string) (*cfn.Document, *apiError) {
	doc, err := cfn.Load("template", []byte(body))
	if err != nil {
		return nil, validationError("Template format error: %s", oneLine(err.Error()))
	}
	var unknown []string
	for _, r := range doc.Resources() {
		if _, ok := schema.Lookup(r.Type); !ok && !strings.HasPrefix(r.Type, "Custom::") && !slices.Contains(unknown, r.Type) {
			unknown = append(unknown, r.Type)
		}
	}
	if len(unknown) > 0 {
		return nil, validationError("Template format error: Unrecognized resource types: [%s]", strings.Join(unknown, ","))
	}
	for _, t := range doc.Transforms() {
		if t != "AWS::LanguageExtensions" {
			return nil, validationError("Template format error: transform %s is not supported by the sandbox, which does not expand macros; deploy the processed template instead", t)
		}
	}
	return doc, nil
}

// templateBody takes TemplateBody, or reports why the request has none.
func templateBody(q awsquery.Values) (string, *apiError) {
	body, hasBody := q.Lookup("TemplateBody")
	url := q.String("TemplateURL")
	switch {
	case hasBody && url != "":
		return "", validationError("Specify exactly one of TemplateBody and TemplateURL")
	case url != "":
		return "", validationError("TemplateURL is not supported by the sandbox (it has no S3 to read %s from); pass the template as TemplateBody", url)
	case !hasBody || body == "":
		return "", validationError("Either Template URL or Template Body must be specified.")
	}
	return body, nil
}

// oneLine joins a multi-line error into one line, as AWS messages are.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// paramDecls lists a template's parameters in the order written.
func paramDecls(doc *cfn.Document) []paramDecl {
	params := doc.Root().Get("Parameters")
	if params == nil || params.Kind() != cfn.Mapping {
		return nil
	}
	out := make([]paramDecl, 0, params.Len())
	for i := range params.Len() {
		d := paramDecl{Key: params.Key(i)}
		n := params.Index(i)
		if n == nil || n.Kind() != cfn.Mapping {
			out = append(out, d)
			continue
		}
		if t := n.Get("Type"); t != nil {
			d.Type, _ = t.Str()
		}
		if def := n.Get("Default"); def != nil {
			d.Default, d.HasDefault = scalarString(def.Value()), true
		}
		if desc := n.Get("Description"); desc != nil {
			d.Description, _ = desc.Str()
		}
		if ne := n.Get("NoEcho"); ne != nil {
			d.NoEcho = strings.EqualFold(scalarString(ne.Value()), "true")
		}
		out = append(out, d)
	}
	return out
}

// scalarString renders a scalar as a parameter value.
func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = scalarString(e)
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// givenParam is a parameter as a request gives it.
type givenParam struct {
	Key, Value  string
	UsePrevious bool
}

// readParams decodes Parameters.member.N.
func readParams(q awsquery.Values) ([]givenParam, *apiError) {
	members, err := q.Structs("Parameters")
	if err != nil {
		return nil, validationError("Parameters: %v", err)
	}
	var out []givenParam
	for _, m := range members {
		p := givenParam{Key: m.String("ParameterKey"), Value: m.String("ParameterValue")}
		use, _, err := m.Bool("UsePreviousValue")
		if err != nil {
			return nil, validationError("Parameters: %v", err)
		}
		p.UsePrevious = use
		if p.Key == "" {
			return nil, validationError("Parameters: a parameter has no ParameterKey")
		}
		out = append(out, p)
	}
	return out, nil
}

// bindParams decides each template parameter's value from what the
// request gives, the previous values (for UsePreviousValue) and the
// defaults.
func bindParams(decls []paramDecl, given []givenParam, previous []parameter) (map[string]string, []parameter, *apiError) {
	byKey := map[string]givenParam{}
	var unknown []string
	for _, g := range given {
		if !slices.ContainsFunc(decls, func(d paramDecl) bool { return d.Key == g.Key }) {
			unknown = append(unknown, g.Key)
			continue
		}
		byKey[g.Key] = g
	}
	if len(unknown) > 0 {
		return nil, nil, validationError("Parameters: [%s] do not exist in the template", strings.Join(unknown, ", "))
	}
	values := map[string]string{}
	var stored []parameter
	var missing []string
	for _, d := range decls {
		g, ok := byKey[d.Key]
		var value string
		switch {
		case ok && g.UsePrevious:
			i := slices.IndexFunc(previous, func(p parameter) bool { return p.Key == d.Key })
			if i < 0 {
				return nil, nil, validationError("Invalid input for parameter key %s. Cannot specify usePreviousValue as true for a parameter key not in the previous template", d.Key)
			}
			value = previous[i].Value
		case ok:
			value = g.Value
		case d.HasDefault:
			value = d.Default
		default:
			missing = append(missing, d.Key)
			continue
		}
		if strings.HasPrefix(d.Type, "AWS::SSM::Parameter::") {
			return nil, nil, validationError("Parameter %s: type %s reads Systems Manager Parameter Store, which the sandbox does not have; give the parameter a plain type and its value", d.Key, d.Type)
		}
		values[d.Key] = value
		stored = append(stored, parameter{Key: d.Key, Value: value, NoEcho: d.NoEcho})
	}
	if len(missing) > 0 {
		return nil, nil, validationError("Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	return values, stored, nil
}

// capabilityNeeds says which capabilities a template needs and why.
func capabilityNeeds(doc *cfn.Document) (caps []string, reason string) {
	var iam, named bool
	var types []string
	for _, r := range doc.Resources() {
		t, err := registry.Lookup(r.Type)
		if err != nil {
			continue
		}
		props, _ := propertiesOf(r).(map[string]any)
		needs, isNamed := t.IAM(props)
		if !needs {
			continue
		}
		iam = true
		named = named || isNamed
		if !slices.Contains(types, r.Type) {
			types = append(types, r.Type)
		}
	}
	if !iam {
		return nil, ""
	}
	caps = []string{"CAPABILITY_IAM"}
	if named {
		caps = []string{"CAPABILITY_NAMED_IAM"}
	}
	return caps, "The following resource(s) require capabilities: [" + strings.Join(types, ", ") + "]"
}

// propertiesOf returns a raw resource's Properties as plain values, with
// intrinsic functions unevaluated: enough to tell which are set.
func propertiesOf(r cfn.RawResource) any {
	if r.Node == nil {
		return nil
	}
	p := r.Node.Get("Properties")
	if p == nil {
		return nil
	}
	return p.Value()
}

// checkCapabilities fails the way CloudFormation does when the request
// does not acknowledge what the template needs.
func checkCapabilities(doc *cfn.Document, given []string) *apiError {
	need, _ := capabilityNeeds(doc)
	if len(need) == 0 {
		return nil
	}
	if need[0] == "CAPABILITY_IAM" && (slices.Contains(given, "CAPABILITY_IAM") || slices.Contains(given, "CAPABILITY_NAMED_IAM")) {
		return nil
	}
	if need[0] == "CAPABILITY_NAMED_IAM" && slices.Contains(given, "CAPABILITY_NAMED_IAM") {
		return nil
	}
	return &apiError{Status: 400, Code: "InsufficientCapabilitiesException", Message: "Requires capabilities : [" + need[0] + "]"}
}

// readCapabilities decodes Capabilities.member.N.
func readCapabilities(q awsquery.Values) ([]string, *apiError) {
	caps, err := q.List("Capabilities")
	if err != nil {
		return nil, validationError("Capabilities: %v", err)
	}
	for _, c := range caps {
		switch c {
		case "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND":
		default:
			return nil, validationError("1 validation error detected: Value '[%s]' at 'capabilities' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [CAPABILITY_AUTO_EXPAND, CAPABILITY_NAMED_IAM, CAPABILITY_IAM]]", c)
		}
	}
	return caps, nil
}

// readTags decodes Tags.member.N.
func readTags(q awsquery.Values) ([]tag, *apiError) {
	members, err := q.Structs("Tags")
	if err != nil {
		return nil, validationError("Tags: %v", err)
	}
	var out []tag
	for _, m := range members {
		k := m.String("Key")
		if k == "" {
			return nil, validationError("Tags: a tag has no Key")
		}
		out = append(out, tag{Key: k, Value: m.String("Value")})
	}
	if len(out) > 50 {
		return nil, validationError("Tags: %d tags, more than the 50 a stack may have", len(out))
	}
	return out, nil
}

// digest is the SHA-256 of a template body, for the CloudTrail record
// (which must not carry the body: it may hold defaults that are secret).
func digest(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}
