package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"qualstate"
)

func fullUser(id string) qualstate.User {
	return qualstate.User{
		ID: id, Name: "Jane Doe (" + id + ")", Email: id + "@example.org",
		Roles:    []qualstate.Role{qualstate.RoleEngineer, qualstate.RoleApprover},
		Disabled: true, Created: t0, CreatedBy: "admin",
	}
}

func fullCredential(userID string) qualstate.Credential {
	return qualstate.Credential{
		UserID: userID, Hash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", Changed: t0,
		History:  []string{"$argon2id$v=19$m=65536,t=3,p=4$b2xk$b2xk"},
		Failures: 2, LockedUntil: t0.Add(15 * time.Minute), MustChange: true,
	}
}

func fullSession(userID string) qualstate.Session {
	return qualstate.Session{
		ID: strings.Repeat("5e", 32), UserID: userID, Started: t0, LastUsed: t0.Add(time.Minute),
		Expires: t0.Add(8 * time.Hour), Signings: 3, Ended: t0.Add(time.Hour),
	}
}

func userUTC(u qualstate.User) qualstate.User {
	u.Created = u.Created.UTC()
	return u
}

func credentialUTC(c qualstate.Credential) qualstate.Credential {
	c.Changed, c.LockedUntil = c.Changed.UTC(), c.LockedUntil.UTC()
	return c
}

func sessionUTC(s qualstate.Session) qualstate.Session {
	s.Started, s.LastUsed, s.Expires, s.Ended = s.Started.UTC(), s.LastUsed.UTC(), s.Expires.UTC(), s.Ended.UTC()
	return s
}

func userIDs(us []qualstate.User) []string {
	ids := []string{}
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	return ids
}

func testUsers(t *testing.T, open opener) {
	requireAllSet(t, fullUser("x"))
	requireAllSet(t, fullCredential("x"))
	s := fresh(t, open)
	ctx := t.Context()
	jdoe := fullUser("jdoe")
	jdoe.Disabled = false
	must(t, "CreateUser", s.CreateUser(ctx, jdoe, fullCredential("jdoe")))
	retired := fullUser("Retired")
	must(t, "CreateUser", s.CreateUser(ctx, retired, fullCredential("")))
	must(t, "CreateUser", s.CreateUser(ctx, fullUser("alice"), fullCredential("alice")))

	lookups := []struct {
		name, id, want string
		code           qualstate.ErrorCode
	}{
		{name: "as recorded", id: "jdoe", want: "jdoe"},
		{name: "in another case", id: "JDoe", want: "jdoe"},
		{name: "disabled", id: "retired", want: "Retired"},
		{name: "never recorded", id: "nobody", code: qualstate.ErrNotFound},
	}
	for _, tt := range lookups {
		t.Run("user "+tt.name, func(t *testing.T) {
			u, err := s.User(ctx, tt.id)
			c, cerr := s.Credential(ctx, tt.id)
			if tt.code != "" {
				wantCode(t, "User", err, tt.code)
				wantCode(t, "Credential", cerr, tt.code)
				return
			}
			must(t, "User", err)
			must(t, "Credential", cerr)
			want := fullUser(tt.want)
			want.Disabled = tt.want != "jdoe"
			same(t, "User", userUTC(*u), userUTC(want))
			same(t, "Credential", credentialUTC(*c), credentialUTC(fullCredential(tt.want)))
		})
	}
	t.Run("users by id, disabled ones too", func(t *testing.T) {
		us, err := s.Users(ctx)
		must(t, "Users", err)
		same(t, "Users", userIDs(us), []string{"Retired", "alice", "jdoe"})
	})

	refused := []struct {
		name string
		user qualstate.User
		cred qualstate.Credential
		code qualstate.ErrorCode
	}{
		{"an id recorded", fullUser("jdoe"), fullCredential("jdoe"), qualstate.ErrConflict},
		{"an id recorded, in another case", fullUser("JDOE"), fullCredential("JDOE"), qualstate.ErrConflict},
		{"a disabled user's id", fullUser("retired"), fullCredential("retired"), qualstate.ErrConflict},
		{"no id", fullUser(""), fullCredential(""), qualstate.ErrInvalidInput},
		{"another user's credential", fullUser("bob"), fullCredential("jdoe"), qualstate.ErrInvalidInput},
	}
	for _, tt := range refused {
		t.Run("CreateUser refuses "+tt.name, func(t *testing.T) {
			size := auditSize(t, s)
			wantCode(t, "CreateUser", s.CreateUser(ctx, tt.user, tt.cred), tt.code)
			unchangedTrail(t, s, size, "a refused CreateUser")
			us, err := s.Users(ctx)
			must(t, "Users", err)
			same(t, "Users after a refused CreateUser", userIDs(us), []string{"Retired", "alice", "jdoe"})
			c, err := s.Credential(ctx, "jdoe")
			must(t, "Credential", err)
			same(t, "jdoe's credential", credentialUTC(*c), credentialUTC(fullCredential("jdoe")))
		})
	}

	t.Run("update", func(t *testing.T) {
		u := jdoe
		u.Roles, u.Name = []qualstate.Role{qualstate.RoleReviewer}, "Jane Q. Doe"
		u.ID = "JDOE" // the id as recorded is kept
		must(t, "UpdateUser", s.UpdateUser(ctx, u))
		got, err := s.User(ctx, "jdoe")
		must(t, "User", err)
		u.ID = "jdoe"
		same(t, "User after update", userUTC(*got), userUTC(u))

		c := fullCredential("jdoe")
		c.Failures, c.Hash = 0, "$argon2id$v=19$m=65536,t=3,p=4$bmV3$bmV3"
		must(t, "PutCredential", s.PutCredential(ctx, c))
		gc, err := s.Credential(ctx, "jdoe")
		must(t, "Credential", err)
		same(t, "Credential after update", credentialUTC(*gc), credentialUTC(c))
	})

	t.Run("sessions", func(t *testing.T) {
		requireAllSet(t, fullSession("x"))
		sess := fullSession("jdoe")
		must(t, "PutSession", s.PutSession(ctx, sess))
		got, err := s.Session(ctx, sess.ID)
		must(t, "Session", err)
		same(t, "Session", sessionUTC(*got), sessionUTC(sess))
		sess.Signings++
		must(t, "PutSession", s.PutSession(ctx, sess))
		got, err = s.Session(ctx, sess.ID)
		must(t, "Session", err)
		same(t, "Session rewritten", sessionUTC(*got), sessionUTC(sess))
		stolen := sess
		stolen.UserID = "alice"
		wantCode(t, "PutSession of another user's session", s.PutSession(ctx, stolen), qualstate.ErrConflict)
		got, err = s.Session(ctx, sess.ID)
		must(t, "Session", err)
		same(t, "Session after a refused rewrite", sessionUTC(*got), sessionUTC(sess))
	})

	notFound := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"UpdateUser", func(ctx context.Context) error { return s.UpdateUser(ctx, fullUser("nobody")) }},
		{"PutCredential", func(ctx context.Context) error { return s.PutCredential(ctx, fullCredential("nobody")) }},
		{"PutSession of a user not recorded", func(ctx context.Context) error { return s.PutSession(ctx, fullSession("nobody")) }},
		{"Session", func(ctx context.Context) error { _, err := s.Session(ctx, strings.Repeat("00", 32)); return err }},
	}
	for _, tt := range notFound {
		t.Run(tt.name+" not found", func(t *testing.T) {
			size := auditSize(t, s)
			wantCode(t, tt.name, tt.call(ctx), qualstate.ErrNotFound)
			unchangedTrail(t, s, size, tt.name)
		})
	}
	t.Run("UpdateUser does not create", func(t *testing.T) {
		_, err := s.User(ctx, "nobody")
		wantCode(t, "User", err, qualstate.ErrNotFound)
	})
}

