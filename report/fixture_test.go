package report

import (
	"fmt"
	"time"

	"qualstate"
)

// Paths of the fixture's templates: one relative, one absolute with
// non-ASCII and XML-special characters, one that failed to parse and one
// that could not be read at all.
const (
	appFile     = "templates/app.yaml"
	labFile     = "/srv/qualstate/templates/ünïcode & <lab>.json"
	brokenFile  = "templates/broken.yaml"
	missingFile = "templates/missing.yaml"
)

// fixtureCheck is a check with something of every kind a report shows:
// findings of every result (a waived one included), fatal errors with and
// without a line,
// diagnostics of each severity, a finding whose requirement is not in the
// set, a skipped file, and reasons with Unicode, XML-special and control
// characters. Times are in a zone other than UTC, which writers convert.
func fixtureCheck() *Check {
	zone := time.FixedZone("CET", 3600)
	started := time.Date(2026, 11, 23, 10, 30, 0, 125_000_000, zone)
	return &Check{
		Tool:           Tool{Name: "qualstate", Version: "v1.4.0", InformationURI: "https://github.com/qualstate/qualstate"},
		RequirementSet: fixtureSet(),
		Templates: []TemplateResult{
			{
				File: labFile, Digest: "5d41402abc4b2a76b9719d911017c592aa0f0f9bd8d8d4e7b7ef6f1c3b4a2c1d", Resources: 2,
				Diagnostics: []qualstate.Diagnostic{{
					Severity: qualstate.SeverityWarning, Code: "deprecated-property",
					Message: "AccessControl is deprecated; use ownership controls & bucket policies <instead>",
					Loc:     qualstate.Location{File: labFile, Line: 9, Column: 7}, LogicalID: "LabBucket",
				}},
			},
			{
				File: appFile, Digest: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", Resources: 4,
				Elapsed: 12500 * time.Microsecond,
				Diagnostics: []qualstate.Diagnostic{
					{
						Severity: qualstate.SeverityWarning, Code: "unknown-property",
						Message: `unknown property "BucketEncription" (did you mean "BucketEncryption"?)`,
						Loc:     qualstate.Location{File: appFile, Line: 14, Column: 7}, LogicalID: "DataBucket",
					},
					{
						Severity: qualstate.SeverityNote, Code: "unvalidated-type",
						Message: "Custom::Thing has no schema; its properties were not validated",
						Loc:     qualstate.Location{File: appFile, Line: 30, Column: 3}, LogicalID: "Thing",
					},
				},
			},
			{
				File: brokenFile, Digest: "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9",
				Errors: []qualstate.Diagnostic{{
					Severity: qualstate.SeverityError, Code: "invalid-template",
					Message: "mapping values are not allowed in this context",
					Loc:     qualstate.Location{File: brokenFile, Line: 7, Column: 12},
				}},
			},
			{
				File: missingFile,
				Errors: []qualstate.Diagnostic{{
					Severity: qualstate.SeverityError, Code: "unreadable",
					Message: "open templates/missing.yaml: permission denied",
					Loc:     qualstate.Location{File: missingFile},
				}},
			},
		},
		Skipped:  []Skipped{{File: "templates/README.md", Reason: "not a CloudFormation template"}},
		Findings: fixtureFindings(),
		FailOn:   qualstate.ResultFail,
		Started:  started,
		Finished: started.Add(2345 * time.Millisecond),
	}
}

