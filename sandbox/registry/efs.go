package registry

var efsFileSystem = &spec{
	service:  "elasticfilesystem",
	arn:      "Arn",
	chosen:   []string{"KmsKeyId"},
	policies: []string{"FileSystemPolicy"},
	check: func(m map[string]any) problems {
		var ps problems
		ps.enum(m, []string{"PerformanceMode"}, "generalPurpose", "maxIO")
		ps.enum(m, []string{"ThroughputMode"}, "bursting", "provisioned", "elastic")
		if has(m, "KmsKeyId") && !boolean(m, "Encrypted") {
			ps.add("KmsKeyId requires Encrypted: true", "KmsKeyId")
		}
		provisioned := str(m, "ThroughputMode") == "provisioned"
		if provisioned != has(m, "ProvisionedThroughputInMibps") {
			ps.add("ProvisionedThroughputInMibps is given exactly when ThroughputMode is provisioned", "ProvisionedThroughputInMibps")
		}
		if str(m, "PerformanceMode") == "maxIO" {
			if str(m, "ThroughputMode") == "elastic" {
				ps.add("elastic throughput is not available with the maxIO performance mode", "ThroughputMode")
			}
			if has(m, "AvailabilityZoneName") {
				ps.add("One Zone file systems only use the generalPurpose performance mode", "PerformanceMode")
			}
		}
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		setDefault(m, false, "Encrypted")
		if boolean(m, "Encrypted") && e.Account != "" {
			setDefault(m, e.managedKey("aws/elasticfilesystem"), "KmsKeyId")
		}
		setDefault(m, "generalPurpose", "PerformanceMode")
		setDefault(m, "bursting", "ThroughputMode")
		setDefault(m, map[string]any{"Status": "DISABLED"}, "BackupPolicy")
		setDefault(m, map[string]any{"ReplicationOverwriteProtection": "ENABLED"}, "FileSystemProtection")
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, "fs-0"+g.pick(16, hexDigits), "FileSystemId")
		setDefault(m, g.env.arn("elasticfilesystem", "file-system/"+str(m, "FileSystemId")), "Arn")
		for _, d := range list(m, "ReplicationConfiguration", "Destinations") {
			if dest, ok := d.(map[string]any); ok {
				setDefault(dest, "ENABLED", "Status")
				setDefault(dest, "", "StatusMessage")
			}
		}
	},
}

var efsAccessPoint = &spec{
	service: "elasticfilesystem",
	arn:     "Arn",
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, "/", "RootDirectory", "Path")
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, "fsap-0"+g.pick(16, hexDigits), "AccessPointId")
		setDefault(m, g.env.arn("elasticfilesystem", "access-point/"+str(m, "AccessPointId")), "Arn")
	},
}
