// Package qualify runs a qualification: a template (by digest) against a
// requirement set (by digest) in a TEST environment, in stages.
//
//   - static: the design review `qualstate check` does, on the template;
//   - IQ: deploy the stack, then prove every resource exists, every property
//     the template sets has that value live, and every requirement holds on
//     the live model; the full live model becomes the run's baseline;
//   - OQ: challenge tests — apply each requirement's violating patch to a
//     live resource, prove the violation is detected and how long that took,
//     revert, prove the resource is back in its qualified state;
//   - teardown, unless the stack is kept.
//
// Every step, test case and piece of evidence is written to the Store as it
// happens, so a run cut off by a crash keeps everything it recorded and can
// be resumed or abandoned.
package qualify
