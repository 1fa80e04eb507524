package sign

import (
	"context"
	"fmt"

	"qualstate"
)

// Components are the two components of a non-biometric electronic
// signature (21 CFR 11.200(a)(1)): the user id and the password.
//
// Without a session both are required. In a session the first signing
// needs both, and the user id must be the session user's; later signings
// in the same session need at least the password.
type Components struct {
	UserID, Password string
}

// signer is who is signing, once their components checked out.
type signer struct {
	user    *qualstate.User
	session *qualstate.Session // nil when signing without one
	policy  Policy             // the settings in force when signing
}

// signer checks the signing components of the identity (nil: no session,
// the components alone identify the signer). Wrong components count as
// failed authentications. A user whose password an administrator set or
// that has expired cannot sign.
func (s *Service) signer(ctx context.Context, id *Identity, c Components) (*signer, error) {
	if c.Password == "" {
		return nil, denied("a signature needs your password")
	}
	pol, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	c.UserID = normID(c.UserID)
	var (
		u    *qualstate.User
		cred *qualstate.Credential
		sess *qualstate.Session
	)
	if id == nil || id.Session == nil {
		if c.UserID == "" {
			return nil, denied("a signature made outside a session needs both your user id and your password")
		}
		if id != nil && id.User.ID != c.UserID {
			return nil, denied("the user id given is not that of the user signed in")
		}
		if u, cred, err = s.authenticate(ctx, c.UserID, c.Password, pol); err != nil {
			return nil, err
		}
	} else {
		if sess, err = s.sessionByID(ctx, id.Session.ID); err != nil {
			return nil, err
		}
		if sess.UserID != id.User.ID {
			return nil, denied(errSession)
		}
		if _, _, err = s.live(ctx, sess, pol); err != nil {
			return nil, err
		}
		if sess.Signings == 0 && c.UserID == "" {
			return nil, denied("the first signature in a session needs both your user id and your password")
		}
		if c.UserID != "" && c.UserID != sess.UserID {
			cur, err := s.credential(ctx, sess.UserID)
			if err != nil {
				return nil, err
			}
			return nil, s.failure(ctx, cur, pol, causeWrongUser)
		}
		if u, cred, err = s.authenticate(ctx, sess.UserID, c.Password, pol); err != nil {
			return nil, err
		}
	}
	now := s.now()
	if cred.MustChange {
		return nil, denied("%s cannot sign until they change the password an administrator set", u.ID)
	}
	if expired(cred, pol, now) {
		return nil, denied("%s cannot sign: the password expired on %s; change it first", u.ID, formatTime(cred.Changed.Add(pol.PasswordMaxAge)))
	}
	return &signer{user: u, session: sess, policy: pol}, nil
}

// signature makes the signer's signature of a meaning about the record
// with the digest: the instance key signs what it states, printed name,
// time and meaning included (11.50, 11.70).
func (s *Service) signature(sg *signer, subject, digest string, m qualstate.Meaning, reason string) qualstate.Signature {
	sig := qualstate.Signature{
		ID:           "SIG-" + randomHex(6),
		Subject:      subject,
		RecordDigest: digest,
		SignerID:     sg.user.ID,
		SignerName:   sg.user.Name,
		Meaning:      m,
		Time:         s.now(),
		Reason:       reason,
		Key:          s.key.ID(),
	}
	sig.Value = s.key.SignBase64(sig.Message())
	return sig
}

// signed counts a signing in the signer's session, which from then on
// asks only for the password. When that fails the signature stands; the
// error says so, and the next signing asks for both components again.
func (s *Service) signed(ctx context.Context, sg *signer, sig *qualstate.Signature) error {
	if sg.session == nil {
		return nil
	}
	sg.session.Signings++
	sg.session.LastUsed = s.now()
	if err := s.store.PutSession(qualstate.WithActor(ctx, sg.user.ID), *sg.session); err != nil {
		return fmt.Errorf("signature %s is recorded, but the session could not be updated: %w", sig.ID, err)
	}
	return nil
}
