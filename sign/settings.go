package sign

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"qualstate"
)

// Setting is one policy setting kept in the Store: its key, the value that
// holds while it is unset, and what it controls.
type Setting struct {
	Key, Default, Doc string
}

// Setting keys.
const (
	KeyMaxFailures      = "auth.max-failures"
	KeyLockout          = "auth.lockout"
	KeySessionIdle      = "auth.session-idle"
	KeySessionMax       = "auth.session-max"
	KeyMinLength        = "password.min-length"
	KeyHistory          = "password.history"
	KeyMaxAge           = "password.max-age"
	KeyDistinctApprover = "review.distinct-approver"
)

// Settings lists every setting SetSetting accepts, with its default.
var Settings = []Setting{
	{KeyMaxFailures, "5", "failed sign-ins or signings in a row that lock the account (1–100)"},
	{KeyLockout, "30m", "how long a locked account stays locked (1m–30d)"},
	{KeySessionIdle, "15m", "inactivity that ends a session (1m–24h)"},
	{KeySessionMax, "12h", "the longest a session lasts, active or not (5m–30d)"},
	{KeyMinLength, "12", "the fewest characters a password has (8–128)"},
	{KeyHistory, "5", "how many of a user's last passwords cannot be used again (0–24)"},
	{KeyMaxAge, "0", "how long a password may be used for signing before it must be changed; 0 for no limit (e.g. 90d)"},
	{KeyDistinctApprover, "true", "whether the approver of a run must be someone other than its reviewers (true or false)"},
}

// maxHistory is the largest password.history; that many earlier hashes are
// kept, so raising the setting takes effect at once.
const maxHistory = 24

// Policy is the settings in force, typed.
type Policy struct {
	MaxFailures       int           // auth.max-failures
	Lockout           time.Duration // auth.lockout
	SessionIdle       time.Duration // auth.session-idle
	SessionMax        time.Duration // auth.session-max
	PasswordMinLength int           // password.min-length
	PasswordHistory   int           // password.history
	PasswordMaxAge    time.Duration // password.max-age; zero when passwords never expire
	DistinctApprover  bool          // review.distinct-approver
}

const day = 24 * time.Hour

// apply parses value for key into p.
func (p *Policy) apply(key, value string) error {
	var err error
	switch key {
	case KeyMaxFailures:
		p.MaxFailures, err = parseInt(value, 1, 100)
	case KeyLockout:
		p.Lockout, err = parseDuration(value, time.Minute, 30*day)
	case KeySessionIdle:
		p.SessionIdle, err = parseDuration(value, time.Minute, day)
	case KeySessionMax:
		p.SessionMax, err = parseDuration(value, 5*time.Minute, 30*day)
	case KeyMinLength:
		p.PasswordMinLength, err = parseInt(value, 8, 128)
	case KeyHistory:
		p.PasswordHistory, err = parseInt(value, 0, maxHistory)
	case KeyMaxAge:
		p.PasswordMaxAge, err = parseDuration(value, 0, 10*365*day)
		if err == nil && p.PasswordMaxAge != 0 && p.PasswordMaxAge < day {
			err = fmt.Errorf("%s is less than a day; give 0 for no limit", value)
		}
	case KeyDistinctApprover:
		p.DistinctApprover, err = strconv.ParseBool(value)
		if err != nil {
			err = fmt.Errorf("%q is not true or false", value)
		}
	default:
		return fmt.Errorf("unknown setting %q (known: %s)", key, settingKeys())
	}
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	return nil
}

func settingKeys() string {
	keys := make([]string, len(Settings))
	for i, s := range Settings {
		keys[i] = s.Key
	}
	return strings.Join(keys, ", ")
}

func parseInt(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is outside %d–%d", n, lo, hi)
	}
	return n, nil
}

// parseDuration reads a Go duration ("90m", "12h") or a number of days
// ("90d"), which is how password ages are usually written.
func parseDuration(s string, lo, hi time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("%q is not a duration (like 30m, 12h or 90d)", s)
		}
		d = time.Duration(days) * day
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration (like 30m, 12h or 90d)", s)
		}
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s is outside %s–%s", s, lo, hi)
	}
	return d, nil
}

// Policy returns the settings in force: those stored, defaults for the
// rest. A stored value that does not parse is an error rather than a
// silent default, since only a change outside qualstate can cause it.
func (s *Service) Policy(ctx context.Context) (Policy, error) {
	stored, err := s.store.Settings(ctx)
	if err != nil {
		return Policy{}, fmt.Errorf("read settings: %w", err)
	}
	var p Policy
	for _, st := range Settings {
		v, ok := stored[st.Key]
		if !ok {
			v = st.Default
		}
		if err := p.apply(st.Key, v); err != nil {
			return Policy{}, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "stored %w", err)
		}
	}
	return p, nil
}

// AcceptSettings lets SetSetting store keys under the prefix ("notify.",
// "treat."), which another part of qualstate reads: validate is given
// every stored setting with the new value in place and refuses what it
// cannot use.
func (s *Service) AcceptSettings(prefix string, validate func(settings map[string]string) error) {
	if s.families == nil {
		s.families = map[string]func(map[string]string) error{}
	}
	s.families[prefix] = validate
}

// SetSetting changes a setting. Only administrators may, or, before
// qualstate has users, the operating-system account of the context's
// actor; the value is checked before it is stored, and the Store audits the
// change. An empty value of a key another part owns removes its effect.
func (s *Service) SetSetting(ctx context.Context, by *Identity, key, value string) error {
	actor := qualstate.ActorOf(ctx)
	if by != nil {
		admin, err := s.current(ctx, by)
		if err != nil {
			return err
		}
		if err := needRole(admin, "change settings", qualstate.RoleAdmin); err != nil {
			return err
		}
		actor = admin.ID
	} else {
		users, err := s.store.Users(ctx)
		if err != nil {
			return fmt.Errorf("read users: %w", err)
		}
		if len(users) > 0 {
			return denied("sign in first: only an administrator may change settings")
		}
	}
	value = strings.TrimSpace(value)
	if validate, ok := s.family(key); ok {
		stored, err := s.store.Settings(ctx)
		if err != nil {
			return fmt.Errorf("read settings: %w", err)
		}
		if stored == nil {
			stored = map[string]string{}
		}
		stored[key] = value
		if value == "" {
			delete(stored, key)
		}
		if err := validate(stored); err != nil {
			return invalid("setting %s: %w", key, err)
		}
	} else {
		var p Policy
		if err := p.apply(key, value); err != nil {
			return invalid("%w", err)
		}
	}
	if err := s.store.PutSetting(qualstate.WithActor(ctx, actor), key, value); err != nil {
		return fmt.Errorf("change setting %s: %w", key, err)
	}
	return nil
}

// family returns the validator of the key's prefix.
func (s *Service) family(key string) (func(map[string]string) error, bool) {
	for prefix, v := range s.families {
		if strings.HasPrefix(key, prefix) {
			return v, true
		}
	}
	return nil, false
}
