package awsquery

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.body"))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds in testdata")
	}
	for _, name := range seeds {
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	for _, s := range []string{
		"",
		"L=&L.member.1=a",
		"L.member.1=a&L.member.01=b&L.member.3=c",
		"S.member.1.Items.member.1=x&S.member.1.Items=&S.member.2=y&S.member.x.K=1",
		"a=%zz&b=%C3%28&=&&",
		"S.member.4294967295.K=1&S.member.0.K=2",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := Parse(body)
		if err != nil {
			return
		}
		keys := v.Keys()
		if len(keys) > maxKeys || !slices.IsSorted(keys) {
			t.Fatalf("%d keys, sorted %v", len(keys), slices.IsSorted(keys))
		}
		for _, k := range keys {
			value, ok := v.Lookup(k)
			if !ok || k == "" || !utf8.ValidString(k) || !utf8.ValidString(value) {
				t.Fatalf("key %q value %q ok %v", k, value, ok)
			}
		}
		budget := 10000
		exercise(t, v, 0, &budget)

		// What was accepted re-encodes to the same parameters.
		enc := url.Values{}
		for _, k := range keys {
			enc.Set(k, v.String(k))
		}
		if again := enc.Encode(); len(again) <= MaxBodySize {
			w, err := Parse([]byte(again))
			if err != nil {
				t.Fatalf("re-parse of %q: %v", again, err)
			}
			if !reflect.DeepEqual(w.m, v.m) {
				t.Fatalf("re-parse of %q = %q, want %q", again, w.m, v.m)
			}
		}
	})
}

// exercise calls the list accessors with every name the keys of v could
// make a list of, and recurses into the structures found, within budget
// calls so that a pathological input does not stall the fuzzer.
func exercise(t *testing.T, v Values, depth int, budget *int) {
	names := map[string]bool{}
	for _, k := range v.Keys() {
		names[k] = true
		for i := range len(k) {
			if k[i] == '.' {
				names[k[:i]] = true
			}
		}
	}
	for name := range names {
		if *budget <= 0 {
			return
		}
		*budget--
		present := v.ListPresent(name)
		l, lerr := v.List(name)
		s, serr := v.Structs(name)
		_, _, _ = v.Bool(name)
		_, _, _ = v.Int(name)
		if !present && (l != nil || s != nil || lerr != nil || serr != nil) {
			t.Fatalf("list %q is absent but List = %q, %v and Structs = %d, %v", name, l, lerr, len(s), serr)
		}
		if lerr == nil && serr == nil && len(l)+len(s) > 0 {
			t.Fatalf("%q is both a list of strings %q and of structures", name, l)
		}
		for _, sub := range s {
			if len(sub.Keys()) == 0 {
				t.Fatalf("structure of %q has no fields", name)
			}
			for _, k := range sub.Keys() {
				if !strings.HasPrefix(sub.prefix, v.prefix+name+".member.") || v.String(strings.TrimPrefix(sub.prefix, v.prefix)+k) != sub.String(k) {
					t.Fatalf("field %q of %q does not map back to %q", k, name, sub.prefix+k)
				}
			}
			if depth < 3 {
				exercise(t, sub, depth+1, budget)
			}
		}
	}
}
