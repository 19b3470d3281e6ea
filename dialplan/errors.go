package dialplan

import "errors"

// Errors returned by this package; wrapped with context.
var (
	ErrUnknownPBX     = errors.New("dialplan: unknown PBX type (want asterisk or freeswitch)")
	ErrBadEntry       = errors.New("dialplan: entry number cannot be used as an extension")
	ErrNoApp          = errors.New("dialplan: no Stasis application name (pbx.asterisk.app)")
	ErrNoListen       = errors.New("dialplan: no outbound socket address (pbx.freeswitch.outbound_listen)")
	ErrLintFailed     = errors.New("dialplan: lint found errors")
	ErrNoMainDialplan = errors.New("dialplan: main dialplan file not found")
	ErrReload         = errors.New("dialplan: reload failed")
)
