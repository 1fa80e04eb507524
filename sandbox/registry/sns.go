package registry

import (
	"regexp"
	"strings"
)

var topicName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// fifoSuffix gives a FIFO queue's or topic's generated name the suffix
// the service requires of it.
func fifoSuffix(prop string) func(m map[string]any) string {
	return func(m map[string]any) string {
		if boolean(m, prop) {
			return ".fifo"
		}
		return ""
	}
}

// checkFIFOName applies the rules of SQS and SNS on FIFO names: a FIFO
// resource's name ends in .fifo, and only a FIFO resource's does.
func checkFIFOName(ps *problems, m map[string]any, nameProp, fifoProp string, re *regexp.Regexp, maxLen int) {
	name, ok := m[nameProp].(string)
	if !ok {
		return
	}
	fifo := boolean(m, fifoProp)
	base, suffixed := strings.CutSuffix(name, ".fifo")
	switch {
	case fifo && !suffixed:
		ps.addf([]string{nameProp}, "the name of a FIFO resource (%s: true) must end with .fifo; got %q", fifoProp, name)
	case !fifo && suffixed:
		ps.addf([]string{nameProp}, "a name ending in .fifo needs %s: true; got %q", fifoProp, name)
	case len(name) > maxLen || !re.MatchString(base):
		ps.addf([]string{nameProp}, "names are 1 to %d letters, digits, hyphens and underscores (and .fifo for FIFO); got %q", maxLen, name)
	}
}

var snsTopic = &spec{
	service:  "sns",
	name:     &nameRule{prop: "TopicName", max: 256, suffix: fifoSuffix("FifoTopic")},
	arn:      "TopicArn",
	policies: []string{"DataProtectionPolicy", "ArchivePolicy"},
	check: func(m map[string]any) problems {
		var ps problems
		checkFIFOName(&ps, m, "TopicName", "FifoTopic", topicName, 256)
		if !boolean(m, "FifoTopic") {
			for _, p := range []string{"ContentBasedDeduplication", "FifoThroughputScope", "ArchivePolicy"} {
				if has(m, p) {
					ps.addf([]string{p}, "%s only applies to FIFO topics", p)
				}
			}
		}
		ps.enum(m, []string{"TracingConfig"}, "Active", "PassThrough")
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.env.arn("sns", str(m, "TopicName")), "TopicArn")
	},
}

var snsTopicPolicy = &spec{
	service:  "sns",
	policies: []string{"PolicyDocument"},
	generate: func(g *gen, m map[string]any) { setDefault(m, g.name(nameRule{max: 256}, m), "Id") },
}
