package registry

import (
	"strconv"
	"strings"

	"qualstate/jsonpatch"
)

// rdsEngines are the engines RDS creates DB instances of.
var rdsEngines = []string{
	"aurora-mysql", "aurora-postgresql", "custom-oracle-ee", "custom-oracle-ee-cdb", "custom-oracle-se2",
	"custom-oracle-se2-cdb", "custom-sqlserver-dev", "custom-sqlserver-ee", "custom-sqlserver-se",
	"custom-sqlserver-web", "db2-ae", "db2-se", "mariadb", "mysql", "oracle-ee", "oracle-ee-cdb",
	"oracle-se2", "oracle-se2-cdb", "postgres", "sqlserver-ee", "sqlserver-ex", "sqlserver-se", "sqlserver-web",
}

// enginePort is the port an engine listens on unless told otherwise.
func enginePort(engine string) int64 {
	switch {
	case strings.Contains(engine, "postgres"):
		return 5432
	case strings.Contains(engine, "oracle"):
		return 1521
	case strings.Contains(engine, "sqlserver"):
		return 1433
	case strings.HasPrefix(engine, "db2"):
		return 50000
	}
	return 3306
}

// licenseModel is the license RDS records for an engine by default.
func licenseModel(engine string) string {
	switch {
	case engine == "mysql" || engine == "mariadb" || strings.HasPrefix(engine, "aurora-mysql"):
		return "general-public-license"
	case strings.Contains(engine, "postgres"):
		return "postgresql-license"
	case strings.HasPrefix(engine, "db2"):
		return "bring-your-own-license"
	}
	return "license-included"
}

// rdsHostedZones are the Route 53 zones of RDS endpoints by region.
var rdsHostedZones = map[string]string{
	"us-east-1": "Z2R2ITUGPM61AM", "us-east-2": "Z2XHWR1WZ565X2", "us-west-1": "Z10WI91S59XXQN",
	"us-west-2": "Z1PVIF0B656C1W", "eu-west-1": "Z29XKXDKYMONMX", "eu-central-1": "Z1RLNUO7B9Q6NB",
	"ap-southeast-1": "Z2G0U3KFCY8NZ5", "ap-northeast-1": "Z24O6O9L7SGTNB",
}

// hostedZone is a service's Route 53 zone in the env's region; a region
// the table lacks gets a stable made-up one.
func hostedZone(e Env, zones map[string]string, label string) string {
	if z, ok := zones[e.Region]; ok {
		return z
	}
	b := e.stable(label)
	out := make([]byte, 13)
	for i := range out {
		out[i] = base32[int(b[i])%len(base32)]
	}
	return "Z" + string(out)
}

// restoring reports whether an instance comes from existing data (a
// snapshot, a replica source, a point in time), which brings its engine,
// user and storage with it.
func restoringInstance(m map[string]any) bool {
	for _, p := range []string{"DBSnapshotIdentifier", "DBClusterSnapshotIdentifier", "SourceDBInstanceIdentifier", "SourceDBInstanceAutomatedBackupsArn", "SourceDbiResourceId", "SourceDBClusterIdentifier"} {
		if has(m, p) {
			return true
		}
	}
	return false
}

// masterSecret is the secret RDS creates for a managed master password.
func masterSecret(g *gen, m map[string]any, kind string) {
	if !boolean(m, "ManageMasterUserPassword") {
		return
	}
	setDefault(m, g.env.arn("secretsmanager", "secret:rds!"+kind+"-"+g.uuid()+"-"+g.pick(6, upperAlnum+lowerAlnum[:26])), "MasterUserSecret", "SecretArn")
	setDefault(m, g.env.managedKey("aws/secretsmanager"), "MasterUserSecret", "KmsKeyId")
}

