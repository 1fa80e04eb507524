// Package sign controls who may do what in qualstate and records their
// electronic signatures, as 21 CFR Part 11 and EU GMP Annex 11 ask:
//
//   - users with roles, added and changed only by administrators, never
//     deleted and their ids never reused (11.10(d)(g), 11.100(a), 11.300(a));
//   - passwords with enforced rules, hashed with argon2id, locked after
//     repeated failures and aged out when the policy says so (11.300(b)(d));
//   - sessions that end on sign-out, after inactivity and after a maximum
//     time; the first signing in a session needs both the user id and the
//     password, later ones at least the password (11.200(a)(1));
//   - signatures that state the signer's printed name, the time and the
//     meaning (11.50), signed by the instance key over the SHA-256 of the
//     exact record, so they cannot be moved to another record (11.70);
//   - review and approval of qualification runs with separation of duties,
//     and certificates issued on approval (Annex 11 §12, §14);
//   - waivers: requested, approved by someone else, expiring, revocable,
//     and applied only while their signatures verify.
//
// Every change goes through the Store, which records an audit event for
// it; failed sign-ins, which change no record, are appended to the audit
// trail directly.
package sign
