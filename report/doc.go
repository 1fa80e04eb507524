// Package report writes the outcome of `qualstate check` for people and for
// machines: Text for a terminal or a CI log, JSON (the documented
// qualstate.check/v1 shape, which ReadJSON reads back), SARIF 2.1.0 for code
// scanning services, and JUnit XML for CI test dashboards. JSONSchema
// documents the JSON report field by field.
//
// Every writer is deterministic: the same Check gives the same bytes. Order
// comes from the Check (templates by file, findings by qualstate.SortFindings)
// and times come from Check.Started and Check.Finished, never from the clock.
package report
