package sign

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"qualstate"
)

// Service manages users, sessions, electronic signatures, reviews and
// waivers over a Store. Its methods are safe for concurrent use.
type Service struct {
	store qualstate.Store
	key   *qualstate.InstanceKey
	clock func() time.Time
	// params are the argon2id costs of new hashes.
	params hashParams
	// decoy is a hash no password matches, verified when the user id is
	// unknown so that the answer takes as long as for a known user.
	decoy func() string
	// families validate settings other parts of qualstate own, by key
	// prefix: see AcceptSettings.
	families map[string]func(settings map[string]string) error
}

// New returns a Service that keeps its records in store and signs with
// key. A nil clock means time.Now.
func New(store qualstate.Store, key *qualstate.InstanceKey, clock func() time.Time) *Service {
	if clock == nil {
		clock = time.Now
	}
	s := &Service{store: store, key: key, clock: clock, params: defaultParams}
	s.decoy = sync.OnceValue(func() string { return hashPassword(randomHex(16), s.params) })
	return s
}

func (s *Service) now() time.Time { return s.clock().UTC() }

// Identity is who is acting: a user, and the session they act in. Login
// and Resume build one from a password or a session token. The Service
// trusts an Identity as given, so code that builds one otherwise (a
// command line acting for the operating system account's own qualstate
// user, with a nil Session) must have checked who the caller is; a
// signature always checks its components whatever the Identity.
type Identity struct {
	User    qualstate.User
	Session *qualstate.Session
	// PasswordChangeDue is set when the password was set by an
	// administrator or is older than password.max-age: the user can sign
	// nothing until they change it.
	PasswordChangeDue bool
}

// current returns the acting user as stored now, so that roles taken
// away or an account disabled since sign-in take effect at once.
func (s *Service) current(ctx context.Context, by *Identity) (*qualstate.User, error) {
	if by == nil || by.User.ID == "" {
		return nil, denied("sign in first")
	}
	u, err := s.store.User(ctx, by.User.ID)
	if isCode(err, qualstate.ErrNotFound) {
		return nil, denied("user %s does not exist", by.User.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("read user %s: %w", by.User.ID, err)
	}
	if u.Disabled {
		return nil, denied("the account %s is disabled", u.ID)
	}
	return u, nil
}

// needRole refuses unless the user holds one of the roles.
func needRole(u *qualstate.User, action string, roles ...qualstate.Role) error {
	if slices.ContainsFunc(roles, u.Has) {
		return nil
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return denied("%s cannot %s: that needs the %s role, and %s holds %s",
		u.ID, action, strings.Join(names, " or "), u.ID, roleList(u.Roles))
}

func roleList(rs []qualstate.Role) string {
	if len(rs) == 0 {
		return "no role"
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func randomHex(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error (it crashes the program
	// instead when the system has no randomness).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
