package cfn

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"

	"qualstate"
)

// maxProblems caps how many problems one error reports: past that the
// template is broken throughout and more lines help nobody.
const maxProblems = 100

// problems collects what is wrong with an input, so that one run reports
// every problem it can find rather than the first.
type problems struct {
	list []*qualstate.Error
	// more counts the problems left out past maxProblems.
	more int
}

// add records a problem at loc.
func (p *problems) add(loc qualstate.Location, format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.more++
		return
	}
	p.list = append(p.list, qualstate.Errorf(qualstate.ErrInvalidInput, loc, format, args...))
}

// empty reports whether nothing was recorded.
func (p *problems) empty() bool { return len(p.list) == 0 }

// err returns the problems, ordered by position, as one error, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	list := slices.Clone(p.list)
	slices.SortStableFunc(list, func(a, b *qualstate.Error) int {
		if c := cmp.Compare(a.Loc.File, b.Loc.File); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Loc.Line, b.Loc.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Loc.Column, b.Loc.Column)
	})
	// The same problem can be found twice when one value is checked from
	// two places (a resource and a cycle through it).
	list = slices.CompactFunc(list, func(a, b *qualstate.Error) bool {
		return a.Loc == b.Loc && a.Msg == b.Msg
	})
	errs := make([]error, 0, len(list)+1)
	for _, e := range list {
		errs = append(errs, e)
	}
	if p.more > 0 {
		errs = append(errs, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: list[0].Loc.File},
			"%d more problems not shown", p.more))
	}
	return errors.Join(errs...)
}

// quote renders a name from the input for a message, escaped so that a
// control character or a very long key cannot garble the message.
func quote(s string) string { return strconv.Quote(clip(s)) }

// clip shortens text from the input to what a message can carry.
func clip(s string) string {
	if n := 80; len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return s[:n] + "…"
	}
	return s
}
