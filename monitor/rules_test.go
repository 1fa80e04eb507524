package monitor

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"qualstate/cfn/schema"
	"qualstate/drift"
	"qualstate/jsonpatch"
	"qualstate/sandbox/registry"
)

var update = flag.Bool("update", false, "rewrite docs/monitoring-rules.md from the rule table")

const rulesDoc = "../docs/monitoring-rules.md"

// TestRulesDoc keeps docs/monitoring-rules.md in agreement with the rule
// table; -update rewrites it.
func TestRulesDoc(t *testing.T) {
	want := RulesMarkdown()
	if *update {
		if err := os.WriteFile(rulesDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatalf("%v (run go test ./monitor -run TestRulesDoc -update)", err)
	}
	if string(got) != want {
		t.Errorf("%s does not list the rules of monitor/rules.go: run go test ./monitor -run TestRulesDoc -update", rulesDoc)
	}
	for _, r := range rules {
		if !strings.Contains(string(got), r.Reason) {
			t.Errorf("%s does not give the reason of %s %s", rulesDoc, r.Type, r.Path)
		}
	}
}

// TestRulesNameSchemaProperties checks each rule against its type's
// schema: the property exists, and is neither read-only nor write-only
// (those are set aside already, so a rule on one is a mistake).
func TestRulesNameSchemaProperties(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range rules {
		t.Run(r.Type+r.Path, func(t *testing.T) {
			if seen[r.Type+r.Path] {
				t.Errorf("two rules for %s %s", r.Type, r.Path)
			}
			seen[r.Type+r.Path] = true
			if len(r.Reason) < 20 {
				t.Errorf("reason %q does not say why", r.Reason)
			}
			tokens, err := jsonpatch.ParsePointer(r.Path)
			if err != nil || len(tokens) == 0 {
				t.Fatalf("path %q: not a pointer to a property", r.Path)
			}
			switch r.Kind {
			case RuleVolatile, RuleSystemTags:
			case RuleDefault:
				if r.Value == nil || len(tokens) != 1 {
					t.Errorf("a default needs a value and a top-level property")
				}
			case RuleMinorVersion:
				if r.When == "" || len(tokens) != 1 {
					t.Errorf("a minor-version rule needs When and a top-level property")
				}
			default:
				t.Fatalf("unknown kind %q", r.Kind)
			}
			if r.Type == "*" {
				return
			}
			s, ok := schema.Lookup(r.Type)
			if !ok {
				t.Fatalf("no schema for %s", r.Type)
			}
			if !s.HasProperty(tokens[0]) {
				t.Errorf("%s has no property %s", r.Type, tokens[0])
			}
			if r.When != "" && !s.HasProperty(r.When) {
				t.Errorf("%s has no property %s", r.Type, r.When)
			}
			schemaPath := "/properties" + r.Path
			for _, p := range append(s.ReadOnlyProperties(), s.WriteOnlyProperties()...) {
				if schemaPath == p || strings.HasPrefix(schemaPath, p+"/") {
					t.Errorf("%s is read-only or write-only (%s): the schema sets it aside already", r.Path, p)
				}
			}
		})
	}
}

// TestRuleDefaultsMatchTheSandbox creates a resource of each type the
// sandbox provisions from the fixtures in testdata/desired and checks that
// the defaults the rules name are the values the sandbox's registry gives,
// and that a read after an update that changes nothing shows no drift.
func TestRuleDefaultsMatchTheSandbox(t *testing.T) {
	files, err := filepath.Glob("testdata/desired/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	env := registry.Env{Account: "123456789012", Region: "us-east-1"}
	type created struct {
		typ   *registry.Type
		model map[string]any
	}
	var made []created
	covered := map[string]bool{}
	for _, f := range files {
		typeName := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(f), ".json"), "_", "::")
		t.Run(typeName, func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var desired map[string]any
			if err := json.Unmarshal(body, &desired); err != nil {
				t.Fatal(err)
			}
			typ, err := registry.Lookup(typeName)
			if err != nil {
				t.Fatal(err)
			}
			model, err := typ.Create(env, desired, registry.NameHint{StackName: "records", LogicalID: "Res"})
			if err != nil {
				t.Fatal(err)
			}
			made = append(made, created{typ, model})
			for _, r := range rules {
				if r.Type != typeName || r.Kind != RuleDefault {
					continue
				}
				covered[r.Type+r.Path] = true
				if got, ok := model[r.Path[1:]]; !ok || !drift.Equal(r.Value, got) {
					t.Errorf("%s: the sandbox gives %s, the rule %s", r.Path, drift.Text(got), drift.Text(r.Value))
				}
			}
		})
	}
	// Registry times have a resolution of a second: updating a second
	// later moves any time the service keeps current.
	time.Sleep(time.Second)
	for _, c := range made {
		t.Run(c.typ.Name()+"/update", func(t *testing.T) {
			next, err := c.typ.Update(env, c.model, c.typ.Desired(c.model))
			if err != nil {
				t.Fatal(err)
			}
			if ds := Compare(c.typ.Name(), c.typ.Public(c.model), c.typ.Public(next)); len(ds) > 0 {
				t.Errorf("an update that changes nothing drifted: %s", diffText(ds))
			}
		})
	}
	for _, r := range rules {
		if r.Kind != RuleDefault || covered[r.Type+r.Path] {
			continue
		}
		if slices.Contains(registry.Names(), r.Type) {
			t.Errorf("default %s %s: the sandbox provisions %s, add a fixture to testdata/desired", r.Type, r.Path, r.Type)
		}
	}
}
