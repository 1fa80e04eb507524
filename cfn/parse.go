package cfn

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"qualstate"
)

// Parse loads and resolves a template body; file names it in locations.
func Parse(file string, body []byte, opts Options) (*qualstate.Template, error) {
	d, err := Load(file, body)
	if err != nil {
		return nil, err
	}
	return d.Resolve(opts)
}

// ParseFile reads, loads and resolves the template at path.
func ParseFile(path string, opts Options) (*qualstate.Template, error) {
	body, err := readFile(path, MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, body, opts)
}

// readFile reads a file of at most limit bytes; a larger file is refused
// without reading it all.
func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		code := qualstate.ErrInvalidInput
		if errors.Is(err, fs.ErrNotExist) {
			code = qualstate.ErrNotFound
		}
		return nil, qualstate.Errorf(code, qualstate.Location{File: path}, "cannot read: %w", err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: path}, "cannot read: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{File: path},
			"file is larger than the limit of %d bytes", limit)
	}
	return body, nil
}
