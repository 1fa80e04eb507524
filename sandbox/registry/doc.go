// Package registry knows the resource types the sandbox provisions: what
// each is, how a simulated resource of the type is created and updated in
// memory, and what Ref and Fn::GetAtt give for it.
//
// Everything a type's provider schema says is taken from the schema
// (qualstate/cfn/schema): the primary identifier, the read-only,
// write-only and create-only properties, validation with its enums,
// patterns and limits, and the schema's defaults. What no schema says is
// written here per type: the defaults the service applies to what a
// template leaves out (so the model reads like Cloud Control's GetResource
// on AWS, where compliance checks look), the formats of generated ids,
// names and ARNs, naming rules, and rules that tie properties together.
//
// A model is a resource's properties as JSON values in Go: string, bool,
// nil, int64, float64, []any and map[string]any, coerced so that integers
// are int64. Write-only properties stay in the model; Public removes them.
//
// Supported types, by service (endpoint prefix):
//
//	s3                    AWS::S3::Bucket, AWS::S3::BucketPolicy
//	kms                   AWS::KMS::Key, AWS::KMS::Alias
//	iam                   AWS::IAM::Role, AWS::IAM::Policy, AWS::IAM::ManagedPolicy,
//	                      AWS::IAM::InstanceProfile, AWS::IAM::User, AWS::IAM::Group
//	ec2                   AWS::EC2::VPC, AWS::EC2::Subnet, AWS::EC2::SecurityGroup,
//	                      AWS::EC2::SecurityGroupIngress, AWS::EC2::SecurityGroupEgress,
//	                      AWS::EC2::Instance, AWS::EC2::Volume, AWS::EC2::LaunchTemplate,
//	                      AWS::EC2::FlowLog, AWS::EC2::InternetGateway,
//	                      AWS::EC2::VPCGatewayAttachment, AWS::EC2::RouteTable, AWS::EC2::Route,
//	                      AWS::EC2::SubnetRouteTableAssociation, AWS::EC2::NetworkAcl,
//	                      AWS::EC2::NetworkAclEntry
//	rds                   AWS::RDS::DBInstance, AWS::RDS::DBSubnetGroup, AWS::RDS::DBCluster
//	dynamodb              AWS::DynamoDB::Table
//	logs                  AWS::Logs::LogGroup
//	cloudtrail            AWS::CloudTrail::Trail
//	config                AWS::Config::ConfigurationRecorder, AWS::Config::DeliveryChannel,
//	                      AWS::Config::ConfigRule
//	sns                   AWS::SNS::Topic, AWS::SNS::TopicPolicy
//	sqs                   AWS::SQS::Queue, AWS::SQS::QueuePolicy
//	lambda                AWS::Lambda::Function, AWS::Lambda::Permission
//	secretsmanager        AWS::SecretsManager::Secret, AWS::SecretsManager::RotationSchedule
//	elasticfilesystem     AWS::EFS::FileSystem, AWS::EFS::AccessPoint
//	elasticloadbalancing  AWS::ElasticLoadBalancingV2::LoadBalancer,
//	                      AWS::ElasticLoadBalancingV2::Listener,
//	                      AWS::ElasticLoadBalancingV2::TargetGroup
//	backup                AWS::Backup::BackupVault, AWS::Backup::BackupPlan,
//	                      AWS::Backup::BackupSelection
//	monitoring            AWS::CloudWatch::Alarm
//
// AWS::IAM::Policy, AWS::EC2::NetworkAclEntry, AWS::Config::ConfigurationRecorder,
// AWS::Config::DeliveryChannel, AWS::SNS::TopicPolicy and AWS::SQS::QueuePolicy
// have no handlers in their schemas: CloudFormation provisions them, Cloud
// Control does not (Type.CloudControl).
package registry
