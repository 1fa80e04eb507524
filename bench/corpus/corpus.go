// Package corpus generates a reproducible corpus of CloudFormation templates
// for benchmarks: the same seed always gives the same files.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Options sizes the corpus.
type Options struct {
	Templates    int    // number of templates
	MinResources int    // resources per template, at least
	MaxResources int    // and at most
	Seed         uint64 // same seed, same corpus
}

// Stats describes what was generated.
type Stats struct {
	Templates int
	Resources int
	Bytes     int
}

// Generate writes the corpus into dir (created if needed) as
// template-NNNN.yaml files.
func Generate(dir string, o Options) (Stats, error) {
	if o.MinResources < 1 || o.MaxResources < o.MinResources {
		return Stats{}, fmt.Errorf("resources per template: want 1 <= min <= max, got %d..%d", o.MinResources, o.MaxResources)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("corpus directory: %w", err)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	var st Stats
	for i := range o.Templates {
		n := o.MinResources + rng.IntN(o.MaxResources-o.MinResources+1)
		body := Template(rng, n)
		path := filepath.Join(dir, fmt.Sprintf("template-%04d.yaml", i))
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			return st, fmt.Errorf("writing %s: %w", path, err)
		}
		st.Templates++
		st.Resources += n
		st.Bytes += len(body)
	}
	return st, nil
}

// Template returns one template with n resources drawn from the kinds below,
// about a third of them non-compliant, with references between them.
func Template(rng *rand.Rand, n int) string {
	var b strings.Builder
	b.WriteString("AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: generated benchmark template\n")
	b.WriteString("Parameters:\n  Env:\n    Type: String\n    Default: test\n    AllowedValues: [test, prod]\n")
	b.WriteString("Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n")
	b.WriteString("Resources:\n")
	// Every template starts with a key and a VPC so later resources can
	// refer to them.
	g := &gen{rng: rng, b: &b}
	g.key()
	g.vpc()
	for g.count < n {
		kinds[rng.IntN(len(kinds))](g)
	}
	b.WriteString("Outputs:\n  KeyArn:\n    Value: !GetAtt Key0.Arn\n")
	return b.String()
}

// gen writes resources into one template.
type gen struct {
	rng   *rand.Rand
	b     *strings.Builder
	count int
}

func (g *gen) name(prefix string) string {
	g.count++
	return fmt.Sprintf("%s%d", prefix, g.count)
}

// bad reports whether the next resource should violate its requirements.
func (g *gen) bad() bool { return g.rng.IntN(3) == 0 }

func (g *gen) printf(format string, args ...any) { fmt.Fprintf(g.b, format, args...) }

func (g *gen) key() {
	g.count++
	g.printf("  Key0:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n")
	g.printf("      KeyPolicy:\n        Version: \"2012-10-17\"\n        Statement:\n")
	g.printf("          - Effect: Allow\n            Principal: {AWS: !Sub \"arn:aws:iam::${AWS::AccountId}:root\"}\n")
	g.printf("            Action: \"kms:*\"\n            Resource: \"*\"\n")
}

func (g *gen) vpc() {
	g.count++
	g.printf("  Vpc0:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n")
}

