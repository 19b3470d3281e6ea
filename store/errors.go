package store

import (
	"errors"
	"fmt"
)

// Errors returned by the store. They are wrapped with the path, bucket or
// key they concern; test for them with errors.Is.
var (
	// ErrLocked means another process (normally another Hotline) holds the
	// file's lock and did not release it within Options.LockTimeout.
	ErrLocked = errors.New("locked by another process")

	// ErrCorrupt means the file is not a bbolt database, is truncated, or
	// holds damaged pages. Nothing was written to it.
	ErrCorrupt = errors.New("corrupt or not a bbolt file")

	// ErrNotStore means the file is a valid bbolt database that Hotline did
	// not create: it has buckets but no Hotline schema version.
	ErrNotStore = errors.New("not a Hotline store")

	// ErrSchema means the store's schema version is newer than this build
	// understands, or too old to migrate, or needs a migration that a
	// read-only open cannot perform.
	ErrSchema = errors.New("unsupported schema version")

	// ErrNotFound means no record has the requested key.
	ErrNotFound = errors.New("not found")

	// ErrInvalid means a record cannot be saved as given (a missing key, an
	// unknown enum value).
	ErrInvalid = errors.New("invalid record")

	// ErrDecode means a stored record could not be decoded. Listings return
	// the records they could read alongside a *DecodeError for each of
	// those they could not; the bad record stays in the file untouched.
	ErrDecode = errors.New("undecodable record")

	// ErrClosed means the DB was used after Close.
	ErrClosed = errors.New("store closed")

	// ErrImportBusy means a lead import into the campaign is under way in
	// this process; another may start once it is over.
	ErrImportBusy = errors.New("another lead import into the campaign is under way")
)

// DecodeError names a stored record that could not be decoded.
type DecodeError struct {
	Bucket string
	Key    string
	Err    error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("store: bucket %q key %q: %v: %v", e.Bucket, e.Key, ErrDecode, e.Err)
}

// Unwrap lets errors.Is match both ErrDecode and the decoder's own error.
func (e *DecodeError) Unwrap() []error { return []error{ErrDecode, e.Err} }

// Skipped splits the error of a listing (CollectCalls, Agents, ...) into the
// records it left out because they could not be decoded and whatever else
// went wrong. A listing whose rest is nil returned every readable record.
func Skipped(err error) (skipped []*DecodeError, rest error) {
	var others []error
	var walk func(error)
	walk = func(err error) {
		de, ok := err.(*DecodeError)
		joined, isJoin := err.(interface{ Unwrap() []error })
		switch {
		case err == nil:
		case ok:
			skipped = append(skipped, de)
		case isJoin:
			for _, e := range joined.Unwrap() {
				walk(e)
			}
		case errors.As(err, &de):
			skipped = append(skipped, de)
		default:
			others = append(others, err)
		}
	}
	walk(err)
	return skipped, errors.Join(others...)
}
