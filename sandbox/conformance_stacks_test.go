package sandbox_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	cctypes "github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// poll calls f until it reports done, backing off from minDelay to
// maxDelay, and fails t after opTimeout.
func (c *clients) poll(t *testing.T, what string, f func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(c.opTimeout)
	delay := c.minDelay
	for {
		done, err := f()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not done after %v", what, c.opTimeout)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("%s: %v", what, t.Context().Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, c.maxDelay)
	}
}

// waitChangeSet waits, through the SDK's waiter, until a change set
// leaves CREATE_PENDING/CREATE_IN_PROGRESS, and returns it.
func (c *clients) waitChangeSet(t *testing.T, stack, changeSet string) *cloudformation.DescribeChangeSetOutput {
	t.Helper()
	w := cloudformation.NewChangeSetCreateCompleteWaiter(c.cfn, func(o *cloudformation.ChangeSetCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = c.minDelay, c.maxDelay
		o.Retryable = func(_ context.Context, _ *cloudformation.DescribeChangeSetInput, out *cloudformation.DescribeChangeSetOutput, err error) (bool, error) {
			if err != nil {
				return false, err
			}
			return out.Status == cfntypes.ChangeSetStatusCreatePending || out.Status == cfntypes.ChangeSetStatusCreateInProgress, nil
		}
	})
	out, err := w.WaitForOutput(t.Context(), &cloudformation.DescribeChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String(changeSet)}, c.opTimeout)
	if err != nil {
		t.Fatalf("waiting for change set %s: %v", changeSet, err)
	}
	return out
}

// unresolved reports whether an output value still carries template
// syntax instead of a value.
func unresolved(v string) bool {
	if v == "" || v == "<nil>" {
		return true
	}
	for _, tok := range []string{"${", "Fn::", `{"Ref"`, "Ref:", "!GetAtt", "!Ref", "!Sub", "map[", "[object"} {
		if strings.Contains(v, tok) {
			return true
		}
	}
	return false
}

// account returns the account id of the credentials in use.
func (c *clients) account(t *testing.T) string {
	t.Helper()
	id, err := c.sts.GetCallerIdentity(t.Context(), nil)
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(id.Account)
}

