package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
)

// Build reads every *.json provider schema in dir and minifies it. It
// returns the schemas by type name, and one error per file that could not
// be used, each naming the file (and line and column where known); err is
// set only when dir itself cannot be read.
func Build(dir string) (schemas map[string][]byte, problems []error, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("list schemas in %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, nil, fmt.Errorf("read schemas: %w", err)
	}
	sort.Strings(files)
	// Minify on every CPU: reading 1,500 schemas is most of a refresh.
	type result struct {
		name string
		min  []byte
		err  error
	}
	results := make([]result, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				results[i].name, results[i].min, results[i].err = minifyFile(files[i])
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	schemas = make(map[string][]byte, len(files))
	from := make(map[string]string, len(files))
	for i, r := range results {
		if r.err != nil {
			problems = append(problems, r.err)
			continue
		}
		if first, dup := from[r.name]; dup {
			problems = append(problems, fmt.Errorf("%s: type %s is also defined in %s", files[i], r.name, first))
			continue
		}
		from[r.name] = files[i]
		schemas[r.name] = r.min
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("no *.json schemas in %s", dir)
	}
	return schemas, problems, nil
}

// minifyFile reads and minifies one schema file; errors name the file.
func minifyFile(file string) (string, []byte, error) {
	doc, err := os.ReadFile(file)
	if err != nil {
		return "", nil, fmt.Errorf("read schema: %w", err)
	}
	name, min, err := Minify(doc)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Line > 0 {
			return "", nil, fmt.Errorf("%s:%d:%d: %s", file, e.Line, e.Column, stripPosition(e))
		}
		return "", nil, fmt.Errorf("%s: %w", file, err)
	}
	return name, min, nil
}

// stripPosition renders an Error without its line and column, for callers
// that put them after the file name.
func stripPosition(e *Error) string {
	c := *e
	c.Line, c.Column = 0, 0
	return c.Error()
}
