package sign

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// maxPasswordBytes bounds the work one sign-in attempt can ask of argon2
// and the size of what is accepted at all.
const maxPasswordBytes = 256

// checkPassword applies the password rules for the user; the error says
// which rule the password breaks, and never repeats the password.
func checkPassword(pw string, p Policy, userID, name string) error {
	if !utf8.ValidString(pw) {
		return errors.New("the password is not valid UTF-8 text")
	}
	if len(pw) > maxPasswordBytes {
		return fmt.Errorf("the password is longer than %d bytes", maxPasswordBytes)
	}
	if n := utf8.RuneCountInString(pw); n < p.PasswordMinLength {
		return fmt.Errorf("the password has %d characters; at least %d are required", n, p.PasswordMinLength)
	}
	lower := strings.ToLower(pw)
	if userID != "" && strings.Contains(lower, strings.ToLower(userID)) {
		return errors.New("the password contains the user id")
	}
	for _, part := range nameParts(name) {
		if strings.Contains(lower, part) {
			return errors.New("the password contains part of the user's name")
		}
	}
	if repeated(pw) {
		return errors.New("the password is one character repeated")
	}
	if sequence(lower) {
		return errors.New("the password is a plain sequence of letters, digits or keys")
	}
	if common(lower) {
		return errors.New("the password is a commonly used one, or one with digits or symbols added")
	}
	return nil
}

// nameParts returns the lowercase runs of three or more letters in a name:
// "Ana O'Neil-Smith" gives ana, neil, smith.
func nameParts(name string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(f) >= 3 {
			out = append(out, f)
		}
	}
	return out
}

func repeated(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}

// sequences are runs a password must not be a part of, forwards or
// backwards. The digits wrap ("7890123…") and the keyboard rows run into
// each other, as people type them.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz",
	strings.Repeat("0123456789", 30),
	"1234567890-=", "!@#$%^&*()_+",
	"qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./",
	"qwertyuiopasdfghjklzxcvbnm",
	"qwertzuiopasdfghjklyxcvbnm", // German layout
	"azertyuiopqsdfghjklmwxcvbn", // French layout
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"qazwsxedcrfvtgbyhnujmikolp",
}

func sequence(lower string) bool {
	rev := reverse(lower)
	for _, seq := range sequences {
		if strings.Contains(seq, lower) || strings.Contains(seq, rev) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
})

// leet undoes the usual letter-for-symbol swaps; "1" is read both as i
// and as l.
var (
	leetI = strings.NewReplacer("@", "a", "4", "a", "3", "e", "1", "i", "!", "i", "0", "o", "$", "s", "5", "s", "7", "t", "+", "t")
	leetL = strings.NewReplacer("@", "a", "4", "a", "3", "e", "1", "l", "!", "i", "0", "o", "$", "s", "5", "s", "7", "t", "+", "t")
)

// common reports whether the password is on the list: as it is, with
// digits and symbols added before or after (how "Summer2024!" meets a
// length rule), or with letters swapped for look-alike digits and
// symbols ("P@ssw0rd").
func common(lower string) bool {
	list := commonPasswords()
	notLetter := func(r rune) bool { return !unicode.IsLetter(r) }
	// Every way of cutting added characters off the ends: the cut parts
	// hold no letters.
	head := len(lower) - len(strings.TrimLeftFunc(lower, notLetter))
	tail := len(strings.TrimRightFunc(lower, notLetter))
	for i := 0; i <= head; i++ {
		for j := len(lower); j >= max(tail, i+1); j-- {
			c := lower[i:j]
			if list[c] || list[leetI.Replace(c)] || list[leetL.Replace(c)] {
				return true
			}
		}
	}
	// A common word typed twice or more ("passwordpassword").
	for n := 1; n <= len(lower)/2; n++ {
		if len(lower)%n == 0 && strings.Repeat(lower[:n], len(lower)/n) == lower && list[lower[:n]] {
			return true
		}
	}
	return false
}

// hashParams are argon2id's cost parameters. They are written into every
// hash, so hashes made with earlier parameters still verify.
type hashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// defaultParams follow RFC 9106's second recommended option (64 MiB), with
// three passes and two lanes.
var defaultParams = hashParams{Memory: 64 * 1024, Time: 3, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
)

var b64 = base64.RawStdEncoding

// hashPassword returns the argon2id hash in the PHC string format.
func hashPassword(pw string, p hashParams) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // never fails: see crypto/rand.Read
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parseHash reads a PHC argon2id string, refusing parameters no hash made
// here would have, so a damaged credential cannot make a sign-in take
// unbounded memory or time.
func parseHash(h string) (p hashParams, salt, key []byte, err error) {
	f := strings.Split(h, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	if f[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, fmt.Errorf("argon2 version %q is not %d", f[2], argon2.Version)
	}
	m, t, par, ok := parseCosts(f[3])
	if !ok {
		return p, nil, nil, fmt.Errorf("argon2 parameters %q do not read as m=…,t=…,p=…", f[3])
	}
	if par < 1 || par > 64 || t < 1 || t > 64 || m < 8*par || m > 1<<20 {
		return p, nil, nil, fmt.Errorf("argon2 parameters %q are out of range", f[3])
	}
	if salt, err = b64.DecodeString(f[4]); err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, errors.New("argon2 salt is damaged")
	}
	if key, err = b64.DecodeString(f[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("argon2 hash is damaged")
	}
	return hashParams{Memory: uint32(m), Time: uint32(t), Threads: uint8(par)}, salt, key, nil
}

// verifyPassword reports whether pw hashes to h, comparing in constant
// time. A hash that does not parse matches nothing.
func verifyPassword(pw, h string) (bool, error) {
	p, salt, key, err := parseHash(h)
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	// An overlong password is hashed too (cut to the limit), so that its
	// length cannot be told from the time a refusal takes.
	got := argon2.IDKey([]byte(pw[:min(len(pw), maxPasswordBytes)]), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1 && len(pw) <= maxPasswordBytes, nil
}

// parseCosts reads "m=M,t=T,p=P" exactly: no spaces, signs or leading
// zeros, so one hash has one spelling.
func parseCosts(s string) (m, t, p uint64, ok bool) {
	var vals [3]uint64
	for i, f := range strings.Split(s, ",") {
		if i > 2 {
			return 0, 0, 0, false
		}
		name, num, found := strings.Cut(f, "=")
		if !found || name != "mtp"[i:i+1] || num == "" || (num[0] == '0' && len(num) > 1) {
			return 0, 0, 0, false
		}
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			return 0, 0, 0, false
		}
		vals[i] = n
	}
	if strings.Count(s, ",") != 2 {
		return 0, 0, 0, false
	}
	return vals[0], vals[1], vals[2], true
}

// paramsOf returns the parameters a hash was made with.
func paramsOf(h string) (hashParams, bool) {
	p, _, _, err := parseHash(h)
	return p, err == nil
}
