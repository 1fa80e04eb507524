package library

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"qualstate"
	"qualstate/cfn/schema"
	"qualstate/jsonpatch"
	"qualstate/policy"
)

// highRiskWithoutChallenge lists the high-risk requirements that no update
// of their own resource can break, with the reason. Operational
// qualification challenges every other high-risk requirement.
var highRiskWithoutChallenge = map[string]string{
	"EC2.VOLUME.ENCRYPTED":             "EBS fixes Encrypted when the volume is created",
	"EC2.BLOCK-DEVICES.ENCRYPTED":      "LaunchTemplateData is write-only; an instance's new block devices replace it",
	"EC2.LAUNCH-TEMPLATE.IMDSV2":       "LaunchTemplateData is write-only, so a violation is never read back",
	"EC2.LAUNCH-TEMPLATE.NO-PUBLIC-IP": "LaunchTemplateData is write-only, so a violation is never read back",
	"EC2.INSTANCE.NO-PUBLIC-IP":        "NetworkInterfaces and SubnetId are create-only",
	"EFS.FILE-SYSTEM.ENCRYPTED":        "Encrypted is create-only",
	"LAMBDA.PERMISSION.NOT-PUBLIC":     "every property of a permission is create-only",
	"RDS.STORAGE.ENCRYPTED":            "StorageEncrypted is create-only",
	"S3.POLICY.TLS-ONLY":               "the check reads only the bucket policy, another resource",
	"SECRETS.SECRET.ROTATION":          "the check reads only the rotation schedule, another resource",
	"VPC.NACL.NO-PUBLIC-ADMIN":         "AWS::EC2::NetworkAclEntry has no Cloud Control handlers",
}

// protected is a property a patch must leave alone, as the tokens of its
// schema pointer below /properties ("*" stands for any array index).
type protected struct {
	tokens []string
	why    string // create-only, read-only or write-only
	typ    string
}

// protectedProperties lists what a patch of a resource of the type may not
// change: Cloud Control refuses to update create-only and read-only
// properties. A challenge may not rest on write-only ones either, because
// Cloud Control never returns them, so the violation could not be read back.
func protectedProperties(t *testing.T, typ string, challenge bool) []protected {
	t.Helper()
	s, ok := schema.Lookup(typ)
	if !ok {
		t.Fatalf("no schema for %s", typ)
	}
	var out []protected
	addAll := func(pointers []string, why string) {
		for _, p := range pointers {
			out = append(out, protected{tokens: protectedTokens(t, typ, p), why: why, typ: typ})
		}
	}
	addAll(s.CreateOnlyProperties(), "create-only")
	addAll(s.ReadOnlyProperties(), "read-only")
	if challenge {
		addAll(s.WriteOnlyProperties(), "write-only")
	}
	return out
}

// protectedTokens turns a schema pointer below /properties into the tokens
// of a patch path.
func protectedTokens(t *testing.T, typ, pointer string) []string {
	t.Helper()
	tokens, err := jsonpatch.ParsePointer(pointer)
	if err != nil || len(tokens) < 2 || tokens[0] != "properties" {
		t.Fatalf("%s: pointer %q is not under /properties", typ, pointer)
	}
	return tokens[1:]
}

// sameToken reports whether two tokens, of a patch or of a schema pointer,
// name the same member: a schema's "*" stands for any array index, and a
// patch's "-" for the one past the end.
func sameToken(a, b string) bool {
	return a == b || a == "*" && isIndex(b) || b == "*" && isIndex(a)
}

func isIndex(token string) bool {
	if token == "-" || token == "*" {
		return true
	}
	_, err := strconv.Atoi(token)
	return err == nil
}

// hasPrefix reports whether prefix leads to (or is) path.
func hasPrefix(path, prefix []string) bool {
	if len(prefix) > len(path) {
		return false
	}
	for i, p := range prefix {
		if !sameToken(path[i], p) {
			return false
		}
	}
	return true
}

