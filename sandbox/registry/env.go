package registry

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"qualstate/cfn"
)

// Env is where resources are provisioned.
type Env struct {
	// Account is the 12-digit account id, e.g. "123456789012".
	Account string
	// Region is the region, e.g. "us-east-1".
	Region string
	// Rand gives the random bytes of generated ids and names; nil means
	// crypto/rand. A seeded source makes the results reproducible.
	Rand io.Reader
}

// partition is the AWS partition of the env's region.
func (e Env) partition() string { return cfn.Partition(e.Region) }

// dnsSuffix is the domain of the partition's service endpoints.
func (e Env) dnsSuffix() string { return cfn.URLSuffix(e.partition()) }

// zone is the availability zone resources land in when none is asked for.
func (e Env) zone() string { return e.Region + "a" }

// zoneID is the zone's id ("use1-az1"): the region's short code and a
// number, as EC2 names zones across accounts.
func (e Env) zoneID() string {
	parts := strings.Split(e.Region, "-")
	if len(parts) < 3 {
		return e.Region + "-az1"
	}
	short := map[string]string{
		"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
		"northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw", "gov": "g",
	}
	code := parts[0]
	for _, p := range parts[1 : len(parts)-1] {
		if s, ok := short[p]; ok {
			code += s
		} else if p != "" {
			code += p[:1]
		}
	}
	return code + parts[len(parts)-1] + "-az1"
}

// now is the clock of creation and update times; tests fix it.
var now = time.Now

// timestamp writes a time the way the Cloud Control models carry them.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// gen generates the values of one create or update: ids, names, ARNs.
type gen struct {
	env  Env
	hint NameHint
	// short is the type's name without its service, for generated names
	// without a stack ("Bucket").
	short string
	rand  io.Reader
	err   error
	now   time.Time
	// guessed lists the read-only properties no generator knew, which
	// got values made up from their names.
	guessed []string
}

func newGen(env Env, hint NameHint, typeName string) *gen {
	r := env.Rand
	if r == nil {
		r = rand.Reader
	}
	return &gen{env: env, hint: hint, short: typeName[strings.LastIndex(typeName, ":")+1:], rand: r, now: now()}
}

// bytes reads n random bytes; a failing source is reported once, at the
// end of the operation, and gives zeros meanwhile.
func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	if g.err != nil {
		return b
	}
	if _, err := io.ReadFull(g.rand, b); err != nil {
		g.err = fmt.Errorf("read random bytes: %w", err)
	}
	return b
}

// pick draws n characters from an alphabet, without the bias of a plain
// modulo.
func (g *gen) pick(n int, alphabet string) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	for len(out) < n {
		for _, b := range g.bytes(n - len(out)) {
			if g.err != nil {
				b = 0
			} else if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
		}
	}
	return string(out)
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits  = "0123456789abcdef"
	// base32 is the alphabet of IAM's unique ids.
	base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

// ec2ID is an EC2 resource id: the prefix and 17 hex digits, the first
// a 0 as in every id EC2 has issued since 2018.
func (g *gen) ec2ID(prefix string) string { return prefix + "-0" + g.pick(16, hexDigits) }

// uuid is a random (version 4) UUID.
func (g *gen) uuid() string {
	b := g.bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// iamID is an IAM unique id: a four-letter prefix telling the kind
// ("AROA" a role) and 17 base-32 characters.
func (g *gen) iamID(prefix string) string { return prefix + g.pick(17, base32) }

// stable derives a value from the env and a label alone, for what exists
// once per account and region (the default VPC, AWS managed keys), so that
// every resource sees the same one.
func (e Env) stable(label string) []byte {
	sum := sha256.Sum256([]byte(e.Account + "/" + e.Region + "/" + label))
	return sum[:]
}

// defaultVPC is the id of the account's default VPC in the region.
func (e Env) defaultVPC() string {
	return "vpc-0" + hex.EncodeToString(e.stable("default-vpc"))[:16]
}

// managedKey is the ARN of the AWS managed KMS key of a service
// ("aws/rds"), which encrypts where no key is named.
func (e Env) managedKey(alias string) string {
	b := e.stable("kms/" + alias)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:16])
	return e.arn("kms", "key/"+h[0:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:32])
}

// arn is a regional ARN of the env's account.
func (e Env) arn(service, resource string) string {
	return "arn:" + e.partition() + ":" + service + ":" + e.Region + ":" + e.Account + ":" + resource
}

// globalARN is the ARN of a global service's resource (IAM): no region.
func (e Env) globalARN(service, resource string) string {
	return "arn:" + e.partition() + ":" + service + "::" + e.Account + ":" + resource
}

// nameRule says how a type names its resources.
type nameRule struct {
	// prop is the property holding the name.
	prop string
	// max is the longest name the service accepts.
	max int
	// lower makes generated names lowercase (S3, RDS).
	lower bool
	// suffix, when set, gives what a generated name must end with
	// (".fifo" for a FIFO queue).
	suffix func(m map[string]any) string
}

// name generates a physical name the way CloudFormation does: the stack
// name, the logical id and 13 random characters, the first two shortened
// to fit the service's limit. Cloud Control, which has no stack, uses the
// logical id or the type's short name and the random part.
func (g *gen) name(rule nameRule, m map[string]any) string {
	suffix := ""
	if rule.suffix != nil {
		suffix = rule.suffix(m)
	}
	random := g.pick(13, upperAlnum)
	budget := rule.max - len(random) - len(suffix)
	var name string
	if g.hint.StackName != "" {
		stack, logical := shorten(clean(g.hint.StackName), clean(g.hint.LogicalID), budget-2)
		name = strings.Join(nonEmpty(stack, logical, random), "-")
	} else {
		prefix := clean(g.hint.LogicalID)
		if prefix == "" {
			prefix = g.short
		}
		prefix, _ = shorten(prefix, "", budget-1)
		name = strings.Join(nonEmpty(prefix, random), "-")
	}
	if rule.lower {
		name = strings.ToLower(name)
	}
	return name + suffix
}

// clean keeps the characters every service's names accept and drops
// hyphens at the ends, so the joined name has no doubled hyphen.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return strings.Trim(s, "-")
}

// shorten cuts two parts to fit a budget together, each keeping at least
// half of it when both need more.
func shorten(a, b string, budget int) (string, string) {
	budget = max(budget, 0)
	if len(a)+len(b) <= budget {
		return a, b
	}
	half := budget / 2
	switch {
	case len(a) <= half:
		b = b[:budget-len(a)]
	case len(b) <= budget-half:
		a = a[:budget-len(b)]
	default:
		a, b = a[:half], b[:budget-half]
	}
	return strings.TrimRight(a, "-"), strings.TrimRight(b, "-")
}

func nonEmpty(parts ...string) []string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
