package registry

import (
	"regexp"
	"slices"
	"strconv"
)

var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

var dynamodbTable = &spec{
	service:  "dynamodb",
	name:     &nameRule{prop: "TableName", max: 255},
	arn:      "Arn",
	policies: []string{"ResourcePolicy.PolicyDocument", "StreamSpecification.ResourcePolicy.PolicyDocument"},
	conditional: map[string]func(map[string]any) bool{
		"StreamArn": func(m map[string]any) bool { return has(m, "StreamSpecification") },
	},
	check: checkTable,
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, "PROVISIONED", "BillingMode")
		setDefault(m, "STANDARD", "TableClass")
		setDefault(m, false, "DeletionProtectionEnabled")
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.env.arn("dynamodb", "table/"+str(m, "TableName")), "Arn")
		setDefault(m, str(m, "Arn")+"/stream/"+g.now.UTC().Format("2006-01-02T15:04:05.000"), "StreamArn")
	},
}

// checkTable applies DynamoDB's rules on keys and capacity: every key
// attribute is defined, every defined attribute is a key somewhere, and
// provisioned capacity is given exactly when the billing mode needs it.
func checkTable(m map[string]any) problems {
	var ps problems
	ps.named(m, "TableName", tableName, "table names are 3 to 255 letters, digits and _.-")
	ps.enum(m, []string{"BillingMode"}, "PROVISIONED", "PAY_PER_REQUEST")
	ps.enum(m, []string{"TableClass"}, "STANDARD", "STANDARD_INFREQUENT_ACCESS")
	ps.enum(m, []string{"StreamSpecification", "StreamViewType"}, "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
	defined := map[string]bool{}
	for i, a := range list(m, "AttributeDefinitions") {
		attr, _ := a.(map[string]any)
		defined[str(attr, "AttributeName")] = false
		ps.enum(m, []string{"AttributeDefinitions", strconv.Itoa(i), "AttributeType"}, "S", "N", "B")
	}
	keys := func(path ...string) {
		schema := list(m, path...)
		if schema == nil {
			return
		}
		if len(schema) < 1 || len(schema) > 2 {
			ps.add("a key schema has a HASH key and at most one RANGE key", path...)
			return
		}
		for i, k := range schema {
			key, _ := k.(map[string]any)
			at := slices.Concat(path, []string{strconv.Itoa(i)})
			want := "HASH"
			if i == 1 {
				want = "RANGE"
			}
			if kt := str(key, "KeyType"); kt != want {
				ps.addf(slices.Concat(at, []string{"KeyType"}), "key %d must be of type %s; got %q", i+1, want, kt)
			}
			name := str(key, "AttributeName")
			if _, ok := defined[name]; !ok {
				ps.addf(slices.Concat(at, []string{"AttributeName"}), "key attribute %q is not in AttributeDefinitions", name)
				continue
			}
			defined[name] = true
		}
	}
	keys("KeySchema")
	for _, kind := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
		for i := range list(m, kind) {
			keys(kind, strconv.Itoa(i), "KeySchema")
		}
	}
	for i, a := range list(m, "AttributeDefinitions") {
		attr, _ := a.(map[string]any)
		if name := str(attr, "AttributeName"); !defined[name] {
			ps.addf([]string{"AttributeDefinitions", strconv.Itoa(i)}, "attribute %q is defined but not used by a key of the table or an index", name)
		}
	}
	onDemand := str(m, "BillingMode") == "PAY_PER_REQUEST"
	capacity := func(path ...string) {
		at := slices.Concat(path, []string{"ProvisionedThroughput"})
		given := has(m, at...)
		switch {
		case onDemand && given:
			ps.add("ProvisionedThroughput cannot be given when BillingMode is PAY_PER_REQUEST", at...)
		case !onDemand && !given:
			ps.add("ProvisionedThroughput is required when BillingMode is PROVISIONED (the default)", at...)
		}
	}
	capacity()
	for i := range list(m, "GlobalSecondaryIndexes") {
		capacity("GlobalSecondaryIndexes", strconv.Itoa(i))
	}
	return ps
}