// writes reports whether a value written at a pointer reaches the rest of a
// protected property's pointer below it.
func writes(v any, rest []string) bool {
	if len(rest) == 0 {
		return true
	}
	switch c := v.(type) {
	case map[string]any:
		next, ok := c[rest[0]]
		return ok && writes(next, rest[1:])
	case []any:
		for i, e := range c {
			if sameToken(strconv.Itoa(i), rest[0]) && writes(e, rest[1:]) {
				return true
			}
		}
	}
	return false
}

// conflict says how an operation touches a protected property, or "".
func conflict(op qualstate.PatchOp, p protected) string {
	for _, ptr := range []string{op.Path, op.From} {
		if ptr == "" {
			continue
		}
		tokens, err := jsonpatch.ParsePointer(ptr)
		if err != nil || len(tokens) == 0 {
			return fmt.Sprintf("%s %q is not a property", op.Op, ptr)
		}
		if hasPrefix(tokens, p.tokens) {
			return fmt.Sprintf("%s %s touches %s property /%s of %s", op.Op, ptr, p.why, strings.Join(p.tokens, "/"), p.typ)
		}
		// A parent of a write-only property is read back, so a challenge
		// that writes or removes the parent can still be seen.
		if !hasPrefix(p.tokens, tokens) || ptr == op.From || p.why == "write-only" {
			continue
		}
		// The operation writes a parent of the property. A value written
		// in the patch can be seen not to reach it (a read-only member
		// the service fills in); create-only members and what copy or
		// move bring from elsewhere in the model are changed as a whole.
		known := op.Op == "add" || op.Op == "replace"
		if op.Op == "test" || known && p.why != "create-only" && !writes(op.Value, p.tokens[len(tokens):]) {
			continue
		}
		return fmt.Sprintf("%s %s writes %s property /%s of %s", op.Op, ptr, p.why, strings.Join(p.tokens, "/"), p.typ)
	}
	return ""
}

// TestPatchesChangeOnlyUpdatableProperties holds every challenge and
// remediation to what Cloud Control's UpdateResource accepts for each of
// the requirement's types: no operation's path or from may be, contain or
// lie below a create-only or read-only property, and a challenge may not
// rest on a write-only one. A challenge is written for the requirement's
// first type, whose schema must have the update handler Cloud Control
// applies it with.
func TestPatchesChangeOnlyUpdatableProperties(t *testing.T) {
	patched := 0
	for _, req := range mustSet(t).Requirements {
		for _, pc := range []struct {
			what  string
			patch []qualstate.PatchOp
		}{{"challenge", req.Challenge}, {"remediation", req.Remediation}} {
			if len(pc.patch) == 0 {
				continue
			}
			patched++
			t.Run(req.ID+"/"+pc.what, func(t *testing.T) {
				if s, ok := schema.Lookup(req.ResourceTypes[0]); pc.what == "challenge" && ok && len(s.HandlerPermissions("update")) == 0 {
					t.Errorf("%s has no update handler, so Cloud Control cannot apply the challenge", req.ResourceTypes[0])
				}
				for _, typ := range req.ResourceTypes {
					props := protectedProperties(t, typ, pc.what == "challenge")
					for i, op := range pc.patch {
						for _, p := range props {
							if c := conflict(op, p); c != "" {
								t.Errorf("%s[%d]: %s", pc.what, i, c)
							}
						}
					}
				}
			})
		}
	}
	if patched == 0 {
		t.Error("no requirement has a challenge or a remediation")
	}
}