// TestConformanceAcceptance is the acceptance scenario: a stack
// of S3 with KMS encryption, the KMS key and its alias, an IAM role, a
// security group in a VPC and a log group, cross-referenced with Ref,
// GetAtt and Sub; created, read resource by resource through Cloud
// Control, drifted out of band, detected, and deleted.
func TestConformanceAcceptance(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	body := template(t, "platform.yaml")
	name := c.stackName(t, "platform")
	acct := c.account(t)

	var (
		stack *cfntypes.Stack
		phys  = map[string]string{} // logical id → physical id
		out   map[string]string
	)

	step(t, "CreateStack reaches CREATE_COMPLETE", func(t *testing.T) {
		stack = c.createStack(t, &cloudformation.CreateStackInput{
			StackName:    aws.String(name),
			TemplateBody: aws.String(body),
			Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
			Parameters:   params("Prefix", name),
			Tags:         []cfntypes.Tag{{Key: aws.String("qualstate:conformance"), Value: aws.String("acceptance")}},
		}, cfntypes.StackStatusCreateComplete)
		if id := aws.ToString(stack.StackId); !arnRE.MatchString(id) || !strings.Contains(id, ":stack/"+name+"/") {
			t.Errorf("StackId = %q, want arn:…:cloudformation:…:stack/%s/…", id, name)
		}
		if aws.ToString(stack.StackName) != name {
			t.Errorf("StackName = %q", aws.ToString(stack.StackName))
		}
		got := map[string]string{}
		for _, p := range stack.Parameters {
			got[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
		}
		if got["Prefix"] != name || got["RetentionInDays"] != "30" {
			t.Errorf("Parameters = %v, want Prefix=%s and the default RetentionInDays=30", got, name)
		}
		if len(stack.Tags) != 1 || aws.ToString(stack.Tags[0].Key) != "qualstate:conformance" {
			t.Errorf("Tags = %v, want the one tag given", stack.Tags)
		}
		if !strings.HasPrefix(aws.ToString(stack.Description), "qualstate conformance, acceptance scenario") {
			t.Errorf("Description = %q", aws.ToString(stack.Description))
		}
	})

	step(t, "every resource CREATE_COMPLETE with a physical id", func(t *testing.T) {
		want := templateResources(t, body)
		listed := c.stackResources(t, name)
		if len(listed) != len(want) {
			t.Errorf("ListStackResources: %d resources, want %d", len(listed), len(want))
		}
		for id, typ := range want {
			r, ok := listed[id]
			if !ok {
				t.Errorf("ListStackResources: no %s", id)
				continue
			}
			if aws.ToString(r.ResourceType) != typ || r.ResourceStatus != cfntypes.ResourceStatusCreateComplete || aws.ToString(r.PhysicalResourceId) == "" {
				t.Errorf("%s: type %s, status %s, physical id %q; want %s, CREATE_COMPLETE, an id",
					id, aws.ToString(r.ResourceType), r.ResourceStatus, aws.ToString(r.PhysicalResourceId), typ)
			}
			phys[id] = aws.ToString(r.PhysicalResourceId)
		}
		described, err := c.cfn.DescribeStackResources(t.Context(), &cloudformation.DescribeStackResourcesInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeStackResources: %v", err)
		}
		if len(described.StackResources) != len(want) {
			t.Errorf("DescribeStackResources: %d resources, want %d", len(described.StackResources), len(want))
		}
		for _, r := range described.StackResources {
			id := aws.ToString(r.LogicalResourceId)
			if aws.ToString(r.PhysicalResourceId) != phys[id] || r.ResourceStatus != cfntypes.ResourceStatusCreateComplete ||
				aws.ToString(r.StackName) != name || aws.ToString(r.StackId) != aws.ToString(stack.StackId) || r.Timestamp == nil {
				t.Errorf("DescribeStackResources %s = physical id %q, status %s, stack %s; want %q, CREATE_COMPLETE, %s",
					id, aws.ToString(r.PhysicalResourceId), r.ResourceStatus, aws.ToString(r.StackName), phys[id], name)
			}
		}
		one, err := c.cfn.DescribeStackResource(t.Context(), &cloudformation.DescribeStackResourceInput{StackName: aws.String(name), LogicalResourceId: aws.String("DataBucket")})
		if err != nil {
			t.Fatalf("DescribeStackResource: %v", err)
		}
		if d := one.StackResourceDetail; d == nil || aws.ToString(d.PhysicalResourceId) != phys["DataBucket"] || d.LastUpdatedTimestamp == nil {
			t.Errorf("DescribeStackResource DataBucket = %+v", d)
		}
	})

	step(t, "outputs are resolved", func(t *testing.T) {
		out = outputs(stack)
		for k, v := range out {
			if unresolved(v) {
				t.Errorf("output %s = %q is not resolved", k, v)
			}
		}
		bucket, keyID := phys["DataBucket"], phys["DataKey"]
		for _, tc := range []struct{ key, want string }{
			{"BucketName", bucket},
			{"KeyId", keyID},
			{"KeyAlias", "alias/" + name + "-data"},
			{"VpcId", phys["Vpc"]},
			{"SecurityGroupId", phys["AppSecurityGroup"]},
			{"DataLocation", "s3://" + bucket + "/data/"},
		} {
			if out[tc.key] != tc.want {
				t.Errorf("output %s = %q, want %q", tc.key, out[tc.key], tc.want)
			}
		}
		for _, tc := range []struct{ key, contains string }{
			{"BucketArn", ":s3:::" + bucket},
			{"KeyArn", ":kms:" + c.region + ":" + acct + ":key/" + keyID},
			{"RoleArn", ":iam::" + acct + ":role/" + phys["AppRole"]},
			{"LogGroupArn", ":logs:" + c.region + ":" + acct + ":log-group:" + name + "-app"},
		} {
			if v := out[tc.key]; !arnRE.MatchString(v) || !strings.Contains(v, tc.contains) {
				t.Errorf("output %s = %q, want an ARN containing %q", tc.key, v, tc.contains)
			}
		}
	})

	step(t, "Cloud Control reads every resource", func(t *testing.T) {
		keyID, vpc := phys["DataKey"], phys["Vpc"]
		sse := "/BucketEncryption/ServerSideEncryptionConfiguration/0"
		for _, tc := range []struct {
			logical, typeName string
			checks            []check
		}{
			{"DataBucket", "AWS::S3::Bucket", []check{
				{"/BucketName", equal(phys["DataBucket"])},
				{"/Arn", equal(out["BucketArn"])},
				{sse + "/ServerSideEncryptionByDefault/SSEAlgorithm", equal("aws:kms")},
				{sse + "/ServerSideEncryptionByDefault/KMSMasterKeyID", containing(keyID)},
				{sse + "/BucketKeyEnabled", equal(true)},
				{"/VersioningConfiguration/Status", equal("Enabled")},
				{"/Tags", tagged("qualstate:test", "conformance")},
				// Defaults S3 applies to every new bucket.
				{"/PublicAccessBlockConfiguration/BlockPublicAcls", equal(true)},
				{"/PublicAccessBlockConfiguration/BlockPublicPolicy", equal(true)},
				{"/PublicAccessBlockConfiguration/IgnorePublicAcls", equal(true)},
				{"/PublicAccessBlockConfiguration/RestrictPublicBuckets", equal(true)},
				{"/OwnershipControls/Rules/0/ObjectOwnership", equal("BucketOwnerEnforced")},
			}},
			{"DataKey", "AWS::KMS::Key", []check{
				{"/KeyId", equal(keyID)},
				{"/Arn", equal(out["KeyArn"])},
				{"/Enabled", equal(true)},
				{"/EnableKeyRotation", equal(true)},
				{"/KeyPolicy", present},
				{"/KeyUsage", equal("ENCRYPT_DECRYPT")},
				{"/KeySpec", equal("SYMMETRIC_DEFAULT")},
			}},
			{"DataKeyAlias", "AWS::KMS::Alias", []check{
				{"/AliasName", equal("alias/" + name + "-data")},
				{"/TargetKeyId", containing(keyID)},
			}},
			{"AppRole", "AWS::IAM::Role", []check{
				{"/RoleName", equal(phys["AppRole"])},
				{"/Arn", equal(out["RoleArn"])},
				{"/AssumeRolePolicyDocument/Statement/0/Action", containing("sts:AssumeRole")},
				{"/Policies/0/PolicyName", equal("data-access")},
				{"/Path", equal("/")},
				{"/MaxSessionDuration", equal(3600)},
			}},
			{"Vpc", "AWS::EC2::VPC", []check{
				{"/VpcId", equal(vpc)},
				{"/CidrBlock", equal("10.42.0.0/16")},
				{"/EnableDnsSupport", equal(true)},
				{"/InstanceTenancy", equal("default")},
				{"/Tags", tagged("Name", name+"-vpc")},
			}},
			{"AppSecurityGroup", "AWS::EC2::SecurityGroup", []check{
				{"/GroupId", equal(phys["AppSecurityGroup"])},
				{"/VpcId", equal(vpc)},
				{"/GroupDescription", equal(name + " application tier")},
				{"/SecurityGroupIngress/0/FromPort", equal(443)},
				{"/SecurityGroupIngress/0/CidrIp", equal("10.42.0.0/16")},
				// The egress rule EC2 adds to every VPC security group.
				{"/SecurityGroupEgress/0/CidrIp", equal("0.0.0.0/0")},
			}},
			{"AppLogGroup", "AWS::Logs::LogGroup", []check{
				{"/LogGroupName", equal(name + "-app")},
				{"/RetentionInDays", equal(30)},
				{"/KmsKeyId", containing(keyID)},
				{"/Arn", containing(":log-group:" + name + "-app")},
			}},
		} {
			t.Run(tc.logical, func(t *testing.T) {
				model := c.ccGet(t, tc.typeName, phys[tc.logical])
				expect(t, tc.logical, model, tc.checks...)
			})
		}
	})

	bucket := phys["DataBucket"]
	step(t, "out-of-band change through Cloud Control", func(t *testing.T) {
		patch := `[{"op":"replace","path":"/BucketEncryption","value":{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}}]`
		up, err := c.cc.UpdateResource(t.Context(), &cloudcontrol.UpdateResourceInput{
			TypeName: aws.String("AWS::S3::Bucket"), Identifier: aws.String(bucket), PatchDocument: aws.String(patch),
		})
		if err != nil {
			t.Fatalf("UpdateResource: %v", err)
		}
		if up.ProgressEvent == nil || up.ProgressEvent.Operation != cctypes.OperationUpdate {
			t.Errorf("UpdateResource progress event = %+v, want operation UPDATE", up.ProgressEvent)
		}
		final := c.waitRequestSuccess(t, up.ProgressEvent)
		if aws.ToString(final.Identifier) != bucket || aws.ToString(final.TypeName) != "AWS::S3::Bucket" {
			t.Errorf("final progress event names %s %s, want AWS::S3::Bucket %s", aws.ToString(final.TypeName), aws.ToString(final.Identifier), bucket)
		}
		expect(t, "bucket after the patch", c.ccGet(t, "AWS::S3::Bucket", bucket),
			check{"/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm", equal("AES256")},
			check{"/VersioningConfiguration/Status", equal("Enabled")})
	})

	step(t, "DetectStackDrift finds the bucket MODIFIED", func(t *testing.T) {
		det, err := c.cfn.DetectStackDrift(t.Context(), &cloudformation.DetectStackDriftInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatalf("DetectStackDrift: %v", err)
		}
		var st *cloudformation.DescribeStackDriftDetectionStatusOutput
		c.poll(t, "drift detection", func() (bool, error) {
			st, err = c.cfn.DescribeStackDriftDetectionStatus(t.Context(), &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: det.StackDriftDetectionId})
			return err == nil && st.DetectionStatus != cfntypes.StackDriftDetectionStatusDetectionInProgress, err
		})
		if st.DetectionStatus != cfntypes.StackDriftDetectionStatusDetectionComplete || st.StackDriftStatus != cfntypes.StackDriftStatusDrifted {
			t.Errorf("detection %s, stack %s (%s); want DETECTION_COMPLETE, DRIFTED", st.DetectionStatus, st.StackDriftStatus, aws.ToString(st.DetectionStatusReason))
		}
		if n := aws.ToInt32(st.DriftedStackResourceCount); n != 1 {
			t.Errorf("DriftedStackResourceCount = %d, want 1", n)
		}
		if aws.ToString(st.StackId) != aws.ToString(stack.StackId) {
			t.Errorf("StackId = %s, want %s", aws.ToString(st.StackId), aws.ToString(stack.StackId))
		}

		drifts := map[string]cfntypes.StackResourceDrift{}
		p := cloudformation.NewDescribeStackResourceDriftsPaginator(c.cfn, &cloudformation.DescribeStackResourceDriftsInput{StackName: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("DescribeStackResourceDrifts: %v", err)
			}
			for _, d := range page.StackResourceDrifts {
				drifts[aws.ToString(d.LogicalResourceId)] = d
			}
		}
		for id := range templateResources(t, body) {
			d, ok := drifts[id]
			if !ok {
				t.Errorf("DescribeStackResourceDrifts: no %s", id)
				continue
			}
			if id != "DataBucket" {
				if d.StackResourceDriftStatus != cfntypes.StackResourceDriftStatusInSync {
					t.Errorf("%s: %s %v, want IN_SYNC", id, d.StackResourceDriftStatus, d.PropertyDifferences)
				}
				continue
			}
			if d.StackResourceDriftStatus != cfntypes.StackResourceDriftStatusModified {
				t.Errorf("DataBucket: %s, want MODIFIED", d.StackResourceDriftStatus)
			}
			if aws.ToString(d.PhysicalResourceId) != bucket || aws.ToString(d.ExpectedProperties) == "" || aws.ToString(d.ActualProperties) == "" {
				t.Errorf("DataBucket drift: physical id %q, expected %q, actual %q", aws.ToString(d.PhysicalResourceId), aws.ToString(d.ExpectedProperties), aws.ToString(d.ActualProperties))
			}
			found := false
			for _, pd := range d.PropertyDifferences {
				if strings.HasPrefix(aws.ToString(pd.PropertyPath), "/BucketEncryption/") {
					found = true
				}
			}
			if !found {
				t.Errorf("DataBucket: no PropertyDifference under /BucketEncryption: %+v", d.PropertyDifferences)
			}
		}

		modified, err := c.cfn.DescribeStackResourceDrifts(t.Context(), &cloudformation.DescribeStackResourceDriftsInput{
			StackName: aws.String(name), StackResourceDriftStatusFilters: []cfntypes.StackResourceDriftStatus{cfntypes.StackResourceDriftStatusModified},
		})
		if err != nil {
			t.Fatalf("DescribeStackResourceDrifts MODIFIED: %v", err)
		}
		if len(modified.StackResourceDrifts) != 1 || aws.ToString(modified.StackResourceDrifts[0].LogicalResourceId) != "DataBucket" {
			t.Errorf("filter MODIFIED: %d drifts, want only DataBucket", len(modified.StackResourceDrifts))
		}
		s := c.waitStack(t, name, cfntypes.StackStatusCreateComplete)
		if s.DriftInformation == nil || s.DriftInformation.StackDriftStatus != cfntypes.StackDriftStatusDrifted {
			t.Errorf("DescribeStacks DriftInformation = %+v, want DRIFTED", s.DriftInformation)
		}
	})

	step(t, "DeleteStack removes the resources", func(t *testing.T) {
		c.deleteStack(t, name)
		gone, err := c.cfn.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: stack.StackId})
		if err != nil || len(gone.Stacks) != 1 || gone.Stacks[0].StackStatus != cfntypes.StackStatusDeleteComplete {
			t.Errorf("DescribeStacks by stack id after deletion: %v, %+v; want DELETE_COMPLETE", err, gone)
		}
		c.ccGone(t, "AWS::S3::Bucket", bucket)
		c.ccGone(t, "AWS::Logs::LogGroup", phys["AppLogGroup"])
		c.ccGone(t, "AWS::IAM::Role", phys["AppRole"])
		c.ccGone(t, "AWS::EC2::SecurityGroup", phys["AppSecurityGroup"])
		c.ccGone(t, "AWS::EC2::VPC", phys["Vpc"])
		c.ccGone(t, "AWS::KMS::Alias", phys["DataKeyAlias"])
	})
}

