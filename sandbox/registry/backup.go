package registry

import (
	"strconv"

	"qualstate/jsonpatch"
)

var backupVault = &spec{
	service:    "backup",
	arn:        "BackupVaultArn",
	chosen:     []string{"EncryptionKeyArn"},
	policies:   []string{"AccessPolicy"},
	attributes: []string{"BackupVaultName"},
	check: func(m map[string]any) problems {
		var ps problems
		low, hasLow := integer(m, "LockConfiguration", "MinRetentionDays")
		high, hasHigh := integer(m, "LockConfiguration", "MaxRetentionDays")
		if hasLow && low < 1 {
			ps.add("MinRetentionDays must be at least 1", "LockConfiguration", "MinRetentionDays")
		}
		if hasLow && hasHigh && high < low {
			ps.add("MaxRetentionDays must not be less than MinRetentionDays", "LockConfiguration", "MaxRetentionDays")
		}
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		if e.Account != "" {
			// Vaults without a key of their own use the AWS managed key.
			setDefault(m, e.managedKey("aws/backup"), "EncryptionKeyArn")
		}
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.env.arn("backup", "backup-vault:"+str(m, "BackupVaultName")), "BackupVaultArn")
	},
}

var backupPlan = &spec{
	service: "backup",
	arn:     "BackupPlanArn",
	check: func(m map[string]any) problems {
		var ps problems
		for i, r := range list(m, "BackupPlan", "BackupPlanRule") {
			rule, _ := r.(map[string]any)
			cold, hasCold := number(lookup(rule, "Lifecycle", "MoveToColdStorageAfterDays"))
			del, hasDelete := number(lookup(rule, "Lifecycle", "DeleteAfterDays"))
			if hasCold && hasDelete && del < cold+90 {
				ps.add("recovery points must stay in cold storage for at least 90 days: DeleteAfterDays must be at least MoveToColdStorageAfterDays + 90", "BackupPlan", "BackupPlanRule", strconv.Itoa(i), "Lifecycle", "DeleteAfterDays")
			}
		}
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.uuid(), "BackupPlanId")
		setDefault(m, g.env.arn("backup", "backup-plan:"+str(m, "BackupPlanId")), "BackupPlanArn")
		setDefault(m, g.pick(32, upperAlnum+lowerAlnum[:26]), "VersionId")
	},
	update: func(g *gen, current, next map[string]any) {
		// Every change of the plan is a new version of it.
		if !jsonpatch.Equal(current["BackupPlan"], next["BackupPlan"]) {
			next["VersionId"] = g.pick(32, upperAlnum+lowerAlnum[:26])
		}
	},
}

// lookup reads a value at a path, nil when absent.
func lookup(m map[string]any, path ...string) any {
	v, _ := get(m, path...)
	return v
}

var backupSelection = &spec{
	service: "backup",
	check: func(m map[string]any) problems {
		var ps problems
		sel := object(m, "BackupSelection")
		if len(list(sel, "Resources")) == 0 && len(list(sel, "ListOfTags")) == 0 && !has(sel, "Conditions") {
			ps.add("a selection needs Resources, ListOfTags or Conditions", "BackupSelection")
		}
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.uuid(), "SelectionId")
		setDefault(m, str(m, "BackupPlanId")+"_"+str(m, "SelectionId"), "Id")
	},
}
