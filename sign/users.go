package sign

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"qualstate"
)

// validID is the form of user ids: short, lowercase, safe in paths,
// subjects and audit events.
var validID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

func checkID(id string) error {
	if !validID.MatchString(id) {
		return invalid("user id %q: use 2–64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return nil
}

// checkName checks a printed name, which every signature shows (11.50).
func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalid("the user's printed name is required: every signature shows it")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 200 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return invalid("the printed name must be text of at most 200 characters, on one line")
	}
	return nil
}

// normRoles checks roles and puts them in the order of qualstate.Roles,
// so that the same set is always stored the same way.
func normRoles(rs []qualstate.Role) ([]qualstate.Role, error) {
	for _, r := range rs {
		if !slices.Contains(qualstate.Roles, r) {
			return nil, invalid("unknown role %q (want engineer, reviewer, approver, auditor or admin)", r)
		}
	}
	var out []qualstate.Role
	for _, r := range qualstate.Roles {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, invalid("give the user at least one role")
	}
	return out, nil
}

// AddUser adds a user with their first password. The first user ever is
// added with by nil and must hold the admin role, so that someone can
// manage the rest; after that only administrators add users. A password
// set by an administrator must be changed by its user before they sign.
// An id used before, even by a disabled user, is refused.
func (s *Service) AddUser(ctx context.Context, by *Identity, u qualstate.User, password string) error {
	var creator string
	if by == nil {
		users, err := s.store.Users(ctx)
		if err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		if len(users) > 0 {
			return denied("only an administrator can add users; sign in first")
		}
		if !u.Has(qualstate.RoleAdmin) {
			return invalid("the first user must hold the admin role, so that someone can manage users")
		}
		creator = qualstate.ActorOf(ctx)
	} else {
		admin, err := s.current(ctx, by)
		if err != nil {
			return err
		}
		if err := needRole(admin, "add users", qualstate.RoleAdmin); err != nil {
			return err
		}
		creator = admin.ID
	}
	if err := checkID(u.ID); err != nil {
		return err
	}
	u.Name = strings.TrimSpace(u.Name)
	if err := checkName(u.Name); err != nil {
		return err
	}
	if u.Email != "" && (!strings.Contains(u.Email, "@") || len(u.Email) > 254 || strings.ContainsFunc(u.Email, unicode.IsSpace)) {
		return invalid("e-mail address %q is not valid", u.Email)
	}
	roles, err := normRoles(u.Roles)
	if err != nil {
		return err
	}
	pol, err := s.Policy(ctx)
	if err != nil {
		return err
	}
	if err := checkPassword(password, pol, u.ID, u.Name); err != nil {
		return invalid("password for %s: %w", u.ID, err)
	}
	now := s.now()
	u.Roles, u.Disabled, u.Created, u.CreatedBy = roles, false, now, creator
	c := qualstate.Credential{
		UserID:     u.ID,
		Hash:       hashPassword(password, s.params),
		Changed:    now,
		MustChange: by != nil,
	}
	err = s.store.CreateUser(qualstate.WithActor(ctx, creator), u, c)
	if isCode(err, qualstate.ErrConflict) {
		return conflict("user id %s was given before; ids are never reused, choose another", u.ID)
	}
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.ID, err)
	}
	return nil
}

