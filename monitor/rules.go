package monitor

import (
	"fmt"
	"slices"
	"strings"

	"qualstate/drift"
)

// RuleKind says how a normalisation rule changes the comparison of a
// property with its baseline.
type RuleKind string

// Kinds of normalisation rule.
const (
	// RuleVolatile: the service changes the value on its own at run time;
	// it is compared on neither side.
	RuleVolatile RuleKind = "volatile"
	// RuleSystemTags: tags whose key starts with "aws:" are AWS's own
	// (CloudFormation adds aws:cloudformation:stack-name and others); they
	// are dropped from both sides before the tags are compared.
	RuleSystemTags RuleKind = "system-tags"
	// RuleDefault: a property the baseline does not have is not drift when
	// its live value is the service's default (Value): the service started
	// returning it after the baseline was read.
	RuleDefault RuleKind = "default"
	// RuleMinorVersion: while the baseline's When property is true, the
	// service upgrades minor versions itself, so versions that agree up to
	// their last dot ("16.3" and "16.4", "8.0.35" and "8.0.36") are equal.
	RuleMinorVersion RuleKind = "minor-version"
)

// Rule is one normalisation rule: something a resource type's schema does
// not say about a property but the service is known to do, so that the
// comparison with the baseline reports changes people made and not what the
// service does by itself.
type Rule struct {
	// Type is the resource type, or "*" for every type.
	Type string
	Kind RuleKind
	// Path is the JSON pointer of the property; "*" stands for every item
	// of an array.
	Path string
	// Value is the service's default, for RuleDefault. An object default
	// matches a live object that has at least its members.
	Value any
	// When names the top-level boolean property of the baseline that
	// enables RuleMinorVersion.
	When string
	// Reason says why the rule is right, for the people who review it.
	Reason string
}

// rules is the table of normalisation rules. docs/monitoring-rules.md lists
// it; a test keeps the two in agreement and checks every path against the
// type's schema.
var rules = []Rule{
	{Type: "*", Kind: RuleSystemTags, Path: "/Tags",
		Reason: "AWS adds tags whose keys start with aws: itself (aws:cloudformation:stack-name, aws:cloudformation:logical-id, aws:cloudformation:stack-id, aws:ec2launchtemplate:id …); nobody can write or change them, and whether Cloud Control returns them varies by type."},

	{Type: "AWS::AutoScaling::AutoScalingGroup", Kind: RuleVolatile, Path: "/DesiredCapacity",
		Reason: "Scaling policies, scheduled actions and instance refreshes set the desired capacity at run time; MinSize and MaxSize, which bound it, are still compared."},
	{Type: "AWS::ECS::Service", Kind: RuleVolatile, Path: "/DesiredCount",
		Reason: "Service Auto Scaling sets the desired task count at run time."},
	{Type: "AWS::DynamoDB::Table", Kind: RuleVolatile, Path: "/ProvisionedThroughput",
		Reason: "Application Auto Scaling changes the read and write capacity of a provisioned table at run time; BillingMode is still compared."},
	{Type: "AWS::DynamoDB::Table", Kind: RuleVolatile, Path: "/GlobalSecondaryIndexes/*/ProvisionedThroughput",
		Reason: "Application Auto Scaling changes the capacity of global secondary indexes too; the indexes themselves are still compared."},
	{Type: "AWS::DynamoDB::Table", Kind: RuleVolatile, Path: "/WarmThroughput",
		Reason: "DynamoDB raises a table's warm throughput by itself as its traffic grows."},
	{Type: "AWS::DynamoDB::Table", Kind: RuleDefault, Path: "/TableClass", Value: "STANDARD",
		Reason: "Tables created before table classes existed read back as STANDARD."},
	{Type: "AWS::DynamoDB::Table", Kind: RuleDefault, Path: "/DeletionProtectionEnabled", Value: false,
		Reason: "Deletion protection was added in 2023; tables read back false unless it was turned on."},

	{Type: "AWS::RDS::DBInstance", Kind: RuleMinorVersion, Path: "/EngineVersion", When: "AutoMinorVersionUpgrade",
		Reason: "With AutoMinorVersionUpgrade on, RDS applies minor engine versions in the maintenance window; a new major version is still drift."},
	{Type: "AWS::RDS::DBCluster", Kind: RuleMinorVersion, Path: "/EngineVersion", When: "AutoMinorVersionUpgrade",
		Reason: "With AutoMinorVersionUpgrade on, Aurora applies minor engine versions in the maintenance window; a new major version is still drift."},
	{Type: "AWS::RDS::DBInstance", Kind: RuleDefault, Path: "/NetworkType", Value: "IPV4",
		Reason: "Instances created before dual-stack networking read back as IPV4."},
	{Type: "AWS::RDS::DBCluster", Kind: RuleDefault, Path: "/NetworkType", Value: "IPV4",
		Reason: "Clusters created before dual-stack networking read back as IPV4."},
	{Type: "AWS::ElastiCache::CacheCluster", Kind: RuleMinorVersion, Path: "/EngineVersion", When: "AutoMinorVersionUpgrade",
		Reason: "With AutoMinorVersionUpgrade on, ElastiCache applies minor engine versions itself; a new major version is still drift."},

	{Type: "AWS::Lambda::Function", Kind: RuleDefault, Path: "/Architectures", Value: []any{"x86_64"},
		Reason: "Functions created before a choice of architecture existed read back as x86_64."},
	{Type: "AWS::Lambda::Function", Kind: RuleDefault, Path: "/EphemeralStorage", Value: map[string]any{"Size": int64(512)},
		Reason: "Functions created before configurable ephemeral storage read back with the 512 MB default."},
	{Type: "AWS::Lambda::Function", Kind: RuleDefault, Path: "/LoggingConfig", Value: map[string]any{"LogFormat": "Text"},
		Reason: "Functions created before advanced logging controls read back with plain-text logs to /aws/lambda/NAME."},
	{Type: "AWS::Lambda::Function", Kind: RuleDefault, Path: "/RuntimeManagementConfig", Value: map[string]any{"UpdateRuntimeOn": "Auto"},
		Reason: "Functions created before runtime management controls read back with automatic runtime updates, which was the only behaviour before."},

	{Type: "AWS::Logs::LogGroup", Kind: RuleDefault, Path: "/LogGroupClass", Value: "STANDARD",
		Reason: "Log groups created before log classes existed read back as STANDARD."},
	{Type: "AWS::SQS::Queue", Kind: RuleDefault, Path: "/SqsManagedSseEnabled", Value: true,
		Reason: "SQS encrypts queues with SQS-owned keys by default since 2022; queues read back true unless it was turned off."},

	{Type: "AWS::EC2::Subnet", Kind: RuleDefault, Path: "/EnableDns64", Value: false,
		Reason: "Subnets created before DNS64 existed read back false."},
	{Type: "AWS::EC2::Subnet", Kind: RuleDefault, Path: "/Ipv6Native", Value: false,
		Reason: "Subnets created before IPv6-only subnets existed read back false."},
	{Type: "AWS::EC2::Subnet", Kind: RuleDefault, Path: "/PrivateDnsNameOptionsOnLaunch", Value: map[string]any{"HostnameType": "ip-name"},
		Reason: "Subnets created before resource-based hostnames read back with IP-based names, the only kind there was."},
}

