package registry

import (
	"regexp"
	"strconv"
	"strings"
)

var elbName = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)

// Route 53 zones of load balancers' DNS names by region.
var (
	albHostedZones = map[string]string{
		"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
		"us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2", "eu-central-1": "Z215JYRZR1TBD5",
		"ap-southeast-1": "Z1LMS91P8CMLE5", "ap-northeast-1": "Z14GRHDCWA56QT",
	}
	nlbHostedZones = map[string]string{
		"us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP", "us-west-2": "Z18D5FSROUN65G",
		"eu-west-1": "Z2IFOLAFXWLO4F", "eu-central-1": "Z3F0SRJ5LGBH90",
	}
)

// checkELBName applies Elastic Load Balancing's naming rule.
func checkELBName(ps *problems, m map[string]any) {
	name, ok := m["Name"].(string)
	if !ok {
		return
	}
	if !elbName.MatchString(name) || strings.HasPrefix(name, "internal-") {
		ps.addf([]string{"Name"}, "names are 1 to 32 letters, digits and hyphens, neither beginning nor ending with a hyphen nor beginning with internal-; got %q", name)
	}
}

// lbAttributes are the attributes a new load balancer reports, by type.
var lbAttributes = map[string][][2]string{
	"application": {
		{"access_logs.s3.enabled", "false"},
		{"deletion_protection.enabled", "false"},
		{"idle_timeout.timeout_seconds", "60"},
		{"routing.http.drop_invalid_header_fields.enabled", "false"},
		{"routing.http2.enabled", "true"},
		{"load_balancing.cross_zone.enabled", "true"},
	},
	"network": {
		{"access_logs.s3.enabled", "false"},
		{"deletion_protection.enabled", "false"},
		{"load_balancing.cross_zone.enabled", "false"},
	},
	"gateway": {
		{"deletion_protection.enabled", "false"},
		{"load_balancing.cross_zone.enabled", "false"},
	},
}

var elbLoadBalancer = &spec{
	service: "elasticloadbalancing",
	name:    &nameRule{prop: "Name", max: 32},
	arn:     "LoadBalancerArn",
	check: func(m map[string]any) problems {
		var ps problems
		checkELBName(&ps, m)
		ps.enum(m, []string{"Type"}, "application", "network", "gateway")
		ps.enum(m, []string{"Scheme"}, "internet-facing", "internal")
		ps.enum(m, []string{"IpAddressType"}, "ipv4", "dualstack", "dualstack-without-public-ipv4")
		ps.oneRequired(m, nil, "Subnets", "SubnetMappings")
		ps.exclusive(m, "Subnets", "SubnetMappings")
		kind := str(m, "Type")
		if kind == "" || kind == "application" {
			if n := len(list(m, "Subnets")) + len(list(m, "SubnetMappings")); n > 0 && n < 2 {
				ps.add("an Application Load Balancer needs subnets in at least two Availability Zones", "Subnets")
			}
		}
		if kind == "gateway" && has(m, "SecurityGroups") {
			ps.add("a Gateway Load Balancer has no security groups", "SecurityGroups")
		}
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, "application", "Type")
		kind := str(m, "Type")
		if kind != "gateway" {
			setDefault(m, "internet-facing", "Scheme")
		}
		setDefault(m, "ipv4", "IpAddressType")
		setDefault(m, []any{}, "SecurityGroups")
		attrs := list(m, "LoadBalancerAttributes")
		given := map[string]bool{}
		for _, a := range attrs {
			if attr, ok := a.(map[string]any); ok {
				given[str(attr, "Key")] = true
			}
		}
		for _, kv := range lbAttributes[kind] {
			if !given[kv[0]] {
				attrs = append(attrs, map[string]any{"Key": kv[0], "Value": kv[1]})
			}
		}
		if len(attrs) > 0 {
			m["LoadBalancerAttributes"] = attrs
		}
	},
	generate: func(g *gen, m map[string]any) {
		name, e := str(m, "Name"), g.env
		kind := map[string]string{"application": "app", "network": "net", "gateway": "gwy"}[str(m, "Type")]
		full := kind + "/" + name + "/" + g.pick(16, hexDigits)
		setDefault(m, e.arn("elasticloadbalancing", "loadbalancer/"+full), "LoadBalancerArn")
		setDefault(m, full, "LoadBalancerFullName")
		setDefault(m, name, "LoadBalancerName")
		prefix := ""
		if str(m, "Scheme") == "internal" {
			prefix = "internal-"
		}
		zones := albHostedZones
		dns := prefix + name + "-" + g.pick(10, "0123456789") + "." + e.Region + ".elb." + e.dnsSuffix()
		if kind != "app" {
			zones = nlbHostedZones
			dns = prefix + name + "-" + g.pick(16, hexDigits) + ".elb." + e.Region + "." + e.dnsSuffix()
		}
		setDefault(m, dns, "DNSName")
		setDefault(m, hostedZone(e, zones, "elb-zone/"+kind), "CanonicalHostedZoneID")
	},
}