// checkMasterUser applies the rules for the master user of a new
// database: a name, and a password given or managed, not both.
func checkMasterUser(ps *problems, m map[string]any) {
	if !has(m, "MasterUsername") {
		ps.add("MasterUsername is required for a new database (one not restored from a snapshot nor a member of a cluster)", "MasterUsername")
	}
	switch {
	case has(m, "MasterUserPassword") && boolean(m, "ManageMasterUserPassword"):
		ps.add("MasterUserPassword cannot be given when ManageMasterUserPassword is true", "MasterUserPassword")
	case !has(m, "MasterUserPassword") && !boolean(m, "ManageMasterUserPassword"):
		ps.add("one of MasterUserPassword or ManageMasterUserPassword: true is required", "MasterUserPassword")
	}
}

var rdsDBInstance = &spec{
	service: "rds",
	name:    &nameRule{prop: "DBInstanceIdentifier", max: 63, lower: true},
	arn:     "DBInstanceArn",
	canon:   lowercase("DBInstanceIdentifier", "Engine"),
	chosen:  []string{"AvailabilityZone", "KmsKeyId", "MasterUserSecret.KmsKeyId"},
	conditional: map[string]func(map[string]any) bool{
		"SecondaryAvailabilityZone": func(m map[string]any) bool { return boolean(m, "MultiAZ") },
		"ListenerEndpoint": func(m map[string]any) bool {
			return boolean(m, "MultiAZ") && strings.HasPrefix(str(m, "Engine"), "sqlserver")
		},
		"MasterUserSecret.SecretArn": func(m map[string]any) bool { return boolean(m, "ManageMasterUserPassword") },
		// Set only while a stopped instance waits to restart, an RDS
		// Custom instance is paused, or storage is being changed.
		"AutomaticRestartTime":         func(map[string]any) bool { return false },
		"ResumeFullAutomationModeTime": func(map[string]any) bool { return false },
		"PercentProgress":              func(map[string]any) bool { return false },
	},
	check: func(m map[string]any) problems {
		var ps problems
		member, restoring := has(m, "DBClusterIdentifier"), restoringInstance(m)
		if !has(m, "DBInstanceClass") && !has(m, "SourceDBInstanceIdentifier") {
			ps.add("DBInstanceClass is required", "DBInstanceClass")
		}
		if !has(m, "Engine") && !restoring {
			ps.add("Engine is required", "Engine")
		}
		ps.enum(m, []string{"Engine"}, rdsEngines...)
		engine := str(m, "Engine")
		switch {
		case member:
			for _, p := range []string{"MasterUsername", "MasterUserPassword", "StorageEncrypted", "KmsKeyId", "BackupRetentionPeriod", "AllocatedStorage"} {
				if has(m, p) {
					ps.addf([]string{p}, "the instance is a member of a DB cluster: %s is the cluster's", p)
				}
			}
		case !restoring:
			checkMasterUser(&ps, m)
			if !strings.HasPrefix(engine, "aurora") && !has(m, "AllocatedStorage") {
				ps.add("AllocatedStorage is required", "AllocatedStorage")
			}
			if has(m, "KmsKeyId") && !boolean(m, "StorageEncrypted") {
				ps.add("KmsKeyId requires StorageEncrypted: true", "KmsKeyId")
			}
		}
		if strings.HasPrefix(engine, "aurora") && !member {
			ps.add("an Aurora DB instance must name its DB cluster in DBClusterIdentifier", "DBClusterIdentifier")
		}
		ps.between(m, 0, 35, "BackupRetentionPeriod")
		if n, ok := integer(m, "MonitoringInterval"); ok {
			switch n {
			case 0, 1, 5, 10, 15, 30, 60:
			default:
				ps.addf([]string{"MonitoringInterval"}, "must be 0, 1, 5, 10, 15, 30 or 60; got %d", n)
			}
			if n > 0 && !has(m, "MonitoringRoleArn") {
				ps.add("enhanced monitoring needs MonitoringRoleArn", "MonitoringRoleArn")
			}
		}
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		engine := str(m, "Engine")
		setDefault(m, false, "PubliclyAccessible")
		setDefault(m, true, "AutoMinorVersionUpgrade")
		setDefault(m, false, "CopyTagsToSnapshot")
		setDefault(m, int64(0), "MonitoringInterval")
		setDefault(m, false, "EnablePerformanceInsights")
		setDefault(m, false, "EnableIAMDatabaseAuthentication")
		setDefault(m, "IPV4", "NetworkType")
		setDefault(m, "rds-ca-rsa2048-g1", "CACertificateIdentifier")
		if engine != "" {
			setDefault(m, strconv.FormatInt(enginePort(engine), 10), "Port")
			setDefault(m, licenseModel(engine), "LicenseModel")
		}
		if e.Region != "" {
			setDefault(m, e.zone(), "AvailabilityZone")
		}
		if has(m, "DBClusterIdentifier") {
			// Storage, backups and encryption are the cluster's.
			setDefault(m, "aurora", "StorageType")
			return
		}
		setDefault(m, false, "StorageEncrypted")
		setDefault(m, false, "MultiAZ")
		setDefault(m, int64(1), "BackupRetentionPeriod")
		setDefault(m, false, "DeletionProtection")
		if has(m, "Iops") {
			setDefault(m, "io1", "StorageType")
		}
		setDefault(m, "gp2", "StorageType")
		if boolean(m, "StorageEncrypted") && e.Account != "" {
			setDefault(m, e.managedKey("aws/rds"), "KmsKeyId")
		}
	},
	generate: func(g *gen, m map[string]any) {
		id, e := str(m, "DBInstanceIdentifier"), g.env
		setDefault(m, e.arn("rds", "db:"+id), "DBInstanceArn")
		setDefault(m, "db-"+g.pick(26, upperAlnum), "DbiResourceId")
		endpoint := map[string]any{
			"Address":      id + "." + g.pick(12, lowerAlnum) + "." + e.Region + ".rds." + e.dnsSuffix(),
			"Port":         str(m, "Port"),
			"HostedZoneId": hostedZone(e, rdsHostedZones, "rds-zone"),
		}
		setDefault(m, endpoint, "Endpoint")
		setDefault(m, jsonpatch.Clone(endpoint), "ListenerEndpoint")
		setDefault(m, map[string]any{
			"CAIdentifier": str(m, "CACertificateIdentifier"),
			"ValidTill":    timestamp(g.now.AddDate(1, 0, 0)),
		}, "CertificateDetails")
		setDefault(m, "available", "DBInstanceStatus")
		setDefault(m, timestamp(g.now), "InstanceCreateTime")
		setDefault(m, timestamp(g.now), "LatestRestorableTime")
		setDefault(m, false, "IsStorageConfigUpgradeAvailable")
		setDefault(m, []any{}, "ReadReplicaDBClusterIdentifiers")
		setDefault(m, []any{}, "ReadReplicaDBInstanceIdentifiers")
		setDefault(m, []any{}, "StatusInfos")
		setDefault(m, e.Region+"b", "SecondaryAvailabilityZone")
		masterSecret(g, m, "db")
	},
	update: func(g *gen, _, next map[string]any) {
		if port := str(next, "Port"); port != "" {
			set(next, port, "Endpoint", "Port")
		}
		set(next, timestamp(g.now), "LatestRestorableTime")
	},
}

