package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"qualstate"
)

// cliIn runs the command line in-process with stdin and returns its exit
// code and output.
func cliIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// The people of the scenarios, each with a password that meets the rules.
var people = []struct{ id, name, roles, password string }{
	{"ada", "Ada Admin", "admin", "copper kettle morning 41"},
	{"erin", "Erin Engineer", "engineer,reviewer,approver", "violet harbour lantern 7"},
	{"rita", "Rita Reviewer", "reviewer", "quiet meadow compass 19"},
	{"alan", "Alan Approver", "approver", "silver orchard bicycle 3"},
	{"rob", "Rob Both", "reviewer,approver", "amber glacier teapot 88"},
}

func password(id string) string {
	for _, p := range people {
		if p.id == id {
			return p.password
		}
	}
	panic("no person " + id)
}

// as runs a command as a user, the password given on standard input, and
// fails the test unless it exits with want.
func as(t *testing.T, home, user string, want int, args ...string) string {
	t.Helper()
	args = append(args, "--home", home, "--user", user, "--password-stdin")
	code, stdout, stderr := cliIn(t, password(user)+"\n", args...)
	if code != want {
		t.Fatalf("%s as %s: exit %d, want %d\n%s%s", strings.Join(args, " "), user, code, want, stdout, stderr)
	}
	return stdout + stderr
}

// setUpPeople adds every person of the scenarios to a new home: the
// admin first, then each other with a password the admin sets and they
// change, as they must before they can sign.
func setUpPeople(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	for i, p := range people {
		args := []string{"user", "add", p.id, "--name", p.name, "--role", p.roles, "--home", home, "--password-stdin"}
		stdin := p.password + "\n"
		initial := "initial " + p.password
		if i > 0 {
			args = append(args, "--user", "ada")
			stdin = password("ada") + "\n" + initial + "\n"
		}
		if code, stdout, stderr := cliIn(t, stdin, args...); code != exitOK {
			t.Fatalf("user add %s: exit %d\n%s%s", p.id, code, stdout, stderr)
		}
		if i == 0 {
			continue
		}
		if code, stdout, stderr := cliIn(t, initial+"\n"+p.password+"\n", "user", "passwd", "--user", p.id, "--home", home, "--password-stdin"); code != exitOK {
			t.Fatalf("user passwd %s: exit %d\n%s%s", p.id, code, stdout, stderr)
		}
	}
	return home
}

// qualifyAs qualifies the passing test stack as a user and returns the run id.
func qualifyAs(t *testing.T, home, user string) string {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL", "")
	out := as(t, home, user, exitOK, "qualify", "../../qualify/testdata/stack.yaml", "-r", "../../qualify/testdata/requirements.yaml", "--challenge", "none")
	m := regexp.MustCompile(`(?m)^run ([0-9a-f]{12}): passed`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no passed run in the output:\n%s", out)
	}
	return m[1]
}

