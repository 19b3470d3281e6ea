package wire

import "errors"

// Errors returned by the readers; wrapped with the offending detail.
var (
	ErrMalformed     = errors.New("wire: malformed frame")
	ErrTooLarge      = errors.New("wire: frame too large")
	ErrBadLength     = errors.New("wire: bad Content-Length")
	ErrBadJSONEvent  = errors.New("wire: bad JSON event")
	ErrNoContentType = errors.New("wire: frame has no Content-Type")
)
