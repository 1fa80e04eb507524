package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"qualstate"
)

// runProgress shows a qualification's progress on stderr: a line per
// stage, failed stack events as they come, and bars for the deployment and
// the challenges.
type runProgress struct {
	mu    sync.Mutex
	w     io.Writer
	bar   *progress
	label string
	// done counts the resources a stack operation finished, by logical id.
	done map[string]bool
}

func newRunProgress(w io.Writer) *runProgress { return &runProgress{w: w} }

func (p *runProgress) Stage(stage qualstate.Stage, what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endBar()
	fmt.Fprintf(p.w, "%-8s %s\n", stage, what)
	p.label, p.done = what, map[string]bool{}
}

func (p *runProgress) StackEvent(e qualstate.StackEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if strings.HasSuffix(e.Status, "_FAILED") && e.Reason != "" {
		p.endBar()
		fmt.Fprintf(p.w, "         %s %s: %s\n", e.LogicalID, e.Status, e.Reason)
	}
	if e.ResourceType == "AWS::CloudFormation::Stack" || p.done == nil {
		return
	}
	if strings.HasSuffix(e.Status, "_COMPLETE") {
		p.done[e.LogicalID] = true
	} else if _, ok := p.done[e.LogicalID]; !ok {
		p.done[e.LogicalID] = false
	}
	finished := 0
	for _, d := range p.done {
		if d {
			finished++
		}
	}
	p.count(finished, len(p.done))
}

func (p *runProgress) Count(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count(done, total)
}

func (p *runProgress) count(done, total int) {
	if p.bar == nil {
		p.bar = newProgress(p.w, p.label)
	}
	p.bar.update(done, total)
}

func (p *runProgress) endBar() {
	if p.bar != nil {
		p.bar.finish()
		p.bar = nil
	}
}

// finish removes any bar left.
func (p *runProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endBar()
}
