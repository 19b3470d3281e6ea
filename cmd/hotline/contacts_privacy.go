package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/store"
)

// removeRecordings deletes the files an erase or purge freed; one already
// gone is fine.
func removeRecordings(w io.Writer, paths []string) error {
	var errs []error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "%d recordings could not be deleted\n", len(errs))
	}
	return errors.Join(errs...)
}

func newContactsEraseCmd(g *globalOptions) *cobra.Command {
	return newContactIDCmd(g, "erase ID", "Erase a contact on request: its record, and the number, notes and recordings of its calls (figures stay)",
		func(cmd *cobra.Command, db *store.DB, s *store.Contacts, id contact.ID) error {
			rep, err := s.Erase(id)
			if err != nil {
				return err
			}
			if err := db.Audit(store.AuditEntry{At: time.Now().UTC(), Who: cliUser(), Action: "erase", Subject: fmt.Sprintf("contact %d", id), Count: rep.Calls}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "contact %d erased; %d calls anonymized, %d recordings deleted\n", id, rep.Calls, len(rep.Recordings))
			return removeRecordings(cmd.ErrOrStderr(), rep.Recordings)
		})
}

func newContactsPurgeCmd(g *globalOptions) *cobra.Command {
	o := &contactsOptions{}
	var age time.Duration
	cmd := &cobra.Command{
		Use:   "purge --older-than AGE",
		Short: "Retention: anonymize calls and delete quiet contacts older than AGE (e.g. 8760h); figures stay",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if age <= 0 {
				return invalidArg(fmt.Errorf("--older-than %v: give a positive age, e.g. 8760h", age))
			}
			db, s, err := o.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			rep, err := s.Purge(time.Now().Add(-age))
			if err != nil {
				return err
			}
			if err := db.Audit(store.AuditEntry{At: time.Now().UTC(), Who: cliUser(), Action: "purge", Subject: "older than " + age.String(), Count: rep.Calls + rep.Contacts}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d contacts deleted, %d calls anonymized, %d recordings deleted\n", rep.Contacts, rep.Calls, len(rep.Recordings))
			return removeRecordings(cmd.ErrOrStderr(), rep.Recordings)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().DurationVar(&age, "older-than", 0, "age beyond which personal data goes")
	return cmd
}

func newContactsAuditCmd(g *globalOptions) *cobra.Command {
	o := &contactsOptions{}
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print who read, exported, erased or purged personal data, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openStoreFlag(g, o.store, true, false)
			if err != nil {
				return err
			}
			defer db.Close()
			now := time.Now()
			log, err := db.AuditLog(now.Add(-since), now.Add(time.Second))
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, e := range log {
				fmt.Fprintf(w, "%s  %-20s %-10s %s (%d)\n", e.At.Format(time.RFC3339), e.Who, e.Action, e.Subject, e.Count)
			}
			return nil
		},
	}
	o.addFlags(cmd)
	cmd.Flags().DurationVar(&since, "since", 24*time.Hour, "how far back")
	return cmd
}
