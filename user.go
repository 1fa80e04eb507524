package qualstate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role is what a user may do. A user holds one or more.
type Role string

// Roles. Reading records needs no role; every change does.
const (
	RoleEngineer Role = "engineer" // qualifies templates, requests waivers
	RoleReviewer Role = "reviewer" // reviews and rejects qualification runs
	RoleApprover Role = "approver" // approves (certifies) runs, approves and revokes waivers
	RoleAuditor  Role = "auditor"  // reads and verifies records, changes nothing
	RoleAdmin    Role = "admin"    // manages users and settings
)

// Roles lists every role in a fixed order.
var Roles = []Role{RoleEngineer, RoleReviewer, RoleApprover, RoleAuditor, RoleAdmin}

// ParseRoles reads a comma-separated list of roles.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, f := range strings.Split(s, ",") {
		r := Role(strings.TrimSpace(f))
		if r == "" {
			continue
		}
		if !slices.Contains(Roles, r) {
			return nil, fmt.Errorf("unknown role %q (want engineer, reviewer, approver, auditor or admin)", r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no role given (want engineer, reviewer, approver, auditor or admin)")
	}
	return out, nil
}

// User is a person who signs in to qualstate. The ID is unique and never
// given to anyone else: users are disabled, never deleted.
type User struct {
	ID string `json:"id"`
	// Name is the printed name shown with every signature.
	Name     string    `json:"name"`
	Email    string    `json:"email,omitempty"`
	Roles    []Role    `json:"roles"`
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
	// CreatedBy is the actor who added the user.
	CreatedBy string `json:"createdBy"`
}

// Has reports whether the user holds the role.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// Credential is a user's password hash and sign-in state, kept apart from
// User so that nothing listing users can show a hash.
type Credential struct {
	UserID string `json:"userId"`
	// Hash is the argon2id hash in the PHC string format.
	Hash    string    `json:"hash"`
	Changed time.Time `json:"changed"`
	// History holds the hashes of earlier passwords, newest first, so that
	// none is reused.
	History []string `json:"history,omitempty"`
	// Failures counts failed sign-ins since the last success; at the
	// limit the account locks until LockedUntil.
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"lockedUntil"`
	// MustChange is set when an administrator set the password: the user
	// changes it before signing anything.
	MustChange bool `json:"mustChange,omitempty"`
}

// Session is a period of controlled access by one user: opened by signing
// in with both components (user id and password), ended by signing out or
// by inactivity. Within it, the first signature needs both components and
// later ones at least the password (21 CFR 11.200(a)(1)).
type Session struct {
	// ID is the SHA-256 of the session's secret token, which only the
	// user's client holds.
	ID       string    `json:"id"`
	UserID   string    `json:"userId"`
	Started  time.Time `json:"started"`
	LastUsed time.Time `json:"lastUsed"`
	Expires  time.Time `json:"expires"`
	// Signings counts the signatures made in the session.
	Signings int       `json:"signings"`
	Ended    time.Time `json:"ended"`
}
