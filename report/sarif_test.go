package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"qualstate"
)

// decodeSARIF renders the check as SARIF and reads it back into the
// writer's own types.
func decodeSARIF(t *testing.T, c *Check, opts SARIFOptions) sarifLog[[]sarifResult] {
	t.Helper()
	var buf bytes.Buffer
	if err := SARIFWithOptions(&buf, c, opts); err != nil {
		t.Fatal(err)
	}
	var log sarifLog[[]sarifResult]
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	return log
}

// TestSARIFResults checks each finding's result against what the spec and
// the code scanning services expect of it.
func TestSARIFResults(t *testing.T) {
	run := decodeSARIF(t, fixtureCheck(), SARIFOptions{}).Runs[0]
	type key struct{ rule, logicalID string }
	byKey := map[key]sarifResult{}
	for _, r := range run.Results {
		if len(r.Locations) == 0 {
			t.Errorf("result %s has no location; GitHub code scanning rejects such results", r.RuleID)
			continue
		}
		k := key{r.RuleID, ""}
		if ll := r.Locations[0].LogicalLocations; len(ll) > 0 {
			k.logicalID = ll[0].Name
		}
		if r.Locations[0].PhysicalLocation != nil {
			k.logicalID += "@" + r.Locations[0].PhysicalLocation.ArtifactLocation.URI
		}
		byKey[k] = r
		if r.RuleIndex < 0 || r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d, which is not its rule", r.RuleID, r.RuleIndex)
		}
		if r.Kind != "fail" && r.Level != "none" {
			t.Errorf("result %s of kind %s has level %s; §3.27.10 allows only none", r.RuleID, r.Kind, r.Level)
		}
	}
	const lab = "file:///srv/qualstate/templates/%C3%BCn%C3%AFcode%20&%20%3Clab%3E.json"
	tests := []struct {
		name        string
		key         key
		kind, level string
		message     string
	}{
		{"high-risk fail is an error", key{"S3.ENCRYPTION.AT-REST", "DataBucket@templates/app.yaml"}, "fail", "error",
			`SSEAlgorithm is "AES256" & must be "aws:kms" <customer-managed>`},
		{"low-risk fail is a note", key{"CUSTOM.TAGS.OWNER", "DataBucket@templates/app.yaml"}, "fail", "note",
			`no tag with Key "Owner"`},
		{"pass", key{"S3.PUBLIC-ACCESS.BLOCKED", "DataBucket@templates/app.yaml"}, "pass", "none",
			"BlockPublicAcls is true"},
		{"waived keeps the level of its risk", key{"LOGS.RETENTION.MINIMUM", "DebugLogs@templates/app.yaml"}, "fail", "warning",
			"RetentionInDays is 30 (waived by W-0001 until 2027-01-31T00:00:00Z)"},
		{"indeterminate is for review", key{"LOGS.RETENTION.MINIMUM", "AuditLogs@templates/app.yaml"}, "review", "none",
			"RetentionInDays is !Ref RetentionParam, which has no value: known only after deployment"},
		{"evaluation error of a low-risk check is an error", key{"KMS.KEY-ROTATION", "AppKey@templates/app.yaml"}, "fail", "error",
			"evaluating check: no such key: EnableKeyRotation\x1b[2J\x01"},
		{"absolute path", key{"S3.ENCRYPTION.AT-REST", "LabBucket@" + lab}, "fail", "error",
			"BucketEncryption is absent\nles données ne sont pas chiffrées ✗"},
		{"diagnostic keeps its severity", key{"template/unvalidated-type", "Thing@templates/app.yaml"}, "fail", "note",
			"Custom::Thing has no schema; its properties were not validated"},
		{"fatal error", key{"template/invalid-template", "@templates/broken.yaml"}, "fail", "error",
			"mapping values are not allowed in this context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := byKey[tt.key]
			if !ok {
				t.Fatalf("no result for %v", tt.key)
			}
			if r.Kind != tt.kind || r.Level != tt.level {
				t.Errorf("kind %s level %s, want %s %s", r.Kind, r.Level, tt.kind, tt.level)
			}
			if r.Message.Text != tt.message {
				t.Errorf("message %q, want %q", r.Message.Text, tt.message)
			}
			// Only a waived result is suppressed, and it always is.
			if waived := r.Properties.Result == string(qualstate.ResultWaived); waived != (len(r.Suppressions) == 1) {
				t.Errorf("result %s has suppressions %+v", r.Properties.Result, r.Suppressions)
			}
		})
	}
	if got, want := len(run.Results), len(fixtureCheck().Findings)+3+2; got != want {
		t.Errorf("%d results, want one per finding, diagnostic and fatal error (%d)", got, want)
	}
}