// nonProvisionable are the types of all-types.yaml that Cloud Control
// cannot read: their registry schemas declare no handlers.
var nonProvisionable = map[string]bool{
	"AWS::IAM::Policy":                   true,
	"AWS::EC2::NetworkAclEntry":          true,
	"AWS::Config::ConfigurationRecorder": true,
	"AWS::Config::DeliveryChannel":       true,
	"AWS::SNS::TopicPolicy":              true,
	"AWS::SQS::QueuePolicy":              true,
}

// TestConformanceAllTypes creates one resource of every supported type,
// reads each through Cloud Control, updates the stack and deletes it.
func TestConformanceAllTypes(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	ami := "ami-0123456789abcdef0"
	if c.kind == realAWS {
		if ami = os.Getenv("QUALSTATE_TEST_AMI_ID"); ami == "" {
			t.Skip("against AWS this test creates an RDS instance and an EC2 instance; set QUALSTATE_TEST_AMI_ID to run it")
		}
	}
	body := template(t, "all-types.yaml")
	name := c.stackName(t, "all")
	if c.kind == realAWS {
		// AWS Config writes a check file into the audit bucket, and S3
		// refuses to delete a bucket that is not empty: empty it (it is
		// this stack's own bucket) before the stack's deletion.
		t.Cleanup(func() { emptyStackBucket(t, c, name, "AuditBucket") })
	}
	want := templateResources(t, body)
	named := []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam}

	c.createStack(t, &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(body), Capabilities: named,
		Parameters: params("ImageId", ami),
	}, cfntypes.StackStatusCreateComplete)

	phys := map[string]string{}
	step(t, "every resource CREATE_COMPLETE", func(t *testing.T) {
		res := c.stackResources(t, name)
		for id, typ := range want {
			r, ok := res[id]
			switch {
			case !ok:
				t.Errorf("%s (%s) is not in the stack", id, typ)
			case aws.ToString(r.ResourceType) != typ || r.ResourceStatus != cfntypes.ResourceStatusCreateComplete || aws.ToString(r.PhysicalResourceId) == "":
				t.Errorf("%s: %s %s %q, want %s CREATE_COMPLETE with a physical id", id, aws.ToString(r.ResourceType), r.ResourceStatus, aws.ToString(r.PhysicalResourceId), typ)
			}
			phys[id] = aws.ToString(r.PhysicalResourceId)
		}
		if len(res) != len(want) {
			t.Errorf("%d resources in the stack, want %d", len(res), len(want))
		}
	})

	// Identifiers of the types whose primary identifier is compound, when
	// the physical id is not already the "|"-joined identifier.
	compound := map[string]func() string{
		"GatewayAttachment":       func() string { return "IGW|" + phys["Vpc"] },
		"DefaultRoute":            func() string { return phys["RouteTable"] + "|0.0.0.0/0" },
		"FunctionInvokeFromTopic": func() string { return phys["Function"] + "|" + phys["FunctionInvokeFromTopic"] },
	}
	identifier := func(logical string) string {
		if f, ok := compound[logical]; ok && !strings.Contains(phys[logical], "|") {
			return f()
		}
		return phys[logical]
	}

	step(t, "Cloud Control reads every resource", func(t *testing.T) {
		spot := map[string][]check{
			"Key":                  {{"/KeyId", equal(phys["Key"])}, {"/EnableKeyRotation", equal(true)}},
			"KeyAlias":             {{"/AliasName", equal("alias/" + name)}, {"/TargetKeyId", containing(phys["Key"])}},
			"AuditBucket":          {{"/OwnershipControls/Rules/0/ObjectOwnership", equal("BucketOwnerEnforced")}, {"/Tags", tagged("Stage", "test")}},
			"AuditBucketPolicy":    {{"/Bucket", equal(phys["AuditBucket"])}, {"/PolicyDocument/Statement/0/Sid", equal("DenyInsecureTransport")}},
			"ReadTablePolicy":      {{"/PolicyArn", containing(":policy/" + name + "-read-table")}},
			"InstanceRole":         {{"/RoleName", equal(name + "-instance")}, {"/ManagedPolicyArns", containing(name + "-read-table")}},
			"InstanceProfile":      {{"/InstanceProfileName", equal(name + "-instance")}, {"/Roles", equal([]string{name + "-instance"})}},
			"AuditorGroup":         {{"/GroupName", equal(name + "-auditors")}},
			"AuditorUser":          {{"/UserName", equal(name + "-auditor")}, {"/Groups", equal([]string{name + "-auditors"})}},
			"Vpc":                  {{"/CidrBlock", equal("10.60.0.0/16")}, {"/EnableDnsHostnames", equal(true)}},
			"SubnetA":              {{"/CidrBlock", equal("10.60.1.0/24")}, {"/VpcId", equal(phys["Vpc"])}},
			"SubnetB":              {{"/CidrBlock", equal("10.60.2.0/24")}},
			"GatewayAttachment":    {{"/InternetGatewayId", equal(phys["InternetGateway"])}, {"/VpcId", equal(phys["Vpc"])}},
			"RouteTable":           {{"/VpcId", equal(phys["Vpc"])}},
			"DefaultRoute":         {{"/GatewayId", equal(phys["InternetGateway"])}},
			"SubnetARouteTable":    {{"/SubnetId", equal(phys["SubnetA"])}, {"/RouteTableId", equal(phys["RouteTable"])}},
			"NetworkAcl":           {{"/VpcId", equal(phys["Vpc"])}},
			"AppFromLoadBalancer":  {{"/FromPort", equal(80)}, {"/SourceSecurityGroupId", equal(phys["LoadBalancerSecurityGroup"])}},
			"AppToDatabase":        {{"/ToPort", equal(5432)}, {"/DestinationSecurityGroupId", equal(phys["DatabaseSecurityGroup"])}},
			"FlowLog":              {{"/TrafficType", equal("REJECT")}, {"/ResourceId", equal(phys["Vpc"])}},
			"LaunchTemplate":       {{"/LaunchTemplateName", equal(name + "-app")}},
			"Instance":             {{"/InstanceType", equal("t3.micro")}, {"/SubnetId", equal(phys["SubnetA"])}},
			"DataVolume":           {{"/Size", equal(1)}, {"/Encrypted", equal(true)}},
			"Function":             {{"/Runtime", equal("python3.12")}, {"/Environment/Variables/QUEUE_URL", equal(phys["WorkQueue"])}},
			"DbSubnetGroup":        {{"/SubnetIds", present}},
			"Database":             {{"/Engine", equal("postgres")}, {"/StorageEncrypted", equal(true)}},
			"Table":                {{"/BillingMode", equal("PAY_PER_REQUEST")}},
			"AppSecret":            {{"/Description", equal(name + " application credentials")}},
			"FileSystem":           {{"/Encrypted", equal(true)}},
			"AccessPoint":          {{"/FileSystemId", equal(phys["FileSystem"])}, {"/RootDirectory/Path", equal("/app")}},
			"AppLogGroup":          {{"/LogGroupName", equal("/qualstate/" + name + "/app")}, {"/RetentionInDays", equal(30)}},
			"Trail":                {{"/IsLogging", equal(false)}, {"/S3BucketName", equal(phys["AuditBucket"])}},
			"BucketEncryptionRule": {{"/Source/SourceIdentifier", equal("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED")}},
			"AlertTopic":           {{"/KmsMasterKeyId", equal("alias/aws/sns")}},
			"WorkQueue":            {{"/VisibilityTimeout", equal(60)}, {"/Tags", tagged("Stage", "test")}},
			"QueueDepthAlarm":      {{"/Threshold", equal(100)}, {"/AlarmActions", equal([]string{phys["AlertTopic"]})}},
			"LoadBalancer":         {{"/Scheme", equal("internal")}, {"/Type", equal("application")}},
			"TargetGroup":          {{"/HealthCheckPath", equal("/health")}, {"/VpcId", equal(phys["Vpc"])}},
			"Listener":             {{"/Port", equal(80)}, {"/LoadBalancerArn", equal(phys["LoadBalancer"])}},
			"BackupVault":          {{"/BackupVaultName", equal(name + "-vault")}},
			"BackupPlan":           {{"/BackupPlan/BackupPlanName", equal(name + "-daily")}},
			"BackupSelection":      {{"/BackupSelection/SelectionName", equal("data-table")}},
		}
		for id, typ := range want {
			t.Run(id, func(t *testing.T) {
				t.Parallel()
				if nonProvisionable[typ] {
					t.Skipf("Cloud Control does not support %s", typ)
				}
				expect(t, id, c.ccGet(t, typ, identifier(id)), spot[id]...)
			})
		}
	})

	step(t, "UpdateStack changes mutable properties in place", func(t *testing.T) {
		if _, err := c.cfn.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{
			StackName: aws.String(name), UsePreviousTemplate: aws.Bool(true), Capabilities: named,
			Parameters: params("ImageId", usePrevious, "LogRetentionDays", "90", "Stage", "qualification"),
		}); err != nil {
			t.Fatalf("UpdateStack: %v", err)
		}
		c.waitStack(t, name, cfntypes.StackStatusUpdateComplete)
		res := c.stackResources(t, name)
		for id := range want {
			if got := aws.ToString(res[id].PhysicalResourceId); got != phys[id] {
				t.Errorf("%s: physical id %q after an in-place update, was %q", id, got, phys[id])
			}
		}
		for _, id := range []string{"AppLogGroup", "WorkQueue", "AuditBucket"} {
			if s := res[id].ResourceStatus; s != cfntypes.ResourceStatusUpdateComplete {
				t.Errorf("%s: %s, want UPDATE_COMPLETE", id, s)
			}
		}
		expect(t, "AppLogGroup", c.ccGet(t, "AWS::Logs::LogGroup", phys["AppLogGroup"]), check{"/RetentionInDays", equal(90)})
		expect(t, "WorkQueue", c.ccGet(t, "AWS::SQS::Queue", phys["WorkQueue"]), check{"/Tags", tagged("Stage", "qualification")})
		expect(t, "AuditBucket", c.ccGet(t, "AWS::S3::Bucket", phys["AuditBucket"]), check{"/Tags", tagged("Stage", "qualification")})
	})

	step(t, "DeleteStack", func(t *testing.T) {
		if c.kind == realAWS {
			emptyStackBucket(t, c, name, "AuditBucket")
		}
		c.deleteStack(t, name)
		for _, id := range []string{"Vpc", "Table", "WorkQueue", "AppLogGroup", "InstanceRole", "Database"} {
			c.ccGone(t, want[id], phys[id])
		}
	})
}

