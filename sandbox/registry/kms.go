package registry

import (
	"slices"
	"strings"
)

var kmsKey = &spec{
	service:  "kms",
	arn:      "Arn",
	policies: []string{"KeyPolicy"},
	check: func(m map[string]any) problems {
		var ps problems
		spec, usage := str(m, "KeySpec"), str(m, "KeyUsage")
		if spec == "" {
			spec = "SYMMETRIC_DEFAULT"
		}
		if usage == "" {
			usage = "ENCRYPT_DECRYPT"
		}
		var allowed []string
		switch {
		case spec == "SYMMETRIC_DEFAULT":
			allowed = []string{"ENCRYPT_DECRYPT"}
		case strings.HasPrefix(spec, "HMAC_"):
			allowed = []string{"GENERATE_VERIFY_MAC"}
		case strings.HasPrefix(spec, "RSA_"):
			allowed = []string{"ENCRYPT_DECRYPT", "SIGN_VERIFY"}
		case strings.HasPrefix(spec, "ECC_"):
			allowed = []string{"SIGN_VERIFY", "KEY_AGREEMENT"}
		case strings.HasPrefix(spec, "ML_DSA_"):
			allowed = []string{"SIGN_VERIFY"}
		}
		if allowed != nil && !slices.Contains(allowed, usage) {
			ps.addf([]string{"KeyUsage"}, "a %s key can only be used for %s; got %s", spec, strings.Join(allowed, " or "), usage)
		}
		if boolean(m, "EnableKeyRotation") && (spec != "SYMMETRIC_DEFAULT" || str(m, "Origin") == "EXTERNAL") {
			ps.add("automatic rotation is only available for symmetric encryption keys with key material KMS generates", "EnableKeyRotation")
		}
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		setDefault(m, true, "Enabled")
		setDefault(m, false, "EnableKeyRotation")
		setDefault(m, map[string]any{
			"Version": "2012-10-17",
			"Id":      "key-default-1",
			"Statement": []any{map[string]any{
				"Sid":       "Enable IAM User Permissions",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": e.globalARN("iam", "root")},
				"Action":    "kms:*",
				"Resource":  "*",
			}},
		}, "KeyPolicy")
	},
	generate: func(g *gen, m map[string]any) {
		id := g.uuid()
		if boolean(m, "MultiRegion") {
			id = "mrk-" + strings.ReplaceAll(id, "-", "")
		}
		setDefault(m, id, "KeyId")
		setDefault(m, g.env.arn("kms", "key/"+str(m, "KeyId")), "Arn")
	},
}

var kmsAlias = &spec{
	service: "kms",
	check: func(m map[string]any) problems {
		var ps problems
		if strings.HasPrefix(str(m, "AliasName"), "alias/aws/") {
			ps.add("alias names beginning with alias/aws/ are reserved for AWS managed keys", "AliasName")
		}
		return ps
	},
}
