package main

import (
	"context"
	"errors"
	"os"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

// contactsRegion is the country of caller numbers that come without a
// country code.
const contactsRegion = "US"

// serveContacts turns contacts on when a key is configured: the API serves
// them and the screen pop, and every caller is matched to a contact. The
// returned wait blocks until the matcher has stopped (after ctx ends), so
// the store closes after its last write. Without a key contacts stay off.
func serveContacts(ctx context.Context, h *api.Server, eng api.Engine, db *store.DB, log zerolog.Logger) (wait func(), err error) {
	keys, err := seal.FromEnv(os.Getenv)
	if errors.Is(err, seal.ErrNoKey) {
		log.Info().Str("component", "contacts").Msg("contacts off: set HOTLINE_KEY_FILE or HOTLINE_KEY to keep customer records")
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	book := db.Contacts(keys)
	if h != nil {
		h.EnableContacts(db, book, contactsRegion)
	}
	done := make(chan struct{})
	go func() { defer close(done); api.LinkContacts(ctx, eng, book, contactsRegion, log) }()
	log.Info().Str("component", "contacts").Str("key", keys.Primary()).Msg("contacts on")
	return func() { <-done }, nil
}
