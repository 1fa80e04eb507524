package awsquery

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func mustParse(t *testing.T, body string) Values {
	t.Helper()
	v, err := Parse([]byte(body))
	if err != nil {
		t.Fatalf("Parse(%q): %v", body, err)
	}
	return v
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string]string
	}{
		{"empty body", "", map[string]string{}},
		{"plain", "Action=ListStacks&Version=2010-05-15", map[string]string{"Action": "ListStacks", "Version": "2010-05-15"}},
		{"plus is a space", "a=b+c&d+e=f", map[string]string{"a": "b c", "d e": "f"}},
		{"escapes", "a=%26%3D%2B%25%2f%C3%BC%E2%98%83", map[string]string{"a": "&=+%/ü☃"}},
		{"escaped plus stays", "a=%2B", map[string]string{"a": "+"}},
		{"empty value", "a=&b", map[string]string{"a": "", "b": ""}},
		{"value with =", "a=b=c", map[string]string{"a": "b=c"}},
		{"stray ampersands", "&&a=1&&b=2&", map[string]string{"a": "1", "b": "2"}},
		{"raw UTF-8", "a=ü", map[string]string{"a": "ü"}},
		{"semicolon is data", "a=1;b=2", map[string]string{"a": "1;b=2"}},
		{"newline in value", "a=x%0Ay", map[string]string{"a": "x\ny"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustParse(t, tt.body)
			got := map[string]string{}
			for _, k := range v.Keys() {
				got[k] = v.String(k)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "k%d=v&", i)
		}
		return b.String()
	}
	tests := []struct {
		name string
		body string
		want string
	}{
		{"bad escape in value", "StackName=a%zz", `parameter "StackName": value: invalid percent-escape "%zz"`},
		{"truncated escape", "StackName=a%4", `parameter "StackName": value: invalid percent-escape "%4"`},
		{"lone percent", "StackName=%", `parameter "StackName": value: invalid percent-escape "%"`},
		{"bad escape in name", "Action=X&Stack%G1Name=a", `parameter #2: name: invalid percent-escape "%G1"`},
		{"invalid UTF-8 value", "StackName=%C3%28", `parameter "StackName": value is not valid UTF-8`},
		{"invalid UTF-8 raw value", "StackName=\xff", `parameter "StackName": value is not valid UTF-8`},
		{"invalid UTF-8 name", "%FF=1", `parameter #1: name "\xff" is not valid UTF-8`},
		{"duplicate", "StackName=a&StackName=b", `parameter "StackName" appears more than once`},
		{"duplicate through escaping", "StackName=a&Stack%4Eame=b", `parameter "StackName" appears more than once`},
		{"empty name", "=x", `parameter #1 has an empty name`},
		{"too many", many(maxKeys + 1), `request has more than 10000 parameters`},
		{"too big", "a=" + strings.Repeat("x", MaxBodySize-1), `request body is 1114113 bytes, more than the 1114112 allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.body))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Parse error = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("limits are inclusive", func(t *testing.T) {
		if _, err := Parse([]byte(many(maxKeys))); err != nil {
			t.Errorf("%d parameters: %v", maxKeys, err)
		}
		if _, err := Parse([]byte("a=" + strings.Repeat("x", MaxBodySize-2))); err != nil {
			t.Errorf("%d bytes: %v", MaxBodySize, err)
		}
	})
}

func TestAccessors(t *testing.T) {
	v := mustParse(t, "Action=CreateStack&Version=2010-05-15&Empty=&T=true&F=false&Bad=True&N=-42&Big=9223372036854775808&NaN=4x")
	if v.Action() != "CreateStack" || v.Version() != "2010-05-15" {
		t.Errorf("Action, Version = %q, %q", v.Action(), v.Version())
	}
	t.Run("presence", func(t *testing.T) {
		if !v.Has("Empty") || v.Has("Missing") {
			t.Error("Has")
		}
		if s, ok := v.Lookup("Empty"); s != "" || !ok {
			t.Errorf("Lookup(Empty) = %q, %v", s, ok)
		}
		if s, ok := v.Lookup("Missing"); s != "" || ok {
			t.Errorf("Lookup(Missing) = %q, %v", s, ok)
		}
		if v.String("Missing") != "" {
			t.Error("String(Missing)")
		}
	})
	boolTests := []struct {
		name           string
		value, present bool
		err            string
	}{
		{"T", true, true, ""},
		{"F", false, true, ""},
		{"Missing", false, false, ""},
		{"Bad", false, true, `parameter "Bad": "True" is not a boolean (want true or false)`},
		{"Empty", false, true, `parameter "Empty": "" is not a boolean (want true or false)`},
	}
	for _, tt := range boolTests {
		t.Run("Bool "+tt.name, func(t *testing.T) {
			value, present, err := v.Bool(tt.name)
			if value != tt.value || present != tt.present || errString(err) != tt.err {
				t.Errorf("Bool = %v, %v, %v; want %v, %v, %q", value, present, err, tt.value, tt.present, tt.err)
			}
		})
	}
	intTests := []struct {
		name    string
		value   int64
		present bool
		err     string
		is      error
	}{
		{"N", -42, true, "", nil},
		{"Missing", 0, false, "", nil},
		{"NaN", 0, true, `parameter "NaN": "4x" is not an integer: invalid syntax`, strconv.ErrSyntax},
		{"Big", 0, true, `parameter "Big": "9223372036854775808" is not an integer: value out of range`, strconv.ErrRange},
	}
	for _, tt := range intTests {
		t.Run("Int "+tt.name, func(t *testing.T) {
			value, present, err := v.Int(tt.name)
			if value != tt.value || present != tt.present || errString(err) != tt.err {
				t.Errorf("Int = %v, %v, %v; want %v, %v, %q", value, present, err, tt.value, tt.present, tt.err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Int error %v does not wrap %v", err, tt.is)
			}
		})
	}
	t.Run("Keys", func(t *testing.T) {
		keys := v.Keys()
		if !slices.IsSorted(keys) || len(keys) != 9 {
			t.Errorf("Keys = %q", keys)
		}
		keys[0] = "changed"
		if v.Keys()[0] == "changed" {
			t.Error("Keys shares its slice with Values")
		}
	})
	t.Run("zero Values", func(t *testing.T) {
		var z Values
		if z.Action() != "" || z.Has("a") || z.ListPresent("a") || len(z.Keys()) != 0 {
			t.Error("zero Values is not empty")
		}
		if l, err := z.List("a"); l != nil || err != nil {
			t.Errorf("List = %v, %v", l, err)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// members builds name.member.1=v1 … for values, in the reverse order to
// show that the request's order does not matter.
func members(name string, values ...string) string {
	var parts []string
	for i := len(values) - 1; i >= 0; i-- {
		parts = append(parts, fmt.Sprintf("%s.member.%d=%s", name, i+1, values[i]))
	}
	return strings.Join(parts, "&")
}

func TestList(t *testing.T) {
	twelve := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	tests := []struct {
		name    string
		body    string
		want    []string
		present bool
		err     string
	}{
		{"two", "L.member.1=a&L.member.2=b", []string{"a", "b"}, true, ""},
		{"numeric order past 9", members("L", twelve...), twelve, true, ""},
		{"empty form", "L=", []string{}, true, ""},
		{"absent", "Other.member.1=a", nil, false, ""},
		{"longer name is another list", "Lx.member.1=a&L2=", nil, false, ""},
		{"empty member", "L.member.1=&L.member.2=b", []string{"", "b"}, true, ""},
		{"leading zero", "L.member.01=a", []string{"a"}, true, ""},
		{"not a number", "L.member.x=a", nil, true, `parameter "L.member.x": index "x" is not a number`},
		{"signed index", "L.member.%2B1=a", nil, true, `parameter "L.member.+1": index "+1" is not a number`},
		{"negative index", "L.member.-1=a", nil, true, `parameter "L.member.-1": index "-1" is not a number`},
		{"empty index", "L.member.=a", nil, true, `parameter "L.member.": index "" is not a number`},
		{"zero index", "L.member.0=a", nil, true, `parameter "L.member.0": index "0" is out of range: list indexes start at 1`},
		{"huge index", "L.member.99999999999=a", nil, true, `parameter "L.member.99999999999": index "99999999999" is too large`},
		{"gap", "L.member.1=a&L.member.3=c", nil, true, `list "L": index 2 is missing (next sent is 3)`},
		{"no first", "L.member.2=b", nil, true, `list "L": index 1 is missing (next sent is 2)`},
		{"duplicate index", "L.member.1=a&L.member.01=b", nil, true, `list "L": index 1 is sent more than once ("L.member.01" and "L.member.1")`},
		{"single value", "L=CAPABILITY_IAM", nil, true, `parameter "L": a list is sent as L.member.N, not as a single value`},
		{"empty and members", "L=&L.member.1=a", nil, true, `list "L" is sent both empty (L=) and with members`},
		{"not member", "L.item.1=a", nil, true, `parameter "L.item.1": list members are sent as L.member.N`},
		{"fields", "L.member.1.Key=a", nil, true, `parameter "L.member.1.Key": "L" is a list of strings, its members have no fields`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustParse(t, tt.body)
			got, err := v.List("L")
			if errString(err) != tt.err {
				t.Fatalf("List error = %v, want %q", err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("List = %#v, want %#v", got, tt.want)
			}
			if v.ListPresent("L") != tt.present {
				t.Errorf("ListPresent = %v, want %v", v.ListPresent("L"), tt.present)
			}
		})
	}
}

func TestStructs(t *testing.T) {
	type entry = map[string]string
	flatten := func(vs []Values) []entry {
		if vs == nil {
			return nil
		}
		out := []entry{}
		for _, v := range vs {
			e := entry{}
			for _, k := range v.Keys() {
				e[k] = v.String(k)
			}
			out = append(out, e)
		}
		return out
	}
	var many []string
	var manyWant []entry
	for i := 12; i >= 1; i-- {
		many = append(many, fmt.Sprintf("P.member.%d.K=k%d&P.member.%d.V=v%d", i, i, i, i))
	}
	for i := 1; i <= 12; i++ {
		manyWant = append(manyWant, entry{"K": fmt.Sprintf("k%d", i), "V": fmt.Sprintf("v%d", i)})
	}
	tests := []struct {
		name string
		body string
		want []entry
		err  string
	}{
		{"parameters", "P.member.1.ParameterKey=a&P.member.1.ParameterValue=1&P.member.2.ParameterKey=b&P.member.2.UsePreviousValue=true",
			[]entry{{"ParameterKey": "a", "ParameterValue": "1"}, {"ParameterKey": "b", "UsePreviousValue": "true"}}, ""},
		{"numeric order past 9", strings.Join(many, "&"), manyWant, ""},
		{"empty form", "P=", []entry{}, ""},
		{"absent", "Q.member.1.K=a", nil, ""},
		{"dotted field", "P.member.1.A.B=x", []entry{{"A.B": "x"}}, ""},
		{"gap", "P.member.1.K=a&P.member.3.K=c", nil, `list "P": index 2 is missing (next sent is 3)`},
		{"not a number", "P.member.x.ParameterKey=k", nil, `parameter "P.member.x.ParameterKey": index "x" is not a number`},
		{"duplicate index", "P.member.1.K=a&P.member.01.V=b", nil, `list "P": index 1 is sent more than once ("P.member.01.V" and "P.member.1.K")`},
		{"no field", "P.member.1=a", nil, `parameter "P.member.1": "P" is a list of structures, its members need a field name`},
		{"empty field", "P.member.1.=a", nil, `parameter "P.member.1.": empty field name`},
		{"single value", "P=x", nil, `parameter "P": a list is sent as P.member.N, not as a single value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustParse(t, tt.body)
			got, err := v.Structs("P")
			if errString(err) != tt.err {
				t.Fatalf("Structs error = %v, want %q", err, tt.err)
			}
			if !reflect.DeepEqual(flatten(got), tt.want) {
				t.Errorf("Structs = %v, want %v", flatten(got), tt.want)
			}
		})
	}

	t.Run("error names the parameter as sent", func(t *testing.T) {
		v := mustParse(t, "Parameters.member.x.ParameterKey=k")
		_, err := v.Structs("Parameters")
		if want := `parameter "Parameters.member.x.ParameterKey": index "x" is not a number`; errString(err) != want {
			t.Errorf("error = %v, want %q", err, want)
		}
	})

	t.Run("nested", func(t *testing.T) {
		v := mustParse(t, "S.member.2.Name=b&S.member.2.Items=&S.member.1.Name=a&S.member.1.Items.member.2=y&S.member.1.Items.member.1=x"+
			"&S.member.1.Sub.member.1.K=deep&S.member.3.Items.member.x=1&S.member.3.Flag=yes&S.member.3.N=z")
		subs, err := v.Structs("S")
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 3 {
			t.Fatalf("%d structs, want 3", len(subs))
		}
		if got, err := subs[0].List("Items"); err != nil || !reflect.DeepEqual(got, []string{"x", "y"}) {
			t.Errorf("S[0].Items = %q, %v", got, err)
		}
		if deep, err := subs[0].Structs("Sub"); err != nil || len(deep) != 1 || deep[0].String("K") != "deep" {
			t.Errorf("S[0].Sub = %v, %v", deep, err)
		}
		if got, err := subs[1].List("Items"); err != nil || got == nil || len(got) != 0 || !subs[1].ListPresent("Items") {
			t.Errorf("S[1].Items = %#v, %v", got, err)
		}
		if subs[0].String("Name") != "a" || subs[1].String("Name") != "b" {
			t.Errorf("names %q %q", subs[0].String("Name"), subs[1].String("Name"))
		}
		if want := []string{"Items.member.1", "Items.member.2", "Name", "Sub.member.1.K"}; !reflect.DeepEqual(subs[0].Keys(), want) {
			t.Errorf("S[0].Keys = %q, want %q", subs[0].Keys(), want)
		}
		// Errors in a member name the parameter as the client sent it.
		if _, err := subs[2].List("Items"); errString(err) != `parameter "S.member.3.Items.member.x": index "x" is not a number` {
			t.Errorf("S[2].Items error = %v", err)
		}
		if _, _, err := subs[2].Bool("Flag"); errString(err) != `parameter "S.member.3.Flag": "yes" is not a boolean (want true or false)` {
			t.Errorf("S[2].Flag error = %v", err)
		}
		if _, _, err := subs[2].Int("N"); !strings.HasPrefix(errString(err), `parameter "S.member.3.N": `) {
			t.Errorf("S[2].N error = %v", err)
		}
	})
}

