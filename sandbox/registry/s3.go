package registry

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var s3Bucket = &spec{
	service: "s3",
	name:    &nameRule{prop: "BucketName", max: 63, lower: true},
	arn:     "Arn",
	check:   checkBucket,
	defaults: func(e Env, m map[string]any) {
		// Since April 2023 S3 encrypts, blocks public access and disables
		// ACLs on every new bucket unless told otherwise.
		setDefault(m, map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
			"BucketKeyEnabled":              false,
		}}}, "BucketEncryption")
		for _, rule := range list(m, "BucketEncryption", "ServerSideEncryptionConfiguration") {
			if r, ok := rule.(map[string]any); ok {
				setDefault(r, false, "BucketKeyEnabled")
			}
		}
		if !has(m, "PublicAccessBlockConfiguration") {
			m["PublicAccessBlockConfiguration"] = map[string]any{}
			for _, k := range publicAccessBlocks {
				set(m, true, "PublicAccessBlockConfiguration", k)
			}
		}
		// A configuration that names some blocks turns the others off.
		for _, k := range publicAccessBlocks {
			setDefault(m, false, "PublicAccessBlockConfiguration", k)
		}
		setDefault(m, map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}}, "OwnershipControls")
	},
	generate: func(g *gen, m map[string]any) {
		name, e := str(m, "BucketName"), g.env
		setDefault(m, "arn:"+e.partition()+":s3:::"+name, "Arn")
		setDefault(m, name+".s3."+e.dnsSuffix(), "DomainName")
		setDefault(m, name+".s3."+e.Region+"."+e.dnsSuffix(), "RegionalDomainName")
		setDefault(m, name+".s3.dualstack."+e.Region+"."+e.dnsSuffix(), "DualStackDomainName")
		website := ".s3-website."
		if slices.Contains(dashWebsiteRegions, e.Region) {
			website = ".s3-website-"
		}
		setDefault(m, "http://"+name+website+e.Region+"."+e.dnsSuffix(), "WebsiteURL")
		if dest := object(m, "MetadataTableConfiguration", "S3TablesDestination"); dest != nil {
			setDefault(dest, "aws_s3_metadata", "TableNamespace")
			setDefault(dest, str(dest, "TableBucketArn")+"/table/"+g.uuid(), "TableArn")
		}
	},
}

var publicAccessBlocks = []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"}

// dashWebsiteRegions are the regions whose website endpoints are written
// s3-website-<region>; the newer ones use s3-website.<region>.
var dashWebsiteRegions = []string{
	"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1",
	"ap-southeast-2", "ap-northeast-1", "sa-east-1", "us-gov-west-1",
}

var (
	bucketChars = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
	ipAddress   = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
)

// checkBucket applies S3's bucket naming rules and the rules that tie a
// bucket's configurations together.
func checkBucket(m map[string]any) problems {
	var ps problems
	if name, ok := m["BucketName"].(string); ok {
		bad := func(rule string) { ps.addf([]string{"BucketName"}, "bucket names %s; got %q", rule, name) }
		switch {
		case len(name) < 3 || len(name) > 63:
			bad("must be 3 to 63 characters long")
		case !bucketChars.MatchString(name):
			bad("may contain only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit")
		case strings.Contains(name, ".."):
			bad("must not contain two adjacent dots")
		case ipAddress.MatchString(name):
			bad("must not be formatted as an IP address")
		case strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-") || strings.HasPrefix(name, "amzn-s3-demo-"):
			bad("must not begin with xn--, sthree- or amzn-s3-demo-")
		case strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3") || strings.HasSuffix(name, ".mrap") || strings.HasSuffix(name, "--x-s3"):
			bad("must not end with -s3alias, --ol-s3, .mrap or --x-s3")
		}
	}
	ownership := "BucketOwnerEnforced"
	if rules := list(m, "OwnershipControls", "Rules"); len(rules) > 0 {
		if r, ok := rules[0].(map[string]any); ok {
			ownership = str(r, "ObjectOwnership")
		}
	}
	if acl := str(m, "AccessControl"); acl != "" && acl != "Private" && acl != "BucketOwnerFullControl" && ownership == "BucketOwnerEnforced" {
		ps.addf([]string{"AccessControl"}, "the bucket does not allow ACLs: its object ownership is BucketOwnerEnforced (the default); set OwnershipControls to ObjectWriter or BucketOwnerPreferred to use the %s ACL", acl)
	}
	if has(m, "ObjectLockConfiguration") && !boolean(m, "ObjectLockEnabled") {
		ps.add("ObjectLockConfiguration requires ObjectLockEnabled: true", "ObjectLockConfiguration")
	}
	if has(m, "ReplicationConfiguration") && str(m, "VersioningConfiguration", "Status") != "Enabled" {
		ps.add("replication requires versioning: set VersioningConfiguration.Status to Enabled", "ReplicationConfiguration")
	}
	for i, rule := range list(m, "BucketEncryption", "ServerSideEncryptionConfiguration") {
		r, _ := rule.(map[string]any)
		if has(r, "ServerSideEncryptionByDefault", "KMSMasterKeyID") && !strings.HasPrefix(str(r, "ServerSideEncryptionByDefault", "SSEAlgorithm"), "aws:kms") {
			ps.add("KMSMasterKeyID requires SSEAlgorithm aws:kms or aws:kms:dsse", "BucketEncryption", "ServerSideEncryptionConfiguration", strconv.Itoa(i), "ServerSideEncryptionByDefault", "KMSMasterKeyID")
		}
	}
	return ps
}

var s3BucketPolicy = &spec{
	service:  "s3",
	policies: []string{"PolicyDocument"},
}
