package registry

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"qualstate/jsonpatch"
)

// testNow is the clock of every test, so that models compare equal and
// goldens stay put.
var testNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func TestMain(m *testing.M) {
	now = func() time.Time { return testNow }
	os.Exit(m.Run())
}

// testEnv is an env with a seeded source of random bytes.
func testEnv(seed uint64) Env {
	return Env{Account: "123456789012", Region: "us-east-1", Rand: rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})}
}

var testHint = NameHint{StackName: "records", LogicalID: "Resource"}

// fixtureName is the file name of a type's fixture: AWS_S3_Bucket.json.
func fixtureName(typeName, variant string) string {
	return filepath.Join("testdata", "types", strings.ReplaceAll(typeName, "::", "_")+variant+".json")
}

// readProps reads a properties fixture as a server would decode JSON.
func readProps(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var props map[string]any
	if err := json.Unmarshal(data, &props); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return props
}

func mustLookup(t *testing.T, name string) *Type {
	t.Helper()
	typ, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func mustCreate(t *testing.T, typ *Type, props map[string]any) map[string]any {
	t.Helper()
	model, err := typ.Create(testEnv(1), props, testHint)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return model
}

func TestNames(t *testing.T) {
	names := Names()
	if len(names) < 52 {
		t.Errorf("Names() has %d types, want at least 52", len(names))
	}
	if !slices.IsSorted(names) {
		t.Errorf("Names() is not sorted: %v", names)
	}
	for _, name := range names {
		typ := mustLookup(t, name)
		if typ.Name() != name || typ.Schema() == nil || typ.Service() == "" {
			t.Errorf("%s: Name %q, Schema %v, Service %q", name, typ.Name(), typ.Schema() != nil, typ.Service())
		}
		if _, err := os.Stat(fixtureName(name, "")); err != nil {
			t.Errorf("%s has no fixture: %v", name, err)
		}
	}
}

// TestEveryType creates a resource of every type from its fixtures and
// holds the model to what Cloud Control and CloudFormation promise.
func TestEveryType(t *testing.T) {
	for _, name := range Names() {
		for _, variant := range []string{"", ".full"} {
			path := fixtureName(name, variant)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			t.Run(name+variant, func(t *testing.T) {
				typ := mustLookup(t, name)
				props := readProps(t, path)
				model := mustCreate(t, typ, props)
				checkModel(t, typ, model)

				if vs := typ.Schema().Validate(typ.Desired(model)); len(vs) > 0 {
					t.Errorf("the desired state of the model breaks the schema: %v", vs)
				}
				id, err := typ.Identifier(model)
				if err != nil || id == "" {
					t.Fatalf("Identifier = %q, %v", id, err)
				}
				idProps, err := typ.IdentifierProperties(id)
				if err != nil {
					t.Fatalf("IdentifierProperties(%q): %v", id, err)
				}
				for k, v := range idProps {
					if !jsonpatch.Equal(model[k], v) {
						t.Errorf("IdentifierProperties(%q)[%s] = %v, model has %v", id, k, v, model[k])
					}
				}
				if ref, ok := typ.Ref(model).(string); !ok || ref == "" {
					t.Errorf("Ref = %#v, want a string", typ.Ref(model))
				}
				for _, attr := range typ.Schema().Attributes() {
					want := attributeExpected(typ, model, attr)
					if _, ok := typ.GetAtt(model, attr); ok != want {
						t.Errorf("GetAtt(%s) resolves: %v, want %v", attr, ok, want)
					}
				}
				public := typ.Public(model)
				for _, p := range typ.writeOnly {
					if found := find(public, p); len(found) > 0 {
						t.Errorf("Public keeps write-only %s", strings.Join(p, "/"))
					}
				}
				if pid, _ := typ.Identifier(public); pid != id {
					t.Errorf("Public changes the identifier: %q, want %q", pid, id)
				}

				data, err := json.Marshal(model)
				if err != nil {
					t.Fatal(err)
				}
				var back map[string]any
				if err := json.Unmarshal(data, &back); err != nil {
					t.Fatal(err)
				}
				typ.Schema().Coerce(back)
				if !jsonpatch.Equal(back, model) {
					t.Errorf("the model changes in a JSON round trip:\n%s", data)
				}

				if r := typ.RequiresReplacement(model, props); len(r) > 0 {
					t.Errorf("RequiresReplacement(model, same properties) = %v", r)
				}
				for _, desired := range []map[string]any{props, typ.Desired(model)} {
					again, err := typ.Update(testEnv(2), model, desired)
					if err != nil {
						t.Fatalf("Update with nothing changed: %v", err)
					}
					if !jsonpatch.Equal(again, model) {
						got, _ := json.Marshal(again)
						t.Errorf("Update with nothing changed changes the model:\n got %s\nwant %s", got, data)
					}
				}
			})
		}
	}
}

// attributeExpected says whether an attribute has a value: unless AWS sets
// it only in configurations the model does not have, or it lies beneath
// a property the caller did not set.
func attributeExpected(typ *Type, model map[string]any, attr string) bool {
	for key, on := range typ.spec.conditional {
		if attr == key || strings.HasPrefix(attr, key+".") {
			return on(model)
		}
	}
	top, _, nested := strings.Cut(attr, ".")
	if nested && !typ.roTop[top] && !has(model, top) {
		return false
	}
	return true
}

// checkModel holds every value of a model to the Go types of JSON.
func checkModel(t *testing.T, typ *Type, model map[string]any) {
	t.Helper()
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case nil, bool, string, int64, float64:
		case map[string]any:
			for k, item := range v {
				walk(item, at+"/"+k)
			}
		case []any:
			for i, item := range v {
				walk(item, at+"/"+strconv.Itoa(i))
			}
		default:
			t.Errorf("%s: %s holds a %T", typ.Name(), at, v)
		}
	}
	walk(model, "")
}

