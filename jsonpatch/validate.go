package jsonpatch

import (
	"errors"
	"fmt"
	"strings"

	"qualstate"
)

// Validate checks the shape of every operation (see ValidateOp) and returns
// all problems at once, each naming the operation's index.
func Validate(ops []qualstate.PatchOp) error {
	var errs []error
	for i, op := range ops {
		if err := ValidateOp(op); err != nil {
			errs = append(errs, fmt.Errorf("op %d (%s %s): %w", i, op.Op, op.Path, err))
		}
	}
	return errors.Join(errs...)
}

// ValidateOp checks one operation's shape: a known op, a path that is a JSON
// pointer, and for move and copy a from pointer, where move's from is not a
// proper prefix of its path (a value cannot move into itself). The error
// wraps ErrInvalid.
func ValidateOp(op qualstate.PatchOp) error {
	switch op.Op {
	case "add", "remove", "replace", "move", "copy", "test":
	case "":
		return fmt.Errorf("%w: op is missing", ErrInvalid)
	default:
		return fmt.Errorf("%w: unknown op %q (want add, remove, replace, move, copy or test)", ErrInvalid, op.Op)
	}
	if _, err := ParsePointer(op.Path); err != nil {
		return fmt.Errorf("path: %w", err)
	}
	if op.Op != "move" && op.Op != "copy" {
		return nil
	}
	if _, err := ParsePointer(op.From); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if op.Op == "move" && strings.HasPrefix(op.Path, op.From+"/") {
		return fmt.Errorf("%w: cannot move %s into its own child %s", ErrInvalid, op.From, op.Path)
	}
	return nil
}
