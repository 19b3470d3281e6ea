package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
)

// clientOptions point a command at a running daemon's HTTP API.
type clientOptions struct {
	api  string
	json bool
}

func (o *clientOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.api, "api", "", "daemon API address (default: server.listen from the config)")
	fs.BoolVar(&o.json, "json", false, "print the API's JSON as is")
}

func (o *clientOptions) base(g *globalOptions) (string, error) {
	addr := o.api
	if addr == "" {
		cfg, err := g.loadConfig()
		if err != nil {
			return "", err
		}
		addr = cfg.Server.Listen
	}
	if addr == "" {
		return "", fmt.Errorf("no API address: server.listen is empty; pass --api HOST:PORT")
	}
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	return strings.TrimRight(addr, "/"), nil
}

// call does one API request and decodes the answer into out (if not nil).
func call(ctx context.Context, method, u string, body, out any) ([]byte, error) {
	raw, _, err := callHeader(ctx, method, u, body, out)
	return raw, err
}

// callHeader is call that also returns the answer's header.
func callHeader(ctx context.Context, method, u string, body, out any) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	withToken(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("is hotline serve running? %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode >= 300 {
		var e api.Error
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			return raw, resp.Header, &apiError{status: resp.StatusCode, msg: e.Error}
		}
		return raw, resp.Header, &apiError{status: resp.StatusCode, msg: fmt.Sprintf("%s %s: %s", method, u, resp.Status)}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return raw, resp.Header, fmt.Errorf("decoding %s: %w", u, err)
		}
	}
	return raw, resp.Header, nil
}

// apiError is an answer of the API that is not a success: its status, and
// its text as the error.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

