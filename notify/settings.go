package notify

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/mail"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// settingsPrefix starts every setting this package reads; other settings
// of the home are none of its business.
const settingsPrefix = "notify."

// minSecret is the shortest webhook secret accepted: shorter ones can be
// guessed offline from one captured signed delivery.
const minSecret = 16

// fields lists the settings each kind of target takes, in the order the
// error for an unknown one lists them.
var fields = map[string][]string{
	KindWebhook: {"url", "secret", "events"},
	KindSlack:   {"url", "events"},
	KindEmail:   {"smtp", "from", "to", "username", "password", "starttls", "events"},
}

// Targets reads the notification targets from the home's settings:
// notify.KIND.FIELD for a kind's default target and notify.KIND.NAME.FIELD
// for named ones, where KIND is webhook, slack or email. An empty value is
// the same as no value. Email targets use STARTTLS unless
// notify.email.starttls is false. Targets come sorted by name; an unknown
// notify.* key, or a bad value, is an error that names the key.
func Targets(settings map[string]string) ([]Target, error) {
	keys := make([]string, 0, len(settings))
	for k := range settings {
		if strings.HasPrefix(k, settingsPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)

	byName := map[string]*Target{}
	prefixOf := map[string]string{}
	for _, key := range keys {
		kind, name, field, err := splitKey(key)
		if err != nil {
			return nil, err
		}
		value := strings.TrimSpace(settings[key])
		if value == "" {
			continue
		}
		t := byName[name]
		if t == nil {
			t = &Target{Name: name, Kind: kind}
			t.SMTP.StartTLS = kind == KindEmail
			byName[name] = t
			prefixOf[name] = strings.TrimSuffix(key, field)
		}
		if err := t.set(field, value); err != nil {
			return nil, fmt.Errorf("setting %s: %w", key, err)
		}
	}

	out := make([]Target, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		t := byName[name]
		if err := t.complete(prefixOf[name]); err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, nil
}

// IsSecret reports whether a setting's value must be masked when settings
// are listed: secrets, passwords, and Slack webhook URLs, which are
// credentials in themselves.
func IsSecret(key string) bool {
	key = strings.ToLower(key)
	if strings.HasSuffix(key, ".secret") || strings.HasSuffix(key, ".password") {
		return true
	}
	return strings.HasPrefix(key, settingsPrefix+KindSlack+".") && strings.HasSuffix(key, ".url")
}

// splitKey splits notify.KIND[.NAME].FIELD into the kind, the target's
// name and the field.
func splitKey(key string) (kind, name, field string, err error) {
	parts := strings.Split(strings.TrimPrefix(key, settingsPrefix), ".")
	kind = parts[0]
	known, ok := fields[kind]
	if !ok {
		return "", "", "", fmt.Errorf("unknown setting %s: want notify.webhook.*, notify.slack.* or notify.email.*", key)
	}
	switch len(parts) {
	case 2:
		name, field = kind, parts[1]
	case 3:
		if !validName(parts[1]) {
			return "", "", "", fmt.Errorf("setting %s: target name %q: use letters, digits, - and _", key, parts[1])
		}
		name, field = kind+"."+parts[1], parts[2]
	default:
		return "", "", "", fmt.Errorf("unknown setting %s: want notify.%s.FIELD or notify.%s.NAME.FIELD", key, kind, kind)
	}
	for _, f := range known {
		if f == field {
			return kind, name, field, nil
		}
	}
	return "", "", "", fmt.Errorf("unknown setting %s: %s targets take %s", key, kind, strings.Join(known, ", "))
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// set checks one setting's value and stores it. Errors never repeat the
// value: it may be a secret.
func (t *Target) set(field, value string) error {
	var err error
	switch field {
	case "url":
		err = checkURL(value)
		t.URL = value
	case "secret":
		err = checkSecret(value)
		t.Secret = value
	case "events":
		t.Events, err = parseEvents(value)
	case "smtp":
		err = checkSMTPAddr(value)
		t.SMTP.Addr = value
	case "from":
		var a *mail.Address
		if a, err = mail.ParseAddress(value); err == nil {
			t.SMTP.From = a.String()
		}
	case "to":
		var list []*mail.Address
		if list, err = mail.ParseAddressList(value); err == nil {
			for _, a := range list {
				t.SMTP.To = append(t.SMTP.To, a.String())
			}
		}
	case "username":
		t.SMTP.Username = value
	case "password":
		t.SMTP.Password = value
	case "starttls":
		t.SMTP.StartTLS, err = strconv.ParseBool(value)
		if err != nil {
			err = errors.New("want true or false")
		}
	}
	return err
}

// complete checks that a target read from settings has what its kind
// needs; prefix is its keys' common start, to name the missing key.
func (t *Target) complete(prefix string) error {
	var missing []string
	switch t.Kind {
	case KindWebhook, KindSlack:
		if t.URL == "" {
			missing = append(missing, "url")
		}
	case KindEmail:
		if t.SMTP.Addr == "" {
			missing = append(missing, "smtp")
		}
		if t.SMTP.From == "" {
			missing = append(missing, "from")
		}
		if len(t.SMTP.To) == 0 {
			missing = append(missing, "to")
		}
	}
	if len(missing) > 0 {
		keys := make([]string, len(missing))
		for i, f := range missing {
			keys[i] = prefix + f
		}
		return fmt.Errorf("notification target %s: %s not set", t.Name, strings.Join(keys, ", "))
	}
	if err := t.validate(); err != nil {
		return fmt.Errorf("notification target %s: %w", t.Name, err)
	}
	return nil
}

// validate checks a target however it was built; Send calls it so that a
// bad target fails as a permanent error instead of a retried one.
func (t Target) validate() error {
	if t.Name == "" {
		return errors.New("target has no name")
	}
	for _, glob := range t.Events {
		if _, err := path.Match(glob, ""); err != nil {
			return fmt.Errorf("events: %q: %w", glob, err)
		}
	}
	switch t.Kind {
	case KindWebhook, KindSlack:
		if err := checkURL(t.URL); err != nil {
			return fmt.Errorf("url: %w", err)
		}
		if t.Kind == KindWebhook && t.Secret != "" {
			if err := checkSecret(t.Secret); err != nil {
				return fmt.Errorf("secret: %w", err)
			}
		}
		return nil
	case KindEmail:
		return t.SMTP.validate()
	}
	return fmt.Errorf("kind %q: want webhook, slack or email", t.Kind)
}

func (c SMTPConfig) validate() error {
	if err := checkSMTPAddr(c.Addr); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if len(c.To) == 0 {
		return errors.New("to: no recipient")
	}
	for _, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("to: %w", err)
		}
	}
	if (c.Username == "") != (c.Password == "") {
		return errors.New("username and password go together")
	}
	if host, _, _ := net.SplitHostPort(c.Addr); c.Username != "" && !c.StartTLS && !authAllowed(false, host) {
		return errors.New("a password is only sent over STARTTLS or to this machine: turn starttls on")
	}
	return nil
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q: want http or https", u.Scheme)
	}
	if u.Hostname() == "" {
		return errors.New("no host")
	}
	return nil
}

func checkSecret(s string) error {
	if len(s) < minSecret {
		return fmt.Errorf("%d bytes: want at least %d", len(s), minSecret)
	}
	return nil
}

func checkSMTPAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port", addr)
	}
	if host == "" {
		return fmt.Errorf("%q: no host", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("%q: port %q", addr, port)
	}
	return nil
}

// parseEvents splits a comma-separated list of globs.
func parseEvents(s string) ([]string, error) {
	var out []string
	for _, glob := range strings.Split(s, ",") {
		glob = strings.TrimSpace(glob)
		if glob == "" {
			continue
		}
		if _, err := path.Match(glob, ""); err != nil {
			return nil, fmt.Errorf("%q: %w", glob, err)
		}
		out = append(out, glob)
	}
	return out, nil
}
