package schema

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"qualstate/cfn/schema/internal/bundle"
)

// schemasGz is the bundle `go run ./cfn/schema/gen` writes from the
// registry's provider schemas: one gzip'd JSON document, one type per line.
//
//go:embed schemas.json.gz
var schemasGz []byte

// catalog is the decompressed bundle with each type's schema parsed on
// first lookup.
type catalog struct {
	names   []string
	raw     map[string][]byte
	mu      sync.Mutex
	entries map[string]*entry
}

// entry parses one type's schema once, however many goroutines ask.
type entry struct {
	once   sync.Once
	schema *Schema
	err    error
}

var (
	catalogOnce sync.Once
	embedded    *catalog
	catalogErr  error
)

// loadCatalog decompresses and indexes the bundle the first time a schema
// is asked for, so programs that never validate never pay for it.
func loadCatalog() (*catalog, error) {
	catalogOnce.Do(func() {
		embedded, catalogErr = openCatalog(schemasGz)
	})
	return embedded, catalogErr
}

func openCatalog(gz []byte) (*catalog, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("open embedded schemas: %w", err)
	}
	// gzip's trailer gives the size, so the bundle is read into one
	// buffer instead of a growing one.
	var size int
	if len(gz) >= 4 {
		size = int(binary.LittleEndian.Uint32(gz[len(gz)-4:]))
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(size, 64<<20)+1))
	if _, err := io.Copy(buf, r); err != nil {
		return nil, fmt.Errorf("decompress embedded schemas: %w", err)
	}
	data := buf.Bytes()
	names, raw, err := bundle.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("read embedded schemas: %w", err)
	}
	return &catalog{names: names, raw: raw, entries: make(map[string]*entry, 64)}, nil
}

func (c *catalog) lookup(typeName string) (*Schema, error) {
	doc, ok := c.raw[typeName]
	if !ok {
		return nil, nil
	}
	c.mu.Lock()
	e, ok := c.entries[typeName]
	if !ok {
		e = &entry{}
		c.entries[typeName] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		e.schema, e.err = Parse(typeName+" (embedded schema)", doc)
	})
	return e.schema, e.err
}

// Lookup returns the schema of a resource type, or ok=false when the type
// has no schema (Custom::*, AWS::CloudFormation::CustomResource,
// AWS::Serverless::*, legacy types). The first call decompresses the
// embedded schemas; the first call for a type parses its schema.
func Lookup(typeName string) (*Schema, bool) {
	c, err := loadCatalog()
	if err != nil {
		return nil, false
	}
	s, err := c.lookup(typeName)
	if err != nil || s == nil {
		return nil, false
	}
	return s, true
}

// Types lists every type with a schema, sorted.
func Types() []string {
	c, err := loadCatalog()
	if err != nil {
		return nil
	}
	return clone(c.names)
}

// Verify decodes every embedded schema and resolves every $ref in it,
// returning what fails. Lookup hides such failures behind ok=false; Verify
// is how a build or a health check finds them. It parses on every CPU.
func Verify() error {
	c, err := loadCatalog()
	if err != nil {
		return err
	}
	errs := make([]error, len(c.names))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				_, errs[i] = c.lookup(c.names[i])
			}
		})
	}
	for i := range c.names {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}
