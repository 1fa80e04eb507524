package aws

import "time"

// FastRetries shortens the SDK's retry backoff, so that tests of retried
// calls take milliseconds.
func FastRetries(o *Options) { o.maxBackoff = time.Millisecond }

// DecodeProperties exposes decodeProperties to the tests.
var DecodeProperties = decodeProperties

// Partition exposes partition to the tests.
var Partition = partition
