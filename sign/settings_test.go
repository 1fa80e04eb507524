package sign_test

import (
	"errors"
	"testing"

	"qualstate"
)

// Settings another part of qualstate owns are checked by it, with every
// stored setting in view; before users exist the account running
// qualstate may change settings, after that only an administrator.
func TestAcceptedSettings(t *testing.T) {
	f := newEmptyFixture(t)
	f.svc.AcceptSettings("treat.", func(s map[string]string) error {
		if s["treat.grace"] == "never" {
			return errors.New("not a duration")
		}
		if s["treat.grace"] != "" && s["treat.rate-limit"] == "0" {
			return errors.New("a grace period with no changes allowed")
		}
		return nil
	})
	ctx := qualstate.WithActor(f.ctx, "os:tester")
	tests := []struct {
		key, value string
		code       qualstate.ErrorCode
	}{
		{"treat.rate-limit", "0", ""},
		{"treat.grace", "5m", qualstate.ErrInvalidInput}, // judged with the stored rate limit
		{"treat.rate-limit", "10", ""},
		{"treat.grace", "5m", ""},
		{"treat.grace", "never", qualstate.ErrInvalidInput},
		{"notify.webhook.url", "https://example.com", qualstate.ErrInvalidInput}, // nobody owns notify. here
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			err := f.svc.SetSetting(ctx, nil, tt.key, tt.value)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	stored, err := f.store.Settings(f.ctx)
	if err != nil || stored["treat.grace"] != "5m" || stored["treat.rate-limit"] != "10" {
		t.Fatalf("stored settings %v, %v", stored, err)
	}
	if evs := f.eventsFor("setting.changed"); len(evs) == 0 || evs[len(evs)-1].Actor != "os:tester" {
		t.Errorf("the changes recorded: %+v, want the last one os:tester's", evs)
	}

	if err := f.svc.AddUser(f.ctx, nil, qualstate.User{ID: "ada", Name: "Ada Lovelace", Roles: []qualstate.Role{qualstate.RoleAdmin}}, adminPass); err != nil {
		t.Fatal(err)
	}
	t.Run("once users exist, no one signed in is refused", func(t *testing.T) {
		wantCode(t, f.svc.SetSetting(ctx, nil, "treat.grace", "1m"), qualstate.ErrDenied)
	})
}