// emptyStackBucket deletes the objects of a bucket the stack created,
// through the AWS CLI (real AWS only; the suite has no S3 client).
func emptyStackBucket(t *testing.T, c *clients, stack, logical string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, err := c.cfn.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String(stack), LogicalResourceId: aws.String(logical)})
	if err != nil || r.StackResourceDetail == nil || aws.ToString(r.StackResourceDetail.PhysicalResourceId) == "" {
		return
	}
	bucket := aws.ToString(r.StackResourceDetail.PhysicalResourceId)
	if !strings.HasPrefix(bucket, stack) {
		t.Errorf("not emptying bucket %s: its name does not start with the stack's", bucket)
		return
	}
	cmd := exec.CommandContext(ctx, "aws", "--region", c.region, "s3", "rm", "s3://"+bucket, "--recursive")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Logf("emptying %s: %v: %s", bucket, err, b)
	}
}

// TestConformanceUpdate: in-place updates keep the physical id,
// create-only changes replace the resource, an update without changes is
// refused, and UsePreviousValue keeps a parameter.
func TestConformanceUpdate(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	body := template(t, "update.yaml")
	name := c.stackName(t, "update")
	first, second := name+"-a", name+"-b"
	const lg = "AWS::Logs::LogGroup"

	c.createStack(t, &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(body), Parameters: params("LogGroupName", first),
	}, cfntypes.StackStatusCreateComplete)
	physical := func(t *testing.T) string {
		t.Helper()
		return aws.ToString(c.stackResources(t, name)["Logs"].PhysicalResourceId)
	}
	if got := physical(t); got != first {
		t.Fatalf("physical id = %q, want the LogGroupName %q", got, first)
	}
	expect(t, "created", c.ccGet(t, lg, first), check{"/RetentionInDays", equal(7)})

	step(t, "in-place update with UsePreviousValue", func(t *testing.T) {
		if _, err := c.cfn.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{
			StackName: aws.String(name), UsePreviousTemplate: aws.Bool(true),
			Parameters: params("LogGroupName", usePrevious, "RetentionInDays", "14"),
		}); err != nil {
			t.Fatalf("UpdateStack: %v", err)
		}
		s := c.waitStack(t, name, cfntypes.StackStatusUpdateComplete)
		got := map[string]string{}
		for _, p := range s.Parameters {
			got[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
		}
		if got["LogGroupName"] != first || got["RetentionInDays"] != "14" {
			t.Errorf("Parameters = %v, want LogGroupName kept (%s) and RetentionInDays 14", got, first)
		}
		if s.LastUpdatedTime == nil {
			t.Error("LastUpdatedTime not set after an update")
		}
		if p := physical(t); p != first {
			t.Errorf("physical id = %q after an in-place update, want %q", p, first)
		}
		expect(t, "updated", c.ccGet(t, lg, first), check{"/RetentionInDays", equal(14)})
	})

	step(t, "no changes", func(t *testing.T) {
		_, err := c.cfn.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{
			StackName: aws.String(name), UsePreviousTemplate: aws.Bool(true),
			Parameters: params("LogGroupName", usePrevious, "RetentionInDays", usePrevious),
		})
		ae := wantAPIError(t, err, "ValidationError")
		if ae.ErrorMessage() != "No updates are to be performed." {
			t.Errorf("message = %q, want %q", ae.ErrorMessage(), "No updates are to be performed.")
		}
		c.waitStack(t, name, cfntypes.StackStatusUpdateComplete)
	})

	step(t, "create-only change replaces", func(t *testing.T) {
		if _, err := c.cfn.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{
			StackName: aws.String(name), TemplateBody: aws.String(body),
			Parameters: params("LogGroupName", second, "RetentionInDays", usePrevious),
		}); err != nil {
			t.Fatalf("UpdateStack: %v", err)
		}
		s := c.waitStack(t, name, cfntypes.StackStatusUpdateComplete)
		if p := physical(t); p != second {
			t.Errorf("physical id = %q after a replacement, want %q", p, second)
		}
		if arn := outputs(s)["LogGroupArn"]; !strings.Contains(arn, ":log-group:"+second) {
			t.Errorf("output LogGroupArn = %q, want the new log group's", arn)
		}
		expect(t, "replacement", c.ccGet(t, lg, second), check{"/RetentionInDays", equal(14)})
		c.ccGone(t, lg, first)
	})
}

