package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/rfc3339"
)

// dispositionOptions are the flags of `hotline calls disposition`.
type dispositionOptions struct {
	clientOptions
	notes, reason, at, to string
}

func (o *dispositionOptions) AddFlags(fs *pflag.FlagSet) {
	o.clientOptions.AddFlags(fs)
	fs.StringVar(&o.notes, "notes", "", "replace the call's notes (left out: they stay; \"\" clears them)")
	fs.StringVar(&o.reason, "reason", "", "what the call was about")
	fs.StringVar(&o.at, "callback-at", "", "a campaign's callback: when (RFC 3339 with its offset, or a duration ahead: 2h)")
	fs.StringVar(&o.to, "callback-to", "", "a campaign's callback: for "+engine.CallbackToMe+" (the call's agent), "+engine.CallbackToAnyone+" (the default) or an agent of the campaign")
}

func newCallsDispositionCmd(g *globalOptions) *cobra.Command {
	o := &dispositionOptions{}
	cmd := &cobra.Command{
		Use:   "disposition CALL DISPOSITION",
		Short: "File a call's disposition, with a campaign's callback, on the running daemon",
		Long: `Files the disposition of a call, live or ended (POST /api/v1/calls/CALL/disposition).
On a campaign's call, a callback disposition may say when to call the lead back
(--callback-at) and for whom (--callback-to): "me" keeps it for the call's agent,
an agent's id for that agent (who works the campaign), "anyone" (the default)
gives it to the first agent free. A callback kept for an agent waits for them
until the campaign's callback_grace is over, then goes to anyone.`,
		Example: `  hotline calls disposition o260105090000-1 sale --notes "renewed for a year"
  hotline calls disposition o260105090000-1 call-back --callback-at 2026-12-03T15:00:00-05:00 --callback-to me
  hotline calls disposition o260105090000-1 call-back --callback-at 2h --callback-to bob`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fileDisposition(cmd, g, o, args[0], args[1], cmd.Flags().Changed("notes"), time.Now())
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// dispositionBody is the API's request with notes left out unless given
// (left out, the call keeps its notes; given empty, they are cleared).
type dispositionBody struct {
	api.DispositionRequest
	Notes *string `json:"notes,omitempty"`
}

// fileDisposition checks the flags, posts the disposition and prints what
// the daemon took.
func fileDisposition(cmd *cobra.Command, g *globalOptions, o *dispositionOptions, id, name string, withNotes bool, now time.Time) error {
	if strings.TrimSpace(name) == "" {
		return invalidArg(errors.New("DISPOSITION is empty"))
	}
	body := dispositionBody{DispositionRequest: api.DispositionRequest{Disposition: name, Reason: o.reason, CallbackTo: o.to}}
	if withNotes {
		body.Notes = &o.notes
	}
	if o.at != "" {
		at, err := callbackTime(o.at, now)
		if err != nil {
			return err
		}
		body.CallbackAt = at.Format(time.RFC3339)
	}
	base, err := o.base(g)
	if err != nil {
		return err
	}
	var got api.DispositionRequest
	raw, err := call(cmd.Context(), http.MethodPost, base+"/api/v1/calls/"+url.PathEscape(id)+"/disposition", body, &got)
	if err != nil {
		return refusedFlag(err, o)
	}
	if o.json {
		_, err = cmd.OutOrStdout().Write(raw)
		return err
	}
	writeDisposition(cmd.OutOrStdout(), id, got)
	return nil
}

// callbackTime reads --callback-at: an RFC 3339 time with its offset, or
// a duration ahead of now.
func callbackTime(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := rfc3339.Parse(v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(d).Truncate(time.Second), nil
	}
	return time.Time{}, invalidArg(fmt.Errorf("--callback-at %q: want a time with its offset (2026-12-03T15:00:00-05:00) or a duration ahead (2h)", v))
}

// refusedFlag names the flag whose value the daemon refused (its answer
// names the API's field), as a bad argument; other errors pass as they are.
func refusedFlag(err error, o *dispositionOptions) error {
	return refusedFlagOf(err, []flagField{
		{"callback_to", "--callback-to", o.to}, {"callback_at", "--callback-at", o.at},
		{`"notes"`, "--notes", o.notes}, {`"reason"`, "--reason", o.reason},
	})
}

// flagField is a flag and the API field (as the API's errors name it)
// its value is sent as.
type flagField struct{ field, flag, value string }

// refusedFlagOf makes a 400 of the API a bad argument (exit 2), naming
// the flag of the first field the answer names; other errors pass as they
// are.
func refusedFlagOf(err error, fields []flagField) error {
	var ae *apiError
	if !errors.As(err, &ae) || ae.status != http.StatusBadRequest {
		return err
	}
	for _, f := range fields {
		if strings.Contains(ae.msg, f.field) {
			return invalidArg(fmt.Errorf("%s %q: %w", f.flag, f.value, err))
		}
	}
	return invalidArg(err)
}

// writeDisposition prints the disposition the daemon took in a line.
func writeDisposition(w io.Writer, id string, d api.DispositionRequest) {
	fmt.Fprintf(w, "call %s: %s", id, d.Disposition)
	if d.CallbackAt != "" || d.CallbackTo != "" {
		fmt.Fprintf(w, "; callback")
		if d.CallbackAt != "" {
			fmt.Fprintf(w, " at %s", d.CallbackAt)
		}
		if d.CallbackTo != "" {
			fmt.Fprintf(w, " for %s", d.CallbackTo)
		}
	}
	fmt.Fprintln(w)
}
