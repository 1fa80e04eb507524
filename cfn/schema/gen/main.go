// Command gen refreshes the CloudFormation resource schemas qualstate
// embeds: it reads the registry's provider schemas (one AWS_*.json file per
// type), keeps what validation, identifiers and the sandbox read, checks
// that each still parses, and writes them as one gzip'd JSON bundle.
//
//	go run ./cfn/schema/gen -in ../shared/cfn-schemas -out cfn/schema/schemas.json.gz
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"qualstate/cfn/schema"
	"qualstate/cfn/schema/internal/bundle"
)

func main() {
	in := flag.String("in", "", "directory of provider schemas (*.json)")
	out := flag.String("out", "", "bundle to write (.json.gz)")
	keepGoing := flag.Bool("keep-going", false, "leave out schemas that cannot be read instead of failing")
	flag.Parse()
	if *in == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -in DIR -out FILE.json.gz [-keep-going]")
		os.Exit(2)
	}
	if err := run(*in, *out, *keepGoing); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string, keepGoing bool) error {
	schemas, problems, err := bundle.Build(in)
	if err != nil {
		return err
	}
	for _, name := range sortedNames(schemas) {
		if _, err := schema.Parse(name, schemas[name]); err != nil {
			problems = append(problems, fmt.Errorf("%s: minified schema does not parse: %w", name, err))
			delete(schemas, name)
		}
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 && !keepGoing {
		return fmt.Errorf("%d schemas could not be used (-keep-going leaves them out)", len(problems))
	}
	data, err := bundle.Encode(schemas)
	if err != nil {
		return err
	}
	gz, err := compress(data)
	if err != nil {
		return err
	}
	if err := writeAtomically(out, gz); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d types, %d bytes of JSON, %d bytes written to %s\n", len(schemas), len(data), len(gz), out)
	return nil
}

// compress gzips without a name or time in the header, so the same schemas
// always give the same bytes.
func compress(data []byte) ([]byte, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("compress: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compress: %w", err)
	}
	return b.Bytes(), nil
}

// writeAtomically replaces path only once the new content is complete, so
// an interrupted run never leaves a truncated bundle to be embedded.
func writeAtomically(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".schemas-*.tmp")
	if err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	merr := os.Chmod(tmp.Name(), 0o644)
	if err := errors.Join(werr, cerr, merr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

func sortedNames(m map[string][]byte) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