// TestConformanceRollback: a failing resource rolls the stack back (or,
// with DisableRollback, leaves what was created), with the cause in the
// events.
func TestConformanceRollback(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	body := template(t, "rollback.yaml")
	const lg = "AWS::Logs::LogGroup"

	// failedEvent returns the reason of Second's failure.
	failedEvent := func(t *testing.T, stack string, status cfntypes.ResourceStatus) string {
		t.Helper()
		for _, e := range c.events(t, stack) {
			if aws.ToString(e.LogicalResourceId) == "Second" && e.ResourceStatus == status {
				return aws.ToString(e.ResourceStatusReason)
			}
		}
		t.Fatalf("no %s event for Second in %s", status, stack)
		return ""
	}
	mentions := func(t *testing.T, reason string, subs ...string) {
		t.Helper()
		for _, s := range subs {
			if strings.Contains(strings.ToLower(reason), strings.ToLower(s)) {
				return
			}
		}
		t.Errorf("failure reason %q mentions none of %q", reason, subs)
	}

	t.Run("invalid bucket name rolls back", func(t *testing.T) {
		t.Parallel()
		name := c.stackName(t, "rb")
		s := c.createStack(t, &cloudformation.CreateStackInput{
			StackName: aws.String(name), TemplateBody: aws.String(body), Parameters: params("Prefix", name, "BucketName", "Invalid_Name"),
		}, cfntypes.StackStatusRollbackComplete)
		if aws.ToString(s.StackStatusReason) == "" {
			t.Error("ROLLBACK_COMPLETE without a StackStatusReason")
		}
		mentions(t, failedEvent(t, name, cfntypes.ResourceStatusCreateFailed), "Invalid_Name", "BucketName", "bucket name")
		c.ccGone(t, lg, name+"-first")
		res := c.stackResources(t, name)
		if r := res["First"]; r.ResourceStatus != cfntypes.ResourceStatusDeleteComplete {
			t.Errorf("First: %s after the rollback, want DELETE_COMPLETE", r.ResourceStatus)
		}
	})

	t.Run("bucket name taken by another stack rolls back", func(t *testing.T) {
		t.Parallel()
		taken := uniqueName(t, "taken")
		holder := c.stackName(t, "holder")
		c.createStack(t, &cloudformation.CreateStackInput{
			StackName: aws.String(holder), TemplateBody: aws.String(body), Parameters: params("Prefix", holder, "BucketName", taken),
		}, cfntypes.StackStatusCreateComplete)
		name := c.stackName(t, "rb")
		c.createStack(t, &cloudformation.CreateStackInput{
			StackName: aws.String(name), TemplateBody: aws.String(body), Parameters: params("Prefix", name, "BucketName", taken),
		}, cfntypes.StackStatusRollbackComplete)
		mentions(t, failedEvent(t, name, cfntypes.ResourceStatusCreateFailed), "already exists", taken)
		c.ccGone(t, lg, name+"-first")
		// The rollback must not touch the other stack's bucket.
		c.ccGet(t, "AWS::S3::Bucket", taken)
		c.waitStack(t, holder, cfntypes.StackStatusCreateComplete)
	})

	t.Run("DisableRollback keeps what was created", func(t *testing.T) {
		t.Parallel()
		name := c.stackName(t, "norb")
		c.createStack(t, &cloudformation.CreateStackInput{
			StackName: aws.String(name), TemplateBody: aws.String(body), DisableRollback: aws.Bool(true),
			Parameters: params("Prefix", name, "BucketName", "Invalid_Name"),
		}, cfntypes.StackStatusCreateFailed)
		res := c.stackResources(t, name)
		if r := res["First"]; r.ResourceStatus != cfntypes.ResourceStatusCreateComplete {
			t.Errorf("First: %s, want CREATE_COMPLETE", r.ResourceStatus)
		}
		if r := res["Second"]; r.ResourceStatus != cfntypes.ResourceStatusCreateFailed {
			t.Errorf("Second: %s, want CREATE_FAILED", r.ResourceStatus)
		}
		c.ccGet(t, lg, name+"-first")
	})

	t.Run("failed update rolls back to the old properties", func(t *testing.T) {
		t.Parallel()
		name := c.stackName(t, "urb")
		bucket := uniqueName(t, "bkt")
		c.createStack(t, &cloudformation.CreateStackInput{
			StackName: aws.String(name), TemplateBody: aws.String(body), Parameters: params("Prefix", name, "BucketName", bucket),
		}, cfntypes.StackStatusCreateComplete)
		if _, err := c.cfn.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{
			StackName: aws.String(name), UsePreviousTemplate: aws.Bool(true),
			Parameters: params("Prefix", usePrevious, "BucketName", "Invalid_Name", "RetentionInDays", "3"),
		}); err != nil {
			t.Fatalf("UpdateStack: %v", err)
		}
		s := c.waitStack(t, name, cfntypes.StackStatusUpdateRollbackComplete)
		mentions(t, failedEvent(t, name, cfntypes.ResourceStatusUpdateFailed), "Invalid_Name", "BucketName", "bucket name")
		got := map[string]string{}
		for _, p := range s.Parameters {
			got[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
		}
		if got["BucketName"] != bucket || got["RetentionInDays"] != "1" {
			t.Errorf("Parameters after the rollback = %v, want the old BucketName %s and RetentionInDays 1", got, bucket)
		}
		expect(t, "First after the rollback", c.ccGet(t, lg, name+"-first"), check{"/RetentionInDays", equal(1)})
		if p := aws.ToString(c.stackResources(t, name)["Second"].PhysicalResourceId); p != bucket {
			t.Errorf("Second: physical id %q after the rollback, want %q", p, bucket)
		}
		c.ccGet(t, "AWS::S3::Bucket", bucket)
	})
}

