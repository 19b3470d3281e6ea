package config

import (
	"errors"
	"fmt"
)

// ErrInvalid is what every configuration problem wraps: YAML that does not
// parse, unknown keys, values of the wrong kind and failed validation rules.
// A file that cannot be read is not ErrInvalid.
var ErrInvalid = errors.New("invalid configuration")

// ErrTooLarge is a file bigger than MaxFileSize; it is also ErrInvalid.
var ErrTooLarge = fmt.Errorf("%w: file too large", ErrInvalid)
