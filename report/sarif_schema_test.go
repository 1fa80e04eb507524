package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The official SARIF 2.1.0 schema (OASIS, errata01) is not committed here:
// the test takes it from a Go module that ships a verbatim copy, through the
// module proxy and cache, and checks its SHA-256 against the file published
// in github.com/oasis-tcs/sarif-spec (sarif-2.1/schema/sarif-schema-2.1.0.json),
// so a changed copy cannot pass for the standard.
const (
	sarifSchemaModule = "github.com/securego/gosec/v2@v2.30.0"
	sarifSchemaFile   = "report/sarif/testdata/sarif-schema-2.1.0.json"
	sarifSchemaSHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
	// sarifSchemaEnv names a local copy of the schema to use instead, for
	// machines without the module proxy; its digest is checked the same way.
	sarifSchemaEnv = "QUALSTATE_SARIF_SCHEMA"
)

var officialSARIF = sync.OnceValues(loadOfficialSARIFSchema)

func loadOfficialSARIFSchema() (*jsonschema.Schema, error) {
	path := os.Getenv(sarifSchemaEnv)
	if path == "" {
		dir, err := downloadModule(sarifSchemaModule)
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, filepath.FromSlash(sarifSchemaFile))
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != sarifSchemaSHA256 {
		return nil, fmt.Errorf("%s is not the OASIS SARIF 2.1.0 errata01 schema: sha256 %x, want %s", path, sum, sarifSchemaSHA256)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(sarifSchema, doc); err != nil {
		return nil, err
	}
	return c.Compile(sarifSchema)
}

// downloadModule fetches a module into the module cache with the go
// command, outside this module so go.mod and go.sum stay as they are, and
// returns its directory.
func downloadModule(module string) (string, error) {
	tmp, err := os.MkdirTemp("", "qualstate-sarif-schema-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jsonErr := json.Unmarshal(out, &info); jsonErr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s (set %s to a copy of the schema to run offline)", module, info.Error, sarifSchemaEnv)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w: %s (set %s to a copy of the schema to run offline)", module, err, stderr.Bytes(), sarifSchemaEnv)
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s gave no directory: %s", module, out)
	}
	return info.Dir, nil
}

// validateSARIF checks a SARIF log against the official schema.
func validateSARIF(t testing.TB, log []byte) {
	t.Helper()
	schema, err := officialSARIF()
	if err != nil {
		t.Fatalf("loading the SARIF 2.1.0 schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("SARIF output does not validate against sarif-schema-2.1.0.json:\n%v", err)
	}
}

// TestSARIFSchema validates the output for the fixture and for checks that
// lack parts of it, since optional parts left out are as likely to break
// the schema as parts put in.
func TestSARIFSchema(t *testing.T) {
	tests := []struct {
		name  string
		check func() *Check
		opts  SARIFOptions
	}{
		{"fixture", fixtureCheck, SARIFOptions{}},
		{"fixture without passing results", fixtureCheck, SARIFOptions{OmitPassing: true}},
		{"empty check", func() *Check { return &Check{} }, SARIFOptions{}},
		{"no requirement set", func() *Check {
			c := fixtureCheck()
			c.RequirementSet = nil
			return c
		}, SARIFOptions{}},
		{"development build, no information URI", func() *Check {
			c := fixtureCheck()
			c.Tool = Tool{Name: "qualstate", Version: "(devel)", InformationURI: "not a uri"}
			return c
		}, SARIFOptions{}},
		{"only absolute paths, no times", func() *Check {
			c := fixtureCheck()
			c.Templates = c.Templates[:1]
			c.Findings = c.Findings[:2]
			c.Started, c.Finished = time.Time{}, time.Time{}
			return c
		}, SARIFOptions{}},
		{"diagnostics without code, file or line", func() *Check {
			c := fixtureCheck()
			c.Templates[1].Diagnostics[0].Code = ""
			c.Templates[1].Diagnostics[0].Loc.File = ""
			c.Templates[1].Diagnostics[1].Loc.Line = 0
			c.Templates[1].Diagnostics[1].Severity = ""
			return c
		}, SARIFOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := SARIFWithOptions(&buf, tt.check(), tt.opts); err != nil {
				t.Fatal(err)
			}
			validateSARIF(t, buf.Bytes())
		})
	}
}

// TestSARIFSchemaRejects proves the validation can fail: a log the spec
// forbids must not pass, or a passing TestSARIFSchema means nothing.
func TestSARIFSchemaRejects(t *testing.T) {
	schema, err := officialSARIF()
	if err != nil {
		t.Fatalf("loading the SARIF 2.1.0 schema: %v", err)
	}
	tests := []struct{ name, log string }{
		{"no version", `{"runs": []}`},
		{"unknown kind", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "q"}}, "results": [{"kind": "maybe", "message": {"text": "x"}}]}]}`},
		{"line zero", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "q"}}, "results": [{"message": {"text": "x"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]}]}]}`},
		{"relative informationUri", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "q", "informationUri": "docs/x"}}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(tt.log)))
			if err != nil {
				t.Fatal(err)
			}
			if schema.Validate(inst) == nil {
				t.Errorf("schema accepted an invalid log: %s", tt.log)
			}
		})
	}
}
