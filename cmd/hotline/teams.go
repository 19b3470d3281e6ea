package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// userLister is the store's list of users.
type userLister interface {
	Users() ([]auth.User, error)
}

// checkSupervisors refuses a config whose teams name a supervisor who is
// not a user of db, as `config validate` words it.
func checkSupervisors(db userLister, cfg config.Config) error {
	if len(cfg.Teams) == 0 {
		return nil
	}
	users, err := db.Users()
	if err != nil {
		return fmt.Errorf("reading the users to check the teams' supervisors: %w", err)
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name
	}
	return cfg.CheckSupervisors(names)
}

// warnTeams logs, at start, team supervisors who are not users (a reload
// or an edit would be refused for them) and users who oversee queues by
// their own list, the way before teams: (still honoured, deprecated).
func warnTeams(log zerolog.Logger, db userLister, cfg config.Config) {
	if err := checkSupervisors(db, cfg); err != nil {
		log.Warn().Err(err).Msg("teams: a supervisor is not a user; create the user (hotline users add) or fix the team")
	}
	users, err := db.Users()
	if err != nil {
		return
	}
	for _, u := range users {
		if len(u.Teams) > 0 {
			log.Warn().Str("user", u.Name).Strs("queues", u.Teams).
				Msg("deprecated: the user oversees queues by their own list; list them under a team's supervisors in the config (teams:) instead")
		}
	}
}

// teamUsers is `config validate`'s check of the teams' supervisors against
// the users of cfg's store, when the store exists and can be read (a
// running daemon holds it: then a note says they were not checked; the
// daemon checks them at every reload).
func teamUsers(errOut io.Writer, file string, cfg config.Config) error {
	if !slices.ContainsFunc(cfg.Teams, func(t config.Team) bool { return len(t.Supervisors) > 0 }) {
		return nil
	}
	if _, err := os.Stat(cfg.Store.Path); errors.Is(err, fs.ErrNotExist) {
		return nil // no store yet, so no users to check against
	}
	db, err := store.Open(cfg.Store.Path, store.Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if err != nil {
		fmt.Fprintf(errOut, "%s: note: teams' supervisors not checked against the users: %v\n", file, err)
		return nil
	}
	defer db.Close()
	return checkSupervisors(db, cfg)
}