func TestBucketDefaults(t *testing.T) {
	typ := mustLookup(t, "AWS::S3::Bucket")
	kms := map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
		"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
		"BucketKeyEnabled":              true,
	}}}
	sse := map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
		"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
		"BucketKeyEnabled":              false,
	}}}
	allBlocked := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
	enforced := map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}}
	tests := []struct {
		name  string
		props map[string]any
		want  map[string]any
	}{
		{"nothing given", map[string]any{}, map[string]any{
			"BucketEncryption": sse, "PublicAccessBlockConfiguration": allBlocked, "OwnershipControls": enforced,
		}},
		{"KMS encryption kept", map[string]any{"BucketEncryption": kms}, map[string]any{
			"BucketEncryption": kms, "PublicAccessBlockConfiguration": allBlocked, "OwnershipControls": enforced,
		}},
		{"a partial public access block turns the rest off", map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true},
		}, map[string]any{
			"BucketEncryption":               sse,
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": false, "IgnorePublicAcls": false, "RestrictPublicBuckets": false},
			"OwnershipControls":              enforced,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model := mustCreate(t, typ, tt.props)
			for k, want := range tt.want {
				if !jsonpatch.Equal(model[k], want) {
					got, _ := json.Marshal(model[k])
					w, _ := json.Marshal(want)
					t.Errorf("%s = %s, want %s", k, got, w)
				}
			}
		})
	}
}

