package store

import (
	"errors"
	"sync"
	"syscall"
)

// Why a write failed, as FailureReason names it: the label of Hotline's
// store failure metric and the hint in its log.
const (
	ReasonNoSpace  = "no-space"  // the disk (or the file system) is full
	ReasonQuota    = "quota"     // the user's disk quota is used up
	ReasonReadOnly = "read-only" // the file system was remounted read-only
	ReasonIO       = "io"        // the device reports an I/O error
	ReasonCorrupt  = "corrupt"   // the file is damaged (ErrCorrupt)
	ReasonClosed   = "closed"    // the store was closed (ErrClosed)
	ReasonOther    = "other"
)

// FailureReason classifies a write error; "" for nil.
func FailureReason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syscall.ENOSPC):
		return ReasonNoSpace
	case errors.Is(err, syscall.EDQUOT):
		return ReasonQuota
	case errors.Is(err, syscall.EROFS):
		return ReasonReadOnly
	case errors.Is(err, syscall.EIO):
		return ReasonIO
	case errors.Is(err, ErrCorrupt):
		return ReasonCorrupt
	case errors.Is(err, ErrClosed):
		return ReasonClosed
	}
	return ReasonOther
}

// failureCounts counts failed commits by FailureReason.
type failureCounts struct {
	mu sync.Mutex // guards n
	n  map[string]uint64
}

func (c *failureCounts) add(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]uint64{}
	}
	c.n[FailureReason(err)]++
}

// FailuresByReason counts failed commits since the start by FailureReason;
// the counts add up to Failures.
func (w *Writer) FailuresByReason() map[string]uint64 {
	w.reasons.mu.Lock()
	defer w.reasons.mu.Unlock()
	out := make(map[string]uint64, len(w.reasons.n))
	for k, v := range w.reasons.n {
		out[k] = v
	}
	return out
}
