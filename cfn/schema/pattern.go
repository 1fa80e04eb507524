package schema

import (
	"regexp"
	"sync"
	"sync/atomic"
)

// patterns caches compiled "pattern" and "patternProperties" regular
// expressions by source, across all schemas: many types share patterns
// (ARNs, tag keys), and a schema is validated many times. A pattern Go's
// RE2 cannot compile (ECMA-262 lookaheads, backreferences) is cached as
// nil and not checked: no answer is better than a wrong one.
var (
	patterns      sync.Map
	patternsCount atomic.Int64
)

// maxCachedPatterns bounds the cache against schemas parsed from
// untrusted input; the embedded schemas have about 3,000 distinct patterns.
const maxCachedPatterns = 20000

func compiledPattern(src string) *regexp.Regexp {
	if re, ok := patterns.Load(src); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(src)
	if err != nil {
		re = nil
	}
	if patternsCount.Load() < maxCachedPatterns {
		if _, loaded := patterns.LoadOrStore(src, re); !loaded {
			patternsCount.Add(1)
		}
	}
	return re
}