func TestConflictFindsProtectedProperties(t *testing.T) {
	createOnly := protected{tokens: []string{"BucketName"}, why: "create-only", typ: "AWS::Test"}
	nestedCreateOnly := protected{tokens: []string{"RootDirectory", "Path"}, why: "create-only", typ: "AWS::Test"}
	readOnly := protected{tokens: []string{"Metadata", "Table", "Arn"}, why: "read-only", typ: "AWS::Test"}
	inList := protected{tokens: []string{"Destinations", "*", "Status"}, why: "read-only", typ: "AWS::Test"}
	writeOnly := protected{tokens: []string{"Lock", "ChangeableForDays"}, why: "write-only", typ: "AWS::Test"}
	for _, tc := range []struct {
		name string
		op   qualstate.PatchOp
		p    protected
		want bool
	}{
		{"add the property", qualstate.PatchOp{Op: "add", Path: "/BucketName", Value: "x"}, createOnly, true},
		{"remove the property", qualstate.PatchOp{Op: "remove", Path: "/BucketName"}, createOnly, true},
		{"another property", qualstate.PatchOp{Op: "add", Path: "/BucketNameSuffix", Value: "x"}, createOnly, false},
		{"copy from the property", qualstate.PatchOp{Op: "copy", From: "/BucketName", Path: "/Tags"}, createOnly, true},
		{"move from the property", qualstate.PatchOp{Op: "move", From: "/BucketName", Path: "/Tags"}, createOnly, true},
		{"test only reads a parent", qualstate.PatchOp{Op: "test", Path: "/RootDirectory", Value: map[string]any{}}, nestedCreateOnly, false},
		{"below a create-only parent", qualstate.PatchOp{Op: "add", Path: "/RootDirectory/Path", Value: "/a"}, nestedCreateOnly, true},
		{"a create-only member's parent", qualstate.PatchOp{Op: "add", Path: "/RootDirectory", Value: map[string]any{}}, nestedCreateOnly, true},
		{"below a read-only property", qualstate.PatchOp{Op: "add", Path: "/Metadata/Table/Arn/x", Value: 1}, readOnly, true},
		{"parent written without the read-only member", qualstate.PatchOp{Op: "add", Path: "/Metadata", Value: map[string]any{"Table": map[string]any{"Name": "t"}}}, readOnly, false},
		{"parent written with the read-only member", qualstate.PatchOp{Op: "add", Path: "/Metadata", Value: map[string]any{"Table": map[string]any{"Arn": "a"}}}, readOnly, true},
		{"parent copied from elsewhere", qualstate.PatchOp{Op: "copy", From: "/Other", Path: "/Metadata"}, readOnly, true},
		{"read-only member of a list element", qualstate.PatchOp{Op: "replace", Path: "/Destinations/0/Status", Value: "x"}, inList, true},
		{"appended element with the member", qualstate.PatchOp{Op: "add", Path: "/Destinations/-", Value: map[string]any{"Status": "x"}}, inList, true},
		{"list written without the member", qualstate.PatchOp{Op: "add", Path: "/Destinations", Value: []any{map[string]any{"Region": "r"}}}, inList, false},
		{"list written with the member", qualstate.PatchOp{Op: "add", Path: "/Destinations", Value: []any{map[string]any{"Status": "x"}}}, inList, true},
		{"other member of a list element", qualstate.PatchOp{Op: "add", Path: "/Destinations/0/Region", Value: "r"}, inList, false},
		{"the write-only property", qualstate.PatchOp{Op: "add", Path: "/Lock/ChangeableForDays", Value: 3}, writeOnly, true},
		{"copy from the write-only property", qualstate.PatchOp{Op: "copy", From: "/Lock/ChangeableForDays", Path: "/Days"}, writeOnly, true},
		{"parent of the write-only property", qualstate.PatchOp{Op: "remove", Path: "/Lock"}, writeOnly, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := conflict(tc.op, tc.p)
			if (got != "") != tc.want {
				t.Errorf("conflict(%+v, %v) = %q; want a conflict: %v", tc.op, tc.p.tokens, got, tc.want)
			}
		})
	}
}

