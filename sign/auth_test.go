package sign_test

import (
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/sign"
)

const authMessage = "user id or password is wrong, or the account is locked or disabled"

// Every refusal reads the same to the caller; the audit trail tells them
// apart.
func TestLoginRefusals(t *testing.T) {
	tests := []struct {
		name, id, pw string
		setup        func(f *fixture)
		cause        string
		subject      string
	}{
		{"unknown user", "nobody", userPass, nil, "unknown-user", "user/nobody"},
		{"password in the id field", "Copper Kettle!", userPass, nil, "unknown-user", "user/(not a valid user id)"},
		{"wrong password", "eve", otherPass, nil, "wrong-password", "user/eve"},
		{"disabled", "eve", userPass, func(f *fixture) {
			if err := f.svc.Disable(f.ctx, f.admin, "eve", "left"); err != nil {
				f.t.Fatal(err)
			}
		}, "disabled", "user/eve"},
		{"locked", "eve", userPass, func(f *fixture) {
			for range 5 {
				_, _, _ = f.svc.Login(f.ctx, "eve", otherPass)
			}
		}, "locked", "user/eve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
			if tt.setup != nil {
				tt.setup(f)
			}
			token, id, err := f.svc.Login(f.ctx, tt.id, tt.pw)
			wantCode(t, err, qualstate.ErrDenied)
			if err.Error() != authMessage || token != "" || id != nil {
				t.Fatalf("got %q, %q, %v", token, err, id)
			}
			evs := f.eventsFor("auth.failed")
			last := evs[len(evs)-1]
			if last.Reason != tt.cause || last.Subject != tt.subject || last.Actor != "os:tester" {
				t.Fatalf("last auth.failed event %+v, want cause %s on %s", last, tt.cause, tt.subject)
			}
			for _, ev := range f.events() {
				if strings.Contains(string(ev.Encode()), "Copper") || strings.Contains(string(ev.Encode()), userPass) {
					t.Fatalf("event %s repeats what was typed", ev.Encode())
				}
			}
		})
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t)
	f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
	for i := 1; i <= 5; i++ {
		_, _, err := f.svc.Login(f.ctx, "eve", otherPass)
		wantCode(t, err, qualstate.ErrDenied)
		if locks := f.eventsFor("auth.locked"); len(locks) != i/5 {
			t.Fatalf("after %d failures, %d lock events", i, len(locks))
		}
	}
	locks := f.eventsFor("auth.locked")
	if !strings.Contains(locks[0].Reason, "until 2026-03-02T09:30:00Z") {
		t.Errorf("lock reason %q", locks[0].Reason)
	}
	steps := []struct {
		name    string
		advance time.Duration
		pw      string
		ok      bool
	}{
		{"right password while locked", 0, userPass, false},
		{"still locked just before the end", 29 * time.Minute, userPass, false},
		{"lock over", time.Minute, userPass, true},
		// A success cleared the count: four failures do not lock again.
		{"failure 1", 0, otherPass, false},
		{"failure 2", 0, otherPass, false},
		{"failure 3", 0, otherPass, false},
		{"failure 4", 0, otherPass, false},
		{"not locked after four", 0, userPass, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			f.clock.Advance(st.advance)
			_, _, err := f.svc.Login(f.ctx, "eve", st.pw)
			if st.ok != (err == nil) {
				t.Fatalf("login: %v, want success %v", err, st.ok)
			}
		})
	}
	if n := len(f.eventsFor("auth.locked")); n != 1 {
		t.Fatalf("%d lock events, want 1", n)
	}
}

