package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"qualstate"
)

// SetFile is the file of a requirement-set directory that names the set.
const SetFile = "set.yaml"

// LoadFile reads a requirement set from a YAML file.
func LoadFile(file string) (*qualstate.RequirementSet, error) {
	body, err := os.ReadFile(file)
	if err != nil {
		code := qualstate.ErrInvalidInput
		if errors.Is(err, fs.ErrNotExist) {
			code = qualstate.ErrNotFound
		}
		return nil, qualstate.Errorf(code, qualstate.Location{File: file}, "read requirement set: %w", err)
	}
	return Load(file, body)
}

// Load decodes a requirement set and compiles every check. Source names the
// file in errors and in the set. The error, if any, joins one
// *qualstate.Error (code ErrInvalidInput) per problem found, in file order.
func Load(source string, body []byte) (*qualstate.RequirementSet, error) {
	d := &decoder{file: source, body: body, ids: map[string]qualstate.Location{}}
	root, perr := parseYAML(source, body)
	if perr != nil {
		return nil, errors.Join(perr)
	}
	h, reqs := d.decodeFile(root, wholeSet)
	if err := joinErrors(d.errs); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &qualstate.RequirementSet{
		Name:         h.name,
		Version:      h.version,
		Description:  h.description,
		Source:       source,
		Digest:       hex.EncodeToString(sum[:]),
		Requirements: reqs,
	}, nil
}

// LoadFS reads a requirement set kept as a directory of YAML files: set.yaml
// gives the set's name, version and description (and may hold
// requirements); every other *.yaml or *.yml file directly in dir holds
// only a requirements list. Files are read in name order. The set's Source
// is dir and its Digest the SHA-256 of a manifest listing each file's
// SHA-256 and name, one "<hex>  <name>\n" line per file, set.yaml first.
func LoadFS(fsys fs.FS, dir string) (*qualstate.RequirementSet, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrNotFound, qualstate.Location{File: dir}, "read requirement set directory: %w", err)
	}
	var parts []string
	hasSet := false
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir():
		case name == SetFile:
			hasSet = true
		case name == "set.yml":
			return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: path.Join(dir, name)}, "name the set's file %s", SetFile)
		case strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"):
			parts = append(parts, name)
		}
	}
	if !hasSet {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: dir}, "requirement set directory has no %s naming the set", SetFile)
	}
	sort.Strings(parts)
	ids := map[string]qualstate.Location{}
	var errs []*qualstate.Error
	var manifest strings.Builder
	var set qualstate.RequirementSet
	for i, name := range append([]string{SetFile}, parts...) {
		file := path.Join(dir, name)
		body, err := fs.ReadFile(fsys, file)
		if err != nil {
			errs = append(errs, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: file}, "read: %w", err))
			continue
		}
		sum := sha256.Sum256(body)
		fmt.Fprintf(&manifest, "%x  %s\n", sum, name)
		root, perr := parseYAML(file, body)
		if perr != nil {
			errs = append(errs, perr)
			continue
		}
		d := &decoder{file: file, body: body, ids: ids}
		kind := setPart
		if i == 0 {
			kind = setHeader
		}
		h, reqs := d.decodeFile(root, kind)
		if i == 0 {
			set.Name, set.Version, set.Description = h.name, h.version, h.description
		}
		set.Requirements = append(set.Requirements, reqs...)
		errs = append(errs, d.errs...)
	}
	if err := joinErrors(errs); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(manifest.String()))
	set.Source = dir
	set.Digest = hex.EncodeToString(sum[:])
	return &set, nil
}

// joinErrors orders problems by place and joins them.
func joinErrors(errs []*qualstate.Error) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return locLess(errs[i].Loc, errs[j].Loc) })
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}
