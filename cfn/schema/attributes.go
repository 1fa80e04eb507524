package schema

// legacyAttributes are Fn::GetAtt attributes that CloudFormation documents
// for older resource types although their registry schemas do not mark the
// property read-only. Without them a valid template would be reported as
// reading an attribute that does not exist. Each is a property the schema
// names (a test holds them to that).
var legacyAttributes = map[string][]string{
	"AWS::EC2::Instance":                        {"AvailabilityZone"},
	"AWS::EC2::Subnet":                          {"AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "OutpostArn", "VpcId"},
	"AWS::EC2::VPC":                             {"CidrBlock"},
	"AWS::EC2::SecurityGroup":                   {"VpcId"},
	"AWS::SNS::Topic":                           {"TopicName"},
	"AWS::SQS::Queue":                           {"QueueName"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer": {"SecurityGroups"},
}
