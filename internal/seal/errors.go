package seal

import "errors"

var (
	// ErrNoKey is returned when neither HOTLINE_KEY_FILE nor HOTLINE_KEY is set.
	ErrNoKey = errors.New("no key: set HOTLINE_KEY_FILE or HOTLINE_KEY")
	// ErrBadKey is returned for a key entry that is not "id:base64" of 32 bytes.
	ErrBadKey = errors.New("bad key entry")
	// ErrUnknownKey is returned when a sealed value names a key the ring lacks.
	ErrUnknownKey = errors.New("sealed under a key that is not configured")
	// ErrCorrupt is returned for a value that is not sealed or fails authentication.
	ErrCorrupt = errors.New("sealed value is damaged or was not sealed with this key")
)
