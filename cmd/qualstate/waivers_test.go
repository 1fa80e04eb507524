package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"qualstate"
)

// checkResult runs check on the legacy example and returns the result of
// the public-database finding and its waiver.
func checkResult(t *testing.T, home string) (qualstate.Result, *qualstate.WaiverRef, string) {
	t.Helper()
	_, stdout, stderr := cli(t, "check", "../../examples/legacy-lab.json", "--home", home, "--format", "json")
	var doc struct {
		Findings []qualstate.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("check --format json: %v\n%s%s", err, stdout, stderr)
	}
	for _, f := range doc.Findings {
		if f.RequirementID == "RDS.INSTANCE.NOT-PUBLIC" && f.LogicalID == "LabDatabase" {
			_, sarif, _ := cli(t, "check", "../../examples/legacy-lab.json", "--home", home, "--format", "sarif")
			return f.Result, f.Waiver, sarif
		}
	}
	t.Fatalf("no RDS.INSTANCE.NOT-PUBLIC finding on LabDatabase:\n%s", stdout)
	return "", nil, ""
}

// TestWaiverLifecycle: a waiver applies only once an approver other than
// its author signs it, shows as waived with its id and expiry, and stops
// applying on its own when it expires.
func TestWaiverLifecycle(t *testing.T) {
	home := setUpPeople(t)
	if r, _, _ := checkResult(t, home); r != qualstate.ResultFail {
		t.Fatalf("before any waiver the finding is %s, want fail", r)
	}
	expires := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	out := as(t, home, "erin", exitOK, "waiver", "request", "--requirement", "RDS.INSTANCE.NOT-PUBLIC",
		"--template", "legacy-lab.json", "--resource", "LabDatabase", "--justification", "lab instance behind a VPN only",
		"--risk", "low: no GxP data; network ACL limits access", "--expires", expires)
	if !strings.Contains(out, "W-0001 requested") {
		t.Fatalf("waiver request:\n%s", out)
	}
	if r, _, _ := checkResult(t, home); r != qualstate.ResultFail {
		t.Errorf("a requested, unapproved waiver applied: %s", r)
	}
	as(t, home, "erin", exitDenied, "waiver", "approve", "W-0001") // its own author
	as(t, home, "rita", exitDenied, "waiver", "approve", "W-0001") // not an approver
	as(t, home, "alan", exitOK, "waiver", "approve", "W-0001")

	r, w, sarif := checkResult(t, home)
	if r != qualstate.ResultWaived || w == nil || w.ID != "W-0001" || w.Expires.Format(time.RFC3339) != expires {
		t.Errorf("approved waiver: result %s waiver %+v, want waived by W-0001 until %s", r, w, expires)
	}
	if !strings.Contains(sarif, `"suppressions"`) || !strings.Contains(sarif, "W-0001") {
		t.Error("SARIF does not carry the waiver as a suppression")
	}
	_, list, _ := cli(t, "waiver", "list", "--home", home)
	if !strings.Contains(list, "W-0001") || !strings.Contains(list, "approved") {
		t.Errorf("waiver list:\n%s", list)
	}

	// A day and a second later, by the clock records are judged at.
	clock = func() time.Time { return time.Now().Add(24*time.Hour + time.Second) }
	t.Cleanup(func() { clock = time.Now })
	if r, w, _ := checkResult(t, home); r != qualstate.ResultFail || w != nil {
		t.Errorf("after its expiry the waiver still applies: %s %+v", r, w)
	}
	_, list, _ = cli(t, "waiver", "list", "--all", "--home", home)
	if !strings.Contains(list, "expired") {
		t.Errorf("waiver list --all does not show the waiver expired:\n%s", list)
	}
}
