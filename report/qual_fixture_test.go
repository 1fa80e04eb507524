package report

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"qualstate"
)

// qualRunID is the fixture run's id.
const qualRunID = "run-7f3a9c21-5d8e-4b6f-a1c2-93e0d4b8f015"

// qualFixture is a qualification with something of every kind a report
// shows, and the sealed evidence blobs it refers to by digest.
type qualFixture struct {
	q     *Qualification
	blobs map[string][]byte
}

// evidence serves the fixture's blobs to WriteBundle.
func (f *qualFixture) evidence(digest string) ([]byte, error) {
	b, ok := f.blobs[digest]
	if !ok {
		return nil, fmt.Errorf("no evidence %s", digest)
	}
	return b, nil
}

// seal stores evidence and returns its digest.
func (f *qualFixture) seal(t testing.TB, e qualstate.Evidence) string {
	t.Helper()
	d, blob, err := e.Seal()
	if err != nil {
		t.Fatal(err)
	}
	f.blobs[d] = blob
	meta := e
	meta.Body = ""
	meta.Time = e.Time.UTC()
	f.q.Evidence[d] = &meta
	return d
}

// qualFixtureSet is the requirement set of the fixture: high-risk
// requirements with challenges, a medium one with a challenge the default
// level does not run, a low one without, and one no resource of the
// template is subject to.
func qualFixtureSet() *qualstate.RequirementSet {
	return &qualstate.RequirementSet{
		Name: "gxp-baseline", Version: "2.1.0", Source: "requirements/gxp.yaml",
		Digest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Requirements: []*qualstate.Requirement{
			{
				ID: "S3.ENCRYPTION.AT-REST", Title: "S3 buckets encrypt data at rest", Risk: qualstate.RiskHigh,
				Controls:      []qualstate.Control{"nist-800-53:SC-28", "21-cfr-11:11.10(c)"},
				ResourceTypes: []string{"AWS::S3::Bucket"},
				Check:         `BucketEncryption.ServerSideEncryptionConfiguration.exists(r, r.ServerSideEncryptionByDefault.SSEAlgorithm == "aws:kms")`,
				Challenge:     []qualstate.PatchOp{{Op: "remove", Path: "/BucketEncryption"}},
			},
			{
				ID: "S3.PUBLIC-ACCESS.BLOCKED", Title: "S3 buckets block public access", Risk: qualstate.RiskHigh,
				Controls:      []qualstate.Control{"nist-800-53:AC-3"},
				ResourceTypes: []string{"AWS::S3::Bucket"},
				Check:         "PublicAccessBlockConfiguration.BlockPublicAcls == true",
				Challenge:     []qualstate.PatchOp{{Op: "replace", Path: "/PublicAccessBlockConfiguration/BlockPublicAcls", Value: false}},
			},
			{
				ID: "S3.VERSIONING.ENABLED", Title: "S3 buckets keep object versions", Risk: qualstate.RiskHigh,
				Controls:      []qualstate.Control{"21-cfr-11:11.10(e)", "eu-gmp-annex-11:7.1"},
				ResourceTypes: []string{"AWS::S3::Bucket"},
				Check:         `VersioningConfiguration.Status == "Enabled"`,
				Challenge:     []qualstate.PatchOp{{Op: "replace", Path: "/VersioningConfiguration/Status", Value: "Suspended"}},
			},
			{
				ID: "LOGS.RETENTION.MINIMUM", Title: "Log groups keep records for at least 365 days", Risk: qualstate.RiskMedium,
				Controls:      []qualstate.Control{"21-cfr-11:11.10(e)"},
				ResourceTypes: []string{"AWS::Logs::LogGroup"},
				Check:         "RetentionInDays >= 365",
				Challenge:     []qualstate.PatchOp{{Op: "replace", Path: "/RetentionInDays", Value: int64(1)}},
				Examples: []qualstate.Example{
					{Name: "one year", Want: qualstate.ResultPass, Properties: map[string]any{"RetentionInDays": int64(365)}},
				},
			},
			{
				ID: "KMS.KEY-ROTATION", Title: "KMS keys rotate yearly", Risk: qualstate.RiskLow,
				ResourceTypes: []string{"AWS::KMS::Key"},
				Check:         "EnableKeyRotation == true",
			},
			{
				ID: "DYNAMODB.PITR", Title: "DynamoDB tables keep point-in-time recovery", Risk: qualstate.RiskMedium,
				Controls:      []qualstate.Control{"nist-800-53:CP-9"},
				ResourceTypes: []string{"AWS::DynamoDB::Table"},
				Check:         "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
			},
		},
	}
}

