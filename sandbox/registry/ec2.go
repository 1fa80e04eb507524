package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"qualstate/jsonpatch"
)

var ec2VPC = &spec{
	service: "ec2",
	check: func(m map[string]any) problems {
		var ps problems
		if !has(m, "CidrBlock") && !has(m, "Ipv4IpamPoolId") {
			ps.add("one of CidrBlock or Ipv4IpamPoolId is required")
		}
		ps.exclusive(m, "CidrBlock", "Ipv4IpamPoolId")
		ps.cidr4(m, 16, 28, "CidrBlock")
		ps.enum(m, []string{"InstanceTenancy"}, "default", "dedicated")
		if boolean(m, "EnableDnsHostnames") && has(m, "EnableDnsSupport") && !boolean(m, "EnableDnsSupport") {
			ps.add("DNS hostnames need DNS support: EnableDnsHostnames requires EnableDnsSupport: true", "EnableDnsHostnames")
		}
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, true, "EnableDnsSupport")
		setDefault(m, false, "EnableDnsHostnames")
		setDefault(m, "default", "InstanceTenancy")
	},
	chosen: []string{"CidrBlock"},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.ec2ID("vpc"), "VpcId")
		if !has(m, "CidrBlock") {
			bits, ok := integer(m, "Ipv4NetmaskLength")
			if !ok {
				bits = 16
			}
			m["CidrBlock"] = fmt.Sprintf("10.%d.0.0/%d", g.bytes(1)[0], max(bits, 16))
		}
		setDefault(m, []any{g.ec2ID("vpc-cidr-assoc")}, "CidrBlockAssociations")
		setDefault(m, g.ec2ID("acl"), "DefaultNetworkAcl")
		setDefault(m, g.ec2ID("sg"), "DefaultSecurityGroup")
		setDefault(m, []any{}, "Ipv6CidrBlocks")
		if ctl := object(m, "VpcEncryptionControl"); ctl != nil {
			setDefault(ctl, str(m, "VpcId"), "VpcId")
			setDefault(ctl, g.ec2ID("vpcec"), "VpcEncryptionControlId")
			setDefault(ctl, "available", "State")
			setDefault(ctl, "", "StateMessage")
			excl := map[string]any{}
			for _, kind := range []string{"InternetGateway", "EgressOnlyInternetGateway", "NatGateway", "VirtualPrivateGateway", "VpcPeering", "Lambda", "VpcLattice", "ElasticFileSystem"} {
				state := "disabled"
				if str(ctl, kind+"Exclusion") == "enable" {
					state = "enabled"
				}
				excl[kind] = map[string]any{"State": state, "StateMessage": ""}
			}
			setDefault(ctl, excl, "ResourceExclusions")
		}
	},
}

var ec2Subnet = &spec{
	service: "ec2",
	chosen:  []string{"AvailabilityZone", "AvailabilityZoneId", "CidrBlock"},
	conditional: map[string]func(map[string]any) bool{
		"OutpostArn": func(m map[string]any) bool { return has(m, "OutpostArn") },
		"CidrBlock":  func(m map[string]any) bool { return !boolean(m, "Ipv6Native") },
	},
	check: func(m map[string]any) problems {
		var ps problems
		ps.exclusive(m, "CidrBlock", "Ipv4IpamPoolId")
		ps.cidr4(m, 16, 28, "CidrBlock")
		if boolean(m, "Ipv6Native") {
			if has(m, "CidrBlock") {
				ps.add("an IPv6-only subnet has no IPv4 CIDR block", "CidrBlock")
			}
			if !has(m, "Ipv6CidrBlock") && !has(m, "Ipv6IpamPoolId") {
				ps.add("an IPv6-only subnet needs Ipv6CidrBlock or Ipv6IpamPoolId", "Ipv6Native")
			}
		} else if !has(m, "CidrBlock") && !has(m, "Ipv4IpamPoolId") {
			ps.add("one of CidrBlock or Ipv4IpamPoolId is required")
		}
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		setDefault(m, false, "MapPublicIpOnLaunch")
		setDefault(m, false, "AssignIpv6AddressOnCreation")
		setDefault(m, false, "EnableDns64")
		setDefault(m, false, "Ipv6Native")
		setDefault(m, map[string]any{
			"HostnameType":                    "ip-name",
			"EnableResourceNameDnsARecord":    false,
			"EnableResourceNameDnsAAAARecord": false,
		}, "PrivateDnsNameOptionsOnLaunch")
		switch {
		case has(m, "AvailabilityZone") && has(m, "AvailabilityZoneId"):
		case has(m, "AvailabilityZone"):
			m["AvailabilityZoneId"] = zoneIDOf(e, str(m, "AvailabilityZone"))
		case has(m, "AvailabilityZoneId"):
			id := str(m, "AvailabilityZoneId")
			m["AvailabilityZone"] = e.Region + string(rune('a'+zoneNumber(id)-1))
		case e.Region != "":
			m["AvailabilityZone"], m["AvailabilityZoneId"] = e.zone(), e.zoneID()
		}
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.ec2ID("subnet"), "SubnetId")
		setDefault(m, g.ec2ID("aclassoc"), "NetworkAclAssociationId")
		if !has(m, "CidrBlock") {
			m["CidrBlock"] = fmt.Sprintf("10.0.%d.0/24", g.bytes(1)[0])
		}
		v6 := []any{}
		if b := str(m, "Ipv6CidrBlock"); b != "" {
			v6 = append(v6, b)
		}
		setDefault(m, v6, "Ipv6CidrBlocks")
		setDefault(m, map[string]any{"InternetGatewayBlockMode": "off"}, "BlockPublicAccessStates")
	},
}