// TestReviewAndCertification is the life of a run from execution to
// certificate, with separation of duties enforced at each signature.
func TestReviewAndCertification(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	home := setUpPeople(t)
	id := qualifyAs(t, home, "erin")

	// Nobody qualifies without the engineer role once users exist, nor
	// without signing in.
	as(t, home, "rita", exitDenied, "qualify", "../../qualify/testdata/stack.yaml", "-r", "../../qualify/testdata/requirements.yaml", "--challenge", "none")
	if code, _, stderr := cli(t, "qualify", "../../qualify/testdata/stack.yaml", "--home", home); code != exitDenied || !strings.Contains(stderr, "no qualstate user is signed in") {
		t.Errorf("an anonymous qualify: exit %d, %s", code, stderr)
	}

	out := as(t, home, "erin", exitDenied, "approve", id)
	if !strings.Contains(out, "executed") {
		t.Errorf("the executor's approval was refused without saying why:\n%s", out)
	}
	as(t, home, "erin", exitDenied, "review", id)
	as(t, home, "alan", exitInput, "approve", id) // not reviewed yet: the wrong state
	as(t, home, "rita", exitOK, "review", id, "--comment", "all test cases and evidence read")
	as(t, home, "rob", exitOK, "review", id)
	as(t, home, "rob", exitDenied, "approve", id) // reviewed it, and reviewer and approver must differ
	out = as(t, home, "alan", exitOK, "approve", id)
	if !strings.Contains(out, "approved by Alan Approver (alan)") || !strings.Contains(out, "certificate: ") {
		t.Errorf("approve output:\n%s", out)
	}

	dir := t.TempDir()
	certFile := filepath.Join(dir, "certificate.json")
	code, cert, stderr := cli(t, "certificate", "show", id, "--home", home)
	if code != exitOK {
		t.Fatalf("certificate show: exit %d %s", code, stderr)
	}
	if err := os.WriteFile(certFile, []byte(cert), 0o600); err != nil {
		t.Fatal(err)
	}
	code, vkey, _ := cli(t, "audit", "key", "--home", home)
	if code != exitOK {
		t.Fatal("audit key failed")
	}
	t.Run("certificate verifies", func(t *testing.T) {
		for _, args := range [][]string{
			{"certificate", "verify", certFile, "--home", home},
			{"certificate", "verify", certFile, "--key", strings.TrimSpace(vkey), "--home", t.TempDir()},
		} {
			if code, stdout, stderr := cli(t, args...); code != exitOK || !strings.Contains(stdout, "certificate verified") {
				t.Errorf("%v: exit %d\n%s%s", args, code, stdout, stderr)
			}
		}
		var c qualstate.Certificate
		if err := json.Unmarshal([]byte(cert), &c); err != nil {
			t.Fatal(err)
		}
		c.Template.Digest = strings.Repeat("0", 64)
		forged, _ := json.Marshal(&c)
		os.WriteFile(certFile+".forged", forged, 0o600)
		if code, _, _ := cli(t, "certificate", "verify", certFile+".forged", "--home", home); code != exitFindings {
			t.Errorf("a certificate naming another template verified: exit %d", code)
		}
	})
	t.Run("report shows each signature", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "report.html")
		if code, _, stderr := cli(t, "runs", "report", id, "--format", "html", "-o", file, "--home", home); code != exitOK {
			t.Fatalf("runs report: exit %d %s", code, stderr)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		_, sigs, _ := cli(t, "signatures", id, "--home", home, "--format", "json")
		var doc struct {
			Signatures []qualstate.Signature `json:"signatures"`
			Verified   bool                  `json:"verified"`
		}
		if err := json.Unmarshal([]byte(sigs), &doc); err != nil || !doc.Verified || len(doc.Signatures) != 3 {
			t.Fatalf("signatures: %v verified=%v %d\n%s", err, doc.Verified, len(doc.Signatures), sigs)
		}
		for _, s := range doc.Signatures {
			for _, want := range []string{s.SignerName, string(s.Meaning), s.Time.UTC().Format("2006-01-02 15:04:05")} {
				if !strings.Contains(html, want) {
					t.Errorf("the report lacks %q of signature %s", want, s.ID)
				}
			}
		}
		if !strings.Contains(html, "met requirement set") {
			t.Error("the report lacks the certificate's statement")
		}
	})
	t.Run("audit trail verifies and tells the story", func(t *testing.T) {
		if code, stdout, stderr := cli(t, "audit", "verify", "--home", home); code != exitOK {
			t.Fatalf("audit verify: exit %d\n%s%s", code, stdout, stderr)
		}
		_, log, _ := cli(t, "audit", "log", "--home", home, "--subject", "review/"+id)
		for _, want := range []string{"rita", "review.in-review", "alan", "review.approved"} {
			if !strings.Contains(log, want) {
				t.Errorf("the audit log of the review lacks %q:\n%s", want, log)
			}
		}
	})
}

// openDB opens a home's database directly, as someone with file access
// and no qualstate would.
func openDB(t *testing.T, home string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(home, storeFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func dbExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// TestSignatureMovedToAnotherRun copies a reviewer's signature from one run
// to another, as an editor of the database would: it does not verify.
func TestSignatureMovedToAnotherRun(t *testing.T) {
	home := setUpPeople(t)
	a, b := qualifyAs(t, home, "erin"), qualifyAs(t, home, "erin")
	as(t, home, "rita", exitOK, "review", a)
	as(t, home, "rob", exitOK, "review", b)
	db := openDB(t, home)
	var doc string
	if err := db.QueryRow(`SELECT doc FROM signatures WHERE subject = ?`, "run/"+a).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	var sig qualstate.Signature
	json.Unmarshal([]byte(doc), &sig)
	tests := []struct {
		name string
		edit func(s *qualstate.Signature)
	}{
		{"as it is", func(*qualstate.Signature) {}},
		{"naming the other run", func(s *qualstate.Signature) { s.Subject = "run/" + b }},
		{"naming the other run and its record", func(s *qualstate.Signature) {
			s.Subject = "run/" + b
			db.QueryRow(`SELECT json_extract(doc, '$.recordDigest') FROM reviews WHERE run_id = ?`, b).Scan(&s.RecordDigest)
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			moved := sig
			tt.edit(&moved)
			moved.ID = sig.ID + "-" + string(rune('a'+i))
			body, _ := json.Marshal(&moved)
			dbExec(t, db, `INSERT INTO signatures (id, subject, time, doc) SELECT ?, ?, time, ? FROM signatures WHERE id = ?`, moved.ID, "run/"+b, string(body), sig.ID)
			defer dbExec(t, db, `DELETE FROM signatures WHERE id = ?`, moved.ID)
			code, stdout, stderr := cli(t, "signatures", b, "--home", home)
			if code != exitFindings {
				t.Errorf("a signature moved from run %s to %s verified: exit %d\n%s%s", a, b, code, stdout, stderr)
			}
		})
	}
}