// newQualFixture builds the fixture: a run resumed once (attempt 1 was cut
// off during IQ; attempt 2 re-ran IQ and ran OQ), with test cases of every
// kind and result (the retention requirement's failures waived), a NoEcho
// parameter, hostile text in reasons and details, a failed challenge, a
// failed step, and a review that rejected the run, signed by a reviewer
// and an approver.
func newQualFixture(t testing.TB) *qualFixture {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	env := qualstate.Environment{Name: "sandbox", Endpoint: "http://127.0.0.1:4566", Account: "123456789012", Region: "eu-west-1", Partition: "aws"}
	f := &qualFixture{blobs: map[string][]byte{}, q: &Qualification{
		Tool:           Tool{Name: "qualstate", Version: "v1.4.0", InformationURI: "https://github.com/qualstate/qualstate"},
		RequirementSet: qualFixtureSet(),
		Evidence:       map[string]*qualstate.Evidence{},
		Generated:      time.Date(2026, 11, 23, 10, 15, 0, 0, time.FixedZone("CET", 3600)),
	}}
	ev := func(op, req string, s float64, body string) string {
		return f.seal(t, qualstate.Evidence{
			Operation: op, Request: req, Time: at(s), Endpoint: env.Endpoint, Account: env.Account, Region: env.Region,
			ContentType: "application/json", Body: body,
		})
	}
	template := f.seal(t, qualstate.Evidence{Operation: "input:Template", Time: at(0), ContentType: "application/yaml",
		Body: "Resources:\n  DataBucket:\n    Type: AWS::S3::Bucket\n"})
	getData1 := ev("cloudcontrol:GetResource", "TypeName=AWS::S3::Bucket Identifier=app-data-1a2b", 95, `{"ResourceDescription":{"Identifier":"app-data-1a2b"}}`)
	getData := ev("cloudcontrol:GetResource", "TypeName=AWS::S3::Bucket Identifier=app-data-1a2b", 410, `{"ResourceDescription":{"Identifier":"app-data-1a2b","Properties":"{}"}}`)
	getLogs := ev("cloudcontrol:GetResource", "TypeName=AWS::Logs::LogGroup Identifier=/app/audit", 411, `{"ResourceDescription":{"Identifier":"/app/audit"}}`)
	getKey := ev("cloudcontrol:GetResource", "TypeName=AWS::KMS::Key Identifier=3f1c", 412, `{"ResourceDescription":{"Identifier":"3f1c"}}`)
	stack := ev("cloudformation:DescribeStacks", "StackName=qs-app-7f3a9c21", 405, `<DescribeStacksResponse/>`)
	challengeEnc := ev("cloudcontrol:UpdateResource", "TypeName=AWS::S3::Bucket Identifier=app-data-1a2b", 500, `{"ProgressEvent":{"OperationStatus":"SUCCESS"}}`)
	challengeVer := ev("cloudcontrol:UpdateResource", "TypeName=AWS::S3::Bucket Identifier=app-data-1a2b", 530, `{"ProgressEvent":{"OperationStatus":"SUCCESS"}}`)
	// Evidence no test case refers to still belongs in the index.
	f.seal(t, qualstate.Evidence{Operation: "cloudformation:CreateStack", Request: "StackName=qs-app-7f3a9c21", Time: at(400),
		Endpoint: env.Endpoint, Account: env.Account, Region: env.Region, ContentType: "text/xml", Redacted: 2, Body: "<CreateStackResult>****</CreateStackResult>"})

	f.q.Run = &qualstate.Run{
		ID: qualRunID, TemplateFile: "templates/app.yaml",
		TemplateDigest:   "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
		TemplateEvidence: template,
		RequirementSet:   "gxp-baseline", RequirementSetVersion: "2.1.0", RequirementSetSource: "requirements/gxp.yaml",
		RequirementSetDigest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Environment:          env, StackName: "qs-app-7f3a9c21",
		Parameters: map[string]string{"Environment": "test", "DbPassword": qualstate.Mask, "RetentionDays": "30"},
		Challenge:  qualstate.ChallengeHigh, Executor: "jdoe", Owner: "build-7:4242", Heartbeat: at(600),
		Attempt: 2, Status: qualstate.RunFailed, Stage: qualstate.StageOQ, Result: qualstate.ResultFail,
		Reason:  "2 test cases failed, 1 erred, 2 waived",
		Started: at(0).In(time.FixedZone("CET", 3600)), Finished: at(610), Tool: "qualstate v1.4.0",
	}
	n := 0
	tc := func(attempt int, stage qualstate.Stage, kind, req string, risk qualstate.Risk, typ, logical, physical, prop, desc, want, got string,
		res qualstate.Result, reason string, d time.Duration, s float64, evidence ...string) {
		n++
		prefix := map[qualstate.Stage]string{qualstate.StageStatic: "ST", qualstate.StageIQ: "IQ", qualstate.StageOQ: "OQ"}[stage]
		c := qualstate.TestCase{
			RunID: qualRunID, ID: fmt.Sprintf("%s-%04d", prefix, n), Attempt: attempt, Stage: stage, Kind: kind,
			RequirementID: req, Risk: risk, ResourceType: typ, LogicalID: logical, PhysicalID: physical, Property: prop,
			Description: desc, Expected: want, Actual: got, Result: res, Reason: reason,
			Evidence: evidence, Duration: d, Time: at(s),
		}
		if r := f.q.RequirementSet.Requirement(req); r != nil {
			c.Controls = r.Controls
		}
		if stage == qualstate.StageStatic {
			c.Loc = qualstate.Location{File: "templates/app.yaml", Line: 10 + n, Column: 5}
		}
		f.q.TestCases = append(f.q.TestCases, c)
	}
	const (
		bucket = "AWS::S3::Bucket"
		logs   = "AWS::Logs::LogGroup"
		key    = "AWS::KMS::Key"
	)
	high, medium, low := qualstate.RiskHigh, qualstate.RiskMedium, qualstate.RiskLow
	pass, fail, indet, errd := qualstate.ResultPass, qualstate.ResultFail, qualstate.ResultIndeterminate, qualstate.ResultError
	ms := time.Millisecond

	// Attempt 1: the static stage, then IQ until the process was cut off.
	tc(1, "static", "check", "S3.ENCRYPTION.AT-REST", high, bucket, "DataBucket", "", "", "DataBucket encrypts data at rest", "SSEAlgorithm aws:kms", `SSEAlgorithm "aws:kms"`, pass, "SSEAlgorithm is \"aws:kms\"", 3*ms, 2, template)
	tc(1, "static", "check", "S3.PUBLIC-ACCESS.BLOCKED", high, bucket, "DataBucket", "", "", "DataBucket blocks public access", "BlockPublicAcls true", "!GetAtt PolicyFn.Flag", indet, "BlockPublicAcls depends on !GetAtt PolicyFn.Flag: known only after deployment", 2*ms, 2, template)
	tc(1, "static", "check", "S3.VERSIONING.ENABLED", high, bucket, "DataBucket", "", "", "DataBucket keeps object versions", "Status Enabled", "Status Enabled", pass, "", 2*ms, 2, template)
	tc(1, "static", "check", "LOGS.RETENTION.MINIMUM", medium, logs, "AuditLogs", "", "", "AuditLogs keeps records ≥ 365 days", "RetentionInDays ≥ 365", "RetentionInDays 30", fail, `RetentionInDays is 30 <script>alert("x")</script> & must be ≥ 365`, 1*ms, 2, template)
	tc(1, "static", "check", "KMS.KEY-ROTATION", low, key, "AppKey", "", "", "AppKey rotates yearly", "EnableKeyRotation true", "error", errd, "evaluating check: no such key: EnableKeyRotation\x1b[2J\x01", 1*ms, 2, template)
	tc(1, "iq", "exists", "", "", bucket, "DataBucket", "app-data-1a2b", "", "DataBucket was created", "CREATE_COMPLETE", "CREATE_COMPLETE", pass, "", 120*ms, 95, getData1)
	tc(1, "iq", "check", "S3.ENCRYPTION.AT-REST", high, bucket, "DataBucket", "app-data-1a2b", "", "DataBucket encrypts data at rest", "SSEAlgorithm aws:kms", "SSEAlgorithm aws:kms", pass, "", 4*ms, 96, getData1)

	// Attempt 2: IQ again from the start, then OQ.
	tc(2, "iq", "exists", "", "", bucket, "DataBucket", "app-data-1a2b", "", "DataBucket was created", "CREATE_COMPLETE", "CREATE_COMPLETE", pass, "", 110*ms, 410, stack, getData)
	tc(2, "iq", "property", "", "", bucket, "DataBucket", "app-data-1a2b", "/BucketName", "DataBucket has the BucketName the template sets", `"app-data-1a2b"`, `"app-data-1a2b"`, pass, "", 5*ms, 410, getData)
	tc(2, "iq", "exists", "", "", logs, "AuditLogs", "/app/audit", "", "AuditLogs was created", "CREATE_COMPLETE", "CREATE_COMPLETE", pass, "", 90*ms, 411, stack, getLogs)
	tc(2, "iq", "property", "", "", logs, "AuditLogs", "/app/audit", "/RetentionInDays", "AuditLogs has the RetentionInDays the template sets", "30", "14", fail, "RetentionInDays is 14, the template sets 30", 5*ms, 411, getLogs)
	tc(2, "iq", "exists", "", "", key, "AppKey", "3f1c", "", "AppKey was created", "CREATE_COMPLETE", "CREATE_COMPLETE", pass, "", 80*ms, 412, stack, getKey)
	tc(2, "iq", "check", "S3.ENCRYPTION.AT-REST", high, bucket, "DataBucket", "app-data-1a2b", "", "DataBucket encrypts data at rest", "SSEAlgorithm aws:kms", "SSEAlgorithm aws:kms", pass, "", 4*ms, 413, getData)
	tc(2, "iq", "check", "S3.PUBLIC-ACCESS.BLOCKED", high, bucket, "DataBucket", "app-data-1a2b", "", "DataBucket blocks public access", "BlockPublicAcls true", "BlockPublicAcls true", pass, "", 4*ms, 413, getData)
	tc(2, "iq", "check", "S3.VERSIONING.ENABLED", high, bucket, "DataBucket", "app-data-1a2b", "", "DataBucket keeps object versions", "Status Enabled", "Status Enabled", pass, "", 4*ms, 413, getData)
	tc(2, "iq", "check", "LOGS.RETENTION.MINIMUM", medium, logs, "AuditLogs", "/app/audit", "", "AuditLogs keeps records ≥ 365 days", "RetentionInDays ≥ 365", "RetentionInDays 14", fail, "RetentionInDays is 14", 3*ms, 414, getLogs)
	tc(2, "iq", "check", "KMS.KEY-ROTATION", low, key, "AppKey", "3f1c", "", "AppKey rotates yearly", "EnableKeyRotation true", "EnableKeyRotation true", pass, "", 3*ms, 414, getKey)
	tc(2, "oq", "challenge", "S3.ENCRYPTION.AT-REST", high, bucket, "DataBucket", "app-data-1a2b", "", "Removing DataBucket's encryption is detected", "detected within 60 s", "detected", pass, "", 1200*ms, 500, challengeEnc)
	tc(2, "oq", "revert", "S3.ENCRYPTION.AT-REST", high, bucket, "DataBucket", "app-data-1a2b", "", "DataBucket is back in its qualified state", "check passes", "check passes", pass, "", 800*ms, 505, getData)
	tc(2, "oq", "challenge", "S3.PUBLIC-ACCESS.BLOCKED", high, bucket, "DataBucket", "app-data-1a2b", "", "Allowing public ACLs on DataBucket is detected", "detected within 60 s", "detected", pass, "", 2400*ms, 515, challengeEnc)
	tc(2, "oq", "revert", "", "", bucket, "DataBucket", "app-data-1a2b", "", "DataBucket is back in its qualified state", "check passes", "check passes", pass, "", 700*ms, 520, getData)
	tc(2, "oq", "challenge", "S3.VERSIONING.ENABLED", high, bucket, "DataBucket", "app-data-1a2b", "", "Suspending DataBucket's versioning is detected", "detected within 60 s", "not detected", fail, "the monitor reported no deviation in 60 s", 60*time.Second, 590, challengeVer)

	// The retention requirement's checks fail, and a waiver accepts it:
	// ST-0004 and IQ-0016 are waived, so the requirement is too.
	for i := range f.q.TestCases {
		c := &f.q.TestCases[i]
		if c.RequirementID == "LOGS.RETENTION.MINIMUM" && c.Kind == qualstate.CaseCheck && c.Result == fail {
			c.Result, c.Waiver = qualstate.ResultWaived, &qualstate.WaiverRef{ID: "W-0001", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}
			c.Reason += " (waived by W-0001 until 2027-01-31T00:00:00Z)"
		}
	}

	step := func(seq, attempt int, stage qualstate.Stage, name string, status qualstate.StepStatus, detail string, from, to float64) {
		s := qualstate.Step{RunID: qualRunID, Seq: seq, Attempt: attempt, Stage: stage, Name: name, Status: status, Detail: detail, Started: at(from)}
		if to > 0 {
			s.Finished = at(to)
		}
		f.q.Steps = append(f.q.Steps, s)
	}
	step(1, 1, "static", "parse template", qualstate.StepDone, "", 0, 1)
	step(2, 1, "static", "evaluate checks", qualstate.StepDone, "5 checks", 1, 3)
	step(3, 1, "iq", "deploy stack", qualstate.StepDone, "qs-app-7f3a9c21 CREATE_COMPLETE", 3, 90)
	step(4, 1, "iq", "read resources", qualstate.StepRunning, "", 90, 0)
	step(5, 2, "iq", "resume", qualstate.StepDone, "attempt 2 after an interruption", 400, 401)
	step(6, 2, "iq", "read resources", qualstate.StepDone, "3 resources", 401, 415)
	step(7, 2, "oq", "challenge S3.ENCRYPTION.AT-REST", qualstate.StepDone, "", 495, 506)
	step(8, 2, "oq", "challenge S3.PUBLIC-ACCESS.BLOCKED", qualstate.StepDone, "", 510, 521)
	step(9, 2, "oq", "challenge S3.VERSIONING.ENABLED", qualstate.StepFailed, "no deviation reported within 60 s\n<b>monitor</b> & queue idle", 525, 591)
	step(10, 2, "oq", "teardown", qualstate.StepSkipped, "--keep", 600, 600)

	f.q.Baseline = []qualstate.BaselineResource{
		{LogicalID: "DataBucket", ResourceType: bucket, PhysicalID: "app-data-1a2b", Identifier: "app-data-1a2b", Evidence: getData,
			Properties: map[string]any{"BucketName": "app-data-1a2b", "VersioningConfiguration": map[string]any{"Status": "Enabled"},
				"Tags": []any{map[string]any{"Key": "Owner", "Value": "QA"}}}},
		{LogicalID: "AuditLogs", ResourceType: logs, PhysicalID: "/app/audit", Identifier: "/app/audit", Evidence: getLogs,
			Properties: map[string]any{"LogGroupName": "/app/audit", "RetentionInDays": int64(14), "Ratio": 0.25}},
		{LogicalID: "AppKey", ResourceType: key, PhysicalID: "3f1c", Identifier: "3f1c", Evidence: getKey,
			Properties: map[string]any{"EnableKeyRotation": true, "KeyPolicy": nil}},
	}
	cet := time.FixedZone("CET", 3600)
	signRun(t, f.q, qualstate.ReviewRejected,
		fixtureSigner{"mschmidt", "Maria Schmidt", qualstate.MeaningReviewed, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), "record complete"},
		// A time in another zone: reports show every signature in UTC.
		fixtureSigner{"jweiss", "Jürgen Weiß", qualstate.MeaningRejected, time.Date(2026, 11, 24, 10, 30, 0, 0, cet),
			"OQ-0022: the monitor missed the versioning challenge & must be fixed <first>"})
	return f
}

