package registry

import (
	"regexp"
	"strings"
)

var secretName = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

// secretARN is the ARN of a secret: Secrets Manager appends a hyphen and
// six random characters to the name.
func secretARN(g *gen, name string) string {
	return g.env.arn("secretsmanager", "secret:"+name+"-"+g.pick(6, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
}

var secretsManagerSecret = &spec{
	service: "secretsmanager",
	name:    &nameRule{prop: "Name", max: 512},
	arn:     "Id",
	check: func(m map[string]any) problems {
		var ps problems
		ps.named(m, "Name", secretName, "secret names are 1 to 512 letters, digits and /_+=.@-")
		ps.exclusive(m, "SecretString", "GenerateSecretString")
		ps.between(m, 1, 4096, "GenerateSecretString", "PasswordLength")
		if has(m, "GenerateSecretString", "GenerateStringKey") != has(m, "GenerateSecretString", "SecretStringTemplate") {
			ps.add("GenerateStringKey and SecretStringTemplate go together", "GenerateSecretString")
		}
		return ps
	},
	generate: func(g *gen, m map[string]any) { setDefault(m, secretARN(g, str(m, "Name")), "Id") },
}

var secretsManagerRotationSchedule = &spec{
	service: "secretsmanager",
	check: func(m map[string]any) problems {
		var ps problems
		ps.exclusive(m, "RotationLambdaARN", "HostedRotationLambda")
		if (has(m, "RotationLambdaARN") || has(m, "HostedRotationLambda")) && !has(m, "RotationRules") {
			ps.add("rotation needs RotationRules", "RotationRules")
		}
		if has(m, "RotationRules", "AutomaticallyAfterDays") && has(m, "RotationRules", "ScheduleExpression") {
			ps.add("give AutomaticallyAfterDays or ScheduleExpression, not both", "RotationRules")
		}
		ps.between(m, 1, 1000, "RotationRules", "AutomaticallyAfterDays")
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		// The schedule is known by its secret's ARN.
		id := str(m, "SecretId")
		if !strings.HasPrefix(id, "arn:") {
			id = secretARN(g, id)
		}
		setDefault(m, id, "Id")
	},
}
