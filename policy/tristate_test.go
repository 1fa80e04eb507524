package policy

import (
	"testing"

	"qualstate"
)

func TestTriState(t *testing.T) {
	e := engineFor(t, "tristate.yaml")
	b := unknown("!Ref BParam", 7)
	cases := []struct {
		name   string
		req    string
		props  map[string]any
		want   qualstate.Result
		reason string // the whole reason, when given
	}{
		{name: "known pass", req: "EQ", props: map[string]any{"Status": "Enabled"}, want: qualstate.ResultPass, reason: `Status = "Enabled"`},
		{name: "known fail", req: "EQ", props: map[string]any{"Status": "Suspended"}, want: qualstate.ResultFail, reason: `Status = "Suspended"`},
		{name: "absent uses the default", req: "EQ", props: map[string]any{}, want: qualstate.ResultFail, reason: `Status absent`},
		{name: "unknown is indeterminate", req: "EQ", props: map[string]any{"Status": b}, want: qualstate.ResultIndeterminate,
			reason: `depends on !Ref BParam (template.yaml:7:9), known after deployment`},

		{name: "false && unknown", req: "AND", props: map[string]any{"A": false, "B": b}, want: qualstate.ResultFail},
		{name: "true && unknown", req: "AND", props: map[string]any{"A": true, "B": b}, want: qualstate.ResultIndeterminate},
		{name: "unknown || true", req: "OR", props: map[string]any{"A": true, "B": b}, want: qualstate.ResultPass},
		{name: "unknown || false", req: "OR", props: map[string]any{"A": false, "B": b}, want: qualstate.ResultIndeterminate},
		{name: "ternary on known false", req: "TERNARY", props: map[string]any{"A": false, "B": b}, want: qualstate.ResultPass},
		{name: "ternary on unknown", req: "TERNARY", props: map[string]any{"A": b}, want: qualstate.ResultIndeterminate},

		{name: "exists with one known match", req: "EXISTS", props: map[string]any{"Rules": []any{map[string]any{"Enabled": b}, map[string]any{"Enabled": true}}}, want: qualstate.ResultPass},
		{name: "exists with no known match", req: "EXISTS", props: map[string]any{"Rules": []any{map[string]any{"Enabled": false}, b}}, want: qualstate.ResultIndeterminate},
		{name: "exists with none", req: "EXISTS", props: map[string]any{"Rules": []any{map[string]any{"Enabled": false}}}, want: qualstate.ResultFail},
		{name: "all with one known miss", req: "ALL", props: map[string]any{"Rules": []any{b, map[string]any{"Enabled": false}}}, want: qualstate.ResultFail},
		{name: "all with the rest unknown", req: "ALL", props: map[string]any{"Rules": []any{map[string]any{"Enabled": true}, map[string]any{"Enabled": b}}}, want: qualstate.ResultIndeterminate},

		{name: "in: found beside an unknown", req: "IN", props: map[string]any{"Algorithms": []any{b, "aws:kms"}}, want: qualstate.ResultPass},
		{name: "in: not found, an unknown could be it", req: "IN", props: map[string]any{"Algorithms": []any{"AES256", b}}, want: qualstate.ResultIndeterminate},
		{name: "in: not found", req: "IN", props: map[string]any{"Algorithms": []any{"AES256"}}, want: qualstate.ResultFail},
		{name: "in: the list itself unknown", req: "IN", props: map[string]any{"Algorithms": b}, want: qualstate.ResultIndeterminate},
		{name: "not in: an unknown could be it", req: "NOT-IN", props: map[string]any{"Algorithms": []any{"a", b}}, want: qualstate.ResultIndeterminate},
		{name: "not in: known", req: "NOT-IN", props: map[string]any{"Algorithms": []any{"a", "b"}}, want: qualstate.ResultPass},

		{name: "list equality with an unknown element", req: "LIST-EQ", props: map[string]any{"Ports": []any{b}}, want: qualstate.ResultIndeterminate},
		{name: "list equality decided by a known element", req: "LIST-EQ", props: map[string]any{"Ports": []any{int64(80)}}, want: qualstate.ResultFail},
		{name: "list equality decided by length", req: "LIST-EQ", props: map[string]any{"Ports": []any{b, int64(443)}}, want: qualstate.ResultFail},
		{name: "list equality of int and double", req: "LIST-EQ", props: map[string]any{"Ports": []any{443.0}}, want: qualstate.ResultPass},
		{name: "constant list first", req: "LIST-EQ-REVERSED", props: map[string]any{"Ports": []any{b}}, want: qualstate.ResultIndeterminate},
		{name: "constant list first, known", req: "LIST-EQ-REVERSED", props: map[string]any{"Ports": []any{int64(443)}}, want: qualstate.ResultFail},
		{name: "map equality with an unknown value", req: "MAP-EQ", props: map[string]any{"Tags": map[string]any{"env": b}}, want: qualstate.ResultIndeterminate},
		{name: "map equality decided by a key", req: "MAP-EQ", props: map[string]any{"Tags": map[string]any{"team": b}}, want: qualstate.ResultFail},
		{name: "map equality", req: "MAP-EQ", props: map[string]any{"Tags": map[string]any{"env": "prod"}}, want: qualstate.ResultPass},

		{name: "has() of an unknown value is true", req: "HAS", props: map[string]any{"KmsKeyId": getAtt("Key", "Arn", 9)}, want: qualstate.ResultPass},
		{name: "has() of an absent property", req: "HAS", props: map[string]any{}, want: qualstate.ResultFail, reason: "KmsKeyId absent"},
		{name: "has() below an unknown value", req: "HAS-DEEP", props: map[string]any{"Config": b}, want: qualstate.ResultIndeterminate},
		{name: "has() below a known map", req: "HAS-DEEP", props: map[string]any{"Config": map[string]any{"Key": b}}, want: qualstate.ResultPass},
		{name: "optional holding an unknown stays unknown", req: "HAS-VALUE", props: map[string]any{"KmsKeyId": b}, want: qualstate.ResultIndeterminate},

		{name: "intersects: known match", req: "SETS-INTERSECTS", props: map[string]any{"Actions": []any{b, "*"}}, want: qualstate.ResultPass},
		{name: "intersects: unknown could match", req: "SETS-INTERSECTS", props: map[string]any{"Actions": []any{"s3:GetObject", b}}, want: qualstate.ResultIndeterminate},
		{name: "intersects: no match", req: "SETS-INTERSECTS", props: map[string]any{"Actions": []any{"s3:GetObject"}}, want: qualstate.ResultFail},
		{name: "contains: an unknown element", req: "SETS-CONTAINS", props: map[string]any{"Actions": []any{"s3:GetObject", b}}, want: qualstate.ResultIndeterminate},
		{name: "contains: a known outsider", req: "SETS-CONTAINS", props: map[string]any{"Actions": []any{b, "s3:PutObject"}}, want: qualstate.ResultFail},
		{name: "contains: all in", req: "SETS-CONTAINS", props: map[string]any{"Actions": []any{"s3:ListBucket"}}, want: qualstate.ResultPass},
		{name: "equivalent: unknown", req: "SETS-EQUIVALENT", props: map[string]any{"Actions": []any{b}}, want: qualstate.ResultIndeterminate},
		{name: "equivalent: known", req: "SETS-EQUIVALENT", props: map[string]any{"Actions": []any{"s3:GetObject", "s3:GetObject"}}, want: qualstate.ResultPass},

		{name: "string functions of an unknown", req: "STRING", props: map[string]any{"Name": b}, want: qualstate.ResultIndeterminate},
		{name: "string functions", req: "STRING", props: map[string]any{"Name": "PROD-db"}, want: qualstate.ResultPass},
		{name: "double compared with int", req: "NUMBER", props: map[string]any{"RetentionInDays": 400.0}, want: qualstate.ResultPass},
		{name: "int compared with int", req: "NUMBER", props: map[string]any{"RetentionInDays": int64(30)}, want: qualstate.ResultFail, reason: "RetentionInDays = 30"},

		{name: "plain select of an absent property", req: "ABSENT", props: map[string]any{}, want: qualstate.ResultError,
			reason: "evaluation error: no such key: VersioningConfiguration; VersioningConfiguration absent"},
		{name: "plain select of a present property", req: "ABSENT", props: map[string]any{"VersioningConfiguration": map[string]any{"Status": "Enabled"}}, want: qualstate.ResultPass},
		{name: "division by zero", req: "DIVIDE", props: map[string]any{}, want: qualstate.ResultError, reason: "evaluation error: division by zero; N absent"},
		{name: "error beats unknown", req: "DIVIDE", props: map[string]any{"N": int64(0), "Other": b}, want: qualstate.ResultError},
		{name: "resource variable", req: "RESOURCE", props: map[string]any{"X": b}, want: qualstate.ResultPass},
		{name: "join over a list with an unknown first", req: "JOIN", props: map[string]any{"Names": []any{b, "x"}}, want: qualstate.ResultIndeterminate},
		{name: "join over a list with an unknown later", req: "JOIN", props: map[string]any{"Names": []any{"x", b}}, want: qualstate.ResultIndeterminate},
		{name: "join over a known list", req: "JOIN", props: map[string]any{"Names": []any{"x", "admin"}}, want: qualstate.ResultPass},
		{name: "sort a list with an unknown", req: "SORT", props: map[string]any{"Names": []any{"b", b}}, want: qualstate.ResultIndeterminate},
		{name: "sort a known list", req: "SORT", props: map[string]any{"Names": []any{"b", "a"}}, want: qualstate.ResultPass},
		{name: "slice beyond a known list", req: "SLICE", props: map[string]any{"Names": []any{"a"}}, want: qualstate.ResultError},
		// The list functions check their argument by its first element, so
		// an unknown there makes the answer unknown even where it would not
		// matter: indeterminate, never a wrong pass or fail.
		{name: "slice a list with an unknown first", req: "SLICE", props: map[string]any{"Names": []any{b, "a", "c"}}, want: qualstate.ResultIndeterminate},
		{name: "slice a list with an unknown later", req: "SLICE", props: map[string]any{"Names": []any{"a", "c", b}}, want: qualstate.ResultPass},
		{name: "cel.bind", req: "BIND", props: map[string]any{"Rules": []any{map[string]any{"Enabled": true}}}, want: qualstate.ResultPass,
			reason: "Rules[0].Enabled = true"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &qualstate.Resource{Type: "Test::Svc::Thing", LogicalID: "Thing", Properties: c.props}
			f := pick(t, e.EvaluateResource(Scope{Resources: []*qualstate.Resource{r}}, r), c.req, "Thing")
			if f.Result != c.want {
				t.Errorf("result = %s (%s), want %s", f.Result, f.Reason, c.want)
			}
			if c.reason != "" && f.Reason != c.reason {
				t.Errorf("reason = %q, want %q", f.Reason, c.reason)
			}
		})
	}
}