// zoneIDOf gives the id of a zone named by letter ("us-east-1b" is
// "use1-az2"): accounts see zones under shuffled letters, so any fixed
// mapping is as true as another.
func zoneIDOf(e Env, zone string) string {
	id := e.zoneID()
	if zone == "" {
		return id
	}
	n := int(zone[len(zone)-1]-'a') + 1
	return strings.TrimSuffix(id, "1") + strconv.Itoa(max(n, 1))
}

func zoneNumber(id string) int {
	n, err := strconv.Atoi(id[strings.LastIndex(id, "az")+2:])
	if err != nil || n < 1 || n > 26 {
		return 1
	}
	return n
}

var ec2SecurityGroup = &spec{
	service: "ec2",
	name:    &nameRule{prop: "GroupName", max: 255},
	chosen:  []string{"VpcId"},
	check: func(m map[string]any) problems {
		var ps problems
		if d := str(m, "GroupDescription"); len(d) > 255 {
			ps.add("must be at most 255 characters", "GroupDescription")
		}
		if n := str(m, "GroupName"); strings.HasPrefix(strings.ToLower(n), "sg-") || len(n) > 255 {
			ps.addf([]string{"GroupName"}, "group names must be at most 255 characters and not begin with sg-; got %q", n)
		}
		for i, r := range list(m, "SecurityGroupIngress") {
			rule, _ := r.(map[string]any)
			path := []string{"SecurityGroupIngress", strconv.Itoa(i)}
			ps.oneRequired(m, path, "CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourcePrefixListId")
			ps.portRules(rule, path)
		}
		for i, r := range list(m, "SecurityGroupEgress") {
			rule, _ := r.(map[string]any)
			path := []string{"SecurityGroupEgress", strconv.Itoa(i)}
			ps.oneRequired(m, path, "CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId")
			ps.portRules(rule, path)
		}
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		setDefault(m, e.defaultVPC(), "VpcId")
		// A group the template gives no egress rules keeps the rule
		// every new group starts with: all traffic out.
		if len(list(m, "SecurityGroupEgress")) == 0 {
			m["SecurityGroupEgress"] = []any{map[string]any{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}}
		}
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.ec2ID("sg"), "GroupId")
		setDefault(m, str(m, "GroupId"), "Id")
	},
}

var ec2SecurityGroupIngress = &spec{
	service: "ec2",
	check: func(m map[string]any) problems {
		var ps problems
		ps.oneRequired(m, nil, "GroupId", "GroupName")
		ps.oneRequired(m, nil, "CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourcePrefixListId")
		ps.portRules(m, nil)
		return ps
	},
	generate: func(g *gen, m map[string]any) { setDefault(m, g.ec2ID("sgr"), "Id") },
}

var ec2SecurityGroupEgress = &spec{
	service: "ec2",
	check: func(m map[string]any) problems {
		var ps problems
		ps.oneRequired(m, nil, "CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId")
		ps.portRules(m, nil)
		return ps
	},
	generate: func(g *gen, m map[string]any) { setDefault(m, g.ec2ID("sgr"), "Id") },
}

