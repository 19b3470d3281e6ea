package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hotline-cc/hotline/api"
)

// writeLink prints the daemon's link to its switch, as /healthz reports it:
// "pbx link: up since ..." or "pbx link: DOWN since ... (error)". A daemon
// without a link to report prints nothing.
func writeLink(ctx context.Context, w io.Writer, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("is hotline serve running? %w", err)
	}
	defer resp.Body.Close()
	var h api.Health
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil {
		return fmt.Errorf("decoding %s/healthz (%s): %w", base, resp.Status, err)
	}
	l := h.PBX
	switch {
	case l == nil:
	case l.Up:
		fmt.Fprintf(w, "pbx link: up since %s\n\n", l.Since.Local().Format(time.DateTime))
	case l.Since.IsZero():
		fmt.Fprintf(w, "pbx link: DOWN, not tried yet\n\n")
	default:
		fmt.Fprintf(w, "pbx link: DOWN since %s (%s ago), %d failed attempts: %s\n\n",
			l.Since.Local().Format(time.DateTime), time.Since(l.Since).Round(time.Second), l.Attempts, l.Error)
	}
	return nil
}
