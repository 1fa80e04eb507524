package sign

import (
	"context"
	"fmt"
	"strings"
	"time"

	"qualstate"
)

var zeroTime time.Time

// Audit actions for what changes no record.
const (
	actionAuthFailed = "auth.failed"
	actionAuthLocked = "auth.locked"
)

// Causes of a failed authentication, as the audit trail records them.
const (
	causeUnknownUser = "unknown-user"
	causeWrongPass   = "wrong-password"
	causeLocked      = "locked"
	causeDisabled    = "disabled"
	causeWrongUser   = "wrong-user-id"
	causeNoHash      = "damaged-credential"
)

// authenticate checks a user id and password. Every refusal gives the
// caller the same message; the audit trail says why. The password is
// hashed whatever the cause, so the time a refusal takes tells nothing
// either.
func (s *Service) authenticate(ctx context.Context, id, password string, pol Policy) (*qualstate.User, *qualstate.Credential, error) {
	id = normID(id)
	u, err := s.store.User(ctx, id)
	if err == nil && u.ID != id || !validID.MatchString(id) {
		err = notFound("no user %s", id)
	}
	if isCode(err, qualstate.ErrNotFound) {
		_, _ = verifyPassword(password, s.decoy())
		return nil, nil, s.refuse(ctx, id, causeUnknownUser)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: %w", err)
	}
	c, err := s.credential(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ok, verr := verifyPassword(password, c.Hash)
	now := s.now()
	switch {
	case u.Disabled:
		return nil, nil, s.refuse(ctx, id, causeDisabled)
	case c.LockedUntil.After(now):
		return nil, nil, s.refuse(ctx, id, causeLocked)
	case verr != nil:
		return nil, nil, s.refuse(ctx, id, causeNoHash)
	case !ok:
		return nil, nil, s.failure(ctx, c, pol, causeWrongPass)
	}
	// A success clears the failures; a hash made with other costs than
	// today's is remade now, while the password is at hand.
	p, _ := paramsOf(c.Hash)
	if c.Failures > 0 || !c.LockedUntil.IsZero() || p != s.params {
		c.Failures, c.LockedUntil = 0, zeroTime
		if p != s.params {
			c.Hash = hashPassword(password, s.params)
		}
		if err := s.store.PutCredential(qualstate.WithActor(ctx, u.ID), *c); err != nil {
			return nil, nil, fmt.Errorf("sign in: %w", err)
		}
	}
	return u, c, nil
}

// refuse records a failed authentication that counts against no account
// and returns the refusal.
func (s *Service) refuse(ctx context.Context, id, cause string) error {
	if err := s.recordFailed(ctx, id, cause); err != nil {
		return err
	}
	return denied(errAuth)
}

func (s *Service) recordFailed(ctx context.Context, id, cause string) error {
	if _, err := s.store.AppendAudit(ctx, qualstate.AuditEvent{
		Action: actionAuthFailed, Subject: userSubject(id), Reason: cause,
	}); err != nil {
		return fmt.Errorf("record failed authentication: %w", err)
	}
	return nil
}

// failure counts a failed authentication against the account, locking
// it at the limit, and returns the refusal.
func (s *Service) failure(ctx context.Context, c *qualstate.Credential, pol Policy, cause string) error {
	now := s.now()
	if !c.LockedUntil.IsZero() && !c.LockedUntil.After(now) {
		// The last lockout is over: the count starts again.
		c.Failures, c.LockedUntil = 0, zeroTime
	}
	c.Failures++
	locked := c.Failures >= pol.MaxFailures
	if locked {
		c.LockedUntil = now.Add(pol.Lockout)
	}
	if err := s.recordFailed(ctx, c.UserID, cause); err != nil {
		return err
	}
	if err := s.store.PutCredential(qualstate.WithReason(ctx, "failed authentication: "+cause), *c); err != nil {
		return fmt.Errorf("record failed sign-in: %w", err)
	}
	if locked {
		if _, err := s.store.AppendAudit(ctx, qualstate.AuditEvent{
			Action: actionAuthLocked, Subject: userSubject(c.UserID),
			Reason: fmt.Sprintf("%d failures in a row; locked until %s", c.Failures, formatTime(c.LockedUntil)),
		}); err != nil {
			return fmt.Errorf("record lockout: %w", err)
		}
	}
	return denied(errAuth)
}

// normID folds a user id as typed: ids are lowercase, and a stray space
// or capital is a typing slip, not another user.
func normID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// userSubject names a user in the audit trail. Something typed as a user
// id that cannot be one is not repeated: it may be a password typed in
// the wrong field.
func userSubject(id string) string {
	if !validID.MatchString(id) {
		return "user/(not a valid user id)"
	}
	return "user/" + id
}

// Login checks the user id and password and starts a session. The token
// is the session's secret, for the client only; the Store keeps its
// SHA-256 as the session id.
func (s *Service) Login(ctx context.Context, userID, password string) (string, *Identity, error) {
	pol, err := s.Policy(ctx)
	if err != nil {
		return "", nil, err
	}
	u, c, err := s.authenticate(ctx, userID, password, pol)
	if err != nil {
		return "", nil, err
	}
	token := randomHex(32)
	now := s.now()
	sess := qualstate.Session{
		ID: qualstate.Digest([]byte(token)), UserID: u.ID,
		Started: now, LastUsed: now, Expires: now.Add(pol.SessionMax),
	}
	if err := s.store.PutSession(qualstate.WithActor(ctx, u.ID), sess); err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	return token, &Identity{User: *u, Session: &sess, PasswordChangeDue: changeDue(c, pol, now)}, nil
}

// changeDue reports whether the user must change their password before
// signing.
func changeDue(c *qualstate.Credential, pol Policy, now time.Time) bool {
	return c.MustChange || expired(c, pol, now)
}

func expired(c *qualstate.Credential, pol Policy, now time.Time) bool {
	return pol.PasswordMaxAge > 0 && !now.Before(c.Changed.Add(pol.PasswordMaxAge))
}

const errSession = "the session has ended or is unknown; sign in again"

// Resume returns the identity of a session's token and marks the session
// used. A session ends on sign-out, after auth.session-idle without use,
// and auth.session-max after it started; an ended session is refused
// with ErrDenied.
func (s *Service) Resume(ctx context.Context, token string) (*Identity, error) {
	pol, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := s.session(ctx, token)
	if err != nil {
		return nil, err
	}
	u, c, err := s.live(ctx, sess, pol)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess.LastUsed = now
	if err := s.store.PutSession(qualstate.WithActor(ctx, u.ID), *sess); err != nil {
		return nil, fmt.Errorf("resume session: %w", err)
	}
	return &Identity{User: *u, Session: sess, PasswordChangeDue: changeDue(c, pol, now)}, nil
}

// session finds the session of a token.
func (s *Service) session(ctx context.Context, token string) (*qualstate.Session, error) {
	if len(token) != 64 {
		return nil, denied(errSession)
	}
	return s.sessionByID(ctx, qualstate.Digest([]byte(token)))
}

func (s *Service) sessionByID(ctx context.Context, id string) (*qualstate.Session, error) {
	sess, err := s.store.Session(ctx, id)
	if isCode(err, qualstate.ErrNotFound) {
		return nil, denied(errSession)
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	return sess, nil
}

// live checks that the session has not ended and that its user may still
// act, ending it (which the audit trail records) when its time is up or
// the user was disabled.
func (s *Service) live(ctx context.Context, sess *qualstate.Session, pol Policy) (*qualstate.User, *qualstate.Credential, error) {
	if !sess.Ended.IsZero() {
		return nil, nil, denied(errSession)
	}
	now := s.now()
	var why string
	switch {
	case now.Sub(sess.LastUsed) > pol.SessionIdle:
		why = fmt.Sprintf("inactive for more than %s", pol.SessionIdle)
	case !now.Before(sess.Expires) || now.Sub(sess.Started) >= pol.SessionMax:
		why = fmt.Sprintf("reached the longest a session lasts (%s)", pol.SessionMax)
	}
	var u *qualstate.User
	if why == "" {
		var err error
		if u, err = s.store.User(ctx, sess.UserID); err != nil {
			return nil, nil, fmt.Errorf("read user %s: %w", sess.UserID, err)
		}
		if u.Disabled {
			why = "the account was disabled"
		}
	}
	if why != "" {
		if err := s.end(ctx, sess, why); err != nil {
			return nil, nil, err
		}
		return nil, nil, denied("the session ended: %s; sign in again", why)
	}
	c, err := s.credential(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	return u, c, nil
}

func (s *Service) end(ctx context.Context, sess *qualstate.Session, why string) error {
	sess.Ended = s.now()
	if err := s.store.PutSession(withWho(ctx, sess.UserID, why), *sess); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// Logout ends the token's session. Ending an ended session does nothing.
func (s *Service) Logout(ctx context.Context, token string) error {
	sess, err := s.session(ctx, token)
	if err != nil {
		return err
	}
	if !sess.Ended.IsZero() {
		return nil
	}
	return s.end(ctx, sess, "signed out")
}