func TestSARIFLocations(t *testing.T) {
	run := decodeSARIF(t, fixtureCheck(), SARIFOptions{}).Runs[0]
	tests := []struct {
		name, uri, baseID string
		hash              string
	}{
		{"absolute path is a file URI", "file:///srv/qualstate/templates/%C3%BCn%C3%AFcode%20&%20%3Clab%3E.json", "",
			"5d41402abc4b2a76b9719d911017c592aa0f0f9bd8d8d4e7b7ef6f1c3b4a2c1d"},
		{"relative path is relative to %SRCROOT%", "templates/app.yaml", "%SRCROOT%",
			"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
		{"unreadable file has no hash", "templates/missing.yaml", "%SRCROOT%", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, a := range run.Artifacts {
				if a.Location.URI != tt.uri {
					continue
				}
				if a.Location.URIBaseID != tt.baseID {
					t.Errorf("uriBaseId %q, want %q", a.Location.URIBaseID, tt.baseID)
				}
				if a.Hashes["sha-256"] != tt.hash {
					t.Errorf("sha-256 %q, want %q", a.Hashes["sha-256"], tt.hash)
				}
				for _, r := range run.Results {
					pl := r.Locations[0].PhysicalLocation
					if pl != nil && pl.ArtifactLocation.URI == tt.uri && (pl.ArtifactLocation.Index == nil || *pl.ArtifactLocation.Index != i) {
						t.Errorf("result %s in %s does not cite artifact %d", r.RuleID, tt.uri, i)
					}
				}
				return
			}
			t.Errorf("no artifact %s", tt.uri)
		})
	}
	if _, ok := run.OriginalURIBaseIDs["%SRCROOT%"]; !ok {
		t.Error("relative locations but no originalUriBaseIds entry for %SRCROOT%")
	}
	if run.ColumnKind != "unicodeCodePoints" {
		t.Errorf("columnKind %q; it is required when there are results", run.ColumnKind)
	}
}

func TestSARIFRules(t *testing.T) {
	driver := decodeSARIF(t, fixtureCheck(), SARIFOptions{}).Runs[0].Tool.Driver
	rules := map[string]sarifRule{}
	for _, r := range driver.Rules {
		if _, dup := rules[r.ID]; dup {
			t.Errorf("rule %s appears twice", r.ID)
		}
		rules[r.ID] = r
	}
	tests := []struct {
		id, name, level, severity string
	}{
		{"S3.ENCRYPTION.AT-REST", "S3EncryptionAtRest", "error", "8.0"},
		{"LOGS.RETENTION.MINIMUM", "LogsRetentionMinimum", "warning", "5.0"},
		{"KMS.KEY-ROTATION", "KmsKeyRotation", "note", "3.0"},
		{"DYNAMODB.PITR", "DynamodbPitr", "warning", "5.0"},     // in the set, no findings
		{"CUSTOM.TAGS.OWNER", "CustomTagsOwner", "note", "3.0"}, // findings only
		{"template/unknown-property", "TemplateUnknownProperty", "warning", ""},
		{"template/unvalidated-type", "TemplateUnvalidatedType", "note", ""},
		{"template/unreadable", "TemplateUnreadable", "error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r, ok := rules[tt.id]
			if !ok {
				t.Fatal("no rule")
			}
			if r.Name != tt.name {
				t.Errorf("name %q, want %q", r.Name, tt.name)
			}
			if r.DefaultConfiguration == nil || r.DefaultConfiguration.Level != tt.level {
				t.Errorf("default level %+v, want %s", r.DefaultConfiguration, tt.level)
			}
			if r.Properties.SecuritySeverity != tt.severity {
				t.Errorf("security-severity %q, want %q", r.Properties.SecuritySeverity, tt.severity)
			}
			if tt.severity != "" && !slices.Contains(r.Properties.Tags, "security") {
				t.Errorf("tags %v lack security, without which GitHub ignores security-severity", r.Properties.Tags)
			}
		})
	}
	enc := rules["S3.ENCRYPTION.AT-REST"]
	for _, want := range []string{"`nist-800-53:SC-28`", "```cel\nhas(BucketEncryption)"} {
		if !bytes.Contains([]byte(enc.Help.Markdown), []byte(want)) {
			t.Errorf("help markdown lacks %q:\n%s", want, enc.Help.Markdown)
		}
	}
}

