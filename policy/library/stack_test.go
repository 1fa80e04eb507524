package library

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qualstate"
	"qualstate/cfn"
	"qualstate/policy"
)

// recordsStack parses testdata/records-stack.yaml, a system built to the
// library's requirements.
func recordsStack(t testing.TB) *qualstate.Template {
	t.Helper()
	file := filepath.Join("testdata", "records-stack.yaml")
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := cfn.Parse(file, body, cfn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range tpl.Diagnostics {
		if d.Severity == qualstate.SeverityError {
			t.Errorf("%s", d)
		}
	}
	return tpl
}

// TestRecordsStack runs the whole library over one realistic stack. No
// check may end in an error there, and the findings are kept in
// testdata/records-stack.golden (refresh with -update) so a change in any
// check's verdict on real resources shows in review.
func TestRecordsStack(t *testing.T) {
	tpl := recordsStack(t)
	e, err := policy.NewEngine(mustSet(t))
	if err != nil {
		t.Fatal(err)
	}
	findings := e.Evaluate(policy.Scope{Resources: tpl.Resources})
	if len(findings) == 0 {
		t.Fatal("no findings")
	}
	var b strings.Builder
	evaluated := map[string]bool{}
	for _, f := range findings {
		evaluated[f.RequirementID] = true
		if f.Result == qualstate.ResultError {
			t.Errorf("%s on %s: %s", f.RequirementID, f.LogicalID, f.Reason)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\n", f.LogicalID, f.RequirementID, f.Result)
	}
	golden := filepath.Join("testdata", "records-stack.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("findings differ from %s (run with -update after reviewing):\n%s", golden, lineDiff(string(want), got))
	}
	// The stack has a resource of nearly every type the library covers;
	// those it lacks are named here so the list is a deliberate one.
	notInStack := map[string]bool{
		"AWS::EC2::Volume": true, "AWS::EC2::Instance": true, "AWS::EC2::LaunchTemplate": true,
		"AWS::EC2::SecurityGroupIngress": true, "AWS::EC2::SecurityGroupEgress": true,
		"AWS::EC2::NetworkAclEntry": true, "AWS::RDS::DBCluster": true, "AWS::IAM::User": true,
		"AWS::EFS::FileSystem": true, "AWS::EFS::AccessPoint": true, "AWS::Lambda::Url": true,
		"AWS::Lambda::Permission": true,
	}
	for _, req := range mustSet(t).Requirements {
		covered := evaluated[req.ID]
		for _, typ := range req.ResourceTypes {
			covered = covered || notInStack[typ]
		}
		if !covered {
			t.Errorf("%s is not evaluated on the records stack", req.ID)
		}
	}
}
