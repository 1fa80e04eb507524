package schema

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	cases := []struct {
		typ  string
		want bool
	}{
		{"AWS::S3::Bucket", true},
		{"AWS::IAM::Role", true},
		{"AWS::EC2::SecurityGroup", true},
		{"AWS::IAM::Policy", true}, // not managed by Cloud Control, still has a schema
		{"Custom::Thing", false},
		{"AWS::CloudFormation::CustomResource", false},
		{"AWS::Serverless::Function", false},
		{"AWS::EMR::Cluster", false},
		{"aws::s3::bucket", false},
		{"", false},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			s, ok := Lookup(tc.typ)
			if ok != tc.want {
				t.Fatalf("Lookup(%q) ok = %v, want %v", tc.typ, ok, tc.want)
			}
			if ok && s.TypeName != tc.typ {
				t.Errorf("TypeName = %q, want %q", s.TypeName, tc.typ)
			}
			if !ok && s != nil {
				t.Errorf("Lookup(%q) returned a schema with ok=false", tc.typ)
			}
		})
	}
	a, _ := Lookup("AWS::S3::Bucket")
	b, _ := Lookup("AWS::S3::Bucket")
	if a != b {
		t.Error("a second Lookup parsed the schema again instead of using the cached one")
	}
}

func TestTypes(t *testing.T) {
	types := Types()
	if len(types) < 1000 {
		t.Fatalf("only %d types embedded", len(types))
	}
	if !slices.IsSorted(types) {
		t.Error("Types is not sorted")
	}
	if _, found := slices.BinarySearch(types, "AWS::S3::Bucket"); !found {
		t.Error("Types lacks AWS::S3::Bucket")
	}
	types[0] = "changed"
	if Types()[0] == "changed" {
		t.Error("Types shares its slice with the caller")
	}
}

// TestEveryEmbeddedSchema decodes every embedded schema, which resolves
// every $ref, and checks that every $ref a property can reach leads to a
// schema: the only references left unresolved are the self-referencing
// definitions the parser defuses, and nothing may reach those.
func TestEveryEmbeddedSchema(t *testing.T) {
	if err := Verify(); err != nil {
		t.Fatal(err)
	}
	for _, name := range Types() {
		s, ok := Lookup(name)
		if !ok {
			t.Errorf("%s: listed by Types but Lookup fails", name)
			continue
		}
		seen := map[*node]bool{}
		var walk func(n *node)
		walk = func(n *node) {
			if n == nil || seen[n] {
				return
			}
			seen[n] = true
			if n.ref != "" && n.target == nil {
				t.Errorf("%s: %s: $ref %s reachable from the properties does not resolve", name, n.at, n.ref)
			}
			walk(n.target)
			for _, c := range n.properties {
				walk(c)
			}
			for _, pp := range n.patternProperties {
				walk(pp.schema)
			}
			for _, c := range n.dependencySchemas {
				walk(c)
			}
			for _, list := range [][]*node{n.tuple, n.oneOf, n.anyOf, n.allOf} {
				for _, c := range list {
					walk(c)
				}
			}
			walk(n.additional)
			walk(n.items)
			walk(n.not)
		}
		walk(s.root)
	}
}

