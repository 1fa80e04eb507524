// Package schema holds the CloudFormation registry's resource provider
// schemas, embedded as data, and checks resource properties against them.
//
// The schemas of every AWS resource type ship inside the binary as one
// gzip'd JSON bundle (schemas.json.gz), cut down to what validation,
// identifiers and the sandbox read. `make schemas` (go run ./cfn/schema/gen)
// refreshes it from a newer snapshot of the registry. The bundle is
// decompressed on the first Lookup, and each type's schema parsed on the
// first Lookup of that type, so a program pays only for the types it uses.
//
// Validate is a validator for the JSON Schema (draft-07) subset the
// registry uses, written for templates: a value known only after
// deployment (*qualstate.Unknown) is valid wherever it appears, a
// resource's properties are closed unless its schema opens them, read-only
// properties may not be written, and every message names what was found
// and, for a slip, what was meant. Coerce first converts scalars the way
// CloudFormation does ("30" to 30 where an integer belongs).
package schema
