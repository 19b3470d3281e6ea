package main

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

// privacyKeys reads the keyring from HOTLINE_KEY_FILE or HOTLINE_KEY, else
// from privacy.key_file.
func privacyKeys(p config.Privacy, getenv func(string) string) (*seal.Keyring, error) {
	keys, err := seal.FromEnv(getenv)
	if errors.Is(err, seal.ErrNoKey) && p.KeyFile != "" {
		return seal.FromFile(p.KeyFile)
	}
	return keys, err
}

// sealCalls reads the key and, when there is one, has the store seal the
// personal fields of call records; keys is nil without a key, and call
// records are then written in clear.
func sealCalls(p config.Privacy, db *store.DB, log zerolog.Logger) (keys *seal.Keyring, err error) {
	keys, err = privacyKeys(p, os.Getenv)
	if errors.Is(err, seal.ErrNoKey) {
		log.Warn().Str("component", "contacts").Msg("no key: call records (numbers, notes, timelines, recording paths) " +
			"are stored in clear and contacts are off; set HOTLINE_KEY_FILE, HOTLINE_KEY or privacy.key_file")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	db.SealCalls(keys, p.Region)
	return keys, nil
}

// callerMatcher matches every inbound caller to a contact (created when the
// number is new) before the call is routed; nil without a key.
func callerMatcher(db *store.DB, keys *seal.Keyring, region string) engine.CallerMatcher {
	if keys == nil {
		return nil
	}
	return db.Contacts(keys).CallerMatcher(region)
}

// serveContacts turns contacts on when keys is not nil: the API serves
// them and the screen pop, the
// retention purge runs on its schedule, and records under an older key
// (or in clear) are sealed under the primary one. The returned wait blocks
// until those goroutines have stopped (after ctx ends), so the store closes
// after their last write. Without a key contacts stay off.
func serveContacts(ctx context.Context, p config.Privacy, keys *seal.Keyring, h *api.Server, db *store.DB, log zerolog.Logger) (wait func(), err error) {
	log = log.With().Str("component", "contacts").Logger()
	if keys == nil {
		return func() {}, nil
	}
	book := db.Contacts(keys)
	if h != nil {
		h.EnableContacts(db, book, p.Region)
	}
	purged, rotated := make(chan struct{}), make(chan struct{})
	go func() { defer close(purged); retain(ctx, p.Retention, db, book, log) }()
	go func() { defer close(rotated); resealInBackground(ctx, db, book, keys.Primary(), log) }()
	log.Info().Str("key", keys.Primary()).Dur("retention", p.Retention.Age).Msg("contacts on")
	return func() { <-purged; <-rotated }, nil
}

// retain runs the retention purge every r.Every until ctx ends.
func retain(ctx context.Context, r config.Retention, db *store.DB, book *store.Contacts, log zerolog.Logger) {
	if r.Age <= 0 || r.Every <= 0 {
		return
	}
	t := time.NewTicker(r.Every)
	defer t.Stop()
	for {
		rep, err := book.Purge(time.Now().Add(-r.Age))
		if err == nil {
			err = errors.Join(removeRecordings(io.Discard, rep.Recordings),
				db.Audit(store.AuditEntry{At: time.Now().UTC(), Who: "retention", Action: "purge", Subject: "older than " + r.Age.String(), Count: rep.Calls + rep.Contacts}))
		}
		if err != nil {
			log.Error().Err(err).Msg("retention purge failed; it runs again at the next interval")
		} else {
			log.Info().Int("contacts", rep.Contacts).Int("calls", rep.Calls).Int("recordings", len(rep.Recordings)).Msg("retention purge")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// resealInBackground is the rotation without downtime: when the daemon
// starts with a new key first and the old one after it, it re-seals the
// contacts and call records still under the old key (and seals call
// records written in clear before there was a key), a small batch per
// transaction with a pause between, while it serves. Stopped midway, it
// carries on at the next start; every value stays readable meanwhile.
func resealInBackground(ctx context.Context, db *store.DB, book *store.Contacts, primary string, log zerolog.Logger) {
	const batch, pause = 200, 20 * time.Millisecond
	contacts, calls := 0, 0
	var nextContact contact.ID
	nextCall := ""
	contactsDone, callsDone := false, false
	for !contactsDone || !callsDone {
		var err error
		var resealed int
		if !contactsDone {
			nextContact, resealed, err = book.RotateStep(nextContact, batch)
			contacts += resealed
			contactsDone = err == nil && nextContact == 0
		}
		if err == nil && !callsDone {
			nextCall, resealed, err = db.ResealCalls(nextCall, batch)
			var skipped []*store.DecodeError
			if skipped, err = store.Skipped(err); len(skipped) > 0 {
				// Left as they are: the rest is resealed all the same.
				for _, de := range skipped {
					log.Error().Err(de).Msg("key rotation: a call record cannot be read; left as it is (hotline store check names it)")
				}
			}
			calls += resealed
			callsDone = err == nil && nextCall == ""
		}
		if err != nil {
			log.Error().Err(err).Int("contacts", contacts).Int("calls", calls).Msg("key rotation stopped; it carries on at the next start")
			return
		}
		if contactsDone && callsDone {
			break
		}
		select {
		case <-ctx.Done():
			log.Info().Int("contacts", contacts).Int("calls", calls).Msg("key rotation paused by shutdown")
			return
		case <-time.After(pause):
		}
	}
	if contacts+calls > 0 {
		log.Info().Int("contacts", contacts).Int("calls", calls).Str("key", primary).Msg("key rotation done: no record needs an older key now")
	}
}
