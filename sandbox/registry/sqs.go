package registry

import (
	"regexp"
	"strconv"
)

var queueName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

var sqsQueue = &spec{
	service:  "sqs",
	name:     &nameRule{prop: "QueueName", max: 80, suffix: fifoSuffix("FifoQueue")},
	arn:      "Arn",
	policies: []string{"RedrivePolicy", "RedriveAllowPolicy"},
	check: func(m map[string]any) problems {
		var ps problems
		checkFIFOName(&ps, m, "QueueName", "FifoQueue", queueName, 80)
		ps.between(m, 0, 900, "DelaySeconds")
		ps.between(m, 1024, 1048576, "MaximumMessageSize")
		ps.between(m, 60, 1209600, "MessageRetentionPeriod")
		ps.between(m, 0, 20, "ReceiveMessageWaitTimeSeconds")
		ps.between(m, 0, 43200, "VisibilityTimeout")
		ps.between(m, 60, 86400, "KmsDataKeyReusePeriodSeconds")
		if has(m, "KmsMasterKeyId") && boolean(m, "SqsManagedSseEnabled") {
			ps.add("a queue is encrypted with SSE-SQS or with a KMS key, not both: KmsMasterKeyId cannot be given with SqsManagedSseEnabled: true", "SqsManagedSseEnabled")
		}
		if !boolean(m, "FifoQueue") {
			for _, p := range []string{"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"} {
				if has(m, p) {
					ps.addf([]string{p}, "%s only applies to FIFO queues", p)
				}
			}
		}
		ps.enum(m, []string{"DeduplicationScope"}, "messageGroup", "queue")
		ps.enum(m, []string{"FifoThroughputLimit"}, "perQueue", "perMessageGroupId")
		if redrive := object(m, "RedrivePolicy"); redrive != nil {
			if _, ok := redrive["deadLetterTargetArn"].(string); !ok {
				ps.add("a redrive policy needs deadLetterTargetArn", "RedrivePolicy")
			}
			n, ok := integer(redrive, "maxReceiveCount")
			if s, isString := redrive["maxReceiveCount"].(string); isString {
				i, err := strconv.ParseInt(s, 10, 64)
				n, ok = i, err == nil
			}
			if !ok || n < 1 || n > 1000 {
				ps.add("a redrive policy needs maxReceiveCount between 1 and 1000", "RedrivePolicy", "maxReceiveCount")
			}
		}
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, int64(30), "VisibilityTimeout")
		setDefault(m, int64(345600), "MessageRetentionPeriod")
		setDefault(m, int64(262144), "MaximumMessageSize")
		setDefault(m, int64(0), "DelaySeconds")
		setDefault(m, int64(0), "ReceiveMessageWaitTimeSeconds")
		if has(m, "KmsMasterKeyId") {
			setDefault(m, int64(300), "KmsDataKeyReusePeriodSeconds")
		} else {
			// SQS has encrypted new queues with SSE-SQS since late 2022.
			setDefault(m, true, "SqsManagedSseEnabled")
		}
		if boolean(m, "FifoQueue") {
			setDefault(m, false, "ContentBasedDeduplication")
			setDefault(m, "queue", "DeduplicationScope")
			setDefault(m, "perQueue", "FifoThroughputLimit")
		}
	},
	generate: func(g *gen, m map[string]any) {
		name, e := str(m, "QueueName"), g.env
		setDefault(m, "https://sqs."+e.Region+"."+e.dnsSuffix()+"/"+e.Account+"/"+name, "QueueUrl")
		setDefault(m, e.arn("sqs", name), "Arn")
	},
}

var sqsQueuePolicy = &spec{
	service:  "sqs",
	policies: []string{"PolicyDocument"},
	generate: func(g *gen, m map[string]any) { setDefault(m, g.name(nameRule{max: 256}, m), "Id") },
}