var rdsDBSubnetGroup = &spec{
	service: "rds",
	name:    &nameRule{prop: "DBSubnetGroupName", max: 255, lower: true},
	arn:     "DBSubnetGroupArn",
	canon:   lowercase("DBSubnetGroupName"),
	check: func(m map[string]any) problems {
		var ps problems
		if n := len(list(m, "SubnetIds")); n < 2 {
			ps.addf([]string{"SubnetIds"}, "a DB subnet group must cover at least two Availability Zones: give at least two subnets; got %d", n)
		}
		if str(m, "DBSubnetGroupName") == "default" {
			ps.add("the name default is reserved", "DBSubnetGroupName")
		}
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.env.arn("rds", "subgrp:"+str(m, "DBSubnetGroupName")), "DBSubnetGroupArn")
	},
}

var rdsDBCluster = &spec{
	service: "rds",
	name:    &nameRule{prop: "DBClusterIdentifier", max: 63, lower: true},
	arn:     "DBClusterArn",
	canon:   lowercase("DBClusterIdentifier", "Engine"),
	chosen:  []string{"AvailabilityZones", "KmsKeyId", "MasterUserSecret.KmsKeyId"},
	conditional: map[string]func(map[string]any) bool{
		"MasterUserSecret.SecretArn": func(m map[string]any) bool { return boolean(m, "ManageMasterUserPassword") },
	},
	check: func(m map[string]any) problems {
		var ps problems
		restoring := false
		for _, p := range []string{"SnapshotIdentifier", "SourceDBClusterIdentifier", "ReplicationSourceIdentifier", "GlobalClusterIdentifier"} {
			restoring = restoring || has(m, p)
		}
		if !has(m, "Engine") && !restoring {
			ps.add("Engine is required", "Engine")
		}
		ps.enum(m, []string{"Engine"}, "aurora-mysql", "aurora-postgresql", "mysql", "postgres")
		if !restoring {
			checkMasterUser(&ps, m)
			if has(m, "KmsKeyId") && !boolean(m, "StorageEncrypted") {
				ps.add("KmsKeyId requires StorageEncrypted: true", "KmsKeyId")
			}
		}
		ps.between(m, 1, 35, "BackupRetentionPeriod")
		ps.enum(m, []string{"EngineMode"}, "provisioned", "serverless", "parallelquery", "global", "multimaster")
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		engine := str(m, "Engine")
		serverless := str(m, "EngineMode") == "serverless"
		// Aurora Serverless v1 clusters are always encrypted.
		setDefault(m, serverless, "StorageEncrypted")
		setDefault(m, "provisioned", "EngineMode")
		setDefault(m, false, "DeletionProtection")
		setDefault(m, false, "CopyTagsToSnapshot")
		setDefault(m, false, "EnableHttpEndpoint")
		setDefault(m, false, "EnableIAMDatabaseAuthentication")
		setDefault(m, "IPV4", "NetworkType")
		if engine != "" {
			setDefault(m, enginePort(engine), "Port")
		}
		if strings.HasPrefix(engine, "aurora") {
			setDefault(m, "aurora", "StorageType")
		}
		if e.Region != "" {
			setDefault(m, []any{e.Region + "a", e.Region + "b", e.Region + "c"}, "AvailabilityZones")
		}
		if boolean(m, "StorageEncrypted") && e.Account != "" {
			setDefault(m, e.managedKey("aws/rds"), "KmsKeyId")
		}
	},
	generate: func(g *gen, m map[string]any) {
		id, e := str(m, "DBClusterIdentifier"), g.env
		random := g.pick(12, lowerAlnum)
		port := ""
		if p, ok := integer(m, "Port"); ok {
			port = strconv.FormatInt(p, 10)
		}
		setDefault(m, e.arn("rds", "cluster:"+id), "DBClusterArn")
		setDefault(m, "cluster-"+g.pick(26, upperAlnum), "DBClusterResourceId")
		setDefault(m, map[string]any{"Address": id + ".cluster-" + random + "." + e.Region + ".rds." + e.dnsSuffix(), "Port": port}, "Endpoint")
		setDefault(m, map[string]any{"Address": id + ".cluster-ro-" + random + "." + e.Region + ".rds." + e.dnsSuffix()}, "ReadEndpoint")
		encryption := "none"
		if boolean(m, "StorageEncrypted") {
			encryption = "sse-kms"
		}
		setDefault(m, encryption, "StorageEncryptionType")
		setDefault(m, int64(0), "StorageThroughput")
		masterSecret(g, m, "cluster")
	},
	update: func(_ *gen, _, next map[string]any) {
		if p, ok := integer(next, "Port"); ok {
			set(next, strconv.FormatInt(p, 10), "Endpoint", "Port")
		}
	},
}
