package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/rfc3339"
	"github.com/hotline-cc/hotline/store"
)

// Call is a call record as the API sends it: the stored record with its
// durations in seconds, like every duration of the API.
type Call struct {
	store.CallRecord
}

type callJSON struct {
	*callPlain
	Wait   engine.Seconds `json:"wait,omitempty"`
	Talk   engine.Seconds `json:"talk,omitempty"`
	WrapUp engine.Seconds `json:"wrap_up,omitempty"`
	Hold   engine.Seconds `json:"hold,omitempty"`
	Legs   []legJSON      `json:"legs,omitempty"`
}

type callPlain store.CallRecord

// legJSON is a transferred call's leg with its durations in seconds.
type legJSON struct {
	legPlain
	Talk   engine.Seconds `json:"talk,omitempty"`
	Hold   engine.Seconds `json:"hold,omitempty"`
	WrapUp engine.Seconds `json:"wrap_up,omitempty"`
}

type legPlain store.Leg

// MarshalJSON sends durations as seconds.
func (c Call) MarshalJSON() ([]byte, error) {
	r := callPlain(c.CallRecord)
	v := callJSON{&r, engine.Seconds(c.Wait), engine.Seconds(c.Talk), engine.Seconds(c.WrapUp), engine.Seconds(c.Hold), nil}
	for _, l := range c.Legs {
		v.Legs = append(v.Legs, legJSON{legPlain(l), engine.Seconds(l.Talk), engine.Seconds(l.Hold), engine.Seconds(l.WrapUp)})
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads durations as seconds.
func (c *Call) UnmarshalJSON(b []byte) error {
	v := callJSON{callPlain: (*callPlain)(&c.CallRecord)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.Wait, c.Talk, c.WrapUp, c.Hold = time.Duration(v.Wait), time.Duration(v.Talk), time.Duration(v.WrapUp), time.Duration(v.Hold)
	c.Legs = nil
	for _, l := range v.Legs {
		leg := store.Leg(l.legPlain)
		leg.Talk, leg.Hold, leg.WrapUp = time.Duration(l.Talk), time.Duration(l.Hold), time.Duration(l.WrapUp)
		c.Legs = append(c.Legs, leg)
	}
	return nil
}

// CallRecords unwraps calls read from the API.
func CallRecords(calls []Call) []store.CallRecord {
	out := make([]store.CallRecord, len(calls))
	for i, c := range calls {
		out[i] = c.CallRecord
	}
	return out
}

// Paging of GET /api/v1/calls.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// CallQuery is a parsed GET /api/v1/calls query.
type CallQuery struct {
	Filter store.Filter
	Offset int
}

// ParseCallQuery reads call filters: from, to (RFC 3339 or a duration back
// from now such as 24h), queue, agent, outcome, direction, number (the
// customer's, any spelling), contact (id), campaign, disposition, text (in
// the notes, any case); order (desc, the
// default: newest first; or asc); limit (default 100, at most 1000) and
// offset for paging.
func ParseCallQuery(get func(string) string, now time.Time) (CallQuery, error) {
	q := CallQuery{Filter: store.Filter{Queue: get("queue"), Agent: get("agent"), Outcome: acd.Outcome(get("outcome")),
		Direction: acd.Direction(get("direction")), Number: get("number"), Campaign: get("campaign"),
		Disposition: get("disposition"), Text: get("text"), Descending: true, Limit: DefaultLimit}}
	f := &q.Filter
	switch o := get("order"); o {
	case "", "desc":
	case "asc":
		f.Descending = false
	default:
		return q, badRequest("order %q: want desc (newest first, the default) or asc", o)
	}
	var err error
	if f.From, err = parseWhen("from", get("from"), now); err != nil {
		return q, err
	}
	if f.To, err = parseWhen("to", get("to"), now); err != nil {
		return q, err
	}
	if f.From.After(now) {
		return q, badRequest("from %s is in the future", f.From.Format(time.RFC3339))
	}
	if !f.To.IsZero() && !f.From.IsZero() && !f.To.After(f.From) {
		return q, badRequest("to %s is not after from %s", f.To.Format(time.RFC3339), f.From.Format(time.RFC3339))
	}
	if f.Limit, err = parseLimit(get("limit"), DefaultLimit, MaxLimit); err != nil {
		return q, err
	}
	if q.Offset, err = parseCount("offset", get("offset"), 0); err != nil {
		return q, err
	}
	if v := get("contact"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil || id == 0 {
			return q, badRequest("contact %q: want a contact id (a whole number above 0)", v)
		}
		f.Contact = contact.ID(id)
	}
	if err := f.Outcome.Valid(); err != nil {
		return q, badRequest("%v", err)
	}
	if err := f.Direction.Valid(); err != nil {
		return q, badRequest("%v", err)
	}
	return q, nil
}

// parseLimit reads a page's limit: def unless given, 1 to most.
func parseLimit(v string, def, most int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, badRequest("limit %q: want a whole number from 1 to %d; page with offset", v, most)
	}
	return n, nil
}

func parseCount(name, v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badRequest("%s %q: want a whole number >= 0", name, v)
	}
	return n, nil
}

func parseWhen(name, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, badRequest("%s %q: a duration back from now must not be negative", name, v)
		}
		return now.Add(-d), nil
	}
	t, err := rfc3339.Parse(v)
	if err != nil {
		return t, badRequest("%s %q: want RFC 3339 (2026-01-05T09:00:00Z) or a duration back from now (24h)", name, v)
	}
	if err := store.CheckTime(t); err != nil {
		return t, badRequest("%s %q: %v", name, v, err)
	}
	return t, nil
}