// TestRequirementsWithoutChallenge lists the requirements operational
// qualification cannot challenge, and holds every high-risk one among them
// to highRiskWithoutChallenge, in step with the missing-challenge lint.
func TestRequirementsWithoutChallenge(t *testing.T) {
	set := mustSet(t)
	var without []string
	for _, req := range set.Requirements {
		if len(req.Challenge) > 0 {
			if _, ok := highRiskWithoutChallenge[req.ID]; ok {
				t.Errorf("%s has a challenge but is listed as having none", req.ID)
			}
			continue
		}
		without = append(without, req.ID)
		t.Logf("no challenge: %s (%s risk)", req.ID, req.Risk)
		reason, listed := highRiskWithoutChallenge[req.ID]
		switch {
		case req.Risk == qualstate.RiskHigh && !listed:
			t.Errorf("%s is high risk and has no challenge; add one, or list it with the reason no update can break it", req.ID)
		case req.Risk != qualstate.RiskHigh && listed:
			t.Errorf("%s is %s risk but listed as high risk without a challenge (%s)", req.ID, req.Risk, reason)
		}
	}
	t.Logf("%d of %d requirements have no challenge", len(without), len(set.Requirements))
	for id := range highRiskWithoutChallenge {
		if !slices.ContainsFunc(set.Requirements, func(r *qualstate.Requirement) bool { return r.ID == id }) {
			t.Errorf("%s is listed as high risk without a challenge but is not in the library", id)
		}
	}

	var linted []string
	for _, d := range policy.Lint(set, nil) {
		if d.Code == policy.LintMissingChallenge {
			id, _, _ := strings.Cut(strings.TrimPrefix(d.Message, "requirement "), ":")
			linted = append(linted, id)
		}
	}
	listed := make([]string, 0, len(highRiskWithoutChallenge))
	for id := range highRiskWithoutChallenge {
		listed = append(listed, id)
	}
	sort.Strings(linted)
	sort.Strings(listed)
	if !slices.Equal(linted, listed) {
		t.Errorf("lint warns %s of %v; want exactly %v", policy.LintMissingChallenge, linted, listed)
	}
}

// TestChallengesAreProven requires every challenge to be shown breaking a
// compliant example. The example runner proves it on passing properties
// examples; a check that can pass only through another resource (a key
// followed with ref) has none, so its challenge is applied here to its
// resource in each passing template example, which must then fail.
func TestChallengesAreProven(t *testing.T) {
	set := mustSet(t)
	e, err := policy.NewEngine(set)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range set.Requirements {
		if len(req.Challenge) == 0 {
			continue
		}
		t.Run(req.ID, func(t *testing.T) {
			passing := slices.ContainsFunc(req.Examples, func(ex qualstate.Example) bool {
				return ex.Want == qualstate.ResultPass && ex.Properties != nil
			})
			if passing {
				// RunExamples applies the challenge to each of them.
				return
			}
			proofs := 0
			for i, ex := range req.Examples {
				if ex.Want != qualstate.ResultPass || ex.Template == "" {
					continue
				}
				name := ex.Name
				if name == "" {
					name = fmt.Sprintf("examples[%d]", i)
				}
				tmpl, err := loadTemplate(fmt.Sprintf("%s#%s.examples[%d]", req.Loc.File, req.ID, i), []byte(ex.Template))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for j, r := range tmpl.Resources {
					if r.Type != req.ResourceTypes[0] || ex.Resource != "" && r.LogicalID != ex.Resource {
						continue
					}
					if !failsChallenged(t, e, req, tmpl.Resources, j) {
						t.Errorf("%s: %s still passes with the challenge applied", name, r.LogicalID)
					}
					proofs++
				}
			}
			if proofs == 0 {
				t.Error("no compliant example shows the challenge breaking the requirement; add a passing properties example")
			}
		})
	}
}

// failsChallenged applies the requirement's challenge to resources[i] and
// reports whether the check then fails on it, the rest of the template
// unchanged.
func failsChallenged(t *testing.T, e *policy.Engine, req *qualstate.Requirement, resources []*qualstate.Resource, i int) bool {
	t.Helper()
	out, err := jsonpatch.Apply(resources[i].Properties, req.Challenge)
	if err != nil {
		t.Fatalf("%s: challenge does not apply: %v", resources[i].LogicalID, err)
	}
	props, ok := out.(map[string]any)
	if !ok {
		t.Fatalf("%s: challenge leaves no properties map", resources[i].LogicalID)
	}
	r := *resources[i]
	r.Properties = props
	all := slices.Clone(resources)
	all[i] = &r
	for _, f := range e.EvaluateResource(policy.Scope{Resources: all}, &r) {
		if f.RequirementID == req.ID {
			return f.Result == qualstate.ResultFail
		}
	}
	t.Fatalf("%s: %s gave no finding", r.LogicalID, req.ID)
	return false
}