// TestConformanceChangeSets: create and update change sets, their
// changes, execution, deletion, and the empty change set.
func TestConformanceChangeSets(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	body := template(t, "changeset.yaml")
	name := c.stackName(t, "cs")
	var stackID string

	step(t, "CREATE change set", func(t *testing.T) {
		out, err := c.cfn.CreateChangeSet(t.Context(), &cloudformation.CreateChangeSetInput{
			StackName: aws.String(name), ChangeSetName: aws.String("create"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
			TemplateBody: aws.String(body), Parameters: params("Prefix", name), Description: aws.String("first deployment"),
		})
		if err != nil {
			t.Fatalf("CreateChangeSet: %v", err)
		}
		stackID = aws.ToString(out.StackId)
		if !arnRE.MatchString(aws.ToString(out.Id)) || !strings.Contains(aws.ToString(out.Id), ":changeSet/create/") {
			t.Errorf("change set Id = %q, want arn:…:changeSet/create/…", aws.ToString(out.Id))
		}
		s := c.waitStack(t, name, cfntypes.StackStatusReviewInProgress)
		if aws.ToString(s.StackId) != stackID {
			t.Errorf("StackId = %s, CreateChangeSet said %s", aws.ToString(s.StackId), stackID)
		}
		cs := c.waitChangeSet(t, name, "create")
		if cs.Status != cfntypes.ChangeSetStatusCreateComplete || cs.ExecutionStatus != cfntypes.ExecutionStatusAvailable {
			t.Fatalf("change set %s / %s (%s), want CREATE_COMPLETE / AVAILABLE", cs.Status, cs.ExecutionStatus, aws.ToString(cs.StatusReason))
		}
		if aws.ToString(cs.ChangeSetName) != "create" || aws.ToString(cs.StackName) != name || aws.ToString(cs.Description) != "first deployment" {
			t.Errorf("change set names %q / %q / %q", aws.ToString(cs.ChangeSetName), aws.ToString(cs.StackName), aws.ToString(cs.Description))
		}
		wantChanges(t, cs.Changes, map[string]change{
			"Logs": {Action: cfntypes.ChangeActionAdd}, "Queue": {Action: cfntypes.ChangeActionAdd}, "OldTopic": {Action: cfntypes.ChangeActionAdd},
		})
	})

	step(t, "ExecuteChangeSet creates the stack", func(t *testing.T) {
		if _, err := c.cfn.ExecuteChangeSet(t.Context(), &cloudformation.ExecuteChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("create")}); err != nil {
			t.Fatalf("ExecuteChangeSet: %v", err)
		}
		c.waitStack(t, name, cfntypes.StackStatusCreateComplete)
		res := c.stackResources(t, name)
		if len(res) != 3 || res["OldTopic"].ResourceStatus != cfntypes.ResourceStatusCreateComplete {
			t.Errorf("resources after execution: %v", res)
		}
		cs, err := c.cfn.DescribeChangeSet(t.Context(), &cloudformation.DescribeChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("create")})
		if err != nil {
			t.Fatalf("DescribeChangeSet after execution: %v", err)
		}
		if cs.ExecutionStatus != cfntypes.ExecutionStatusExecuteComplete {
			t.Errorf("ExecutionStatus = %s, want EXECUTE_COMPLETE", cs.ExecutionStatus)
		}
	})

	oldQueue := ""
	step(t, "UPDATE change set lists Add, Modify and Remove", func(t *testing.T) {
		oldQueue = aws.ToString(c.stackResources(t, name)["Queue"].PhysicalResourceId)
		if _, err := c.cfn.CreateChangeSet(t.Context(), &cloudformation.CreateChangeSetInput{
			StackName: aws.String(name), ChangeSetName: aws.String("update"), ChangeSetType: cfntypes.ChangeSetTypeUpdate,
			UsePreviousTemplate: aws.Bool(true),
			Parameters:          params("Prefix", usePrevious, "RetentionInDays", "14", "QueueSuffix", "b", "Generation", "new"),
		}); err != nil {
			t.Fatalf("CreateChangeSet: %v", err)
		}
		cs := c.waitChangeSet(t, name, "update")
		if cs.Status != cfntypes.ChangeSetStatusCreateComplete {
			t.Fatalf("change set %s (%s), want CREATE_COMPLETE", cs.Status, aws.ToString(cs.StatusReason))
		}
		wantChanges(t, cs.Changes, map[string]change{
			"Logs":     {Action: cfntypes.ChangeActionModify, Replacement: cfntypes.ReplacementFalse},
			"Queue":    {Action: cfntypes.ChangeActionModify, Replacement: cfntypes.ReplacementTrue},
			"OldTopic": {Action: cfntypes.ChangeActionRemove},
			"NewTopic": {Action: cfntypes.ChangeActionAdd},
		})
		// A change set changes nothing until it is executed.
		c.waitStack(t, name, cfntypes.StackStatusCreateComplete)
	})

	step(t, "executing the UPDATE change set", func(t *testing.T) {
		if _, err := c.cfn.ExecuteChangeSet(t.Context(), &cloudformation.ExecuteChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("update")}); err != nil {
			t.Fatalf("ExecuteChangeSet: %v", err)
		}
		c.waitStack(t, name, cfntypes.StackStatusUpdateComplete)
		res := c.stackResources(t, name)
		if _, ok := res["OldTopic"]; ok {
			t.Error("OldTopic still in the stack after its removal")
		}
		if res["NewTopic"].ResourceStatus != cfntypes.ResourceStatusCreateComplete {
			t.Errorf("NewTopic: %s, want CREATE_COMPLETE", res["NewTopic"].ResourceStatus)
		}
		if q := aws.ToString(res["Queue"].PhysicalResourceId); q == oldQueue || q == "" {
			t.Errorf("Queue physical id %q after replacement, was %q", q, oldQueue)
		}
		c.ccGone(t, "AWS::SQS::Queue", oldQueue)
		expect(t, "Logs", c.ccGet(t, "AWS::Logs::LogGroup", name+"-logs"), check{"/RetentionInDays", equal(14)})
	})

	step(t, "a change set without changes fails", func(t *testing.T) {
		if _, err := c.cfn.CreateChangeSet(t.Context(), &cloudformation.CreateChangeSetInput{
			StackName: aws.String(name), ChangeSetName: aws.String("nothing"), UsePreviousTemplate: aws.Bool(true),
			Parameters: params("Prefix", usePrevious, "RetentionInDays", usePrevious, "QueueSuffix", usePrevious, "Generation", usePrevious),
		}); err != nil {
			t.Fatalf("CreateChangeSet: %v", err)
		}
		cs := c.waitChangeSet(t, name, "nothing")
		// The AWS CLI's deploy recognizes an empty change set by this text.
		if cs.Status != cfntypes.ChangeSetStatusFailed || !strings.Contains(aws.ToString(cs.StatusReason), "The submitted information didn't contain changes.") {
			t.Errorf("change set %s (%q), want FAILED because it didn't contain changes", cs.Status, aws.ToString(cs.StatusReason))
		}
		if cs.ExecutionStatus != cfntypes.ExecutionStatusUnavailable {
			t.Errorf("ExecutionStatus = %s, want UNAVAILABLE", cs.ExecutionStatus)
		}
	})

	step(t, "DeleteChangeSet", func(t *testing.T) {
		if _, err := c.cfn.DeleteChangeSet(t.Context(), &cloudformation.DeleteChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("nothing")}); err != nil {
			t.Fatalf("DeleteChangeSet: %v", err)
		}
		_, err := c.cfn.DescribeChangeSet(t.Context(), &cloudformation.DescribeChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("nothing")})
		var nf *cfntypes.ChangeSetNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("DescribeChangeSet of a deleted change set: err = %v, want ChangeSetNotFoundException", err)
		}
		wantAPIError(t, err, "ChangeSetNotFound", "nothing")
		_, err = c.cfn.ExecuteChangeSet(t.Context(), &cloudformation.ExecuteChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("nothing")})
		if !errors.As(err, &nf) {
			t.Errorf("ExecuteChangeSet of a deleted change set: err = %v, want ChangeSetNotFoundException", err)
		}
	})
}

