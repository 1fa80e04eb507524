package registry

import "strings"

var cloudtrailTrail = &spec{
	service: "cloudtrail",
	name:    &nameRule{prop: "TrailName", max: 128},
	arn:     "Arn",
	conditional: map[string]func(map[string]any) bool{
		"SnsTopicArn": func(m map[string]any) bool { return has(m, "SnsTopicName") },
	},
	check: func(m map[string]any) problems {
		var ps problems
		if boolean(m, "IsMultiRegionTrail") && has(m, "IncludeGlobalServiceEvents") && !boolean(m, "IncludeGlobalServiceEvents") {
			ps.add("a multi-Region trail must include global service events", "IncludeGlobalServiceEvents")
		}
		ps.requires(m, "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn")
		ps.requires(m, "CloudWatchLogsRoleArn", "CloudWatchLogsLogGroupArn")
		ps.exclusive(m, "EventSelectors", "AdvancedEventSelectors")
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, false, "IsMultiRegionTrail")
		setDefault(m, false, "EnableLogFileValidation")
		setDefault(m, true, "IncludeGlobalServiceEvents")
		setDefault(m, false, "IsOrganizationTrail")
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.env.arn("cloudtrail", "trail/"+str(m, "TrailName")), "Arn")
		topic := str(m, "SnsTopicName")
		if !strings.HasPrefix(topic, "arn:") {
			topic = g.env.arn("sns", topic)
		}
		setDefault(m, topic, "SnsTopicArn")
	},
}
