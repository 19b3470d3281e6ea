package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

func newKeysCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Keys that seal personal data at rest (HOTLINE_KEY_FILE or HOTLINE_KEY)",
		Long: `Personal data (contacts, notes, numbers) is sealed with AES-256-GCM under keys read
from the file HOTLINE_KEY_FILE names (mode 600) or from HOTLINE_KEY, never from the
config file. Entries are "id:base64", the first one seals, all of them open.

To rotate: generate a new key, put it first in the key file with the old one after
it, restart or reload Hotline, run "hotline keys rotate", then drop the old key.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newKeysGenerateCmd(), newKeysRotateCmd(g))
	return cmd
}

func newKeysGenerateCmd() *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Print a new random key entry for the key file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				id = "k" + time.Now().UTC().Format("20060102T150405")
			}
			e, err := seal.Generate(id)
			if err != nil {
				return invalidArg(err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), e.String())
			return err
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "key id (default: k and the UTC time)")
	return cmd
}

// loadKeys reads the keyring from the environment.
func loadKeys(g *globalOptions) (*seal.Keyring, error) {
	r, err := storeKeys(g)
	if err == nil && r == nil {
		err = fmt.Errorf("%w (or privacy.key_file in the config)", seal.ErrNoKey)
	}
	if err != nil {
		return nil, invalidArg(err)
	}
	return r, nil
}

type rotateOptions struct {
	store  string
	region string
	batch  int
	pause  time.Duration
}

func newKeysRotateCmd(g *globalOptions) *cobra.Command {
	o := &rotateOptions{}
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Re-seal every contact and call record under the first (new) key, in batches",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			keys, err := loadKeys(g)
			if err != nil {
				return err
			}
			db, err := openStoreFlag(g, o.store, false, false)
			if err != nil {
				return err
			}
			defer db.Close()
			db.SealCalls(keys, o.region)
			return rotate(cmd.OutOrStdout(), db, db.Contacts(keys), keys.Primary(), o.batch, o.pause)
		},
	}
	cmd.Flags().StringVar(&o.store, "store", "", "store file (default: the config's store.path)")
	cmd.Flags().IntVar(&o.batch, "batch", 500, "contacts (and call records) re-sealed per transaction")
	cmd.Flags().StringVar(&o.region, "region", "US", "default country (ISO code) of numbers written without a country code, as privacy.region")
	cmd.Flags().DurationVar(&o.pause, "pause", 0, "pause between batches, to leave the disk to a running Hotline")
	return cmd
}

// rotate re-seals batch by batch; each batch commits alone, so stopping it
// at any point loses nothing and a second run carries on. Call records
// written in clear before there was a key are sealed too.
func rotate(w io.Writer, db *store.DB, s *store.Contacts, primary string, batch int, pause time.Duration) error {
	if batch < 1 {
		return invalidArg(fmt.Errorf("--batch %d: must be at least 1", batch))
	}
	total := 0
	next, n, err := s.RotateStep(0, batch)
	for ; err == nil; next, n, err = s.RotateStep(next, batch) {
		total += n
		if next == 0 {
			break
		}
		time.Sleep(pause)
	}
	if err != nil {
		return fmt.Errorf("rotation stopped after %d contacts (run it again to carry on): %w", total, err)
	}
	calls := 0
	var unreadable []*store.DecodeError
	after, n, err := db.ResealCalls("", batch)
	for {
		var skipped []*store.DecodeError
		skipped, err = store.Skipped(err)
		unreadable = append(unreadable, skipped...) // left as they are; the rest goes on
		if err != nil {
			break
		}
		calls += n
		if after == "" {
			break
		}
		time.Sleep(pause)
		after, n, err = db.ResealCalls(after, batch)
	}
	if err != nil {
		return fmt.Errorf("rotation stopped after %d contacts and %d call records (run it again to carry on): %w", total, calls, err)
	}
	stale, err := s.Stale()
	if err != nil {
		return err
	}
	staleCalls, err := db.StaleCalls()
	if _, err = store.Skipped(err); err != nil {
		return err
	}
	if stale+staleCalls > 0 {
		return fmt.Errorf("%d contacts and %d call records are still under an older key or in clear", stale, staleCalls)
	}
	if _, err = fmt.Fprintf(w, "%d contacts and %d call records re-sealed under key %q; no readable record needs an older key now\n", total, calls, primary); err != nil {
		return err
	}
	if len(unreadable) > 0 {
		for _, de := range unreadable {
			fmt.Fprintf(w, "left as it is: %v\n", de)
		}
		return fmt.Errorf("%d call records could not be read and were left as they are: hotline store check names them, hotline store repair salvages the file", len(unreadable))
	}
	return nil
}

// openStoreFlag opens the --store file or the config's store; for writing,
// only a store that exists, unless create (the command's --create), and
// only in a directory that exists (openStore).
func openStoreFlag(g *globalOptions, path string, readOnly, create bool) (*store.DB, error) {
	return openStoreFlagAs(g, path, readOnly, create, false)
}

// openStoreFlagAs is openStoreFlag; named says a read of a store that is
// not there is refused as a write's is, naming the setting (exit 2), where
// some readers take a missing store for an empty one.
func openStoreFlagAs(g *globalOptions, path string, readOnly, create, named bool) (*store.DB, error) {
	where := "--store"
	if path == "" {
		var err error
		if path, err = storeFile(g, nil); err != nil {
			return nil, err
		}
		where = ""
		if g.loaded != nil {
			where = g.loaded.Where("store.path")
		}
	}
	opts := store.Options{ReadOnly: readOnly, LockTimeout: time.Second}
	var db *store.DB
	var err error
	if readOnly && !named {
		db, err = store.Open(path, opts)
	} else {
		db, err = openStore(path, where, opts, zerolog.Nop(), create && !readOnly, makeStoreHint)
	}
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w: a running hotline serve holds it; stop it first, or ask it through its API "+
			"(/api/v1/users, /api/v1/dnc/LIST, /api/v1/contacts, /api/v1/recordings: see README)", err)
	}
	return db, err
}

// makeStoreHint says how to make a store where a command found none.
const makeStoreHint = "make a new, empty store: hotline serve makes one on its first start, and so does " +
	"hotline users add NAME --role admin --create (leads import, dnc add and dnc import take --create too)"
