package bundle

import "slices"

// templateFixes adjust registry schemas where what a CloudFormation
// template may write differs from the Cloud Control resource model the
// registry describes. Each fix says why; keep the list short and sure.
var templateFixes = map[string]func(top map[string]any){
	// A template's nested stack is named by CloudFormation; the registry
	// requires StackName because Cloud Control creates stacks by name.
	"AWS::CloudFormation::Stack": func(top map[string]any) {
		dropRequired(top, "StackName")
	},
}

// dropRequired removes names from a schema's top-level required list.
func dropRequired(top map[string]any, names ...string) {
	list, _ := top["required"].([]any)
	list = slices.DeleteFunc(slices.Clone(list), func(v any) bool {
		s, _ := v.(string)
		return slices.Contains(names, s)
	})
	if len(list) == 0 {
		delete(top, "required")
		return
	}
	top["required"] = list
}