func TestGeneratedValues(t *testing.T) {
	tests := []struct {
		typ   string
		props map[string]any
		hint  NameHint
		env   Env
		prop  string
		want  string // a regular expression
	}{
		{"AWS::S3::Bucket", nil, NameHint{StackName: "Records", LogicalID: "ArchiveBucket"}, testEnv(1), "BucketName", `^records-archivebucket-[a-z0-9]{13}$`},
		{"AWS::S3::Bucket", nil, NameHint{StackName: strings.Repeat("s", 60), LogicalID: strings.Repeat("L", 60)}, testEnv(1), "BucketName", `^s{24}-l{24}-[a-z0-9]{13}$`},
		{"AWS::S3::Bucket", nil, NameHint{}, testEnv(1), "BucketName", `^bucket-[a-z0-9]{13}$`},
		{"AWS::S3::Bucket", nil, NameHint{LogicalID: "Logs"}, testEnv(1), "Arn", `^arn:aws:s3:::logs-[a-z0-9]{13}$`},
		{"AWS::S3::Bucket", nil, NameHint{LogicalID: "Logs"}, Env{Account: "123456789012", Region: "cn-north-1"}, "Arn", `^arn:aws-cn:s3:::logs-[a-z0-9]{13}$`},
		{"AWS::IAM::Role", map[string]any{"AssumeRolePolicyDocument": map[string]any{}}, testHint, testEnv(1), "RoleName", `^records-Resource-[A-Z0-9]{13}$`},
		{"AWS::IAM::Role", map[string]any{"AssumeRolePolicyDocument": map[string]any{}, "Path": "/app/"}, testHint, Env{Account: "123456789012", Region: "us-gov-west-1"}, "Arn", `^arn:aws-us-gov:iam::123456789012:role/app/records-Resource-[A-Z0-9]{13}$`},
		{"AWS::IAM::Role", map[string]any{"AssumeRolePolicyDocument": map[string]any{}}, testHint, testEnv(1), "RoleId", `^AROA[A-Z2-7]{17}$`},
		{"AWS::SQS::Queue", map[string]any{"FifoQueue": true}, NameHint{StackName: strings.Repeat("s", 80), LogicalID: "Jobs"}, testEnv(1), "QueueName", `^s{56}-Jobs-[A-Z0-9]{13}\.fifo$`},
		{"AWS::SQS::Queue", map[string]any{"QueueName": "jobs"}, testHint, testEnv(1), "QueueUrl", `^https://sqs\.us-east-1\.amazonaws\.com/123456789012/jobs$`},
		{"AWS::EC2::VPC", map[string]any{"CidrBlock": "10.0.0.0/16"}, testHint, testEnv(1), "VpcId", `^vpc-0[0-9a-f]{16}$`},
		{"AWS::EC2::VPC", map[string]any{"CidrBlock": "10.0.0.0/16"}, testHint, testEnv(1), "DefaultSecurityGroup", `^sg-0[0-9a-f]{16}$`},
		{"AWS::KMS::Key", nil, testHint, testEnv(1), "KeyId", `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{"AWS::KMS::Key", map[string]any{"MultiRegion": true}, testHint, testEnv(1), "KeyId", `^mrk-[0-9a-f]{32}$`},
		{"AWS::KMS::Key", nil, testHint, testEnv(1), "Arn", `^arn:aws:kms:us-east-1:123456789012:key/[0-9a-f-]{36}$`},
		{"AWS::Logs::LogGroup", map[string]any{"LogGroupName": "/app/audit"}, testHint, testEnv(1), "Arn", `^arn:aws:logs:us-east-1:123456789012:log-group:/app/audit:\*$`},
		{"AWS::RDS::DBInstance", readFixture("AWS::RDS::DBInstance"), NameHint{StackName: "Records", LogicalID: "Database"}, testEnv(1), "DBInstanceIdentifier", `^records-database-[a-z0-9]{13}$`},
		{"AWS::ElasticLoadBalancingV2::LoadBalancer", readFixture("AWS::ElasticLoadBalancingV2::LoadBalancer"), NameHint{StackName: "records-production", LogicalID: "PublicLoadBalancer"}, testEnv(1), "Name", `^records-PublicLoa-[A-Z0-9]{13}$`},
		{"AWS::SecretsManager::Secret", map[string]any{"Name": "db/password"}, testHint, testEnv(1), "Id", `^arn:aws:secretsmanager:us-east-1:123456789012:secret:db/password-[A-Za-z]{6}$`},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.prop, func(t *testing.T) {
			typ := mustLookup(t, tt.typ)
			model, err := typ.Create(tt.env, tt.props, tt.hint)
			if err != nil {
				t.Fatal(err)
			}
			got := str(model, tt.prop)
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Errorf("%s = %q, want a match of %s", tt.prop, got, tt.want)
			}
		})
	}
}

// readFixture reads a type's minimal fixture outside a test's own files.
func readFixture(typeName string) map[string]any {
	data, err := os.ReadFile(fixtureName(typeName, ""))
	if err != nil {
		panic(err)
	}
	var props map[string]any
	if err := json.Unmarshal(data, &props); err != nil {
		panic(err)
	}
	return props
}

func TestDeterministic(t *testing.T) {
	typ := mustLookup(t, "AWS::EC2::Instance")
	props := readFixture("AWS::EC2::Instance")
	a, _ := typ.Create(testEnv(7), props, testHint)
	b, _ := typ.Create(testEnv(7), props, testHint)
	c, _ := typ.Create(testEnv(8), props, testHint)
	if !jsonpatch.Equal(a, b) {
		t.Error("the same seed gives different models")
	}
	if a["InstanceId"] == c["InstanceId"] {
		t.Error("different seeds give the same instance id")
	}
	d, _ := typ.Create(Env{Account: "123456789012", Region: "us-east-1"}, props, testHint)
	e, _ := typ.Create(Env{Account: "123456789012", Region: "us-east-1"}, props, testHint)
	if d["InstanceId"] == e["InstanceId"] {
		t.Error("crypto/rand gives the same instance id twice")
	}
}

func TestFailingRandomSource(t *testing.T) {
	typ := mustLookup(t, "AWS::EC2::VPC")
	_, err := typ.Create(Env{Account: "123456789012", Region: "us-east-1", Rand: strings.NewReader("short")}, map[string]any{"CidrBlock": "10.0.0.0/16"}, testHint)
	var e *Error
	if !errors.As(err, &e) || e.Code != "GeneralServiceException" {
		t.Errorf("Create with a failing random source: %v, want GeneralServiceException", err)
	}
}

// TestGenerators holds every read-only property of every type to a
// generator that knows its format: a value made up from the name alone
// is for attributes a refreshed schema adds.
func TestGenerators(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			typ := mustLookup(t, name)
			for _, variant := range []string{"", ".full"} {
				path := fixtureName(name, variant)
				if _, err := os.Stat(path); err != nil {
					continue
				}
				m, err := typ.prepare(readProps(t, path))
				if err != nil {
					t.Fatal(err)
				}
				g := newGen(testEnv(1), testHint, name)
				typ.complete(g, m, nil)
				if len(g.guessed) > 0 {
					t.Errorf("%s: no generator for %v", path, g.guessed)
				}
			}
		})
	}
}

func TestPlausible(t *testing.T) {
	g := newGen(testEnv(1), testHint, "AWS::Example::Widget")
	tests := []struct {
		name string
		want string // a regular expression
	}{
		{"WidgetArn", `^arn:aws:example:us-east-1:123456789012:widget/[0-9a-f-]{36}$`},
		{"WidgetId", `^[0-9a-f-]{36}$`},
		{"CreationTime", `^2025-03-14T09:26:53Z$`},
		{"EndpointUrl", `^https://`},
		{"Status", `^available$`},
		{"WidgetName", `^records-Resource-[A-Z0-9]{13}$`},
		{"Other", `^$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := plausible(g, "example", tt.name).(string)
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Errorf("plausible(%s) = %q, want a match of %s", tt.name, got, tt.want)
			}
		})
	}
}
