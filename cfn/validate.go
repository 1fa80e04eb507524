package cfn

import (
	"fmt"
	"strings"

	"qualstate"
	"qualstate/cfn/schema"
)

// resourceSchema is what this package needs of a resource type's schema.
type resourceSchema interface {
	HasAttribute(name string) bool
	Coerce(props map[string]any)
	Validate(props map[string]any) []schema.Violation
}

// lookupSchema finds the schema of a resource type.
func lookupSchema(typeName string) (resourceSchema, bool) {
	s, ok := schema.Lookup(typeName)
	if !ok {
		return nil, false
	}
	return s, true
}

// validate coerces a resolved resource's properties to its schema and
// reports what does not fit as diagnostics.
func (r *resolver) validate(decl *resourceDecl, res *qualstate.Resource, created bool) {
	if !decl.hasSchema {
		reason := fmt.Sprintf("no schema for type %s: properties not validated", decl.typ)
		if decl.transformed {
			reason = fmt.Sprintf("transform %s not expanded: properties of %s not validated", r.transformFor(decl), decl.typ)
		}
		res.Unvalidated = reason
		if !r.opts.NoValidate && !decl.transformed {
			r.diag(qualstate.SeverityNote, "no-schema", decl.loc, decl.id, reason)
		}
		return
	}
	decl.schema.Coerce(res.Properties)
	if r.opts.NoValidate {
		return
	}
	for _, v := range decl.schema.Validate(res.Properties) {
		msg := fmt.Sprintf("%s: %s", decl.id, v.Message)
		if v.Pointer != "" {
			msg = fmt.Sprintf("%s: Properties%s: %s", decl.id, v.Pointer, v.Message)
		}
		sev := qualstate.SeverityError
		if !created {
			sev = qualstate.SeverityWarning
			msg += " (the resource is not created: its condition is false)"
		}
		code := v.Code
		if code == "" {
			code = "invalid-property"
		}
		r.diag(sev, code, res.PropertyLoc(v.Pointer), decl.id, msg)
	}
}

// transformFor names the transform that rewrites a resource.
func (r *resolver) transformFor(decl *resourceDecl) string {
	if r.doc.serverless && strings.HasPrefix(decl.typ, "AWS::Serverless::") {
		return "AWS::Serverless-2016-10-31"
	}
	return r.doc.opaque
}