func TestIdentifiersAndPropertyLists(t *testing.T) {
	s, _ := Lookup("AWS::S3::Bucket")
	if got, want := s.PrimaryIdentifier(), []string{"/properties/BucketName"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PrimaryIdentifier = %v, want %v", got, want)
	}
	if got := s.ReadOnlyProperties(); !slices.Contains(got, "/properties/Arn") {
		t.Errorf("ReadOnlyProperties = %v, want /properties/Arn among them", got)
	}
	if got := s.CreateOnlyProperties(); !slices.Contains(got, "/properties/BucketName") {
		t.Errorf("CreateOnlyProperties = %v, want /properties/BucketName among them", got)
	}
	if tagging, ok := s.Tagging(); !ok || !tagging.Taggable || tagging.TagProperty != "/properties/Tags" {
		t.Errorf("Tagging = %+v, %v", tagging, ok)
	}
	if got := s.HandlerPermissions("create"); !slices.Contains(got, "s3:CreateBucket") {
		t.Errorf("create permissions = %v, want s3:CreateBucket among them", got)
	}
	if got := s.HandlerPermissions("fly"); got != nil {
		t.Errorf("permissions of an unknown handler = %v", got)
	}
	s.PrimaryIdentifier()[0] = "changed"
	if s.PrimaryIdentifier()[0] == "changed" {
		t.Error("PrimaryIdentifier shares its slice with the caller")
	}

	rds, _ := Lookup("AWS::RDS::DBInstance")
	if got := rds.WriteOnlyProperties(); !slices.Contains(got, "/properties/MasterUserPassword") {
		t.Errorf("WriteOnlyProperties = %v", got)
	}
	if got := rds.DeprecatedProperties(); !slices.Contains(got, "/properties/TdeCredentialArn") {
		t.Errorf("DeprecatedProperties = %v", got)
	}
	if got := rds.ConditionalCreateOnlyProperties(); !slices.Contains(got, "/properties/Engine") {
		t.Errorf("ConditionalCreateOnlyProperties = %v", got)
	}
	if got := rds.PropertyTransform()["/properties/Engine"]; got != "$lowercase(Engine)" {
		t.Errorf("PropertyTransform[/properties/Engine] = %q", got)
	}
	stack, _ := Lookup("AWS::CloudFormation::Stack")
	if got, want := stack.AdditionalIdentifiers(), [][]string{{"/properties/StackName"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("AdditionalIdentifiers = %v, want %v", got, want)
	}
	lambda, _ := Lookup("AWS::Lambda::Function")
	if got, want := lambda.Required(), []string{"Code", "Role"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Required = %v, want %v", got, want)
	}
	if got := lambda.ReplacementStrategy(); got != "create_then_delete" {
		t.Errorf("ReplacementStrategy = %q", got)
	}
	kms, _ := Lookup("AWS::KMS::Key")
	defaults := kms.Defaults()
	if defaults["KeyUsage"] != "ENCRYPT_DECRYPT" || defaults["MultiRegion"] != false || defaults["RotationPeriodInDays"] != int64(365) {
		t.Errorf("Defaults = %v", defaults)
	}
}

func TestAttributes(t *testing.T) {
	cases := []struct {
		typ     string
		has     []string
		hasNot  []string
		listed  []string
		missing []string
	}{
		{"AWS::S3::Bucket",
			[]string{"Arn", "DomainName", "MetadataTableConfiguration.S3TablesDestination.TableArn", "WebsiteURL"},
			[]string{"BucketName", "Tags", "arn", "Arn.Foo", ""},
			[]string{"Arn", "DomainName", "RegionalDomainName"}, nil},
		{"AWS::RDS::DBInstance",
			[]string{"Endpoint.Address", "Endpoint.Port", "DBInstanceArn", "MasterUserSecret.SecretArn"},
			[]string{"Endpoint.Nope", "MasterUserPassword"},
			nil, nil},
		{"AWS::CloudFormation::Stack",
			[]string{"StackId", "Outputs", "Outputs.VpcId"},
			[]string{"TemplateURL", "Outputs.VpcId.Value"},
			nil, nil},
		{"AWS::ServiceCatalog::CloudFormationProvisionedProduct",
			[]string{"Outputs", "Outputs.Endpoint", "Outputs.a.b"},
			[]string{"Outputs.", "ProductName"},
			nil, nil},
		{"AWS::EC2::Subnet",
			[]string{"SubnetId", "AvailabilityZone", "VpcId", "CidrBlock"},
			[]string{"MapPublicIpOnLaunch"},
			nil, nil},
		{"AWS::EC2::TransitGatewayConnectPeer",
			[]string{"ConnectPeerConfiguration.BgpConfigurations"},
			[]string{"ConnectPeerConfiguration.BgpConfigurations.TransitGatewayAddress.X", "ConnectPeerConfiguration.BgpConfigurations."},
			nil, []string{"ConnectPeerConfiguration.BgpConfigurations.*.TransitGatewayAddress"}},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			s, ok := Lookup(tc.typ)
			if !ok {
				t.Fatalf("no schema for %s", tc.typ)
			}
			for _, a := range tc.has {
				if !s.HasAttribute(a) {
					t.Errorf("HasAttribute(%q) = false", a)
				}
			}
			for _, a := range tc.hasNot {
				if s.HasAttribute(a) {
					t.Errorf("HasAttribute(%q) = true", a)
				}
			}
			attrs := s.Attributes()
			for _, a := range tc.listed {
				if !slices.Contains(attrs, a) {
					t.Errorf("Attributes() = %v lacks %q", attrs, a)
				}
			}
			for _, a := range tc.missing {
				if slices.Contains(attrs, a) {
					t.Errorf("Attributes() lists %q", a)
				}
			}
			for _, a := range attrs {
				if strings.Contains(a, "/") || strings.Contains(a, "*") {
					t.Errorf("attribute %q is not in GetAtt's form", a)
				}
			}
		})
	}
}

// TestLegacyAttributesExist holds the hand-written attribute table to the
// schemas: each must name a property the type really has.
func TestLegacyAttributesExist(t *testing.T) {
	for typ, attrs := range legacyAttributes {
		s, ok := Lookup(typ)
		if !ok {
			t.Errorf("%s has legacy attributes but no schema", typ)
			continue
		}
		for _, a := range attrs {
			if s.propertyNode(strings.Split(a, ".")) == nil {
				t.Errorf("%s: legacy attribute %s is not a property", typ, a)
			}
		}
	}
}

func TestInsertionOrder(t *testing.T) {
	cases := []struct {
		typ     string
		pointer string
		want    bool
	}{
		{"AWS::S3::Bucket", "/Tags", false},
		{"AWS::S3::Bucket", "/AnalyticsConfigurations", true},
		{"AWS::S3::Bucket", "/LifecycleConfiguration/Rules", true},
		{"AWS::IAM::Role", "/ManagedPolicyArns", false},
		{"AWS::EC2::SecurityGroup", "/SecurityGroupIngress", false},
		{"AWS::S3::Bucket", "/NoSuchProperty", true},
		{"AWS::S3::Bucket", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.typ+tc.pointer, func(t *testing.T) {
			s, _ := Lookup(tc.typ)
			if got := s.InsertionOrder(tc.pointer); got != tc.want {
				t.Errorf("InsertionOrder(%q) = %v, want %v", tc.pointer, got, tc.want)
			}
		})
	}
}

func TestHasProperty(t *testing.T) {
	tests := []struct {
		typ, name string
		want      bool
	}{
		{"AWS::IAM::Policy", "PolicyDocument", true},
		{"AWS::IAM::Role", "PolicyDocument", false},
		{"AWS::IAM::Role", "Policies", true},
		{"AWS::S3::Bucket", "Arn", true},
		{"AWS::S3::Bucket", "arn", false},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.name, func(t *testing.T) {
			s, ok := Lookup(tt.typ)
			if !ok {
				t.Fatalf("no schema for %s", tt.typ)
			}
			if got := s.HasProperty(tt.name); got != tt.want {
				t.Errorf("HasProperty(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}
