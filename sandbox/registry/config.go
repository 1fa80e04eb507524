package registry

var configConfigurationRecorder = &spec{
	service: "config",
	check: func(m map[string]any) problems {
		var ps problems
		ps.enum(m, []string{"RecordingMode", "RecordingFrequency"}, "CONTINUOUS", "DAILY")
		if boolean(m, "RecordingGroup", "AllSupported") && len(list(m, "RecordingGroup", "ResourceTypes")) > 0 {
			ps.add("ResourceTypes cannot be given when AllSupported is true", "RecordingGroup", "ResourceTypes")
		}
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, "default", "Name")
		setDefault(m, map[string]any{"AllSupported": true, "IncludeGlobalResourceTypes": false}, "RecordingGroup")
		setDefault(m, map[string]any{"RecordingFrequency": "CONTINUOUS"}, "RecordingMode")
	},
	// The recorder is known by its name; one is allowed per region.
	generate: func(_ *gen, m map[string]any) { setDefault(m, str(m, "Name"), "Id") },
}

var configDeliveryChannel = &spec{
	service: "config",
	check: func(m map[string]any) problems {
		var ps problems
		ps.enum(m, []string{"ConfigSnapshotDeliveryProperties", "DeliveryFrequency"}, "One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
		return ps
	},
	defaults: func(_ Env, m map[string]any) { setDefault(m, "default", "Name") },
	generate: func(_ *gen, m map[string]any) { setDefault(m, str(m, "Name"), "Id") },
}

var configConfigRule = &spec{
	service: "config",
	name:    &nameRule{prop: "ConfigRuleName", max: 128},
	arn:     "Arn",
	check: func(m map[string]any) problems {
		var ps problems
		owner := str(m, "Source", "Owner")
		ps.enum(m, []string{"Source", "Owner"}, "AWS", "CUSTOM_LAMBDA", "CUSTOM_POLICY")
		switch owner {
		case "AWS", "CUSTOM_LAMBDA":
			if !has(m, "Source", "SourceIdentifier") {
				ps.addf([]string{"Source", "SourceIdentifier"}, "a rule of owner %s needs SourceIdentifier", owner)
			}
		case "CUSTOM_POLICY":
			if !has(m, "Source", "CustomPolicyDetails") {
				ps.add("a CUSTOM_POLICY rule needs CustomPolicyDetails", "Source", "CustomPolicyDetails")
			}
		}
		if owner == "CUSTOM_LAMBDA" && len(list(m, "Source", "SourceDetails")) == 0 {
			ps.add("a CUSTOM_LAMBDA rule needs SourceDetails", "Source", "SourceDetails")
		}
		ps.enum(m, []string{"MaximumExecutionFrequency"}, "One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, []any{map[string]any{"Mode": "DETECTIVE"}}, "EvaluationModes")
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, "config-rule-"+g.pick(6, lowerAlnum), "ConfigRuleId")
		setDefault(m, g.env.arn("config", "config-rule/"+str(m, "ConfigRuleId")), "Arn")
		// No evaluation has run yet.
		setDefault(m, "INSUFFICIENT_DATA", "Compliance", "Type")
	},
}