func TestUnlockAndReset(t *testing.T) {
	tests := []struct {
		name     string
		do       func(f *fixture) error
		pw       string
		mustSign bool // whether the user may sign after
	}{
		{"admin unlocks", func(f *fixture) error { return f.svc.Unlock(f.ctx, f.admin, "eve", "called the help desk") }, userPass, true},
		{"admin resets the password", func(f *fixture) error { return f.svc.ResetPassword(f.ctx, f.admin, "eve", otherPass) }, otherPass, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
			for range 5 {
				_, _, _ = f.svc.Login(f.ctx, "eve", otherPass+"x")
			}
			if _, _, err := f.svc.Login(f.ctx, "eve", tt.pw); err == nil {
				t.Fatal("not locked")
			}
			if err := tt.do(f); err != nil {
				t.Fatal(err)
			}
			id := f.login("eve", tt.pw)
			if id.PasswordChangeDue == tt.mustSign {
				t.Fatalf("password change due %v, want %v", id.PasswordChangeDue, !tt.mustSign)
			}
		})
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
	// userPass is current; history holds tempPass.
	tests := []struct {
		name, old, new string
		code           qualstate.ErrorCode
	}{
		{"wrong current password", otherPass, "amber-willow-71-canyon", qualstate.ErrDenied},
		{"the current one again", userPass, userPass, qualstate.ErrInvalidInput},
		{"an earlier one", userPass, tempPass, qualstate.ErrInvalidInput},
		{"too weak", userPass, "Summer2026!!", qualstate.ErrInvalidInput},
		{"contains the name", userPass, "engineer-eve-2026-x", qualstate.ErrInvalidInput},
		{"a new one", userPass, "amber-willow-71-canyon", ""},
		{"the old one works no more", userPass, otherPass, qualstate.ErrDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.svc.ChangePassword(f.ctx, "eve", tt.old, tt.new)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				f.login("eve", tt.new)
				return
			}
			wantCode(t, err, tt.code)
		})
	}
	t.Run("history setting", func(t *testing.T) {
		if err := f.svc.SetSetting(f.ctx, f.admin, sign.KeyHistory, "0"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.ChangePassword(f.ctx, "eve", "amber-willow-71-canyon", userPass); err != nil {
			t.Fatalf("with no history kept, an earlier password is refused: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	tests := []struct {
		name  string
		steps []time.Duration // advance, then resume; the last resume is refused
		why   string
	}{
		{"idle", []time.Duration{10 * time.Minute, 15 * time.Minute, 15*time.Minute + time.Second}, "inactive for more than 15m0s"},
		{"maximum", repeat(14*time.Minute, 52), "longest a session lasts (12h0m0s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			token, _, err := f.svc.Login(f.ctx, "ada", adminPass)
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range tt.steps {
				f.clock.Advance(d)
				id, err := f.svc.Resume(f.ctx, token)
				if i < len(tt.steps)-1 {
					if err != nil {
						t.Fatalf("resume after %d steps: %v", i+1, err)
					}
					if !id.Session.LastUsed.Equal(f.clock.Now()) || id.User.ID != "ada" {
						t.Fatalf("resumed %+v", id)
					}
					continue
				}
				wantCode(t, err, qualstate.ErrDenied)
				if !strings.Contains(err.Error(), tt.why) {
					t.Fatalf("error %q, want it to say %q", err, tt.why)
				}
			}
			// Ended for good, and the trail says why.
			_, err = f.svc.Resume(f.ctx, token)
			wantCode(t, err, qualstate.ErrDenied)
			ends := f.eventsFor("session.ended")
			if len(ends) != 1 || !strings.Contains(ends[0].Reason, tt.why) || ends[0].Subject != "session/"+qualstate.Digest([]byte(token))[:12] {
				t.Fatalf("end events %+v", ends)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	token, id, err := f.svc.Login(f.ctx, "ada", adminPass)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 64 || id.Session.ID != qualstate.Digest([]byte(token)) {
		t.Fatalf("token %q, session id %s", token, id.Session.ID)
	}
	if stored, err := f.store.Session(f.ctx, id.Session.ID); err != nil || stored.UserID != "ada" {
		t.Fatalf("stored session %+v, %v", stored, err)
	}
	if err := f.svc.Logout(f.ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(f.ctx, token); err != nil {
		t.Fatalf("second logout: %v", err)
	}
	for _, tok := range []string{token, "", "not-a-token", strings.Repeat("0", 64)} {
		_, err := f.svc.Resume(f.ctx, tok)
		wantCode(t, err, qualstate.ErrDenied)
	}
	if n := len(f.eventsFor("session.ended")); n != 1 {
		t.Fatalf("%d session.ended events, want 1", n)
	}
}

// A user disabled while signed in is refused at the session's next use.
func TestDisabledDuringSession(t *testing.T) {
	f := newFixture(t)
	f.addUser("eve", "Eve Engineer", qualstate.RoleEngineer)
	token, _, err := f.svc.Login(f.ctx, "eve", userPass)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Disable(f.ctx, f.admin, "eve", "left the company"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Resume(f.ctx, token)
	wantCode(t, err, qualstate.ErrDenied)
	if err := f.svc.Enable(f.ctx, f.admin, "eve", "came back"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Resume(f.ctx, token)
	wantCode(t, err, qualstate.ErrDenied) // the session stays ended
	f.login("eve", userPass)
}

// Hashes carry their costs: a service hashing with other costs still
// verifies them, and remakes the hash with its own at the next sign-in.
func TestRehashOnLogin(t *testing.T) {
	f := newFixture(t)
	prod := sign.New(f.store, f.key, f.clock.Now) // the production costs
	steps := []struct {
		name   string
		svc    *sign.Service
		prefix string
	}{
		{"production costs", prod, "$argon2id$v=19$m=65536,t=3,p=2$"},
		{"test costs again", f.svc, "$argon2id$v=19$m=64,t=1,p=1$"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if _, _, err := st.svc.Login(f.ctx, "ada", adminPass); err != nil {
				t.Fatal(err)
			}
			c, err := f.store.Credential(f.ctx, "ada")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c.Hash, st.prefix) {
				t.Fatalf("hash %s, want it made with %s", c.Hash, st.prefix)
			}
		})
	}
}
