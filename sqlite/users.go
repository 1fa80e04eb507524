package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"qualstate"
)

// userKey folds a user id for lookups and uniqueness: user ids are
// compared without regard to case, everywhere.
func userKey(id string) string { return strings.ToLower(id) }

// CreateUser records a new user and the user's credential. An id recorded
// before, in any case and whether or not the user is disabled, is
// ErrConflict; a user without an id, or a credential naming another user,
// is ErrInvalidInput.
func (s *Store) CreateUser(ctx context.Context, u qualstate.User, c qualstate.Credential) error {
	if u.ID == "" {
		return invalid("create user: the user has no id")
	}
	if c.UserID == "" {
		c.UserID = u.ID
	}
	if userKey(c.UserID) != userKey(u.ID) {
		return invalid("create user %s: the credential is %s's", u.ID, c.UserID)
	}
	c.UserID = u.ID
	udoc, err := encodeUser(u)
	if err != nil {
		return err
	}
	cdoc, err := encodeCredential(c)
	if err != nil {
		return err
	}
	return s.write(ctx, "create user "+u.ID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users (key, id, doc) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			userKey(u.ID), u.ID, string(udoc))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return conflict("user id %s is taken: user ids are never given twice", u.ID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO credentials (user_key, doc) VALUES (?, ?)`, userKey(u.ID), string(cdoc)); err != nil {
			return err
		}
		a := s.trail(ctx, tx)
		if err := a.record("user.created", "user/"+u.ID, nil, udoc); err != nil {
			return err
		}
		return a.record("credential.set", "user/"+u.ID+"/credential", nil, cdoc)
	})
}

// UpdateUser rewrites a recorded user, keeping the id as first recorded.
// The audit event says what changed: "user.disabled", "user.enabled",
// "user.roles-changed", or "user.updated" for anything else.
func (s *Store) UpdateUser(ctx context.Context, u qualstate.User) error {
	if u.ID == "" {
		return invalid("update user: the user has no id")
	}
	return s.write(ctx, "update user "+u.ID, func(tx *sql.Tx) error {
		id, old, err := userDoc(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		u.ID = id
		doc, err := encodeUser(u)
		if err != nil {
			return err
		}
		if string(old) == string(doc) {
			return nil
		}
		var was qualstate.User
		if err := json.Unmarshal(old, &was); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET doc = ? WHERE key = ?`, string(doc), userKey(id)); err != nil {
			return err
		}
		action := "user.updated"
		switch {
		case u.Disabled && !was.Disabled:
			action = "user.disabled"
		case !u.Disabled && was.Disabled:
			action = "user.enabled"
		case !slices.Equal(u.Roles, was.Roles):
			action = "user.roles-changed"
		}
		return s.trail(ctx, tx).record(action, "user/"+id, old, doc)
	})
}

// userDoc returns a recorded user's id, as first recorded, and document.
func userDoc(ctx context.Context, q querier, id string) (string, []byte, error) {
	var stored string
	var doc []byte
	err := q.QueryRowContext(ctx, `SELECT id, doc FROM users WHERE key = ?`, userKey(id)).Scan(&stored, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, notFound("user %s not found", id)
	}
	return stored, doc, err
}

func encodeUser(u qualstate.User) ([]byte, error) {
	u.Created = u.Created.UTC()
	doc, err := json.Marshal(&u)
	if err != nil {
		return nil, invalid("record user %s: %w", u.ID, err)
	}
	return doc, nil
}

func encodeCredential(c qualstate.Credential) ([]byte, error) {
	c.Changed = c.Changed.UTC()
	c.LockedUntil = c.LockedUntil.UTC()
	doc, err := json.Marshal(&c)
	if err != nil {
		return nil, invalid("record credential of %s: %w", c.UserID, err)
	}
	return doc, nil
}

// User returns the user with the id, in any case.
func (s *Store) User(ctx context.Context, id string) (*qualstate.User, error) {
	op := "read user " + id
	_, doc, err := userDoc(ctx, s.db, id)
	if err != nil {
		return nil, s.readErr(op, err)
	}
	var u qualstate.User
	if err := json.Unmarshal(doc, &u); err != nil {
		return nil, s.fail(op, err)
	}
	return &u, nil
}

// Users lists every user, disabled ones too, by id. SQLite's default
// collation compares bytes, as Go compares strings.
func (s *Store) Users(ctx context.Context) ([]qualstate.User, error) {
	const op = "list users"
	docs, err := s.docs(ctx, op, `SELECT doc FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	users := make([]qualstate.User, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal(doc, &users[i]); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return users, nil
}

// Credential returns the credential of the user with the id, in any case.
func (s *Store) Credential(ctx context.Context, userID string) (*qualstate.Credential, error) {
	op := "read credential of " + userID
	var doc []byte
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM credentials WHERE user_key = ?`, userKey(userID)).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("credential of user %s not found", userID)
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	var c qualstate.Credential
	if err := json.Unmarshal(doc, &c); err != nil {
		return nil, s.fail(op, err)
	}
	return &c, nil
}