// TestSARIFInvocation: fatal template errors are notifications too, and a
// run with any is not successful.
func TestSARIFInvocation(t *testing.T) {
	tests := []struct {
		name          string
		check         func() *Check
		successful    bool
		notifications int
	}{
		{"fatal errors", fixtureCheck, false, 2},
		{"no fatal errors", func() *Check {
			c := fixtureCheck()
			c.Templates = c.Templates[:2]
			return c
		}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := decodeSARIF(t, tt.check(), SARIFOptions{}).Runs[0].Invocations[0]
			if inv.ExecutionSuccessful != tt.successful {
				t.Errorf("executionSuccessful %v, want %v", inv.ExecutionSuccessful, tt.successful)
			}
			if len(inv.ToolExecutionNotifications) != tt.notifications {
				t.Errorf("%d notifications, want %d", len(inv.ToolExecutionNotifications), tt.notifications)
			}
			if inv.StartTimeUTC != "2026-11-23T09:30:00.125Z" || inv.EndTimeUTC != "2026-11-23T09:30:02.47Z" {
				t.Errorf("times %s – %s, want the check's in UTC", inv.StartTimeUTC, inv.EndTimeUTC)
			}
		})
	}
}

// TestSARIFFingerprints: the fingerprint follows the requirement, file and
// resource, and nothing else, so a moved line keeps its alert.
func TestSARIFFingerprints(t *testing.T) {
	base := qualstate.Finding{RequirementID: "R.1", LogicalID: "B", Result: qualstate.ResultFail,
		Loc: qualstate.Location{File: "a.yaml", Line: 3, Column: 1}, Reason: "x"}
	fp := func(f qualstate.Finding) string {
		run := decodeSARIF(t, &Check{Findings: []qualstate.Finding{f}}, SARIFOptions{}).Runs[0]
		return run.Results[0].PartialFingerprints["requirementResource/v1"]
	}
	want := fp(base)
	tests := []struct {
		name   string
		change func(*qualstate.Finding)
		same   bool
	}{
		{"moved", func(f *qualstate.Finding) { f.Loc.Line = 40 }, true},
		{"reworded", func(f *qualstate.Finding) { f.Reason = "y" }, true},
		{"other resource", func(f *qualstate.Finding) { f.LogicalID = "C" }, false},
		{"other requirement", func(f *qualstate.Finding) { f.RequirementID = "R.2" }, false},
		{"other file", func(f *qualstate.Finding) { f.Loc.File = "b.yaml" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base
			tt.change(&f)
			if got := fp(f); (got == want) != tt.same {
				t.Errorf("fingerprint %s vs %s: same = %v, want %v", got, want, got == want, tt.same)
			}
		})
	}
}

func TestSARIFOmitPassing(t *testing.T) {
	run := decodeSARIF(t, fixtureCheck(), SARIFOptions{OmitPassing: true}).Runs[0]
	for _, r := range run.Results {
		if r.Kind == "pass" {
			t.Errorf("passing result %s kept", r.RuleID)
		}
	}
	if got, want := len(run.Results), len(fixtureCheck().Findings)-1+5; got != want {
		t.Errorf("%d results, want %d", got, want)
	}
}
