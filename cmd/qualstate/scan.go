package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"qualstate"
	"qualstate/cfn"
	"qualstate/policy"
	"qualstate/qualify"
	"qualstate/report"
)

// maxTemplateRead bounds how much of one file is read: a little over
// CloudFormation's 1 MB template limit, so the parser can still report the
// limit while a huge stray file cannot exhaust memory.
const maxTemplateRead = 1<<20 + 1

// candidate is a file to check. Named files are always read as templates;
// files found by walking a directory are skipped when they are not templates.
type candidate struct {
	path  string
	named bool
}

// templateExts are the file endings walked directories are searched for.
var templateExts = map[string]bool{".yaml": true, ".yml": true, ".json": true, ".template": true}

// findCandidates expands the command-line paths: files as given, directories
// walked (hidden directories and node_modules are passed over).
func findCandidates(paths []string) ([]candidate, error) {
	var out []candidate
	seen := map[string]bool{}
	add := func(c candidate) {
		if !seen[c.path] {
			seen[c.path] = true
			out = append(out, c)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "%w", err)
		}
		if !info.IsDir() {
			add(candidate{path: p, named: true})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				name := d.Name()
				if path != p && (strings.HasPrefix(name, ".") || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && templateExts[strings.ToLower(filepath.Ext(path))] {
				add(candidate{path: path})
			}
			return nil
		})
		if err != nil {
			return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "walking %s: %w", p, err)
		}
	}
	return out, nil
}

// scanOptions configures a static check over many files.
type scanOptions struct {
	parse    cfn.Options
	engine   *policy.Engine
	jobs     int
	progress func(done, total int) // called after each file; may be nil
}

// scanResult is the outcome of checking one candidate.
type scanResult struct {
	template *report.TemplateResult // nil when skipped
	skipped  *report.Skipped
	findings []qualstate.Finding
}

// scan parses and evaluates every candidate, on opts.jobs workers. The
// result does not depend on the order work finished in.
func scan(ctx context.Context, cands []candidate, opts scanOptions) ([]report.TemplateResult, []report.Skipped, []qualstate.Finding, error) {
	jobs := opts.jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	results := make([]scanResult, len(cands))
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range min(jobs, len(cands)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(cands) || ctx.Err() != nil {
					return
				}
				results[i] = checkFile(cands[i], opts)
				n := int(done.Add(1))
				if opts.progress != nil {
					opts.progress(n, len(cands))
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	// Sized up front: findings are large and there can be hundreds of
	// thousands, so growing the slice would copy them again and again.
	total := 0
	for _, r := range results {
		total += len(r.findings)
	}
	var (
		templates = make([]report.TemplateResult, 0, len(results))
		skipped   []report.Skipped
		findings  = make([]qualstate.Finding, 0, total)
	)
	for _, r := range results {
		switch {
		case r.skipped != nil:
			skipped = append(skipped, *r.skipped)
		case r.template != nil:
			templates = append(templates, *r.template)
			findings = append(findings, r.findings...)
		}
	}
	sort.Slice(templates, func(i, j int) bool { return templates[i].File < templates[j].File })
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].File < skipped[j].File })
	qualstate.SortFindings(findings)
	return templates, skipped, findings, nil
}

// checkFile reads, parses and evaluates one file.
func checkFile(c candidate, opts scanOptions) scanResult {
	body, err := readBounded(c.path)
	if err != nil {
		return scanResult{template: &report.TemplateResult{File: c.path, Errors: []qualstate.Diagnostic{{
			Severity: qualstate.SeverityError, Code: "unreadable", Message: err.Error(),
			Loc: qualstate.Location{File: c.path},
		}}}}
	}
	if !c.named && !cfn.IsTemplate(body) {
		return scanResult{skipped: &report.Skipped{File: c.path, Reason: "not a CloudFormation template"}}
	}
	tpl, err := cfn.Parse(c.path, body, opts.parse)
	if err != nil {
		return scanResult{template: &report.TemplateResult{File: c.path, Errors: diagnosticsOf(c.path, err)}}
	}
	findings := qualify.Static(tpl, opts.engine)
	return scanResult{
		template: &report.TemplateResult{
			File: c.path, Digest: tpl.Digest, Resources: len(tpl.Resources), Diagnostics: tpl.Diagnostics,
		},
		findings: findings,
	}
}

// readBounded reads at most maxTemplateRead bytes of a file.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(512)
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		size = min(info.Size(), maxTemplateRead)
	}
	// One allocation of the right size: io.ReadAll alone would grow its
	// buffer several times per template.
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	_, err = buf.ReadFrom(io.LimitReader(f, maxTemplateRead))
	return buf.Bytes(), err
}

// diagnosticsOf turns a parse error (possibly several joined) into
// diagnostics, each with its own location.
func diagnosticsOf(file string, err error) []qualstate.Diagnostic {
	var out []qualstate.Diagnostic
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		d := qualstate.Diagnostic{Severity: qualstate.SeverityError, Code: "invalid-template", Message: err.Error(),
			Loc: qualstate.Location{File: file}}
		var qe *qualstate.Error
		if errors.As(err, &qe) {
			d.Message = qe.Msg
			if !qe.Loc.IsZero() {
				d.Loc = qe.Loc
			}
		}
		out = append(out, d)
	}
	walk(err)
	return out
}