// fixtureKey is the instance key the fixtures sign with: a fixed seed, so
// their signatures, and the reports showing them, are the same every time.
func fixtureKey() *qualstate.InstanceKey {
	return &qualstate.InstanceKey{Name: "qualstate-test", Private: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x51}, ed25519.SeedSize))}
}

// fixtureSigner is a signature to apply to a fixture run.
type fixtureSigner struct {
	userID, name string
	meaning      qualstate.Meaning
	at           time.Time
	reason       string
}

// signRun signs q's qualification record once per signer with the fixture
// key, as the instance would, and records the review in state; the last
// signer's reason is the review's when it rejects. It returns the record.
func signRun(t testing.TB, q *Qualification, state qualstate.ReviewState, signers ...fixtureSigner) []byte {
	t.Helper()
	record, err := QualificationRecord(q)
	if err != nil {
		t.Fatal(err)
	}
	key := fixtureKey()
	q.Signatures = nil
	q.Review = &qualstate.Review{RunID: q.Run.ID, State: state, RecordDigest: qualstate.Digest(record)}
	for i, s := range signers {
		sig := qualstate.Signature{
			ID: fmt.Sprintf("sig-%04d", i+1), Subject: "run/" + q.Run.ID, RecordDigest: q.Review.RecordDigest,
			SignerID: s.userID, SignerName: s.name, Meaning: s.meaning, Time: s.at, Reason: s.reason, Key: key.ID(),
		}
		sig.Value = key.SignBase64(sig.Message())
		q.Signatures = append(q.Signatures, sig)
		q.Review.Updated = s.at
		if s.meaning == qualstate.MeaningRejected {
			q.Review.Reason = s.reason
		}
	}
	return record
}