// kinds are the resource generators the corpus draws from.
var kinds = []func(*gen){
	func(g *gen) { // S3 bucket
		n := g.name("Bucket")
		g.printf("  %s:\n    Type: AWS::S3::Bucket\n    Properties:\n", n)
		if g.bad() {
			g.printf("      VersioningConfiguration: {Status: Suspended}\n")
			return
		}
		g.printf("      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n")
		g.printf("          - ServerSideEncryptionByDefault: {SSEAlgorithm: \"aws:kms\", KMSMasterKeyID: !GetAtt Key0.Arn}\n")
		g.printf("      VersioningConfiguration: {Status: Enabled}\n")
		g.printf("      PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true}\n")
		g.printf("      Tags: [{Key: Name, Value: !Sub \"${AWS::StackName}-%s\"}]\n", strings.ToLower(n))
	},
	func(g *gen) { // security group
		n := g.name("Sg")
		cidr := "10.0.0.0/16"
		if g.bad() {
			cidr = "0.0.0.0/0"
		}
		g.printf("  %s:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: generated\n      VpcId: !Ref Vpc0\n", n)
		g.printf("      SecurityGroupIngress:\n        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: %s}\n", cidr)
		g.printf("        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}\n")
	},
	func(g *gen) { // log group
		n := g.name("Logs")
		days := 3653
		if g.bad() {
			days = 30
		}
		g.printf("  %s:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: %d\n      KmsKeyId: !GetAtt Key0.Arn\n", n, days)
	},
	func(g *gen) { // queue
		n := g.name("Queue")
		g.printf("  %s:\n    Type: AWS::SQS::Queue\n    Properties:\n      MessageRetentionPeriod: 345600\n", n)
		if !g.bad() {
			g.printf("      KmsMasterKeyId: !Ref Key0\n")
		}
	},
	func(g *gen) { // topic
		n := g.name("Topic")
		g.printf("  %s:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: generated\n", n)
		if !g.bad() {
			g.printf("      KmsMasterKeyId: !Ref Key0\n")
		}
	},
	func(g *gen) { // table
		n := g.name("Table")
		pitr := !g.bad()
		g.printf("  %s:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n", n)
		g.printf("      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n      KeySchema: [{AttributeName: id, KeyType: HASH}]\n")
		g.printf("      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: %t}\n", pitr)
		g.printf("      SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref Key0}\n")
	},
	func(g *gen) { // database
		n := g.name("Db")
		bad := g.bad()
		g.printf("  %s:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n      DBInstanceClass: db.t3.medium\n", n)
		g.printf("      AllocatedStorage: \"20\"\n      MasterUsername: admin\n      ManageMasterUserPassword: true\n")
		g.printf("      StorageEncrypted: %t\n      PubliclyAccessible: %t\n      BackupRetentionPeriod: %d\n", !bad, bad, map[bool]int{true: 1, false: 35}[bad])
		g.printf("      MultiAZ: !If [IsProd, true, false]\n      DeletionProtection: true\n")
	},
	func(g *gen) { // role
		n := g.name("Role")
		principal := "{Service: lambda.amazonaws.com}"
		action := "[s3:GetObject]"
		if g.bad() {
			principal, action = "{AWS: \"*\"}", "\"*\""
		}
		g.printf("  %s:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n", n)
		g.printf("        Version: \"2012-10-17\"\n        Statement: [{Effect: Allow, Principal: %s, Action: sts:AssumeRole}]\n", principal)
		g.printf("      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Version: \"2012-10-17\"\n")
		g.printf("            Statement: [{Effect: Allow, Action: %s, Resource: \"*\"}]\n", action)
	},
	func(g *gen) { // volume
		n := g.name("Volume")
		g.printf("  %s:\n    Type: AWS::EC2::Volume\n    Properties:\n      AvailabilityZone: !Select [0, !GetAZs \"\"]\n      Size: 100\n      Encrypted: %t\n", n, !g.bad())
	},
	func(g *gen) { // subnet with a flow log on the VPC
		n := g.name("Subnet")
		g.printf("  %s:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc0\n      CidrBlock: 10.0.%d.0/24\n      MapPublicIpOnLaunch: %t\n",
			n, g.count%250, g.bad())
	},
	func(g *gen) { // function
		n := g.name("Fn")
		g.printf("  %s:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n", n)
		g.printf("      Role: !Sub \"arn:aws:iam::${AWS::AccountId}:role/generated\"\n      Code: {ZipFile: \"def handler(e, c): return 1\"}\n")
		if !g.bad() {
			g.printf("      TracingConfig: {Mode: Active}\n")
		}
	},
}