// calls lists call records, newest first, a page at a time. When there are
// more, a Link header (rel="next") gives the next page's URL.
func (s *Server) calls(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	q, err := ParseCallQuery(r.URL.Query().Get, now)
	if err != nil {
		s.fail(w, err)
		return
	}
	if t := s.teamOf(r); t != nil {
		members := s.eng.Snapshot().Members
		if camp, ok := strings.CutPrefix(q.Filter.Queue, engine.CampaignQueue("")); ok && q.Filter.Campaign == "" {
			// A campaign's own queue holds its answered leads only;
			// asked of a supervisor, it means the campaign's dials,
			// each of which is the team's (team.record).
			q.Filter.Queue, q.Filter.Campaign = "", camp
		}
		if q.Filter.Queue == "" && q.Filter.Agent == "" && q.Filter.Campaign == "" {
			q.Filter.Queue = t.onlyQueue()
		}
		if !t.queue(q.Filter.Queue) && (q.Filter.Agent == "" || !t.agent(members, q.Filter.Agent)) &&
			(q.Filter.Campaign == "" || !t.campaign(members, q.Filter.Campaign)) {
			writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": name one of your teams' queues with ?queue=, agents with ?agent= or campaigns with ?campaign= (" +
				t.covers() + ")"})
			return
		}
	}
	if s.rec == nil {
		writeJSON(w, http.StatusOK, []Call{})
		return
	}
	page := q.Filter.Limit
	q.Filter.Limit = q.Offset + page + 1 // one more tells whether a next page exists
	recs, err := s.rec.CollectCalls(q.Filter)
	skipped, err := store.Skipped(err)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(skipped) > 0 {
		s.warnSkipped(w, skipped)
	}
	recs = recs[min(q.Offset, len(recs)):]
	if len(recs) > page {
		recs = recs[:page]
		next := r.URL.Query()
		next.Set("offset", strconv.Itoa(q.Offset+page))
		next.Set("limit", strconv.Itoa(page))
		if next.Get("from") != "" {
			// A duration back from now would move; pin the start.
			next.Set("from", q.Filter.From.UTC().Format(time.RFC3339Nano))
		}
		switch {
		case next.Get("to") != "":
			next.Set("to", q.Filter.To.UTC().Format(time.RFC3339Nano))
		case q.Filter.To.IsZero():
			// Open-ended: the calls that come in meanwhile would push
			// this page's last rows onto the next; it ends where this
			// one was read.
			next.Set("to", now.UTC().Format(time.RFC3339Nano))
		}
		setNextLink(w, r.URL.Path, next)
	}
	out := make([]Call, len(recs))
	for i, rec := range recs {
		out[i] = Call{rec}
	}
	writeJSON(w, http.StatusOK, out)
}

// setNextLink points a paged answer at its next page (the Link header,
// rel="next").
func setNextLink(w http.ResponseWriter, path string, query url.Values) {
	w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", (&url.URL{Path: path, RawQuery: query.Encode()}).String()))
}

func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	if s.rec == nil {
		s.fail(w, store.ErrNotFound)
		return
	}
	rec, err := s.rec.Call(r.PathValue("id"))
	if err != nil {
		s.fail(w, fmt.Errorf("call %q: %w", r.PathValue("id"), err))
		return
	}
	if t := s.teamOf(r); t != nil && !t.record(s.eng.Snapshot().Members, rec) {
		writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": the call was not in your teams"})
		return
	}
	writeJSON(w, http.StatusOK, Call{*rec})
}
