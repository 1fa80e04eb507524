package sign

import "qualstate"

// errAuth is the one message every failed authentication gives, whatever
// the cause: telling a caller that the user exists, or that the password
// was right but the account is locked, helps whoever is guessing. The
// audit trail records the cause.
const errAuth = "user id or password is wrong, or the account is locked or disabled"

func denied(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrDenied, qualstate.Location{}, format, args...)
}

func conflict(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrConflict, qualstate.Location{}, format, args...)
}

func invalid(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, format, args...)
}

func notFound(format string, args ...any) error {
	return qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{}, format, args...)
}

// isCode reports whether err carries the code.
func isCode(err error, code qualstate.ErrorCode) bool {
	return err != nil && qualstate.CodeOf(err) == code
}