// approvedFixture is the fixture run reviewed and approved: signed by a
// reviewer and an approver, with the certificate the approval issued.
func approvedFixture(t testing.TB) *Qualification {
	t.Helper()
	q := newQualFixture(t).q
	q.Run.Status, q.Run.Result, q.Run.Reason = qualstate.RunPassed, qualstate.ResultWaived, ""
	signRun(t, q, qualstate.ReviewApproved,
		fixtureSigner{"mschmidt", "Maria Schmidt", qualstate.MeaningReviewed, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), "record complete"},
		fixtureSigner{"jweiss", "Jürgen Weiß", qualstate.MeaningApproved, time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), "fit for production use"})
	issueCertificate(t, q)
	return q
}

// issueCertificate issues q's certificate as approval does: signed with
// the fixture key over everything it states, stored under its digest.
func issueCertificate(t testing.TB, q *Qualification) {
	t.Helper()
	key := fixtureKey()
	c := &qualstate.Certificate{
		Kind: qualstate.CertificateKind,
		Statement: fmt.Sprintf("Template %s (SHA-256 %s) met requirement set %s %s (SHA-256 %s) in qualification run %s.",
			q.Run.TemplateFile, q.Run.TemplateDigest, q.Run.RequirementSet, q.Run.RequirementSetVersion, q.Run.RequirementSetDigest, q.Run.ID),
		RunID: q.Run.ID, Environment: q.Run.Environment, Result: q.Run.Result, RecordDigest: q.Review.RecordDigest,
		Waivers:    []qualstate.WaiverRef{{ID: "W-0001", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}},
		Signatures: q.Signatures, Issued: q.Review.Updated, Key: key.ID(),
	}
	c.Template.File, c.Template.Digest = q.Run.TemplateFile, q.Run.TemplateDigest
	c.RequirementSet.Name, c.RequirementSet.Version, c.RequirementSet.Digest = q.Run.RequirementSet, q.Run.RequirementSetVersion, q.Run.RequirementSetDigest
	c.Value = key.SignBase64(c.Message())
	blob, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	q.Certificate, q.Review.CertificateDigest = c, qualstate.Digest(blob)
}