// userToChange returns the acting administrator and the user to change.
func (s *Service) userToChange(ctx context.Context, by *Identity, id, action string) (admin, u *qualstate.User, err error) {
	if admin, err = s.current(ctx, by); err != nil {
		return nil, nil, err
	}
	if err := needRole(admin, action, qualstate.RoleAdmin); err != nil {
		return nil, nil, err
	}
	u, err = s.store.User(ctx, id)
	if isCode(err, qualstate.ErrNotFound) {
		return nil, nil, notFound("there is no user %s", id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read user %s: %w", id, err)
	}
	return admin, u, nil
}

// lastAdmin reports whether no enabled administrator but id is left.
func (s *Service) lastAdmin(ctx context.Context, id string) (bool, error) {
	users, err := s.store.Users(ctx)
	if err != nil {
		return false, fmt.Errorf("list users: %w", err)
	}
	for i := range users {
		if users[i].ID != id && !users[i].Disabled && users[i].Has(qualstate.RoleAdmin) {
			return false, nil
		}
	}
	return true, nil
}

// SetRoles replaces a user's roles. An administrator cannot take their
// own admin role away while no other enabled administrator is left.
func (s *Service) SetRoles(ctx context.Context, by *Identity, id string, roles []qualstate.Role) error {
	admin, u, err := s.userToChange(ctx, by, id, "change roles")
	if err != nil {
		return err
	}
	if roles, err = normRoles(roles); err != nil {
		return err
	}
	if u.ID == admin.ID && !slices.Contains(roles, qualstate.RoleAdmin) {
		last, err := s.lastAdmin(ctx, u.ID)
		if err != nil {
			return err
		}
		if last {
			return conflict("you are the last enabled administrator: give another user the admin role before giving it up")
		}
	}
	u.Roles = roles
	if err := s.store.UpdateUser(qualstate.WithActor(ctx, admin.ID), *u); err != nil {
		return fmt.Errorf("change roles of %s: %w", id, err)
	}
	return nil
}

// Disable disables a user: they can no longer sign in or sign, their
// sessions end at their next use, and their id stays theirs. An
// administrator cannot disable themself while no other enabled
// administrator is left.
func (s *Service) Disable(ctx context.Context, by *Identity, id, reason string) error {
	admin, u, err := s.userToChange(ctx, by, id, "disable users")
	if err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	if u.ID == admin.ID {
		last, err := s.lastAdmin(ctx, u.ID)
		if err != nil {
			return err
		}
		if last {
			return conflict("you are the last enabled administrator: you cannot disable your own account")
		}
	}
	u.Disabled = true
	if err := s.store.UpdateUser(withWho(ctx, admin.ID, reason), *u); err != nil {
		return fmt.Errorf("disable %s: %w", id, err)
	}
	return nil
}

// Enable enables a disabled user again.
func (s *Service) Enable(ctx context.Context, by *Identity, id, reason string) error {
	admin, u, err := s.userToChange(ctx, by, id, "enable users")
	if err != nil {
		return err
	}
	if !u.Disabled {
		return nil
	}
	u.Disabled = false
	if err := s.store.UpdateUser(withWho(ctx, admin.ID, reason), *u); err != nil {
		return fmt.Errorf("enable %s: %w", id, err)
	}
	return nil
}

// Unlock ends a lockout after failed sign-ins and clears the count.
func (s *Service) Unlock(ctx context.Context, by *Identity, id, reason string) error {
	admin, u, err := s.userToChange(ctx, by, id, "unlock accounts")
	if err != nil {
		return err
	}
	c, err := s.credential(ctx, u.ID)
	if err != nil {
		return err
	}
	if c.Failures == 0 && c.LockedUntil.IsZero() {
		return nil
	}
	c.Failures, c.LockedUntil = 0, zeroTime
	if err := s.store.PutCredential(withWho(ctx, admin.ID, reason), *c); err != nil {
		return fmt.Errorf("unlock %s: %w", id, err)
	}
	return nil
}

// ChangePassword changes a user's own password; the current one is
// required, and a wrong one counts as a failed sign-in.
func (s *Service) ChangePassword(ctx context.Context, id, oldPassword, newPassword string) error {
	pol, err := s.Policy(ctx)
	if err != nil {
		return err
	}
	u, c, err := s.authenticate(ctx, id, oldPassword, pol)
	if err != nil {
		return err
	}
	return s.setPassword(qualstate.WithActor(ctx, u.ID), u, c, newPassword, pol, false)
}

// ResetPassword sets a user's password for them, for when they forgot
// it: it ends any lockout, and the user must change the password before
// they sign anything, since someone else knows it.
func (s *Service) ResetPassword(ctx context.Context, by *Identity, id, newPassword string) error {
	admin, u, err := s.userToChange(ctx, by, id, "reset passwords")
	if err != nil {
		return err
	}
	pol, err := s.Policy(ctx)
	if err != nil {
		return err
	}
	c, err := s.credential(ctx, u.ID)
	if err != nil {
		return err
	}
	return s.setPassword(qualstate.WithActor(ctx, admin.ID), u, c, newPassword, pol, true)
}

// setPassword checks the new password against the rules and the user's
// last passwords, and stores its hash.
func (s *Service) setPassword(ctx context.Context, u *qualstate.User, c *qualstate.Credential, pw string, pol Policy, mustChange bool) error {
	if err := checkPassword(pw, pol, u.ID, u.Name); err != nil {
		return invalid("new password for %s: %w", u.ID, err)
	}
	if pol.PasswordHistory > 0 {
		last := append([]string{c.Hash}, c.History...)
		for _, h := range last[:min(len(last), pol.PasswordHistory)] {
			if ok, _ := verifyPassword(pw, h); ok {
				return invalid("new password for %s: it is one of the last %d passwords, which cannot be used again", u.ID, pol.PasswordHistory)
			}
		}
	}
	history := append([]string{c.Hash}, c.History...)
	c.History = history[:min(len(history), maxHistory)]
	c.Hash = hashPassword(pw, s.params)
	c.Changed = s.now()
	c.MustChange = mustChange
	c.Failures, c.LockedUntil = 0, zeroTime
	if err := s.store.PutCredential(ctx, *c); err != nil {
		return fmt.Errorf("change password of %s: %w", u.ID, err)
	}
	return nil
}

func (s *Service) credential(ctx context.Context, id string) (*qualstate.Credential, error) {
	c, err := s.store.Credential(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read credential of %s: %w", id, err)
	}
	return c, nil
}

// withWho returns ctx with the actor and, when given, the reason.
func withWho(ctx context.Context, actor, reason string) context.Context {
	ctx = qualstate.WithActor(ctx, actor)
	if reason = strings.TrimSpace(reason); reason != "" {
		ctx = qualstate.WithReason(ctx, reason)
	}
	return ctx
}
