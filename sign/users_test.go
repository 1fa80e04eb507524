package sign_test

import (
	"slices"
	"testing"
	"time"

	"qualstate"
	"qualstate/sign"
)

func TestAddUser(t *testing.T) {
	f := newFixture(t)
	f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
	tests := []struct {
		name string
		by   *sign.Identity
		user qualstate.User
		pw   string
		code qualstate.ErrorCode
	}{
		{"added by an administrator", f.admin, qualstate.User{ID: "rita", Name: "Rita Reviewer", Roles: []qualstate.Role{qualstate.RoleReviewer}}, tempPass, ""},
		{"no one signed in after the first user", nil, qualstate.User{ID: "mallory", Name: "Mallory", Roles: []qualstate.Role{qualstate.RoleAdmin}}, tempPass, qualstate.ErrDenied},
		{"not an administrator", f.login("eve", userPass), qualstate.User{ID: "trudy", Name: "Trudy", Roles: []qualstate.Role{qualstate.RoleEngineer}}, tempPass, qualstate.ErrDenied},
		{"id used before", f.admin, qualstate.User{ID: "eve", Name: "Another Eve", Roles: []qualstate.Role{qualstate.RoleEngineer}}, tempPass, qualstate.ErrConflict},
		{"id in capitals", f.admin, qualstate.User{ID: "EVE", Name: "Another Eve", Roles: []qualstate.Role{qualstate.RoleEngineer}}, tempPass, qualstate.ErrInvalidInput},
		{"id with a space", f.admin, qualstate.User{ID: "bad id", Name: "Bad", Roles: []qualstate.Role{qualstate.RoleEngineer}}, tempPass, qualstate.ErrInvalidInput},
		{"id of one character", f.admin, qualstate.User{ID: "x", Name: "Xavier", Roles: []qualstate.Role{qualstate.RoleEngineer}}, tempPass, qualstate.ErrInvalidInput},
		{"no printed name", f.admin, qualstate.User{ID: "noname", Name: "  ", Roles: []qualstate.Role{qualstate.RoleEngineer}}, tempPass, qualstate.ErrInvalidInput},
		{"no role", f.admin, qualstate.User{ID: "norole", Name: "No Role"}, tempPass, qualstate.ErrInvalidInput},
		{"unknown role", f.admin, qualstate.User{ID: "odd", Name: "Odd Role", Roles: []qualstate.Role{"superuser"}}, tempPass, qualstate.ErrInvalidInput},
		{"weak password", f.admin, qualstate.User{ID: "weak", Name: "Weak Pass", Roles: []qualstate.Role{qualstate.RoleEngineer}}, "Password2024!", qualstate.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.svc.AddUser(f.ctx, tt.by, tt.user, tt.pw)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
}

func TestFirstUser(t *testing.T) {
	tests := []struct {
		name  string
		roles []qualstate.Role
		code  qualstate.ErrorCode
	}{
		{"must hold admin", []qualstate.Role{qualstate.RoleApprover}, qualstate.ErrInvalidInput},
		{"admin", []qualstate.Role{qualstate.RoleAdmin, qualstate.RoleApprover}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newEmptyFixture(t)
			err := g.svc.AddUser(g.ctx, nil, qualstate.User{ID: "boot", Name: "Boot Strap", Roles: tt.roles}, adminPass)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u, err := g.store.User(g.ctx, "boot")
			if err != nil {
				t.Fatal(err)
			}
			if u.CreatedBy != "os:tester" || !u.Created.Equal(g.clock.Now()) {
				t.Errorf("created by %q at %s", u.CreatedBy, u.Created)
			}
			// The first user chose their own password: they may sign.
			if id := g.login("boot", adminPass); id.PasswordChangeDue {
				t.Error("the first user must change their own password")
			}
		})
	}
}

// Disabled users keep their id: it is never given to anyone else.
func TestIDsNeverReused(t *testing.T) {
	f := newFixture(t)
	f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
	if err := f.svc.Disable(f.ctx, f.admin, "eve", "left the company"); err != nil {
		t.Fatal(err)
	}
	err := f.svc.AddUser(f.ctx, f.admin, qualstate.User{ID: "eve", Name: "Eve Newcomer", Roles: []qualstate.Role{qualstate.RoleEngineer}}, tempPass)
	wantCode(t, err, qualstate.ErrConflict)
	u, err := f.store.User(f.ctx, "eve")
	if err != nil || u.Name != "Eve Engineer" || !u.Disabled {
		t.Fatalf("user eve = %+v, %v; want the first Eve, disabled", u, err)
	}
}

func TestAdminChanges(t *testing.T) {
	tests := []struct {
		name string
		do   func(f *fixture) error
		code qualstate.ErrorCode
	}{
		{"last admin gives up admin", func(f *fixture) error {
			return f.svc.SetRoles(f.ctx, f.admin, "ada", []qualstate.Role{qualstate.RoleApprover})
		}, qualstate.ErrConflict},
		{"last admin disables themself", func(f *fixture) error {
			return f.svc.Disable(f.ctx, f.admin, "ada", "")
		}, qualstate.ErrConflict},
		{"admin gives up admin when another is left", func(f *fixture) error {
			f.addUser("bob", "Bob Admin", qualstate.RoleAdmin)
			return f.svc.SetRoles(f.ctx, f.admin, "ada", []qualstate.Role{qualstate.RoleApprover})
		}, ""},
		{"another admin left but disabled", func(f *fixture) error {
			f.addUser("bob", "Bob Admin", qualstate.RoleAdmin)
			if err := f.svc.Disable(f.ctx, f.admin, "bob", "on leave"); err != nil {
				return err
			}
			return f.svc.Disable(f.ctx, f.admin, "ada", "")
		}, qualstate.ErrConflict},
		{"non-admin changes roles", func(f *fixture) error {
			f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
			return f.svc.SetRoles(f.ctx, f.login("eve", userPass), "eve", []qualstate.Role{qualstate.RoleAdmin})
		}, qualstate.ErrDenied},
		{"unknown user", func(f *fixture) error {
			return f.svc.Enable(f.ctx, f.admin, "nobody", "")
		}, qualstate.ErrNotFound},
		{"disabled admin acts", func(f *fixture) error {
			f.addUser("bob", "Bob Admin", qualstate.RoleAdmin)
			bob := f.login("bob", userPass)
			if err := f.svc.Disable(f.ctx, f.admin, "bob", "on leave"); err != nil {
				return err
			}
			return f.svc.SetSetting(f.ctx, bob, sign.KeyMinLength, "16")
		}, qualstate.ErrDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			err := tt.do(f)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
}

func TestSetRolesAudited(t *testing.T) {
	f := newFixture(t)
	f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
	if err := f.svc.SetRoles(f.ctx, f.admin, "eve", []qualstate.Role{qualstate.RoleReviewer, qualstate.RoleEngineer, qualstate.RoleReviewer}); err != nil {
		t.Fatal(err)
	}
	u, err := f.store.User(f.ctx, "eve")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.Roles, []qualstate.Role{qualstate.RoleEngineer, qualstate.RoleReviewer}) {
		t.Errorf("roles %v, want engineer, reviewer once each in order", u.Roles)
	}
	evs := f.eventsFor("user.roles-changed")
	if len(evs) != 1 || evs[0].Actor != "ada" || evs[0].Subject != "user/eve" {
		t.Fatalf("role change events %+v", evs)
	}
}

func TestSettings(t *testing.T) {
	f := newFixture(t)
	p, err := f.svc.Policy(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := sign.Policy{MaxFailures: 5, Lockout: 30 * time.Minute, SessionIdle: 15 * time.Minute, SessionMax: 12 * time.Hour,
		PasswordMinLength: 12, PasswordHistory: 5, DistinctApprover: true}
	if p != want {
		t.Fatalf("defaults %+v, want %+v", p, want)
	}
	tests := []struct {
		key, value string
		code       qualstate.ErrorCode
		check      func(sign.Policy) bool
	}{
		{sign.KeyMaxAge, "90d", "", func(p sign.Policy) bool { return p.PasswordMaxAge == 90*24*time.Hour }},
		{sign.KeyLockout, "1h", "", func(p sign.Policy) bool { return p.Lockout == time.Hour }},
		{sign.KeyDistinctApprover, "false", "", func(p sign.Policy) bool { return !p.DistinctApprover }},
		{sign.KeyMinLength, "6", qualstate.ErrInvalidInput, nil},
		{sign.KeyMaxFailures, "many", qualstate.ErrInvalidInput, nil},
		{sign.KeyMaxAge, "2h", qualstate.ErrInvalidInput, nil},
		{sign.KeySessionIdle, "0s", qualstate.ErrInvalidInput, nil},
		{"auth.unknown", "1", qualstate.ErrInvalidInput, nil},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			err := f.svc.SetSetting(f.ctx, f.admin, tt.key, tt.value)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := f.svc.Policy(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(p) {
				t.Fatalf("policy %+v after %s=%s", p, tt.key, tt.value)
			}
		})
	}
	t.Run("not an administrator", func(t *testing.T) {
		f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
		wantCode(t, f.svc.SetSetting(f.ctx, f.login("eve", userPass), sign.KeyMinLength, "16"), qualstate.ErrDenied)
	})
	t.Run("audited", func(t *testing.T) {
		evs := f.eventsFor("setting.changed")
		if len(evs) != 3 || evs[0].Subject != "setting/"+sign.KeyMaxAge || evs[0].Actor != "ada" {
			t.Fatalf("setting events %+v", evs)
		}
	})
	t.Run("every setting has a valid default", func(t *testing.T) {
		for _, s := range sign.Settings {
			if err := f.svc.SetSetting(f.ctx, f.admin, s.Key, s.Default); err != nil {
				t.Errorf("%s=%s: %v", s.Key, s.Default, err)
			}
		}
	})
}
