package registry

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"qualstate/jsonpatch"
)

var (
	iamName = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamPath = regexp.MustCompile(`^/(?:[\x21-\x7E]+/)?$`)
)

// checkIAMName applies IAM's rule for the names of its entities.
func checkIAMName(prop string, maxLen int) func(m map[string]any) problems {
	return func(m map[string]any) problems {
		var ps problems
		if s, ok := m[prop].(string); ok && (len(s) > maxLen || !iamName.MatchString(s)) {
			ps.addf([]string{prop}, "must be 1 to %d characters of letters, digits and +=,.@_-; got %q", maxLen, s)
		}
		if p, ok := m["Path"].(string); ok && (len(p) > 512 || !iamPath.MatchString(p)) {
			ps.addf([]string{"Path"}, "must begin and end with / and be at most 512 characters; got %q", p)
		}
		return ps
	}
}

// iamARN is the ARN of an IAM entity: the kind, its path, its name.
func iamARN(e Env, kind string, m map[string]any, nameProp string) string {
	path := str(m, "Path")
	if path == "" {
		path = "/"
	}
	return e.globalARN("iam", kind+path+str(m, nameProp))
}

// pathDefault is the path IAM gives entities created without one.
func pathDefault(_ Env, m map[string]any) { setDefault(m, "/", "Path") }

var iamRole = &spec{
	service:  "iam",
	name:     &nameRule{prop: "RoleName", max: 64},
	arn:      "Arn",
	policies: []string{"AssumeRolePolicyDocument", "Policies.*.PolicyDocument"},
	check: checks(checkIAMName("RoleName", 64), func(m map[string]any) problems {
		var ps problems
		ps.between(m, 3600, 43200, "MaxSessionDuration")
		return ps
	}),
	defaults: func(e Env, m map[string]any) {
		pathDefault(e, m)
		setDefault(m, int64(3600), "MaxSessionDuration")
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, iamARN(g.env, "role", m, "RoleName"), "Arn")
		setDefault(m, g.iamID("AROA"), "RoleId")
	},
}

var iamPolicy = &spec{
	service:  "iam",
	policies: []string{"PolicyDocument"},
	check: checks(checkIAMName("PolicyName", 128), func(m map[string]any) problems {
		var ps problems
		if len(list(m, "Groups"))+len(list(m, "Roles"))+len(list(m, "Users")) == 0 {
			ps.add("at least one of Groups, Roles or Users must be non-empty")
		}
		return ps
	}),
	generate: func(g *gen, m map[string]any) {
		// The inline policy's physical id is a name CloudFormation makes
		// up, not the policy's name, which is only unique per principal.
		setDefault(m, g.name(nameRule{max: 128}, m), "Id")
	},
}

var iamManagedPolicy = &spec{
	service:  "iam",
	name:     &nameRule{prop: "ManagedPolicyName", max: 128},
	arn:      "PolicyArn",
	policies: []string{"PolicyDocument"},
	check:    checkIAMName("ManagedPolicyName", 128),
	defaults: pathDefault,
	generate: func(g *gen, m map[string]any) {
		setDefault(m, iamARN(g.env, "policy", m, "ManagedPolicyName"), "PolicyArn")
		setDefault(m, g.iamID("ANPA"), "PolicyId")
		setDefault(m, timestamp(g.now), "CreateDate")
		setDefault(m, timestamp(g.now), "UpdateDate")
		setDefault(m, "v1", "DefaultVersionId")
		setDefault(m, true, "IsAttachable")
		setDefault(m, int64(0), "PermissionsBoundaryUsageCount")
		m["AttachmentCount"] = int64(len(list(m, "Groups")) + len(list(m, "Roles")) + len(list(m, "Users")))
	},
	update: func(g *gen, current, next map[string]any) {
		// A changed document is a new version of the policy, the default.
		if !jsonpatch.Equal(current["PolicyDocument"], next["PolicyDocument"]) {
			v, _ := strconv.Atoi(strings.TrimPrefix(str(current, "DefaultVersionId"), "v"))
			next["DefaultVersionId"] = fmt.Sprintf("v%d", v+1)
			next["UpdateDate"] = timestamp(g.now)
		}
	},
}

var iamInstanceProfile = &spec{
	service: "iam",
	name:    &nameRule{prop: "InstanceProfileName", max: 128},
	arn:     "Arn",
	check: checks(checkIAMName("InstanceProfileName", 128), func(m map[string]any) problems {
		var ps problems
		if n := len(list(m, "Roles")); n != 1 {
			ps.addf([]string{"Roles"}, "an instance profile holds exactly one role; got %d", n)
		}
		return ps
	}),
	defaults: pathDefault,
	generate: func(g *gen, m map[string]any) {
		setDefault(m, iamARN(g.env, "instance-profile", m, "InstanceProfileName"), "Arn")
	},
}

var iamUser = &spec{
	service:  "iam",
	name:     &nameRule{prop: "UserName", max: 64},
	arn:      "Arn",
	policies: []string{"Policies.*.PolicyDocument"},
	check:    checkIAMName("UserName", 64),
	defaults: pathDefault,
	generate: func(g *gen, m map[string]any) {
		setDefault(m, iamARN(g.env, "user", m, "UserName"), "Arn")
	},
}

var iamGroup = &spec{
	service:  "iam",
	name:     &nameRule{prop: "GroupName", max: 128},
	arn:      "Arn",
	policies: []string{"Policies.*.PolicyDocument"},
	check:    checkIAMName("GroupName", 128),
	defaults: pathDefault,
	generate: func(g *gen, m map[string]any) {
		setDefault(m, iamARN(g.env, "group", m, "GroupName"), "Arn")
	},
}
