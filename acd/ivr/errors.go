package ivr

import "errors"

// Errors of flow building and node decoding.
var (
	ErrUnknownKind = errors.New("unknown node kind")
	ErrUnknownNode = errors.New("unknown node")
	ErrBadNode     = errors.New("invalid node")
)