// PutCredential rewrites a recorded user's credential; the user must be
// recorded (ErrNotFound).
func (s *Store) PutCredential(ctx context.Context, c qualstate.Credential) error {
	if c.UserID == "" {
		return invalid("record credential: no user id given")
	}
	return s.write(ctx, "record credential of "+c.UserID, func(tx *sql.Tx) error {
		id, _, err := userDoc(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		c.UserID = id
		doc, err := encodeCredential(c)
		if err != nil {
			return err
		}
		var old []byte
		err = tx.QueryRowContext(ctx, `SELECT doc FROM credentials WHERE user_key = ?`, userKey(id)).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if old != nil && string(old) == string(doc) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO credentials (user_key, doc) VALUES (?, ?)
			ON CONFLICT (user_key) DO UPDATE SET doc = excluded.doc`, userKey(id), string(doc)); err != nil {
			return err
		}
		return s.trail(ctx, tx).record("credential.updated", "user/"+id+"/credential", old, doc)
	})
}

// sessionSubject names a session in the trail by the start of its id: the
// id is the hash of the session's token, and the trail need not hold all
// of it.
func sessionSubject(id string) string {
	if len(id) > 12 {
		id = id[:12]
	}
	return "session/" + id
}

// PutSession records a session or rewrites it. Its user must be recorded
// (ErrNotFound). Only its start and its end append audit events: the
// rest is access state, rewritten at every request.
func (s *Store) PutSession(ctx context.Context, sess qualstate.Session) error {
	if sess.ID == "" || sess.UserID == "" {
		return invalid("record session: a session needs an id and a user id")
	}
	return s.write(ctx, "record session "+sessionSubject(sess.ID), func(tx *sql.Tx) error {
		id, _, err := userDoc(ctx, tx, sess.UserID)
		if err != nil {
			return err
		}
		sess.UserID = id
		sess.Started, sess.LastUsed, sess.Expires, sess.Ended = sess.Started.UTC(), sess.LastUsed.UTC(), sess.Expires.UTC(), sess.Ended.UTC()
		doc, err := json.Marshal(&sess)
		if err != nil {
			return invalid("record session: %w", err)
		}
		var old []byte
		err = tx.QueryRowContext(ctx, `SELECT doc FROM sessions WHERE id = ?`, sess.ID).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var was qualstate.Session
		if old != nil {
			if err := json.Unmarshal(old, &was); err != nil {
				return err
			}
			if was.UserID != sess.UserID {
				return conflict("session %s is another user's", sessionSubject(sess.ID))
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_key, doc) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, sess.ID, userKey(id), string(doc)); err != nil {
			return err
		}
		var action string
		switch {
		case old == nil:
			action = "session.started"
		case was.Ended.IsZero() && !sess.Ended.IsZero():
			action = "session.ended"
		default:
			return nil
		}
		_, err = s.trail(ctx, tx).append(qualstate.AuditEvent{Action: action, Subject: sessionSubject(sess.ID)})
		return err
	})
}

// Session returns the session with the id.
func (s *Store) Session(ctx context.Context, id string) (*qualstate.Session, error) {
	op := "read " + sessionSubject(id)
	var doc []byte
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM sessions WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("%s not found", sessionSubject(id))
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	var sess qualstate.Session
	if err := json.Unmarshal(doc, &sess); err != nil {
		return nil, s.fail(op, err)
	}
	return &sess, nil
}

// Setting returns a setting's value and whether it is set.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.fail("read setting "+key, err)
	}
	return v, true, nil
}

// PutSetting sets a setting; a key that is empty is ErrInvalidInput.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	if key == "" {
		return invalid("change setting: no key given")
	}
	return s.write(ctx, "change setting "+key, func(tx *sql.Tx) error {
		var was string
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&was)
		var old []byte // nil when the setting was not set: "" is a value
		switch {
		case err == nil:
			if was == value {
				return nil
			}
			old = []byte(was)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
			return err
		}
		return s.trail(ctx, tx).record("setting.changed", "setting/"+key, old, []byte(value))
	})
}

// Settings returns every setting.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	const op = "read settings"
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, s.fail(op, err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// readErr passes a *qualstate.Error on and makes anything else a storage
// failure.
func (s *Store) readErr(op string, err error) error {
	var qe *qualstate.Error
	if errors.As(err, &qe) {
		return err
	}
	return s.fail(op, err)
}

// docs returns the first column of the query's rows.
func (s *Store) docs(ctx context.Context, op, query string, args ...any) ([][]byte, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	docs := [][]byte{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, s.fail(op, err)
		}
		docs = append(docs, doc)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return docs, nil
}
