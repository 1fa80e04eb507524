package cfn

import (
	"strings"

	"qualstate"
)

// dynamicServices are the services a {{resolve:service:…}} reference reads.
var dynamicServices = map[string]bool{"ssm": true, "ssm-secure": true, "secretsmanager": true}

// dynamicRefs returns the {{resolve:…}} references in a string, and
// whether each is well formed.
func dynamicRefs(s string) (refs []string, bad string) {
	for {
		i := strings.Index(s, "{{resolve:")
		if i < 0 {
			return refs, ""
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return refs, s[i:]
		}
		ref := s[i : i+j+2]
		service, rest, _ := strings.Cut(ref[len("{{resolve:"):len(ref)-2], ":")
		if !dynamicServices[service] || rest == "" {
			return refs, ref
		}
		refs = append(refs, ref)
		s = s[i+j+2:]
	}
}

// dynamicRefs checks the dynamic references in a string.
func (c *checker) dynamicRefs(n *Node) {
	if _, bad := dynamicRefs(n.s); bad != "" {
		c.problem(n, "malformed dynamic reference %s (want {{resolve:ssm:name}}, {{resolve:ssm-secure:name}} or {{resolve:secretsmanager:secret-id}})", quote(bad))
	}
}

// dynamicRef resolves a string holding dynamic references: CloudFormation
// reads them from SSM or Secrets Manager at deployment, so it is unknown.
func (r *resolver) dynamicRef(n *Node) any {
	return &qualstate.Unknown{Reason: clip(n.s) + " (read at deployment)", Loc: r.doc.loc(n)}
}
