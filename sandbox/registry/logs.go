package registry

import (
	"regexp"
	"strings"
)

var (
	logGroupName = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	kmsKeyARN    = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/.+$`)
)

var logsLogGroup = &spec{
	service: "logs",
	name:    &nameRule{prop: "LogGroupName", max: 512},
	arn:     "Arn",
	check: func(m map[string]any) problems {
		var ps problems
		ps.named(m, "LogGroupName", logGroupName, "log group names are 1 to 512 letters, digits and ._-/#")
		if strings.HasPrefix(str(m, "LogGroupName"), "aws/") {
			ps.add("log group names beginning with aws/ are reserved for AWS", "LogGroupName")
		}
		ps.named(m, "KmsKeyId", kmsKeyARN, "a log group is encrypted with a KMS key named by its key ARN")
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		// CloudFormation's Arn of a log group ends in :*, the form IAM
		// policies need.
		setDefault(m, g.env.arn("logs", "log-group:"+str(m, "LogGroupName")+":*"), "Arn")
	},
}