// getStream GETs u (with HOTLINE_TOKEN) and returns the body of a 200
// answer for the caller to read and close; another answer is an error
// with its status and the API's text.
func getStream(ctx context.Context, u string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	withToken(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("is hotline serve running? %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e api.Error
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
		return nil, fmt.Errorf("%s %s", resp.Status, e.Error)
	}
	return resp.Body, nil
}

// warningText is the text of an answer's Warning header (RFC 9111: code,
// agent, quoted text), or def when it has none.
func warningText(h http.Header, def string) string {
	w := h.Get("Warning")
	if i := strings.IndexByte(w, '"'); i >= 0 {
		if text, err := strconv.Unquote(w[i:]); err == nil {
			return text
		}
	}
	return def
}

func newAgentCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	var reason string
	cmd := &cobra.Command{
		Use:   "agent login|logout|ready|pause AGENT",
		Short: "Change an agent's state on the running daemon",
		Example: `  hotline agent login alice
  hotline agent pause alice --reason lunch
  hotline agent ready alice`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action, id := args[0], args[1]
			switch action {
			case "login", "logout", "ready", "pause":
			default:
				return invalidArg(fmt.Errorf("unknown action %q; known: login, logout, ready, pause", action))
			}
			base, err := o.base(g)
			if err != nil {
				return err
			}
			var a engine.AgentStatus
			raw, err := call(cmd.Context(), http.MethodPost, base+"/api/v1/agents/"+url.PathEscape(id)+"/"+action,
				api.AgentRequest{Reason: reason}, &a)
			if err != nil {
				return err
			}
			if o.json {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			state := a.State
			if a.Reason != "" {
				state += " (" + a.Reason + ")"
			}
			if p := a.Pending; p != nil {
				state += "; " + p.State
				if p.Reason != "" {
					state += " (" + p.Reason + ")"
				}
				state += " when the call and wrap-up are over"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", a.ID, state)
			return nil
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&reason, "reason", "", "pause reason (lunch, training, ...)")
	return cmd
}

func newCallsCmd(g *globalOptions) *cobra.Command {
	o := &clientOptions{}
	var q url.Values = url.Values{}
	var from, to, direction, queue, agent, outcome, number, contactID, campaign, disposition, text string
	var limit int
	cmd := &cobra.Command{
		Use:   "calls",
		Short: "List call records of the running daemon",
		Example: `  hotline calls --from 24h --queue support --outcome abandoned
  hotline calls --number "+1 212 555 0101" --text refund --from 720h
  hotline calls --limit 20 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for k, v := range map[string]string{"from": from, "to": to, "direction": direction, "queue": queue, "agent": agent, "outcome": outcome, "number": number,
				"contact": contactID, "campaign": campaign, "disposition": disposition, "text": text} {
				if v != "" {
					q.Set(k, v)
				}
			}
			// A flag value the API would refuse is named here, exit 2,
			// before any sign-in is needed.
			if _, err := api.ParseCallQuery(q.Get, time.Now()); err != nil {
				// The API names the parameter ("from \"abc\": ..."): here it
				// is the flag.
				return invalidArg(errors.New("--" + strings.TrimPrefix(err.Error(), "bad request: ")))
			}
			base, err := o.base(g)
			if err != nil {
				return err
			}
			recs, err := listCalls(cmd, base, q, limit)
			if err != nil {
				return err
			}
			if o.json {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(recs)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tENTERED\tCALLER\tQUEUE\tAGENT\tWAIT\tTALK\tHOLD\tOUTCOME")
			for _, r := range recs {
				// A call that ended unseen (Hotline down) lasted at least what was seen.
				atLeast := func(d time.Duration) string {
					if !r.EndEarliest.IsZero() && d > 0 {
						return "≥" + d.Round(time.Second).String()
					}
					return d.Round(time.Second).String()
				}
				talk, wait := atLeast(r.Talk), r.Wait.Round(time.Second).String()
				if r.Answered.IsZero() {
					wait = atLeast(r.Wait)
				}
				who := r.Agent
				if len(r.Legs) > 0 { // transferred: each party in turn
					var parties []string
					for _, l := range r.Legs {
						parties = append(parties, l.Agent+l.Number)
					}
					who = strings.Join(parties, "→")
				}
				number := r.Caller
				if r.Direction == acd.DirectionOutbound {
					number = r.Called
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Entered.Format(time.DateTime), party(number, r.Direction),
					r.Queue, who, wait, talk, r.Hold.Round(time.Second), r.Outcome)
			}
			return tw.Flush()
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&from, "from", "", "entered since (RFC 3339 or a duration back from now, e.g. 24h)")
	cmd.Flags().StringVar(&to, "to", "", "entered before (RFC 3339 or a duration back from now)")
	cmd.Flags().StringVar(&direction, "direction", "", "inbound | outbound | callback")
	cmd.Flags().StringVar(&queue, "queue", "", "only this queue")
	cmd.Flags().StringVar(&agent, "agent", "", "only calls this agent took")
	cmd.Flags().StringVar(&outcome, "outcome", "", "answered | abandoned | overflowed | callback | failed | self-service")
	cmd.Flags().StringVar(&number, "number", "", "only calls with this customer number (any spelling)")
	cmd.Flags().StringVar(&contactID, "contact", "", "only calls of this contact (id)")
	cmd.Flags().StringVar(&campaign, "campaign", "", "only calls of this outbound campaign")
	cmd.Flags().StringVar(&disposition, "disposition", "", "only calls with this disposition")
	cmd.Flags().StringVar(&text, "text", "", "only calls whose notes contain this (any case)")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many, newest first (0 = all)")
	cmd.AddCommand(newCallsDispositionCmd(g))
	return cmd
}

// listCalls reads up to limit records (0 = all), newest first, following
// the API's pages.
func listCalls(cmd *cobra.Command, base string, q url.Values, limit int) ([]api.Call, error) {
	if limit < 0 {
		return nil, invalidArg(fmt.Errorf("--limit %d: want 0 (all) or more", limit))
	}
	q.Set("limit", fmt.Sprint(api.MaxLimit))
	if limit > 0 {
		q.Set("limit", fmt.Sprint(min(limit, api.MaxLimit)))
	}
	return getPages[api.Call](cmd, base, base+"/api/v1/calls?"+q.Encode(), limit)
}

// getPages reads up to limit items (0 = all) from first on, following the
// API's pages (the Link header, rel="next").
func getPages[T any](cmd *cobra.Command, base, first string, limit int) ([]T, error) {
	out := []T{}
	for next := first; next != "" && (limit == 0 || len(out) < limit); {
		var page []T
		_, header, err := callHeader(cmd.Context(), http.MethodGet, next, nil, &page)
		if err != nil {
			return nil, err
		}
		if n := header.Get(api.SkippedHeader); n != "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s (see hotline store check)\n", warningText(header, n+" unreadable records left out"))
		}
		out = append(out, page...)
		next = nextLink(base, header.Get("Link"))
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// nextLink is the rel="next" URL of a Link header, made absolute.
func nextLink(base, link string) string {
	for _, part := range strings.Split(link, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if ok && strings.Contains(params, `rel="next"`) {
			return base + strings.Trim(strings.TrimSpace(target), "<>")
		}
	}
	return ""
}

// withToken sends the API token from HOTLINE_TOKEN (see hotline tokens
// create); the API asks for one once a user exists.
func withToken(req *http.Request) {
	if tok := strings.TrimSpace(os.Getenv("HOTLINE_TOKEN")); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
}