func fixtureSet() *qualstate.RequirementSet {
	return &qualstate.RequirementSet{
		Name: "gxp-baseline", Version: "2.1.0", Source: "requirements/gxp.yaml",
		Digest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Requirements: []*qualstate.Requirement{
			{
				ID:            "S3.ENCRYPTION.AT-REST",
				Title:         "S3 buckets encrypt data at rest",
				Description:   "Every bucket encrypts objects at rest with a KMS key, so records stay confidential.",
				Risk:          qualstate.RiskHigh,
				Controls:      []qualstate.Control{"nist-800-53:SC-28", "pci-dss:3.5.1", "21-cfr-11:11.10(c)"},
				ResourceTypes: []string{"AWS::S3::Bucket"},
				Check: `has(BucketEncryption) && BucketEncryption.ServerSideEncryptionConfiguration.exists(r,
  r.ServerSideEncryptionByDefault.SSEAlgorithm == "aws:kms")`,
				Tags: []string{"gxp", "data-integrity"},
			},
			{
				ID:            "S3.PUBLIC-ACCESS.BLOCKED",
				Title:         "S3 buckets block public access",
				Risk:          qualstate.RiskHigh,
				Controls:      []qualstate.Control{"nist-800-53:AC-3"},
				ResourceTypes: []string{"AWS::S3::Bucket"},
				Check:         "PublicAccessBlockConfiguration.BlockPublicAcls == true",
			},
			{
				ID:            "LOGS.RETENTION.MINIMUM",
				Title:         "Log groups keep records for at least 365 days",
				Description:   "Audit records are kept ≥ 365 days (21 CFR 11.10(e)); `RetentionInDays` must say so.",
				Risk:          qualstate.RiskMedium,
				Controls:      []qualstate.Control{"21-cfr-11:11.10(e)"},
				ResourceTypes: []string{"AWS::Logs::LogGroup"},
				Check:         "RetentionInDays >= 365",
				Examples: []qualstate.Example{
					{Name: "one year", Want: qualstate.ResultPass, Properties: map[string]any{"RetentionInDays": int64(365)}},
					{Name: "a month", Want: qualstate.ResultFail, Properties: map[string]any{"RetentionInDays": int64(30), "Tags": []any{map[string]any{"Key": "Owner", "Value": "QA"}}}},
				},
				Challenge:   []qualstate.PatchOp{{Op: "replace", Path: "/RetentionInDays", Value: int64(1)}},
				Remediation: []qualstate.PatchOp{{Op: "replace", Path: "/RetentionInDays", Value: 365.5}},
				Tolerance:   "15m",
			},
			{
				ID:            "KMS.KEY-ROTATION",
				Title:         "KMS keys rotate yearly",
				Risk:          qualstate.RiskLow,
				ResourceTypes: []string{"AWS::KMS::Key"},
				Check:         "EnableKeyRotation == true",
			},
			{
				ID:            "DYNAMODB.PITR",
				Title:         "DynamoDB tables keep point-in-time recovery",
				Risk:          qualstate.RiskMedium,
				ResourceTypes: []string{"AWS::DynamoDB::Table"},
				Check:         "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
			},
		},
	}
}

