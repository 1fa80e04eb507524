// Package report writes what qualstate finds for people and for machines.
//
// The outcome of `qualstate check`: Text for a terminal or a CI log, JSON
// (the documented qualstate.check/v1 shape, which ReadJSON reads back),
// SARIF 2.1.0 for code scanning services, and JUnit XML for CI test
// dashboards. JSONSchema documents the JSON report field by field.
//
// The record of a qualification run (a Qualification): QualificationHTML, a
// self-contained page an auditor reads and prints; QualificationPDF, the
// same report as an A4 PDF; QualificationJSON (qualstate.run/v1, which
// ReadQualificationJSON reads back); and QualificationJUnit. WriteBundle
// packs all four with the baseline and every piece of sealed evidence into
// a zip with a SHA-256 manifest and a SHA256SUMS file, which VerifyBundle
// (or `sha256sum -c`) checks offline.
//
// A failure an approved waiver exempts is waived: every format shows it
// apart from passes and failures, with its waiver and expiry (SARIF as an
// accepted external suppression, JUnit as skipped). A qualification report
// ends with the run's review and approval: the manifestation of each
// electronic signature (printed name, user id, meaning, UTC time, reason)
// and the certificate approval issued, or, before any signature, lines to
// sign by hand. QualificationRecord gives the exact bytes the signatures
// sign.
//
// Every writer is deterministic: the same input gives the same bytes. Order
// comes from the input (templates by file, findings by
// qualstate.SortFindings, requirements in set order, test cases as
// recorded, steps by sequence, baseline by logical id) and times come from
// the input (Check.Started and Check.Finished, Qualification.Generated),
// never from the clock.
package report
