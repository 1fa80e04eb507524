package main

import (
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressDelay is how long work runs before a progress bar appears: short
// work stays quiet.
const progressDelay = time.Second

// progress shows a bar on w once work has taken longer than progressDelay,
// and only when w is a terminal.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	started time.Time
	bar     *progressbar.ProgressBar
	enabled bool
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, started: time.Now(), enabled: isTerminal(w)}
}

// update records that done of total items are finished.
func (p *progress) update(done, total int) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		if time.Since(p.started) < progressDelay {
			return
		}
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.label),
			progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	if p.bar.GetMax() != total {
		p.bar.ChangeMax(total)
	}
	_ = p.bar.Set(done)
}

// finish removes the bar, if one was shown.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
