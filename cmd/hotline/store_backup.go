package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

func newStoreBackupCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy the store of the running daemon into FILE",
		Long: `Asks the running daemon for a consistent copy of its store (one read
transaction: calls go on meanwhile) and writes it to FILE, replacing FILE
only once the whole copy is on disk and passes hotline store check.
To restore: stop Hotline, put the copy in place of store.path, start Hotline.`,
		Example: `  hotline store backup /var/backups/hotline/hotline-$(date +%F).db`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := o.base(g)
			if err != nil {
				return err
			}
			n, err := fetchBackup(cmd.Context(), base+"/api/v1/store/backup", args[0])
			if err != nil {
				return err
			}
			rep, err := store.Check(args[0])
			if err != nil {
				return err
			}
			if err := rep.Err(); err != nil {
				return fmt.Errorf("store backup: the copy fails the check: %w", err)
			}
			// The pages are sound; what they hold is checked as store
			// check does: a record the store cannot decode is in the copy
			// as it is in the store, and is named rather than called ok.
			db, err := store.Open(args[0], store.Options{ReadOnly: true})
			if err != nil {
				return fmt.Errorf("store backup: the copy does not open: %w", err)
			}
			defer db.Close()
			keys, err := storeKeys(g)
			if err != nil {
				return err
			}
			var findings bytes.Buffer
			if err := errors.Join(checkLeadCounts(&findings, args[0], db), checkRecords(&findings, args[0], db, keys)); err != nil {
				cmd.OutOrStdout().Write(findings.Bytes())
				return fmt.Errorf("store backup: %s: %d bytes copied, but the store holds what the check names above (hotline store repair salvages it): %w", args[0], n, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d bytes, check ok (%s)\n", args[0], n, keyCounts(rep.Keys))
			return nil
		},
	}
	cmd.Flags().StringVar(&o.api, "api", "", "daemon API address (default: server.listen from the config)")
	return cmd
}

// fetchBackup streams the daemon's copy into a temporary file next to path
// and renames it into place once it is complete and synced.
func fetchBackup(ctx context.Context, url, path string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	withToken(req)
	// The copy may take long to send, but a daemon that does not start
	// answering is stuck.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 30 * time.Second
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("is hotline serve running? %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e api.Error
		if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e) == nil && e.Error != "" {
			return 0, fmt.Errorf("store backup: %s", e.Error)
		}
		return 0, fmt.Errorf("store backup: GET %s: %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.part")
	if err != nil {
		return 0, fmt.Errorf("store backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	n, err := io.Copy(tmp, resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("the daemon sent %d of %d bytes", n, resp.ContentLength)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return n, fmt.Errorf("store backup to %s: %w", path, err)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		_ = dir.Sync() // the rename itself survives a crash
		dir.Close()
	}
	return n, nil
}
