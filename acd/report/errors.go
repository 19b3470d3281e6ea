package report

import "errors"

// ErrBadOption is returned for options a report cannot be built with.
var ErrBadOption = errors.New("report: bad option")
