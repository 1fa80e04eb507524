package sign

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

func TestCheckPassword(t *testing.T) {
	pol := Policy{PasswordMinLength: 12}
	tests := []struct {
		name, pw string
		want     string // part of the error; empty when the password is accepted
	}{
		{"long passphrase", "copper-kettle-19-meadow", ""},
		{"common word inside a longer one", "sunshine-over-the-lake-7", ""},
		{"twelve characters exactly", "Rk7#vq2!Lm9z", ""},
		{"non-ASCII counted in characters", "зелёный-чайник", ""},
		{"too short", "Rk7#vq2!Lm9", "has 11 characters; at least 12"},
		{"too long", strings.Repeat("Rk7#vq2!Lm9z", 22), "longer than 256 bytes"},
		{"not UTF-8", "copper-kettle-\xff-meadow", "not valid UTF-8"},
		{"contains the user id", "copper-JDOE-meadow", "contains the user id"},
		{"contains a name part", "copper-Smith-meadow", "part of the user's name"},
		{"contains a first name", "kettle-jane-meadow-1", "part of the user's name"},
		{"one character repeated", "xxxxxxxxxxxxxxxx", "one character repeated"},
		{"one non-ASCII character repeated", "éééééééééééé", "one character repeated"},
		{"alphabet", "abcdefghijklmn", "plain sequence"},
		{"alphabet backwards", "ZYXWVUTSRQPO", "plain sequence"},
		{"digits wrapping", "789012345678", "plain sequence"},
		{"keyboard row", "qwertyuiop[]", "plain sequence"},
		{"keyboard columns", "1qaz2wsx3edc4rfv", "plain sequence"},
		{"common with digits and symbols", "Password2024!", "commonly used"},
		{"common with look-alikes", "P@ssw0rd12345", "commonly used"},
		{"common with 1 for l", "1ETMEIN-2024-1", "commonly used"},
		{"common typed twice", "monkeymonkey", "commonly used"},
		{"common and long", "correcthorsebatterystaple", "commonly used"},
		{"common word at work", "Welcome12345!", "commonly used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPassword(tt.pw, pol, "jdoe", "Jane Doe-Smith")
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("accepted, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q, want it to say %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), tt.pw):
				t.Fatalf("error %q repeats the password", err)
			}
		})
	}
}

// Every listed password with letters is refused however it is padded to
// the minimum length; those of digits only are short sequences or caught
// by the length rule.
func TestCommonPasswordsRefused(t *testing.T) {
	n := 0
	for pw := range commonPasswords() {
		if !strings.ContainsFunc(pw, unicode.IsLetter) {
			continue
		}
		n++
		for _, padded := range []string{pw + "2024!!!!!!!!", "##" + strings.ToUpper(pw) + "123456789"} {
			if !common(strings.ToLower(padded)) {
				t.Errorf("%q is accepted", padded)
			}
		}
	}
	if n < 300 {
		t.Fatalf("only %d listed passwords with letters; the list did not load", n)
	}
}

func TestNameParts(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"Ana O'Neil-Smith", []string{"ana", "neil", "smith"}},
		{"Li Na", nil},
		{"José Ñúñez", []string{"josé", "ñúñez"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nameParts(tt.name)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHashRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		params hashParams
		prefix string
	}{
		{"default costs", defaultParams, "$argon2id$v=19$m=65536,t=3,p=2$"},
		{"other costs", hashParams{Memory: 256, Time: 2, Threads: 4}, "$argon2id$v=19$m=256,t=2,p=4$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hashPassword("copper-kettle-19-meadow", tt.params)
			if !strings.HasPrefix(h, tt.prefix) {
				t.Fatalf("hash %s does not start %s", h, tt.prefix)
			}
			if h2 := hashPassword("copper-kettle-19-meadow", tt.params); h2 == h {
				t.Fatal("two hashes of one password are equal: the salt is not random")
			}
			for pw, want := range map[string]bool{
				"copper-kettle-19-meadow":  true,
				"copper-kettle-19-meadoW":  false,
				"":                         false,
				"copper-kettle-19-meadow ": false,
			} {
				ok, err := verifyPassword(pw, h)
				if err != nil || ok != want {
					t.Errorf("verify %q = %v, %v; want %v", pw, ok, err, want)
				}
			}
			if p, ok := paramsOf(h); !ok || p != tt.params {
				t.Errorf("params read back %+v, want %+v", p, tt.params)
			}
		})
	}
}

// Hashes made by the reference implementation verify: the costs are read
// from each hash, not assumed.
func TestHashKnownAnswers(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "argon2id-vectors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pw, h, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad vector line %q", line)
		}
		n++
		t.Run(h, func(t *testing.T) {
			if ok, err := verifyPassword(pw, h); err != nil || !ok {
				t.Fatalf("reference hash of %q does not verify: %v", pw, err)
			}
			if ok, err := verifyPassword(pw+"x", h); err != nil || ok {
				t.Fatalf("reference hash verifies another password: %v", err)
			}
		})
	}
	if n == 0 {
		t.Fatal("no vectors")
	}
}

func TestParseHashRefuses(t *testing.T) {
	const salt, key = "c29tZXNhbHRzb21lc2FsdA", "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing cost", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key},
		{"costs out of order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key},
		{"sign", "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key},
		{"extra cost", "$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key},
		{"no lanes", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"too much memory", "$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key},
		{"too little memory", "$argon2id$v=19$m=8,t=1,p=2$" + salt + "$" + key},
		{"too many passes", "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$!!!$" + key},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key},
		{"short hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$c2FsdA"},
		{"extra field", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := parseHash(tt.hash); err == nil {
				t.Fatal("accepted")
			}
			if ok, err := verifyPassword("password", tt.hash); ok || err == nil {
				t.Fatalf("verify = %v, %v; want false and an error", ok, err)
			}
		})
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		hashPassword("copper-kettle-19-meadow", defaultParams)
	}
}
