package cfn

import (
	"strings"

	"qualstate"
)

// Defaults for the pseudo parameters a caller does not set.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
	DefaultStackName = "qualstate-stack"
)

// pseudoParams are the parameters CloudFormation defines for every stack.
var pseudoParams = map[string]bool{
	"AWS::AccountId":        true,
	"AWS::NotificationARNs": true,
	"AWS::NoValue":          true,
	"AWS::Partition":        true,
	"AWS::Region":           true,
	"AWS::StackId":          true,
	"AWS::StackName":        true,
	"AWS::URLSuffix":        true,
}

func isPseudo(name string) bool { return pseudoParams[name] }

// Partition returns the AWS partition a region belongs to (aws, aws-cn,
// aws-us-gov, the isolated partitions).
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	}
	return "aws"
}

// URLSuffix returns the domain suffix of a partition's endpoints
// (amazonaws.com, amazonaws.com.cn, …).
func URLSuffix(partition string) string {
	switch partition {
	case "aws-cn":
		return "amazonaws.com.cn"
	case "aws-iso":
		return "c2s.ic.gov"
	case "aws-iso-b":
		return "sc2s.sgov.gov"
	case "aws-iso-e":
		return "cloud.adc-e.uk"
	case "aws-iso-f":
		return "csp.hci.ic.gov"
	}
	return "amazonaws.com"
}

// pseudo returns a pseudo parameter's value. AWS::StackId and
// AWS::NotificationARNs exist only once a stack does: a Resolver may supply
// them, else they are unknown.
func (r *resolver) pseudo(name string, at qualstate.Location) any {
	switch name {
	case "AWS::Region":
		return r.region
	case "AWS::AccountId":
		return r.account
	case "AWS::Partition":
		return Partition(r.region)
	case "AWS::URLSuffix":
		return URLSuffix(Partition(r.region))
	case "AWS::StackName":
		return r.stackName
	case "AWS::NoValue":
		return noValue{}
	}
	if r.opts.Resolver != nil {
		if v, ok := r.opts.Resolver.Ref(name); ok {
			return v
		}
	}
	return &qualstate.Unknown{Reason: "!Ref " + name, Loc: at}
}

// availabilityZones lists, for a few regions, the zones Fn::GetAZs returns
// in accounts that have not opted out of any; elsewhere the answer depends
// on the account and is unknown.
var availabilityZones = map[string][]string{
	"us-east-1":      {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"},
	"us-east-2":      {"us-east-2a", "us-east-2b", "us-east-2c"},
	"us-west-2":      {"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"},
	"eu-west-1":      {"eu-west-1a", "eu-west-1b", "eu-west-1c"},
	"eu-central-1":   {"eu-central-1a", "eu-central-1b", "eu-central-1c"},
	"ap-southeast-2": {"ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"},
}
