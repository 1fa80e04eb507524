package report

import (
	"slices"
	"sort"

	"qualstate"
)

// fileGroup is everything a check says about one file: the template read
// from it, if any, and the findings located in it.
type fileGroup struct {
	file     string
	template *TemplateResult
	findings []qualstate.Finding
}

// sortedTemplates returns the templates ordered by file, leaving the Check
// as it was: writers must not reorder their caller's data.
func sortedTemplates(c *Check) []TemplateResult {
	ts := append([]TemplateResult(nil), c.Templates...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].File < ts[j].File })
	return ts
}

// sortedFindings returns the findings in qualstate.SortFindings order, so
// output is stable even when a caller forgot to sort. Sorted input (the
// CLI's) is returned as it is: copying hundreds of thousands of findings is
// the slowest thing a writer could do. Callers only read the result.
func sortedFindings(c *Check) []qualstate.Finding {
	less := func(i, j int) bool { return qualstate.FindingLess(&c.Findings[i], &c.Findings[j]) }
	if sort.SliceIsSorted(c.Findings, less) {
		return c.Findings
	}
	fs := slices.Clone(c.Findings)
	qualstate.SortFindings(fs)
	return fs
}

// sortedSkipped returns the skipped files ordered by file.
func sortedSkipped(c *Check) []Skipped {
	ss := append([]Skipped{}, c.Skipped...)
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].File < ss[j].File })
	return ss
}

// groupByFile gathers templates and findings per file, files in order. A
// finding whose file is not among the templates (it cannot happen from the
// CLI, but a Check is plain data) gets a group of its own rather than being
// lost.
func groupByFile(c *Check) []fileGroup {
	var groups []fileGroup
	index := map[string]int{}
	for _, t := range sortedTemplates(c) {
		if _, seen := index[t.File]; !seen {
			index[t.File] = len(groups)
		}
		groups = append(groups, fileGroup{file: t.File, template: &t})
	}
	// Sorted findings of one file are contiguous: each group takes its run
	// of the slice, without copying.
	fs := sortedFindings(c)
	for start := 0; start < len(fs); {
		file := fs[start].Loc.File
		end := start + 1
		for end < len(fs) && fs[end].Loc.File == file {
			end++
		}
		i, ok := index[file]
		if !ok {
			i = len(groups)
			index[file] = i
			groups = append(groups, fileGroup{file: file})
		}
		groups[i].findings = fs[start:end:end]
		start = end
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].file < groups[j].file })
	return groups
}

// inFile returns loc, naming file when loc names none: a diagnostic made
// without a file still belongs to the template it was found in.
func inFile(loc qualstate.Location, file string) qualstate.Location {
	if loc.File == "" {
		loc.File = file
	}
	return loc
}
