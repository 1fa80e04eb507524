// Package cfn reads AWS CloudFormation templates, YAML or JSON, into one node
// model that keeps the file, line and column of every value, checks them as
// CloudFormation would before creating a stack, and resolves them into a
// qualstate.Template: parameters, pseudo parameters, mappings, conditions and
// intrinsic functions are evaluated, and whatever is only known after
// deployment (a resource's Ref or attributes, an import, a dynamic reference)
// becomes a *qualstate.Unknown that remembers where it came from.
//
// Load parses and checks a template once; Document.Resolve evaluates it for
// one set of parameters and, optionally, a Resolver that knows the values of
// deployed resources. A Document may be resolved any number of times, also
// concurrently.
package cfn
