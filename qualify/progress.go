package qualify

import "qualstate"

// Progress hears about a run as it goes; the CLI draws bars from it. Calls
// come from the goroutine running the qualification.
type Progress interface {
	// Stage says a stage (or a part of one) starts: "deploying stack x".
	Stage(stage qualstate.Stage, what string)
	// StackEvent reports a CloudFormation event while deploying or
	// deleting.
	StackEvent(e qualstate.StackEvent)
	// Count reports done of total items of the current stage.
	Count(done, total int)
}

// quiet is the Progress that hears nothing.
type quiet struct{}

func (quiet) Stage(qualstate.Stage, string)   {}
func (quiet) StackEvent(qualstate.StackEvent) {}
func (quiet) Count(int, int)                  {}