type change struct {
	Action      cfntypes.ChangeAction
	Replacement cfntypes.Replacement // checked for Modify only
}

// wantChanges compares a change set's resource changes by logical id.
func wantChanges(t *testing.T, changes []cfntypes.Change, want map[string]change) {
	t.Helper()
	got := map[string]cfntypes.ResourceChange{}
	for _, ch := range changes {
		if ch.Type != cfntypes.ChangeTypeResource || ch.ResourceChange == nil {
			t.Errorf("change of type %q without a ResourceChange", ch.Type)
			continue
		}
		got[aws.ToString(ch.ResourceChange.LogicalResourceId)] = *ch.ResourceChange
	}
	if len(got) != len(want) {
		t.Errorf("%d changes, want %d (%v)", len(got), len(want), want)
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("no change for %s", id)
			continue
		}
		if g.Action != w.Action {
			t.Errorf("%s: action %s, want %s", id, g.Action, w.Action)
		}
		if w.Action == cfntypes.ChangeActionModify && g.Replacement != w.Replacement {
			t.Errorf("%s: replacement %q, want %q", id, g.Replacement, w.Replacement)
		}
		if aws.ToString(g.ResourceType) == "" {
			t.Errorf("%s: no ResourceType", id)
		}
		if w.Action != cfntypes.ChangeActionAdd && aws.ToString(g.PhysicalResourceId) == "" {
			t.Errorf("%s: %s without the physical id of the existing resource", id, g.Action)
		}
	}
}

// TestConformanceExports: an export is listed, imported by another stack,
// and protected while imported.
func TestConformanceExports(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	prefix := uniqueName(t, "x")
	exportName := prefix + "-topic-arn"
	exporter := c.stackName(t, "exporter")
	importer := c.stackName(t, "importer") // cleaned up first

	listed := func(t *testing.T) (cfntypes.Export, bool) {
		t.Helper()
		p := cloudformation.NewListExportsPaginator(c.cfn, &cloudformation.ListExportsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("ListExports: %v", err)
			}
			for _, e := range page.Exports {
				if aws.ToString(e.Name) == exportName {
					return e, true
				}
			}
		}
		return cfntypes.Export{}, false
	}

	ex := c.createStack(t, &cloudformation.CreateStackInput{
		StackName: aws.String(exporter), TemplateBody: aws.String(template(t, "exporter.yaml")), Parameters: params("Prefix", prefix),
	}, cfntypes.StackStatusCreateComplete)
	topicArn := outputs(ex)["TopicArn"]
	if len(ex.Outputs) != 1 || aws.ToString(ex.Outputs[0].ExportName) != exportName {
		t.Errorf("Outputs = %+v, want TopicArn exported as %s", ex.Outputs, exportName)
	}

	step(t, "ListExports", func(t *testing.T) {
		e, ok := listed(t)
		if !ok {
			t.Fatalf("ListExports: no %s", exportName)
		}
		if aws.ToString(e.Value) != topicArn || aws.ToString(e.ExportingStackId) != aws.ToString(ex.StackId) {
			t.Errorf("export = %s from %s, want %s from %s", aws.ToString(e.Value), aws.ToString(e.ExportingStackId), topicArn, aws.ToString(ex.StackId))
		}
	})

	step(t, "ImportValue", func(t *testing.T) {
		im := c.createStack(t, &cloudformation.CreateStackInput{
			StackName: aws.String(importer), TemplateBody: aws.String(template(t, "importer.yaml")), Parameters: params("Prefix", prefix),
		}, cfntypes.StackStatusCreateComplete)
		if got := outputs(im)["ImportedTopicArn"]; got != topicArn {
			t.Errorf("output ImportedTopicArn = %q, want %q", got, topicArn)
		}
		queue := aws.ToString(c.stackResources(t, importer)["Queue"].PhysicalResourceId)
		expect(t, "importing queue", c.ccGet(t, "AWS::SQS::Queue", queue), check{"/Tags", tagged("source-topic", topicArn)})
	})

	step(t, "an imported export cannot be deleted", func(t *testing.T) {
		_, err := c.cfn.DeleteStack(t.Context(), &cloudformation.DeleteStackInput{StackName: aws.String(exporter)})
		if err != nil {
			wantAPIError(t, err, "ValidationError", exportName, "cannot be deleted as it is in use by", importer)
		} else {
			// AWS accepts the call and leaves the stack as it was, with
			// the reason in StackStatusReason.
			c.poll(t, "the refused deletion", func() (bool, error) {
				s, err := c.settleStack(t.Context(), exporter)
				if err != nil || s == nil {
					return true, err
				}
				r := aws.ToString(s.StackStatusReason)
				return strings.Contains(r, "in use by") || strings.HasPrefix(string(s.StackStatus), "DELETE_"), nil
			})
			s := c.waitStack(t, exporter, cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete, cfntypes.StackStatusDeleteFailed)
			if r := aws.ToString(s.StackStatusReason); !strings.Contains(r, "cannot be deleted as it is in use by") || !strings.Contains(r, importer) {
				t.Errorf("StackStatusReason = %q, want the export in use by %s", r, importer)
			}
		}
		if _, ok := listed(t); !ok {
			t.Errorf("the export %s disappeared while imported", exportName)
		}
	})

	step(t, "deleting the importer frees the export", func(t *testing.T) {
		c.deleteStack(t, importer)
		c.deleteStack(t, exporter)
		if _, ok := listed(t); ok {
			t.Errorf("ListExports still lists %s after its stack's deletion", exportName)
		}
	})
}

// TestConformanceRetain: a resource with DeletionPolicy Retain outlives
// its stack.
func TestConformanceRetain(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	const lg = "AWS::Logs::LogGroup"
	kept := uniqueName(t, "kept")
	c.cleanupResource(t, lg, kept) // runs after the stack's cleanup
	name := c.stackName(t, "retain")

	s := c.createStack(t, &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(template(t, "retain.yaml")), Parameters: params("LogGroupName", kept),
	}, cfntypes.StackStatusCreateComplete)
	c.deleteStack(t, name)

	expect(t, "retained log group", c.ccGet(t, lg, kept), check{"/LogGroupName", equal(kept)}, check{"/RetentionInDays", equal(1)})
	c.ccGone(t, lg, kept+"-dropped")
	skipped := false
	for _, e := range c.events(t, aws.ToString(s.StackId)) {
		if aws.ToString(e.LogicalResourceId) == "Kept" && e.ResourceStatus == cfntypes.ResourceStatusDeleteSkipped {
			skipped = true
		}
	}
	if !skipped {
		t.Error("no DELETE_SKIPPED event for the retained resource")
	}
}

