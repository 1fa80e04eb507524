package cfn

import (
	"qualstate"
)

// checkGetAZs checks Fn::GetAZs: a region name, "" for the stack's region,
// or a function giving one.
func (c *checker) checkGetAZs(arg, at *Node, depth int) {
	c.checkString("Fn::GetAZs", "the region", arg, at, depth)
}

// fnGetAZs evaluates Fn::GetAZs from the table of known regions.
func (r *resolver) fnGetAZs(arg, at *Node) any {
	v, result, done := r.evalKnown(arg, at)
	if done {
		return result
	}
	region, ok := text(v)
	if !ok && v != nil {
		r.fail(at, "Fn::GetAZs needs a region name, not %s", describe(v))
		return nil
	}
	if region == "" {
		region = r.region
	}
	zones, known := availabilityZones[region]
	if !known {
		return &qualstate.Unknown{Reason: render(at) + " (the zones of " + region + " depend on the account)", Loc: r.doc.loc(at)}
	}
	out := make([]any, len(zones))
	for i, z := range zones {
		out[i] = z
	}
	return out
}
