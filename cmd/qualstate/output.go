package main

import (
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"
)

// writeOutput writes through fn to path, or to w when path is empty. A file
// is written beside its final name and renamed into place, so a failed run
// never leaves a half-written report behind.
func writeOutput(w io.Writer, path string, fn func(io.Writer) error) error {
	if path == "" {
		return fn(w)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	// CreateTemp makes the file private; a report is as readable as any
	// file the user writes.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colorAllowed follows the NO_COLOR convention (https://no-color.org) and
// colours only terminals.
func colorAllowed(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	return isTerminal(w)
}
