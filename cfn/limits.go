package cfn

// CloudFormation's quotas on a template, as AWS documents them, and the
// bounds this package puts on input so that no file can exhaust memory or
// time.
const (
	// MaxBodyBytes is the largest template CloudFormation accepts (read
	// from S3).
	MaxBodyBytes = 1_048_576
	// maxDirectBodyBytes is the largest template body CloudFormation
	// accepts inline in an API call rather than from S3.
	maxDirectBodyBytes = 51_200
	maxResources       = 500
	maxParameters      = 200
	maxOutputs         = 200
	maxMappings        = 200
	// maxMappingAttributes bounds the keys at each level of one mapping.
	maxMappingAttributes = 200
	maxLogicalIDLength   = 255
	maxNameLength        = 255

	// maxDepth bounds how deeply values nest: far beyond any template's
	// needs, and low enough that recursion over a tree is safe.
	maxDepth = 128
	// maxEvalValues and maxEvalBytes bound the work resolution may do:
	// intrinsic functions can multiply a 1 MB template (Fn::FindInMap of
	// a long list, Fn::Sub of a long parameter, repeated) into gigabytes.
	// A template at the size limit has fewer than a million values.
	maxEvalValues = 2_000_000
	maxEvalBytes  = 16 << 20
)

// isAlphanumeric reports whether s is non-empty and only ASCII letters and
// digits, as CloudFormation requires of logical ids and parameter names.
func isAlphanumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