// TestConformanceListsAndEvents: ListStacks filters, the order of stack
// events, GetTemplate, ListStackResources paging, and deleted stacks.
func TestConformanceListsAndEvents(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	body := template(t, "lists.yaml")
	name := c.stackName(t, "lists")
	s := c.createStack(t, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(body)}, cfntypes.StackStatusCreateComplete)
	stackID := aws.ToString(s.StackId)

	listStacks := func(t *testing.T, status ...cfntypes.StackStatus) *cfntypes.StackSummary {
		t.Helper()
		p := cloudformation.NewListStacksPaginator(c.cfn, &cloudformation.ListStacksInput{StackStatusFilter: status})
		var found *cfntypes.StackSummary
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("ListStacks: %v", err)
			}
			for i, sum := range page.StackSummaries {
				if !slices.Contains(status, sum.StackStatus) {
					t.Errorf("ListStacks %v returned a stack in %s", status, sum.StackStatus)
				}
				if aws.ToString(sum.StackId) == stackID {
					found = &page.StackSummaries[i]
				}
			}
		}
		return found
	}

	t.Run("ListStacks with StackStatusFilter", func(t *testing.T) {
		sum := listStacks(t, cfntypes.StackStatusCreateComplete)
		if sum == nil {
			t.Fatal("ListStacks CREATE_COMPLETE does not list the stack")
		}
		if aws.ToString(sum.StackName) != name || sum.CreationTime == nil || aws.ToString(sum.TemplateDescription) != "qualstate conformance - lists, events and templates." {
			t.Errorf("summary = %s, created %v, description %q", aws.ToString(sum.StackName), sum.CreationTime, aws.ToString(sum.TemplateDescription))
		}
		if listStacks(t, cfntypes.StackStatusDeleteComplete, cfntypes.StackStatusUpdateComplete) != nil {
			t.Error("ListStacks DELETE_COMPLETE/UPDATE_COMPLETE lists a CREATE_COMPLETE stack")
		}
	})

	t.Run("DescribeStackEvents order", func(t *testing.T) {
		events := c.events(t, name)
		if len(events) < 2+2*3 {
			t.Fatalf("%d events, want at least 8 (stack and three resources, each IN_PROGRESS and COMPLETE)", len(events))
		}
		ids := map[string]bool{}
		for i, e := range events {
			if ids[aws.ToString(e.EventId)] || aws.ToString(e.EventId) == "" {
				t.Errorf("event %d: EventId %q missing or repeated", i, aws.ToString(e.EventId))
			}
			ids[aws.ToString(e.EventId)] = true
			if aws.ToString(e.StackId) != stackID || aws.ToString(e.StackName) != name || e.Timestamp == nil {
				t.Errorf("event %d: stack %s / %s, timestamp %v", i, aws.ToString(e.StackId), aws.ToString(e.StackName), e.Timestamp)
			}
			if i > 0 && e.Timestamp != nil && events[i-1].Timestamp != nil && e.Timestamp.After(*events[i-1].Timestamp) {
				t.Errorf("event %d (%s %s) is newer than the one before it: events are not newest first", i, aws.ToString(e.LogicalResourceId), e.ResourceStatus)
			}
		}
		first, last := events[0], events[len(events)-1]
		if aws.ToString(first.LogicalResourceId) != name || first.ResourceStatus != cfntypes.ResourceStatusCreateComplete || aws.ToString(first.ResourceType) != "AWS::CloudFormation::Stack" {
			t.Errorf("newest event = %s %s %s, want the stack's CREATE_COMPLETE", aws.ToString(first.LogicalResourceId), aws.ToString(first.ResourceType), first.ResourceStatus)
		}
		if aws.ToString(last.LogicalResourceId) != name || last.ResourceStatus != cfntypes.ResourceStatusCreateInProgress || aws.ToString(last.PhysicalResourceId) != stackID {
			t.Errorf("oldest event = %s %s, want the stack's CREATE_IN_PROGRESS", aws.ToString(last.LogicalResourceId), last.ResourceStatus)
		}
		// Index of each resource's events; a smaller index is newer.
		pos := map[string]int{}
		for i, e := range events {
			pos[aws.ToString(e.LogicalResourceId)+" "+string(e.ResourceStatus)] = i
		}
		for _, id := range []string{"FirstTopic", "SecondTopic", "Logs"} {
			started, ok1 := pos[id+" CREATE_IN_PROGRESS"]
			done, ok2 := pos[id+" CREATE_COMPLETE"]
			if !ok1 || !ok2 || done > started {
				t.Errorf("%s: CREATE_IN_PROGRESS at %d (%v), CREATE_COMPLETE at %d (%v); want both, COMPLETE newer", id, started, ok1, done, ok2)
			}
		}
		// DependsOn orders the resources: FirstTopic completes before
		// SecondTopic starts, so its COMPLETE event is the older one.
		if pos["FirstTopic CREATE_COMPLETE"] < pos["SecondTopic CREATE_IN_PROGRESS"] {
			t.Errorf("SecondTopic started before FirstTopic completed (DependsOn)")
		}
	})

	t.Run("GetTemplate returns the original body", func(t *testing.T) {
		out, err := c.cfn.GetTemplate(t.Context(), &cloudformation.GetTemplateInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatalf("GetTemplate: %v", err)
		}
		if aws.ToString(out.TemplateBody) != body {
			t.Errorf("TemplateBody = %q, want the body as submitted", aws.ToString(out.TemplateBody))
		}
		if !slices.Contains(out.StagesAvailable, cfntypes.TemplateStageOriginal) {
			t.Errorf("StagesAvailable = %v, want Original", out.StagesAvailable)
		}
	})

	t.Run("ListStackResources pages", func(t *testing.T) {
		seen := map[string]int{}
		pages := 0
		p := cloudformation.NewListStackResourcesPaginator(c.cfn, &cloudformation.ListStackResourcesInput{StackName: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("ListStackResources: %v", err)
			}
			pages++
			for _, r := range page.StackResourceSummaries {
				seen[aws.ToString(r.LogicalResourceId)]++
				if r.LastUpdatedTimestamp == nil {
					t.Errorf("%s: no LastUpdatedTimestamp", aws.ToString(r.LogicalResourceId))
				}
			}
		}
		if len(seen) != 3 {
			t.Errorf("%d resources over %d pages, want 3: %v", len(seen), pages, seen)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s listed %d times", id, n)
			}
		}
	})

	t.Run("a deleted stack", func(t *testing.T) {
		c.deleteStack(t, name)
		out, err := c.cfn.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String(stackID)})
		if err != nil || len(out.Stacks) != 1 || out.Stacks[0].StackStatus != cfntypes.StackStatusDeleteComplete || out.Stacks[0].DeletionTime == nil {
			t.Errorf("DescribeStacks by stack id: %v %+v, want DELETE_COMPLETE with a DeletionTime", err, out)
		}
		if _, err := c.cfn.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)}); !isStackMissing(err) {
			t.Errorf("DescribeStacks by name after deletion: err = %v, want does not exist", err)
		}
		if listStacks(t, cfntypes.StackStatusDeleteComplete) == nil {
			t.Error("ListStacks DELETE_COMPLETE does not list the deleted stack")
		}
		if listStacks(t, cfntypes.StackStatusCreateComplete) != nil {
			t.Error("ListStacks CREATE_COMPLETE still lists the deleted stack")
		}
	})
}
