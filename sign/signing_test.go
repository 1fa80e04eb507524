package sign_test

import (
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/sign"
)

// 11.200(a)(1): in a session the first signing needs both components and
// later ones at least the password; without a session, always both.
func TestComponents(t *testing.T) {
	f := newFixture(t)
	f.team()
	_, rita, err := f.svc.Login(f.ctx, "rita", userPass)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	// Each signing reviews a run of its own, so only the components
	// decide.
	review := func(id *sign.Identity, c sign.Components) error {
		n++
		run := f.run("run-"+string(rune('a'+n)), "eve", qualstate.RunPassed)
		_, err := f.svc.ReviewRun(f.ctx, id, c, run, f.record(run.ID), "")
		return err
	}
	eveNoSession := &sign.Identity{User: qualstate.User{ID: "eve"}}
	steps := []struct {
		name     string
		id       *sign.Identity
		c        sign.Components
		code     qualstate.ErrorCode
		failures int // counted against rita after the step
	}{
		{"first in session, password only", rita, sign.Components{Password: userPass}, qualstate.ErrDenied, 0},
		{"first in session, another user's id", rita, sign.Components{UserID: "ray", Password: userPass}, qualstate.ErrDenied, 1},
		{"first in session, wrong password", rita, sign.Components{UserID: "rita", Password: otherPass}, qualstate.ErrDenied, 2},
		{"first in session, no password", rita, sign.Components{UserID: "rita"}, qualstate.ErrDenied, 2},
		{"first in session, both", rita, sign.Components{UserID: "Rita ", Password: userPass}, "", 0},
		{"later, password only", rita, sign.Components{Password: userPass}, "", 0},
		{"later, both", rita, sign.Components{UserID: "rita", Password: userPass}, "", 0},
		{"later, another user's id", rita, sign.Components{UserID: "ray", Password: userPass}, qualstate.ErrDenied, 1},
		{"later, wrong password", rita, sign.Components{Password: otherPass}, qualstate.ErrDenied, 2},
		{"later, password only again", rita, sign.Components{Password: userPass}, "", 0},
		{"no session, password only", nil, sign.Components{Password: userPass}, qualstate.ErrDenied, 0},
		{"no session, wrong password", nil, sign.Components{UserID: "rita", Password: otherPass}, qualstate.ErrDenied, 1},
		{"no session, both", nil, as("rita"), "", 0},
		{"identity without session, other user's id", eveNoSession, as("rita"), qualstate.ErrDenied, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := review(st.id, st.c)
			if st.code == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				wantCode(t, err, st.code)
			}
			c, err := f.store.Credential(f.ctx, "rita")
			if err != nil {
				t.Fatal(err)
			}
			if c.Failures != st.failures {
				t.Fatalf("%d failures counted, want %d", c.Failures, st.failures)
			}
		})
	}
	sess, err := f.store.Session(f.ctx, rita.Session.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Signings != 4 {
		t.Fatalf("session counts %d signings, want 4", sess.Signings)
	}
	var causes []string
	for _, ev := range f.eventsFor("auth.failed") {
		causes = append(causes, ev.Reason)
	}
	if want := "wrong-user-id,wrong-password,wrong-user-id,wrong-password,wrong-password"; strings.Join(causes, ",") != want {
		t.Fatalf("failure causes %q, want %q", causes, want)
	}
}

// Wrong components lock the account like failed sign-ins, and a locked
// account's session signs nothing.
func TestSigningLocks(t *testing.T) {
	f := newFixture(t)
	f.team()
	_, rita, err := f.svc.Login(f.ctx, "rita", userPass)
	if err != nil {
		t.Fatal(err)
	}
	run := f.run("run-0001", "eve", qualstate.RunPassed)
	for range 5 {
		_, err := f.svc.ReviewRun(f.ctx, rita, sign.Components{UserID: "rita", Password: otherPass}, run, f.record(run.ID), "")
		wantCode(t, err, qualstate.ErrDenied)
	}
	_, err = f.svc.ReviewRun(f.ctx, rita, sign.Components{UserID: "rita", Password: userPass}, run, f.record(run.ID), "")
	wantCode(t, err, qualstate.ErrDenied)
	if n := len(f.eventsFor("auth.locked")); n != 1 {
		t.Fatalf("%d lock events, want 1", n)
	}
}

// A session that timed out signs nothing, whatever the components.
func TestSigningInEndedSession(t *testing.T) {
	f := newFixture(t)
	f.team()
	_, rita, err := f.svc.Login(f.ctx, "rita", userPass)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(16 * time.Minute)
	run := f.run("run-0001", "eve", qualstate.RunPassed)
	_, err = f.svc.ReviewRun(f.ctx, rita, as("rita"), run, f.record(run.ID), "")
	wantCode(t, err, qualstate.ErrDenied)
	if !strings.Contains(err.Error(), "session ended") {
		t.Fatalf("error %q", err)
	}
}

func TestPasswordChangeBeforeSigning(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture)
		pw    string // rita's password after setup
		says  string
	}{
		{"set by an administrator", func(f *fixture) {
			if err := f.svc.ResetPassword(f.ctx, f.admin, "rita", otherPass); err != nil {
				f.t.Fatal(err)
			}
		}, otherPass, "change the password an administrator set"},
		{"expired", func(f *fixture) {
			if err := f.svc.SetSetting(f.ctx, f.admin, sign.KeyMaxAge, "90d"); err != nil {
				f.t.Fatal(err)
			}
			f.clock.Advance(91 * 24 * time.Hour)
		}, userPass, "the password expired on 2026-05-31T09:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.team()
			tt.setup(f)
			token, id, err := f.svc.Login(f.ctx, "rita", tt.pw)
			if err != nil {
				t.Fatal(err)
			}
			if !id.PasswordChangeDue {
				t.Error("the identity does not say the password must change")
			}
			run := f.run("run-0001", "eve", qualstate.RunPassed)
			_, err = f.svc.ReviewRun(f.ctx, id, sign.Components{UserID: "rita", Password: tt.pw}, run, f.record(run.ID), "")
			wantCode(t, err, qualstate.ErrDenied)
			if !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("error %q, want it to say %q", err, tt.says)
			}
			const fresh = "amber-willow-71-canyon"
			if err := f.svc.ChangePassword(f.ctx, "rita", tt.pw, fresh); err != nil {
				t.Fatal(err)
			}
			if id, err = f.svc.Resume(f.ctx, token); err != nil || id.PasswordChangeDue {
				t.Fatalf("after the change: %+v, %v", id, err)
			}
			if _, err := f.svc.ReviewRun(f.ctx, id, sign.Components{UserID: "rita", Password: fresh}, run, f.record(run.ID), ""); err != nil {
				t.Fatal(err)
			}
		})
	}
}