// TestBotocoreBodies reads requests serialized by botocore, the AWS CLI's
// serializer.
func TestBotocoreBodies(t *testing.T) {
	read := func(t *testing.T, name string) Values {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		v, err := Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Run("CreateStack", func(t *testing.T) {
		v := read(t, "botocore_createstack.body")
		if v.Action() != "CreateStack" || v.Version() != "2010-05-15" || v.String("StackName") != "demo-stack" {
			t.Errorf("Action, Version, StackName = %q, %q, %q", v.Action(), v.Version(), v.String("StackName"))
		}
		if want := `{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}, "Description": "a&b=c+d %41 / ü ☃\n"}`; v.String("TemplateBody") != want {
			t.Errorf("TemplateBody = %q, want %q", v.String("TemplateBody"), want)
		}
		params, err := v.Structs("Parameters")
		if err != nil || len(params) != 2 {
			t.Fatalf("Parameters = %v, %v", params, err)
		}
		if params[0].String("ParameterKey") != "Env" || params[0].String("ParameterValue") != "prod & test" {
			t.Errorf("Parameters[0] = %v", params[0].m)
		}
		if b, ok, err := params[1].Bool("UsePreviousValue"); !b || !ok || err != nil || params[1].Has("ParameterValue") {
			t.Errorf("Parameters[1] = %v", params[1].m)
		}
		if caps, err := v.List("Capabilities"); err != nil || !reflect.DeepEqual(caps, []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"}) {
			t.Errorf("Capabilities = %q, %v", caps, err)
		}
		tags, err := v.Structs("Tags")
		if err != nil || len(tags) != 2 || tags[0].String("Value") != "a b" || tags[1].String("Key") != "cost" {
			t.Errorf("Tags = %v, %v", tags, err)
		}
		if n, ok, err := v.Int("TimeoutInMinutes"); n != 30 || !ok || err != nil {
			t.Errorf("TimeoutInMinutes = %v, %v, %v", n, ok, err)
		}
		if b, ok, err := v.Bool("DisableRollback"); b || !ok || err != nil {
			t.Errorf("DisableRollback = %v, %v, %v", b, ok, err)
		}
		triggers, err := v.Structs("RollbackConfiguration.RollbackTriggers")
		if err != nil || len(triggers) != 1 || triggers[0].String("Type") != "AWS::CloudWatch::Alarm" {
			t.Errorf("RollbackTriggers = %v, %v", triggers, err)
		}
	})
	t.Run("UpdateStack with empty lists", func(t *testing.T) {
		v := read(t, "botocore_updatestack_emptylists.body")
		for _, name := range []string{"Capabilities", "NotificationARNs"} {
			l, err := v.List(name)
			if err != nil || l == nil || len(l) != 0 || !v.ListPresent(name) {
				t.Errorf("%s = %#v, %v, present %v", name, l, err, v.ListPresent(name))
			}
		}
		if v.ListPresent("Tags") {
			t.Error("Tags present")
		}
	})
}
