package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"qualstate"
)

// TestLoadErrors loads every file in testdata/invalid and compares the
// problems reported with its .golden file. Every problem must be an
// invalid-input error located in the file.
func TestLoadErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			set, err := LoadFile(file)
			if err == nil {
				t.Fatalf("loaded %d requirements without error", len(set.Requirements))
			}
			for _, e := range leafErrors(err) {
				var qe *qualstate.Error
				if !errors.As(e, &qe) {
					t.Fatalf("%v is not a *qualstate.Error", e)
				}
				if qe.Code != qualstate.ErrInvalidInput || qe.Loc.File != file {
					t.Errorf("%v: code %s, file %q", e, qe.Code, qe.Loc.File)
				}
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", err.Error()+"\n")
		})
	}
}

func leafErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestLoad(t *testing.T) {
	const file = "testdata/sets/storage.yaml"
	set, err := LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(file)
	sum := sha256.Sum256(body)
	if set.Name != "storage-baseline" || set.Version != "1.2.0" || set.Source != file || set.Digest != hex.EncodeToString(sum[:]) {
		t.Errorf("set = %q %q %q %q", set.Name, set.Version, set.Source, set.Digest)
	}
	var ids []string
	for _, r := range set.Requirements {
		ids = append(ids, r.ID)
	}
	if want := []string{"S3.ENCRYPTION.KMS", "S3.VERSIONING", "S3.KEY.ROTATION", "RDS.STORAGE.ENCRYPTED"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids = %v, want %v", ids, want)
	}
	kms := set.Requirements[0]
	cases := []struct {
		name      string
		got, want any
	}{
		{"loc", kms.Loc, qualstate.Location{File: file, Line: 5, Column: 5}},
		{"title", kms.Title, "S3 buckets encrypt data at rest with a KMS key"},
		{"risk", kms.Risk, qualstate.RiskHigh},
		{"controls", kms.Controls, []qualstate.Control{"nist-800-53:SC-28", "21-cfr-11:11.10(c)", "hipaa:164.312(a)(2)(iv)"}},
		{"types", kms.ResourceTypes, []string{"AWS::S3::Bucket"}},
		{"tags", kms.Tags, []string{"s3", "encryption"}},
		{"example count", len(kms.Examples), 3},
		{"example loc", kms.Examples[1].Loc, qualstate.Location{File: file, Line: 23, Column: 9}},
		{"example name", kms.Examples[1].Name, "sse-s3"},
		{"example want", kms.Examples[1].Want, qualstate.ResultFail},
		{"example properties", kms.Examples[0].Properties, map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
				map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms"}},
			}},
		}},
		{"empty properties", kms.Examples[2].Properties, map[string]any{}},
		{"challenge", kms.Challenge, []qualstate.PatchOp{{Op: "replace", Path: "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm", Value: "AES256"}}},
		{"tolerance", set.Requirements[1].Tolerance, "15m"},
		{"check", set.Requirements[1].Check, `properties.?VersioningConfiguration.Status.orValue("Suspended") == "Enabled"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("got %#v, want %#v", c.got, c.want)
			}
		})
	}
}

// TestPlainValues checks that example properties take the Go shapes of a
// resource model.
func TestPlainValues(t *testing.T) {
	set, err := Load("plain.yaml", []byte(`name: plain
requirements:
  - id: PLAIN
    title: Plain values
    risk: low
    resourceTypes: [AWS::S3::Bucket]
    check: has(properties.A)
    examples:
      - want: pass
        properties:
          Int: 30
          Hex: 0x1F
          Negative: -7
          Float: 2.5
          Exp: 1e3
          True: true
          Null: null
          Tilde: ~
          Quoted: "30"
          Date: 2024-01-02
          Tagged: !!str 12
          List: [1, a, {B: false}]
          Anchored: &v {K: V}
          Alias: *v
`))
	if err != nil {
		t.Fatal(err)
	}
	got := set.Requirements[0].Examples[0].Properties
	want := map[string]any{
		"Int": int64(30), "Hex": int64(31), "Negative": int64(-7), "Float": 2.5, "Exp": 1000.0,
		"True": true, "Null": nil, "Tilde": nil, "Quoted": "30", "Date": "2024-01-02", "Tagged": "12",
		"List":     []any{int64(1), "a", map[string]any{"B": false}},
		"Anchored": map[string]any{"K": "V"}, "Alias": map[string]any{"K": "V"},
	}
	for k, w := range want {
		t.Run(k, func(t *testing.T) {
			if !reflect.DeepEqual(got[k], w) {
				t.Errorf("got %#v (%T), want %#v (%T)", got[k], got[k], w, w)
			}
		})
	}
}

func TestLoadFS(t *testing.T) {
	const header = "name: split\nversion: 2.0.0\ndescription: A set kept in files.\n"
	const reqA = `requirements:
  - id: A.ONE
    title: One
    risk: low
    resourceTypes: [AWS::S3::Bucket]
    check: has(properties.A)
`
	const reqB = `requirements:
  - id: B.ONE
    title: Two
    risk: low
    resourceTypes: [AWS::SQS::Queue]
    check: has(properties.B)
`
	cases := []struct {
		name    string
		files   fstest.MapFS
		ids     []string
		errText string
	}{
		{
			name: "set and parts in name order",
			files: fstest.MapFS{
				"lib/set.yaml":         {Data: []byte(header)},
				"lib/sqs.yaml":         {Data: []byte(reqB)},
				"lib/s3.yml":           {Data: []byte(reqA)},
				"lib/README.md":        {Data: []byte("not read")},
				"lib/examples/x.yaml":  {Data: []byte("not read either")},
				"other/elsewhere.yaml": {Data: []byte("outside the directory")},
			},
			ids: []string{"A.ONE", "B.ONE"},
		},
		{
			name:    "no set.yaml",
			files:   fstest.MapFS{"lib/s3.yaml": {Data: []byte(reqA)}},
			errText: "lib: requirement set directory has no set.yaml naming the set",
		},
		{
			name: "problems in every file",
			files: fstest.MapFS{
				"lib/set.yaml":  {Data: []byte("version: 1\n" + reqA)},
				"lib/a.yaml":    {Data: []byte(reqA)},
				"lib/b.yaml":    {Data: []byte("name: again\n" + reqB)},
				"lib/c.yaml":    {Data: []byte("requirements: [\n")},
				"lib/empty.yml": {Data: []byte("description: nothing else\n")},
			},
			errText: strings.Join([]string{
				`lib/a.yaml:2:9: requirement A.ONE: duplicate requirement id (first at lib/set.yaml:3:9)`,
				`lib/b.yaml:1:1: name belongs in set.yaml; this file holds only requirements`,
				`lib/c.yaml:1: invalid YAML: did not find expected node content`,
				`lib/empty.yml:1:1: description belongs in set.yaml; this file holds only requirements`,
				`lib/empty.yml:1:1: the file has no requirements`,
				`lib/set.yaml:1:1: the requirement set has no name`,
			}, "\n"),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, err := LoadFS(c.files, "lib")
			if c.errText != "" {
				if err == nil || err.Error() != c.errText {
					t.Fatalf("error:\n%v\nwant:\n%s", err, c.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range set.Requirements {
				ids = append(ids, r.ID)
			}
			if !reflect.DeepEqual(ids, c.ids) || set.Name != "split" || set.Version != "2.0.0" || set.Source != "lib" {
				t.Errorf("set %q %q %q with %v", set.Name, set.Version, set.Source, ids)
			}
			if set.Requirements[0].Loc.File != "lib/s3.yml" {
				t.Errorf("requirement located in %q", set.Requirements[0].Loc.File)
			}
			if len(set.Digest) != 64 {
				t.Errorf("digest %q", set.Digest)
			}
			// The digest covers every file read, and only those.
			changed := fstest.MapFS{}
			for k, v := range c.files {
				changed[k] = v
			}
			changed["lib/README.md"] = &fstest.MapFile{Data: []byte("changed")}
			if again, _ := LoadFS(changed, "lib"); again.Digest != set.Digest {
				t.Error("digest depends on a file that is not part of the set")
			}
			changed["lib/sqs.yaml"] = &fstest.MapFile{Data: []byte(reqB + "\n")}
			if again, _ := LoadFS(changed, "lib"); again.Digest == set.Digest {
				t.Error("digest does not depend on a part file")
			}
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile("testdata/no-such-file.yaml")
	if qualstate.CodeOf(err) != qualstate.ErrNotFound || !strings.HasPrefix(err.Error(), "testdata/no-such-file.yaml: read requirement set: ") {
		t.Errorf("error = %v (%s)", err, qualstate.CodeOf(err))
	}
}

// TestNewEngineErrors compiles a set built by hand, as callers may: every
// check that does not compile is reported, with its requirement.
func TestNewEngineErrors(t *testing.T) {
	at := qualstate.Location{File: "hand.yaml", Line: 3, Column: 5}
	set := &qualstate.RequirementSet{Name: "hand", Requirements: []*qualstate.Requirement{
		{ID: "GOOD", ResourceTypes: []string{"AWS::S3::Bucket"}, Check: "has(properties.A)"},
		{ID: "SYNTAX", ResourceTypes: []string{"AWS::S3::Bucket"}, Check: "properties.A ==", Loc: at},
		{ID: "NOT.BOOL", ResourceTypes: []string{"AWS::S3::Bucket"}, Check: `"text"`, Loc: at},
	}}
	_, err := NewEngine(set)
	if err == nil {
		t.Fatal("no error")
	}
	leaves := leafErrors(err)
	if len(leaves) != 2 || qualstate.CodeOf(err) != qualstate.ErrInvalidInput {
		t.Fatalf("errors = %v", err)
	}
	for i, want := range []string{"hand.yaml:3:5: requirement SYNTAX: check: Syntax error", "hand.yaml:3:5: requirement NOT.BOOL: check: check returns string, not bool"} {
		if !strings.HasPrefix(leaves[i].Error(), want) {
			t.Errorf("error %d = %q, want it to start %q", i, leaves[i], want)
		}
	}
}