func testSettings(t *testing.T, open opener) {
	s := fresh(t, open)
	ctx := t.Context()
	steps := []struct {
		name       string
		key, value string
		code       qualstate.ErrorCode
		want       map[string]string
	}{
		{name: "none set", want: map[string]string{}},
		{name: "set", key: "session.idle", value: "15m", want: map[string]string{"session.idle": "15m"}},
		{name: "another", key: "password.min", value: "12", want: map[string]string{"session.idle": "15m", "password.min": "12"}},
		{name: "changed", key: "session.idle", value: "30m", want: map[string]string{"session.idle": "30m", "password.min": "12"}},
		{name: "set empty", key: "password.min", value: "", want: map[string]string{"session.idle": "30m", "password.min": ""}},
		{name: "no key", key: "", value: "x", code: qualstate.ErrInvalidInput, want: map[string]string{"session.idle": "30m", "password.min": ""}},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if i > 0 {
				err := s.PutSetting(ctx, st.key, st.value)
				if st.code != "" {
					wantCode(t, "PutSetting", err, st.code)
				} else {
					must(t, "PutSetting", err)
				}
			}
			got, err := s.Settings(ctx)
			must(t, "Settings", err)
			same(t, "Settings", got, st.want)
			for k, v := range st.want {
				gv, ok, err := s.Setting(ctx, k)
				must(t, "Setting", err)
				if !ok || gv != v {
					t.Errorf("Setting(%q) = %q, %v; want %q, true", k, gv, ok, v)
				}
			}
			if v, ok, err := s.Setting(ctx, "never.set"); err != nil || ok || v != "" {
				t.Errorf("Setting of a key never set = %q, %v, %v; want \"\", false, nil", v, ok, err)
			}
		})
	}
}