func fixtureFindings() []qualstate.Finding {
	fs := []qualstate.Finding{
		{
			RequirementID: "S3.ENCRYPTION.AT-REST", Title: "S3 buckets encrypt data at rest", Risk: qualstate.RiskHigh,
			Controls: []qualstate.Control{"nist-800-53:SC-28", "pci-dss:3.5.1", "21-cfr-11:11.10(c)"},
			Stage:    qualstate.StageStatic, Result: qualstate.ResultFail,
			Reason:       `SSEAlgorithm is "AES256" & must be "aws:kms" <customer-managed>`,
			ResourceType: "AWS::S3::Bucket", LogicalID: "DataBucket",
			Loc:      qualstate.Location{File: appFile, Line: 12, Column: 9},
			Evidence: []string{"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
		},
		{
			RequirementID: "S3.PUBLIC-ACCESS.BLOCKED", Title: "S3 buckets block public access", Risk: qualstate.RiskHigh,
			Controls: []qualstate.Control{"nist-800-53:AC-3"},
			Stage:    qualstate.StageStatic, Result: qualstate.ResultPass,
			Reason:       "BlockPublicAcls is true",
			ResourceType: "AWS::S3::Bucket", LogicalID: "DataBucket",
			Loc: qualstate.Location{File: appFile, Line: 10, Column: 3},
		},
		{
			RequirementID: "CUSTOM.TAGS.OWNER", Title: "Resources carry an Owner tag", Risk: qualstate.RiskLow,
			Controls: []qualstate.Control{"eu-gmp-annex-11:4.5"},
			Stage:    qualstate.StageStatic, Result: qualstate.ResultFail,
			Reason:       "no tag with Key \"Owner\"",
			ResourceType: "AWS::S3::Bucket", LogicalID: "DataBucket",
			Loc: qualstate.Location{File: appFile, Line: 10, Column: 3},
		},
		{
			RequirementID: "LOGS.RETENTION.MINIMUM", Title: "Log groups keep records for at least 365 days", Risk: qualstate.RiskMedium,
			Controls: []qualstate.Control{"21-cfr-11:11.10(e)"},
			Stage:    qualstate.StageStatic, Result: qualstate.ResultIndeterminate,
			Reason:       "RetentionInDays is !Ref RetentionParam, which has no value: known only after deployment",
			ResourceType: "AWS::Logs::LogGroup", LogicalID: "AuditLogs",
			Loc: qualstate.Location{File: appFile, Line: 20, Column: 7},
		},
		{
			RequirementID: "KMS.KEY-ROTATION", Title: "KMS keys rotate yearly", Risk: qualstate.RiskLow,
			Stage: qualstate.StageStatic, Result: qualstate.ResultError,
			Reason:       "evaluating check: no such key: EnableKeyRotation\x1b[2J\x01",
			ResourceType: "AWS::KMS::Key", LogicalID: "AppKey",
			Loc: qualstate.Location{File: appFile, Line: 25, Column: 3},
		},
		{
			RequirementID: "S3.ENCRYPTION.AT-REST", Title: "S3 buckets encrypt data at rest", Risk: qualstate.RiskHigh,
			Controls: []qualstate.Control{"nist-800-53:SC-28", "pci-dss:3.5.1", "21-cfr-11:11.10(c)"},
			Stage:    qualstate.StageStatic, Result: qualstate.ResultFail,
			Reason:       "BucketEncryption is absent\nles données ne sont pas chiffrées ✗",
			ResourceType: "AWS::S3::Bucket", LogicalID: "LabBucket",
			Loc: qualstate.Location{File: labFile, Line: 4, Column: 5},
		},
		{
			RequirementID: "S3.PUBLIC-ACCESS.BLOCKED", Title: "S3 buckets block public access", Risk: qualstate.RiskHigh,
			Controls: []qualstate.Control{"nist-800-53:AC-3"},
			Stage:    qualstate.StageStatic, Result: qualstate.ResultIndeterminate,
			Reason:       "BlockPublicAcls depends on !GetAtt LabKey.Arn",
			ResourceType: "AWS::S3::Bucket", LogicalID: "LabBucket",
			Loc: qualstate.Location{File: labFile, Line: 4, Column: 5},
		},
		{
			RequirementID: "LOGS.RETENTION.MINIMUM", Title: "Log groups keep records for at least 365 days", Risk: qualstate.RiskMedium,
			Controls: []qualstate.Control{"21-cfr-11:11.10(e)"},
			Stage:    qualstate.StageStatic, Result: qualstate.ResultFail,
			Reason:       "RetentionInDays is 30",
			ResourceType: "AWS::Logs::LogGroup", LogicalID: "DebugLogs",
			Loc: qualstate.Location{File: appFile, Line: 35, Column: 7},
		},
	}
	// The debug log group's short retention is accepted until it is
	// retired: its failure is waived, the other failures are not.
	if n := qualstate.ApplyWaivers(fs, []qualstate.Waiver{fixtureWaiver()}, fixtureNow,
		qualstate.WaiverTarget{TemplateFile: appFile}); n != 1 {
		panic(fmt.Sprintf("the fixture waiver applies to %d findings, want 1", n))
	}
	qualstate.SortFindings(fs)
	return fs
}

// fixtureNow is when the fixture's waivers are applied.
var fixtureNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// fixtureWaiver is an approved waiver of LOGS.RETENTION.MINIMUM for the
// DebugLogs log group of app.yaml, until the end of January 2027.
func fixtureWaiver() qualstate.Waiver {
	return qualstate.Waiver{
		ID: "W-0001", RequirementID: "LOGS.RETENTION.MINIMUM",
		Scope:         qualstate.WaiverScope{Template: "app.yaml", Resource: "DebugLogs"},
		Justification: "debug logs hold no GxP records", RiskAssessment: "low: nothing regulated is logged there",
		Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Status: qualstate.WaiverApproved,
		RequestedBy: "jdoe", Requested: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
		DecidedBy: "jweiss", Decided: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
	}
}