var ec2Instance = &spec{
	service: "ec2",
	chosen:  []string{"AvailabilityZone"},
	check: func(m map[string]any) problems {
		var ps problems
		if !has(m, "ImageId") && !has(m, "LaunchTemplate") {
			ps.add("one of ImageId or LaunchTemplate is required")
		}
		if has(m, "SecurityGroups") && has(m, "SubnetId") {
			ps.add("security group names only work in the default VPC; use SecurityGroupIds with SubnetId", "SecurityGroups")
		}
		if has(m, "NetworkInterfaces") {
			for _, p := range []string{"SubnetId", "SecurityGroupIds", "PrivateIpAddress"} {
				if has(m, p) {
					ps.addf([]string{p}, "%s cannot be given with NetworkInterfaces; set it on the network interface", p)
				}
			}
		}
		ps.enum(m, []string{"InstanceInitiatedShutdownBehavior"}, "stop", "terminate")
		ps.enum(m, []string{"Tenancy"}, "default", "dedicated", "host")
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		setDefault(m, "m1.small", "InstanceType")
		setDefault(m, "default", "Tenancy")
		setDefault(m, false, "Monitoring")
		setDefault(m, false, "EbsOptimized")
		setDefault(m, true, "SourceDestCheck")
		setDefault(m, false, "DisableApiTermination")
		setDefault(m, "stop", "InstanceInitiatedShutdownBehavior")
		if e.Region != "" {
			setDefault(m, e.zone(), "AvailabilityZone")
		}
		// Without an AMI that asks otherwise, IMDSv1 stays on.
		setDefault(m, map[string]any{}, "MetadataOptions")
		for k, v := range map[string]any{
			"HttpEndpoint": "enabled", "HttpTokens": "optional", "HttpPutResponseHopLimit": int64(1),
			"HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled",
		} {
			setDefault(m, v, "MetadataOptions", k)
		}
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.ec2ID("i"), "InstanceId")
		subnet := str(m, "SubnetId")
		if nics := list(m, "NetworkInterfaces"); len(nics) > 0 {
			nic, _ := nics[0].(map[string]any)
			subnet = str(nic, "SubnetId")
		}
		ip := str(m, "PrivateIpAddress")
		switch {
		case ip != "":
		case subnet == "":
			ip = fmt.Sprintf("172.31.%d.%d", g.bytes(1)[0]%255, 4+g.bytes(1)[0]%250)
		default:
			ip = fmt.Sprintf("10.0.%d.%d", g.bytes(1)[0]%255, 4+g.bytes(1)[0]%250)
		}
		setDefault(m, ip, "PrivateIp")
		setDefault(m, ec2Hostname(g.env, "ip-", str(m, "PrivateIp"), true), "PrivateDnsName")
		public := fmt.Sprintf("3.%d.%d.%d", 80+g.bytes(1)[0]%160, g.bytes(1)[0], 1+g.bytes(1)[0]%254)
		setDefault(m, public, "PublicIp")
		setDefault(m, ec2Hostname(g.env, "ec2-", str(m, "PublicIp"), false), "PublicDnsName")
		vpc := g.env.defaultVPC()
		if subnet != "" {
			// The subnet's VPC is another resource's business; one
			// derived from the subnet is at least the same for every
			// instance in it.
			sum := sha256.Sum256([]byte(subnet))
			vpc = "vpc-0" + hex.EncodeToString(sum[:])[:16]
		}
		setDefault(m, vpc, "VpcId")
		setDefault(m, map[string]any{"Code": "16", "Name": "running"}, "State")
	},
}

// ec2Hostname is EC2's DNS name for an address: ip-10-0-0-5.ec2.internal
// inside, ec2-3-80-1-2.compute-1.amazonaws.com outside (us-east-1 has
// names of its own).
func ec2Hostname(e Env, prefix, ip string, private bool) string {
	host := prefix + strings.ReplaceAll(ip, ".", "-")
	switch {
	case private && e.Region == "us-east-1":
		return host + ".ec2.internal"
	case private:
		return host + "." + e.Region + ".compute.internal"
	case e.Region == "us-east-1":
		return host + ".compute-1." + e.dnsSuffix()
	}
	return host + "." + e.Region + ".compute." + e.dnsSuffix()
}