// Rules returns the normalisation rules, by type ("*" first) and path.
func Rules() []Rule {
	out := slices.Clone(rules)
	slices.SortStableFunc(out, func(a, b Rule) int {
		if a.Type != b.Type {
			if a.Type == "*" || b.Type == "*" {
				return boolOrder(a.Type == "*", b.Type == "*")
			}
			return strings.Compare(a.Type, b.Type)
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// RulesMarkdown renders the normalisation rules as docs/monitoring-rules.md
// has them.
func RulesMarkdown() string {
	var b strings.Builder
	b.WriteString(rulesPreamble)
	typ := ""
	for _, r := range Rules() {
		if r.Type != typ {
			typ = r.Type
			title := typ
			if typ == "*" {
				title = "Every type"
			}
			fmt.Fprintf(&b, "\n## %s\n\n| Property | Rule | Why |\n|---|---|---|\n", title)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Path, ruleText(r), strings.ReplaceAll(r.Reason, "|", `\|`))
	}
	return b.String()
}

// ruleText says what a rule does, in a table cell.
func ruleText(r Rule) string {
	switch r.Kind {
	case RuleVolatile:
		return "volatile: not compared"
	case RuleSystemTags:
		return "tags with keys starting aws: are not compared"
	case RuleDefault:
		return "service default `" + drift.Text(r.Value) + "`: not drift when the baseline has no value"
	case RuleMinorVersion:
		return "minor versions equal while `" + r.When + "` is true in the baseline"
	}
	return string(r.Kind)
}

const rulesPreamble = `# Monitoring: how live state is compared with the baseline

<!-- Generated from monitor/rules.go by ` + "`go test ./monitor -run TestRulesDoc -update`" + `; do not edit. -->

Continuous monitoring compares each resource's live model, read through the Cloud Control API, with the
baseline recorded when the instance was registered: every property, in both directions. A property that
changed, appeared or disappeared is drift, one deviation per resource and top-level property.

These rules hold for every type, from its provider schema:

- **Read-only properties** (the schema's ` + "`readOnlyProperties`" + `: ARNs, ids, endpoints, status, creation and
  restore times) are set by the service and are not compared, at any depth.
- **Write-only properties** (the schema's ` + "`writeOnlyProperties`" + `: passwords, code, secrets) are never
  returned by a read and are not compared.
- **Unordered arrays** (` + "`insertionOrder: false`" + `) are compared as sets: the same items in another order are
  equal.
- **Number and string forms** of a value are equal (` + "`30`" + ` and ` + "`\"30\"`" + `), as CloudFormation reads them.
- **Empty and absent** are equal: an empty array or object, null, and no value at all.

The rules below add what no schema says: values the service changes on its own at run time, tags AWS
manages, and defaults the service started returning after a baseline was read. A default only applies
when the baseline has no value and the live value is the default; any other value is drift.
`
