package report

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// artifactURI turns a path as the CLI was given it into a SARIF artifact
// location (§3.4): a relative path becomes a relative reference resolved
// against %SRCROOT%, which is how code scanning services map results onto
// the checked-out repository; an absolute path becomes a file:// URI.
// Characters that may not appear in a URI (spaces, non-ASCII, '#', '?') are
// percent-encoded.
func artifactURI(path string) (uri, baseID string) {
	slashed := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(slashed, "/") {
			// A Windows drive path: file:///C:/dir/file.
			slashed = "/" + slashed
		}
		u := url.URL{Scheme: "file", Path: slashed}
		return u.String(), ""
	}
	// url.URL.String also prefixes "./" when the first segment holds a
	// colon, so "a:b.yaml" is not read as a URI with scheme "a".
	u := url.URL{Path: slashed}
	return u.String(), srcRoot
}

// absoluteURI returns s when it is an absolute URI, as informationUri must
// be (§3.19.17), and "" otherwise.
func absoluteURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return ""
	}
	return s
}

// semver matches a Semantic Versioning 2.0.0 version.
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// semanticVersion returns the tool version as SemVer ("v1.2.3" gives
// "1.2.3"), or "" for builds without one ("dev", "(devel)"), since
// semanticVersion must be SemVer when present (§3.19.12).
func semanticVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if semver.MatchString(v) {
		return v
	}
	return ""
}