var ec2Volume = &spec{
	service: "ec2",
	check: func(m map[string]any) problems {
		var ps problems
		ps.oneRequired(m, nil, "AvailabilityZone", "AvailabilityZoneId")
		ps.exclusive(m, "AvailabilityZone", "AvailabilityZoneId")
		ps.oneRequired(m, nil, "Size", "SnapshotId")
		ps.enum(m, []string{"VolumeType"}, "standard", "io1", "io2", "gp2", "gp3", "sc1", "st1")
		kind := str(m, "VolumeType")
		if (kind == "io1" || kind == "io2") && !has(m, "Iops") {
			ps.addf([]string{"Iops"}, "a %s volume needs Iops", kind)
		}
		if has(m, "Throughput") && kind != "gp3" {
			ps.add("only gp3 volumes take a throughput", "Throughput")
		}
		limits := map[string][2]int64{"gp2": {1, 16384}, "gp3": {1, 65536}, "io1": {4, 16384}, "io2": {4, 65536}, "st1": {125, 16384}, "sc1": {125, 16384}, "standard": {1, 1024}, "": {1, 16384}}
		if l, ok := limits[kind]; ok {
			ps.between(m, l[0], l[1], "Size")
		}
		if has(m, "KmsKeyId") && !boolean(m, "Encrypted") {
			ps.add("KmsKeyId requires Encrypted: true", "KmsKeyId")
		}
		return ps
	},
	defaults: func(e Env, m map[string]any) {
		setDefault(m, false, "Encrypted")
		setDefault(m, "gp2", "VolumeType")
		setDefault(m, false, "MultiAttachEnabled")
		setDefault(m, false, "AutoEnableIO")
		if boolean(m, "Encrypted") {
			setDefault(m, e.managedKey("aws/ebs"), "KmsKeyId")
		}
		size, ok := integer(m, "Size")
		if !ok {
			// A volume from a snapshot is the snapshot's size; 8 GiB
			// is the size of the usual root volume snapshot.
			size = 8
			m["Size"] = size
		}
		switch str(m, "VolumeType") {
		case "gp2":
			setDefault(m, min(max(3*size, 100), 16000), "Iops")
		case "gp3":
			setDefault(m, int64(3000), "Iops")
			setDefault(m, int64(125), "Throughput")
		}
	},
	generate: func(g *gen, m map[string]any) { setDefault(m, g.ec2ID("vol"), "VolumeId") },
}

var launchTemplateName = regexp.MustCompile(`^[a-zA-Z0-9().\-/_]{3,128}$`)

var ec2LaunchTemplate = &spec{
	service: "ec2",
	name:    &nameRule{prop: "LaunchTemplateName", max: 128},
	check: func(m map[string]any) problems {
		var ps problems
		ps.named(m, "LaunchTemplateName", launchTemplateName, "launch template names are 3 to 128 letters, digits and ().-/_")
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.ec2ID("lt"), "LaunchTemplateId")
		setDefault(m, "1", "LatestVersionNumber")
		setDefault(m, "1", "DefaultVersionNumber")
	},
	update: func(_ *gen, current, next map[string]any) {
		// CloudFormation makes changed launch template data a new
		// version, and that version the default.
		if !jsonpatch.Equal(current["LaunchTemplateData"], next["LaunchTemplateData"]) {
			n, _ := strconv.Atoi(str(current, "LatestVersionNumber"))
			next["LatestVersionNumber"] = strconv.Itoa(n + 1)
			next["DefaultVersionNumber"] = strconv.Itoa(n + 1)
		}
	},
}