var elbListener = &spec{
	service: "elasticloadbalancing",
	arn:     "ListenerArn",
	check: func(m map[string]any) problems {
		var ps problems
		ps.enum(m, []string{"Protocol"}, "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE")
		ps.between(m, 1, 65535, "Port")
		if p := str(m, "Protocol"); (p == "HTTPS" || p == "TLS") && len(list(m, "Certificates")) == 0 {
			ps.addf([]string{"Certificates"}, "a %s listener needs a certificate", p)
		}
		for i, a := range list(m, "DefaultActions") {
			action, _ := a.(map[string]any)
			if str(action, "Type") == "forward" && !has(action, "TargetGroupArn") && !has(action, "ForwardConfig") {
				ps.add("a forward action needs TargetGroupArn or ForwardConfig", "DefaultActions", strconv.Itoa(i))
			}
		}
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		if p := str(m, "Protocol"); p == "HTTPS" || p == "TLS" {
			setDefault(m, "ELBSecurityPolicy-2016-08", "SslPolicy")
		}
	},
	generate: func(g *gen, m map[string]any) {
		lb := str(m, "LoadBalancerArn")
		arn := strings.Replace(lb, ":loadbalancer/", ":listener/", 1)
		if arn == lb {
			arn = g.env.arn("elasticloadbalancing", "listener/app/"+g.pick(12, lowerAlnum)+"/"+g.pick(16, hexDigits))
		}
		setDefault(m, arn+"/"+g.pick(16, hexDigits), "ListenerArn")
	},
}

var elbTargetGroup = &spec{
	service: "elasticloadbalancing",
	name:    &nameRule{prop: "Name", max: 32},
	arn:     "TargetGroupArn",
	check: func(m map[string]any) problems {
		var ps problems
		checkELBName(&ps, m)
		ps.enum(m, []string{"TargetType"}, "instance", "ip", "lambda", "alb")
		ps.enum(m, []string{"Protocol"}, "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE")
		if str(m, "TargetType") != "lambda" {
			for _, p := range []string{"Protocol", "Port", "VpcId"} {
				if !has(m, p) {
					ps.addf([]string{p}, "%s is required unless TargetType is lambda", p)
				}
			}
		}
		ps.between(m, 5, 300, "HealthCheckIntervalSeconds")
		ps.between(m, 2, 120, "HealthCheckTimeoutSeconds")
		ps.between(m, 2, 10, "HealthyThresholdCount")
		ps.between(m, 2, 10, "UnhealthyThresholdCount")
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, "instance", "TargetType")
		proto := str(m, "Protocol")
		web := proto == "HTTP" || proto == "HTTPS"
		if str(m, "TargetType") == "lambda" {
			setDefault(m, false, "HealthCheckEnabled")
			setDefault(m, int64(35), "HealthCheckIntervalSeconds")
			setDefault(m, int64(30), "HealthCheckTimeoutSeconds")
			web = true
		} else {
			setDefault(m, true, "HealthCheckEnabled")
			setDefault(m, "traffic-port", "HealthCheckPort")
			setDefault(m, "ipv4", "IpAddressType")
			setDefault(m, int64(30), "HealthCheckIntervalSeconds")
			if web {
				setDefault(m, proto, "HealthCheckProtocol")
				setDefault(m, "HTTP1", "ProtocolVersion")
				setDefault(m, int64(5), "HealthCheckTimeoutSeconds")
			} else {
				setDefault(m, "TCP", "HealthCheckProtocol")
				setDefault(m, int64(10), "HealthCheckTimeoutSeconds")
			}
		}
		setDefault(m, int64(5), "HealthyThresholdCount")
		setDefault(m, int64(2), "UnhealthyThresholdCount")
		if web {
			setDefault(m, "/", "HealthCheckPath")
			setDefault(m, map[string]any{"HttpCode": "200"}, "Matcher")
		}
	},
	generate: func(g *gen, m map[string]any) {
		name := str(m, "Name")
		full := "targetgroup/" + name + "/" + g.pick(16, hexDigits)
		setDefault(m, g.env.arn("elasticloadbalancing", full), "TargetGroupArn")
		setDefault(m, full, "TargetGroupFullName")
		setDefault(m, name, "TargetGroupName")
		setDefault(m, []any{}, "LoadBalancerArns")
	},
}
