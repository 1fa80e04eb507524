package qualify

import (
	"fmt"
	"strings"

	"qualstate/cfn/schema"
)

// identifier maps a CloudFormation physical id to the Cloud Control
// identifier of the resource. For most types they are the same. A type
// whose primary identifier is compound (AWS::Lambda::Permission is
// FunctionName|Id) is identified by its parts joined with "|": a physical
// id already in that form is used as it is; otherwise the parts are taken
// from the resource's properties, and the one read-only part (the part the
// service assigns) from the physical id.
func identifier(typeName string, s *schema.Schema, physicalID string, props map[string]any) (string, error) {
	if s == nil {
		return physicalID, nil
	}
	primary := s.PrimaryIdentifier()
	if len(primary) <= 1 {
		return physicalID, nil
	}
	if strings.Count(physicalID, "|") == len(primary)-1 {
		return physicalID, nil
	}
	readOnly := map[string]bool{}
	for _, p := range s.ReadOnlyProperties() {
		readOnly[p] = true
	}
	parts := make([]string, len(primary))
	usedPhysical := false
	for i, p := range primary {
		name := strings.TrimPrefix(p, "/properties/")
		if v, ok := props[name].(string); ok && v != "" {
			parts[i] = v
			continue
		}
		if readOnly[p] && !usedPhysical {
			parts[i], usedPhysical = physicalID, true
			continue
		}
		return "", fmt.Errorf("the identifier of %s is %s, and %s is not known from physical id %q and the template",
			typeName, strings.Join(primary, "|"), name, physicalID)
	}
	return strings.Join(parts, "|"), nil
}