var ec2FlowLog = &spec{
	service: "ec2",
	check: func(m map[string]any) problems {
		var ps problems
		dest := str(m, "LogDestinationType")
		if dest == "" {
			dest = "cloud-watch-logs"
		}
		switch dest {
		case "cloud-watch-logs":
			ps.oneRequired(m, nil, "LogGroupName", "LogDestination")
			if !has(m, "DeliverLogsPermissionArn") {
				ps.add("flow logs to CloudWatch Logs need DeliverLogsPermissionArn", "DeliverLogsPermissionArn")
			}
		default:
			if !has(m, "LogDestination") {
				ps.addf([]string{"LogDestination"}, "flow logs to %s need LogDestination", dest)
			}
			if has(m, "LogGroupName") {
				ps.addf([]string{"LogGroupName"}, "LogGroupName only applies to flow logs to CloudWatch Logs, not %s", dest)
			}
		}
		if !strings.HasPrefix(str(m, "ResourceType"), "TransitGateway") && !has(m, "TrafficType") {
			ps.add("TrafficType is required for flow logs of a VPC, subnet or network interface", "TrafficType")
		}
		if n, ok := integer(m, "MaxAggregationInterval"); ok && n != 60 && n != 600 {
			ps.addf([]string{"MaxAggregationInterval"}, "must be 60 or 600; got %d", n)
		}
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, "cloud-watch-logs", "LogDestinationType")
		setDefault(m, int64(600), "MaxAggregationInterval")
		setDefault(m, "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}", "LogFormat")
	},
	generate: func(g *gen, m map[string]any) { setDefault(m, g.ec2ID("fl"), "Id") },
}

var ec2InternetGateway = &spec{
	service:  "ec2",
	generate: func(g *gen, m map[string]any) { setDefault(m, g.ec2ID("igw"), "InternetGatewayId") },
}

var ec2VPCGatewayAttachment = &spec{
	service: "ec2",
	check: func(m map[string]any) problems {
		var ps problems
		ps.oneRequired(m, nil, "InternetGatewayId", "VpnGatewayId")
		ps.exclusive(m, "InternetGatewayId", "VpnGatewayId")
		return ps
	},
	generate: func(_ *gen, m map[string]any) {
		kind := "IGW"
		if has(m, "VpnGatewayId") {
			kind = "VGW"
		}
		setDefault(m, kind, "AttachmentType")
	},
}

var ec2RouteTable = &spec{
	service:  "ec2",
	generate: func(g *gen, m map[string]any) { setDefault(m, g.ec2ID("rtb"), "RouteTableId") },
}

// routeTargets are the properties naming where a route sends traffic.
var routeTargets = []string{
	"CarrierGatewayId", "CoreNetworkArn", "EgressOnlyInternetGatewayId", "GatewayId", "InstanceId",
	"LocalGatewayId", "NatGatewayId", "NetworkInterfaceId", "OdbNetworkArn", "TransitGatewayId",
	"VpcEndpointId", "VpcPeeringConnectionId",
}

var ec2Route = &spec{
	service: "ec2",
	check: func(m map[string]any) problems {
		var ps problems
		ps.oneRequired(m, nil, "DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
		ps.exclusive(m, "DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
		ps.cidr4(m, 0, 32, "DestinationCidrBlock")
		ps.oneRequired(m, nil, routeTargets...)
		ps.exclusive(m, routeTargets...)
		return ps
	},
	generate: func(_ *gen, m map[string]any) {
		for _, p := range []string{"DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"} {
			if s := str(m, p); s != "" {
				setDefault(m, s, "CidrBlock")
			}
		}
	},
}

var ec2SubnetRouteTableAssociation = &spec{
	service:  "ec2",
	generate: func(g *gen, m map[string]any) { setDefault(m, g.ec2ID("rtbassoc"), "Id") },
}

var ec2NetworkACL = &spec{
	service:  "ec2",
	generate: func(g *gen, m map[string]any) { setDefault(m, g.ec2ID("acl"), "Id") },
}

var ec2NetworkACLEntry = &spec{
	service: "ec2",
	check: func(m map[string]any) problems {
		var ps problems
		ps.oneRequired(m, nil, "CidrBlock", "Ipv6CidrBlock")
		ps.exclusive(m, "CidrBlock", "Ipv6CidrBlock")
		ps.between(m, 1, 32766, "RuleNumber")
		ps.cidr4(m, 0, 32, "CidrBlock")
		switch p, _ := integer(m, "Protocol"); p {
		case 6, 17:
			if !has(m, "PortRange") {
				ps.add("TCP and UDP entries need PortRange", "PortRange")
			}
		case 1:
			if !has(m, "Icmp") {
				ps.add("ICMP entries need Icmp", "Icmp")
			}
		}
		return ps
	},
	defaults: func(_ Env, m map[string]any) { setDefault(m, false, "Egress") },
	generate: func(g *gen, m map[string]any) {
		// CloudFormation names the entry; EC2 has no id for it.
		setDefault(m, g.name(nameRule{max: 128}, m), "Id")
	},
}
