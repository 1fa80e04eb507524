package library

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"qualstate"
)

// wantFrameworks are the frameworks requirements may cite, as the
// requirement-set format spells them.
var wantFrameworks = []string{"21-cfr-11", "eu-annex-11", "hipaa", "nist-800-53", "pci-dss"}

func TestFrameworks(t *testing.T) {
	fws, err := Frameworks()
	if err != nil {
		t.Fatal(err)
	}
	if len(fws) != len(wantFrameworks) {
		t.Fatalf("got %d frameworks, want %v", len(fws), wantFrameworks)
	}
	for i, f := range fws {
		t.Run(f.ID, func(t *testing.T) {
			if f.ID != wantFrameworks[i] {
				t.Errorf("framework %d is %q, want %q (ordered by id)", i, f.ID, wantFrameworks[i])
			}
			if f.Title == "" || f.Version == "" || len(f.Controls) == 0 {
				t.Errorf("title %q, version %q, %d controls: want all", f.Title, f.Version, len(f.Controls))
			}
			for _, c := range f.Controls {
				got, ok := f.Control(c.ID)
				if !ok || got != c {
					t.Errorf("Control(%q) = %v, %v; want %v", c.ID, got, ok, c)
				}
			}
			if _, ok := f.Control("no-such-control"); ok {
				t.Error("Control found a control the catalog does not list")
			}
		})
	}
	// The result is the caller's: changing it leaves the catalogs alone.
	fws[0].Controls[0].Title = "changed"
	again, err := Frameworks()
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Controls[0].Title == "changed" {
		t.Error("Frameworks returned shared controls; a caller's change leaked into the catalog")
	}
}

func TestParseFrameworkRejects(t *testing.T) {
	tests := []struct {
		file string
		want string // the error's text after the file name
	}{
		{"not-yaml.yaml", "framework catalog is not valid YAML"},
		{"empty.yaml", ": framework catalog is empty"},
		{"list.yaml", ":1:1: the framework catalog is a list, not a mapping"},
		{"unknown-key.yaml", `:4:1: the framework catalog has an unknown key "url" (want controls, id, title, version)`},
		{"missing-title.yaml", ":1:1: title is missing"},
		{"bad-id.yaml", `:1:5: framework id "NIST 800-53" is not lower-case letters, digits, dots and hyphens`},
		{"duplicate-control.yaml", ":7:10: controls[2]: control SC-28 is listed twice (first at line 5)"},
		{"control-not-mapping.yaml", ":5:5: controls[0] is a scalar, not a mapping"},
		{"no-controls.yaml", ":4:11: controls is empty"},
		{"alias.yaml", ":3:10: version is a alias, not text"},
		{"control-id-colon.yaml", `:5:10: controls[0]: control id "nist:SC-28" is not letters, digits, dots, hyphens and parentheses`},
		{"empty-title.yaml", ":5:24: title is empty"},
		{"duplicate-key.yaml", `:3:1: the framework catalog has the key "title" twice`},
		{"two-documents.yaml", ":6:1: framework catalog holds more than one YAML document"},
		{"control-character.yaml", ":5:24: title holds control characters or invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			file := filepath.Join("testdata", "frameworks", tt.file)
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = parseFramework(file, body)
			if err == nil {
				t.Fatal("parsed without error")
			}
			var qe *qualstate.Error
			if !errors.As(err, &qe) || qe.Code != qualstate.ErrInvalidInput {
				t.Errorf("error %v is not an invalid-input *qualstate.Error", err)
			}
			if !strings.HasPrefix(err.Error(), file) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want %q after the file name", err, tt.want)
			}
		})
	}
}

func TestParseFrameworkAccepts(t *testing.T) {
	body := []byte("id: pci-dss\ntitle: PCI DSS\nversion: \"4.0\"\ncontrols:\n" +
		"  - {id: 3.5.1, title: PAN is rendered unreadable anywhere it is stored}\n" +
		"  - id: 10.2.1.1\n    title: Audit logs capture all individual user access to cardholder data\n")
	f, err := parseFramework("pci.yaml", body)
	if err != nil {
		t.Fatal(err)
	}
	want := Framework{ID: "pci-dss", Title: "PCI DSS", Version: "4.0", Controls: []Control{
		{ID: "3.5.1", Title: "PAN is rendered unreadable anywhere it is stored"},
		{ID: "10.2.1.1", Title: "Audit logs capture all individual user access to cardholder data"},
	}}
	if f.ID != want.ID || f.Title != want.Title || f.Version != want.Version || len(f.Controls) != 2 ||
		f.Controls[0] != want.Controls[0] || f.Controls[1] != want.Controls[1] {
		t.Errorf("got %+v, want %+v", f, want)
	}
}

func TestReadFrameworks(t *testing.T) {
	good := "id: hipaa\ntitle: HIPAA\nversion: \"2013\"\ncontrols:\n  - {id: 164.312(b), title: Audit controls}\n"
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    []string
		wantErr string
	}{
		{
			name: "named after its id",
			fsys: fstest.MapFS{"c/hipaa.yaml": {Data: []byte(good)}, "c/README": {Data: []byte("not a catalog")}},
			want: []string{"hipaa"},
		},
		{
			name:    "file name and id disagree",
			fsys:    fstest.MapFS{"c/hippa.yaml": {Data: []byte(good)}},
			wantErr: `c/hippa.yaml: framework id "hipaa" does not match the file name (want "hippa")`,
		},
		{
			name:    "a broken catalog",
			fsys:    fstest.MapFS{"c/hipaa.yaml": {Data: []byte("id: hipaa\n")}},
			wantErr: "c/hipaa.yaml:1:1: title is missing",
		},
		{
			name:    "no directory",
			fsys:    fstest.MapFS{},
			wantErr: "read framework catalogs",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fws, err := readFrameworks(tt.fsys, "c")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, f := range fws {
				ids = append(ids, f.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", ids, tt.want)
			}
		})
	}
}

// FuzzParseFramework feeds the catalog parser arbitrary bytes: it must
// never panic, must refuse with a located invalid-input error, and what it
// accepts must hold the promises Frameworks makes.
func FuzzParseFramework(f *testing.F) {
	for _, dir := range []string{"frameworks", filepath.Join("testdata", "frameworks")} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			body, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fw, err := parseFramework("fuzz.yaml", body)
		if err != nil {
			var qe *qualstate.Error
			if !errors.As(err, &qe) || qe.Code != qualstate.ErrInvalidInput || qe.Loc.File != "fuzz.yaml" {
				t.Fatalf("error %#v is not an invalid-input error naming the file", err)
			}
			return
		}
		if !frameworkIDPattern.MatchString(fw.ID) || fw.Title == "" || fw.Version == "" || len(fw.Controls) == 0 {
			t.Fatalf("accepted an incomplete catalog: %+v", fw)
		}
		seen := map[string]bool{}
		for _, c := range fw.Controls {
			if !controlIDPattern.MatchString(c.ID) || c.Title == "" || seen[c.ID] {
				t.Fatalf("accepted a bad control %+v in %+v", c, fw)
			}
			seen[c.ID] = true
		}
	})
}
