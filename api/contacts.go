package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// Contact routes, registered by EnableContacts. Reads of personal data are
// written to the audit log with the caller's name.
func init() {
	for pattern, acc := range map[string]access{
		// An agent opens the contacts of its calls and tasks only, a
		// supervisor with a team those of the team's (contactScope).
		"GET /api/v1/contacts":                   {role: auth.Agent}, // ?number=
		"POST /api/v1/contacts":                  {role: auth.Agent}, // an agent: for its caller
		"GET /api/v1/contacts/{id}":              {role: auth.Agent},
		"PUT /api/v1/contacts/{id}":              {role: auth.Agent},
		"DELETE /api/v1/contacts/{id}":           {role: auth.Supervisor},
		"POST /api/v1/contacts/{id}/merge":       {role: auth.Supervisor},
		"GET /api/v1/contacts/{id}/interactions": {role: auth.Agent},
		"GET /api/v1/agents/{id}/offer":          {role: auth.Agent, own: true},
	} {
		routeAccess[pattern] = acc
	}
}

// contactBook is what the contact routes need of the store.
type contactBook struct {
	book   *store.Contacts
	db     *store.DB
	region string
	now    func() time.Time
	// scopeOf is which contacts a request's user may open (contactScopeOf).
	scopeOf func(*http.Request) *contactScope
	// agentKnown reports an agent of the running config.
	agentKnown func(id string) bool
}

// checkPreferred refuses a preferred agent the running config does not
// have, unless the contact had it already (was is its stored one): an
// agent who left stays on the contacts that name them until changed.
func (c *contactBook) checkPreferred(ct contact.Contact, was string) error {
	if ct.PreferredAgent == "" || ct.PreferredAgent == was || c.agentKnown == nil || c.agentKnown(ct.PreferredAgent) {
		return nil
	}
	return badRequest("body: field \"preferred_agent\": unknown agent %q (not in the running config)", ct.PreferredAgent)
}

// EnableContacts serves /api/v1/contacts and the screen pop
// GET /api/v1/agents/{id}/offer from book; region is the country of numbers
// written without a country code. Call it before serving; until then those
// routes answer 503.
func (s *Server) EnableContacts(db *store.DB, book *store.Contacts, region string) {
	s.contacts = &contactBook{book: book, db: db, region: region, now: time.Now, scopeOf: s.contactScopeOf,
		agentKnown: func(id string) bool {
			return s.eng == nil || slices.ContainsFunc(s.eng.Snapshot().Agents, func(a engine.AgentStatus) bool { return a.ID == id })
		}}
	db.OnTasks(s.tasksFed.publish)
}

// errContactsOff answers the contact routes of a daemon without a key.
var errContactsOff = errors.New("contacts are off: start Hotline with HOTLINE_KEY_FILE or HOTLINE_KEY")

func (s *Server) contactRoutes() {
	book := func(h func(*contactBook, http.ResponseWriter, *http.Request) (any, error)) http.HandlerFunc {
		return s.answer(func(w http.ResponseWriter, r *http.Request) (any, error) {
			if s.contacts == nil {
				return nil, errContactsOff
			}
			return h(s.contacts, w, r)
		})
	}
	s.mux.HandleFunc("GET /api/v1/contacts", book((*contactBook).find))
	s.mux.HandleFunc("POST /api/v1/contacts", book((*contactBook).create))
	s.mux.HandleFunc("GET /api/v1/contacts/{id}", book((*contactBook).get))
	s.mux.HandleFunc("PUT /api/v1/contacts/{id}", book((*contactBook).update))
	s.mux.HandleFunc("DELETE /api/v1/contacts/{id}", book((*contactBook).delete))
	s.mux.HandleFunc("POST /api/v1/contacts/{id}/merge", book((*contactBook).merge))
	s.mux.HandleFunc("GET /api/v1/contacts/{id}/interactions", book((*contactBook).interactions))
	s.taskRoutes(book)
	s.mux.HandleFunc("GET /api/v1/agents/{id}/offer", book(func(c *contactBook, _ http.ResponseWriter, r *http.Request) (any, error) {
		return c.offer(s.eng.Snapshot(), r)
	}))
}

// answer writes a handler's value as JSON, or its error.
func (s *Server) answer(h func(http.ResponseWriter, *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(w, r)
		if err != nil {
			switch {
			case errors.Is(err, store.ErrNumberTaken), errors.Is(err, contact.ErrTaskMove):
				writeJSON(w, http.StatusConflict, Error{Error: err.Error()})
				return
			case errors.Is(err, errContactsOff):
				writeJSON(w, http.StatusServiceUnavailable, Error{Error: err.Error()})
				return
			}
			s.fail(w, err)
			return
		}
		code := http.StatusOK
		if r.Method == http.MethodPost && r.Pattern == "POST /api/v1/contacts" {
			code = http.StatusCreated
		}
		writeJSON(w, code, v)
	}
}

// who names the caller in the audit log.
func who(r *http.Request) string {
	p := principalOf(r)
	switch {
	case p == nil:
		return "api" // no users configured
	case p.token != "":
		return "token:" + p.token
	default:
		return p.user.Name
	}
}

func (c *contactBook) audit(r *http.Request, action, subject string, n int) error {
	return c.db.Audit(store.AuditEntry{At: c.now().UTC(), Who: who(r), Action: action, Subject: subject, Count: n})
}

func pathContact(r *http.Request) (contact.ID, error) {
	n, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || n == 0 {
		return 0, badRequest("contact id %q: want a positive number", r.PathValue("id"))
	}
	return contact.ID(n), nil
}

func queryInt(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		return 0, badRequest("?%s=%q: want 0 to %d", name, v, max)
	}
	return n, nil
}

// ContactView is a contact with its latest interactions.
type ContactView struct {
	contact.Contact
	Interactions []InteractionView `json:"interactions"`
}

// InteractionView is a call in a contact's history with what its record
// says: who took it, how it ended, the agent's notes.
type InteractionView struct {
	store.Interaction
	Agent       string         `json:"agent,omitempty"`
	Outcome     string         `json:"outcome,omitempty"`
	Talk        engine.Seconds `json:"talk,omitempty"` // seconds, as every duration the API sends
	Disposition string         `json:"disposition,omitempty"`
	Notes       string         `json:"notes,omitempty"`
	// Recordings are all the call's recordings, in the order they began:
	// one per leg across transfers, each start under on_demand.
	Recordings []InteractionRecording `json:"recordings,omitempty"`
	// Withheld says why the call's agent, disposition, topic, notes and
	// recordings are left out: a team's supervisor sees the times of the
	// customer's calls to other teams, not what they were about, as it may
	// not open those calls' records either.
	Withheld string `json:"withheld,omitempty"`
}

// withheldOtherTeam is InteractionView.Withheld for another team's call.
const withheldOtherTeam = "another team's call"

// InteractionRecording is one recording of a call in a contact's history.
// URL serves its file (GET /api/v1/calls/ID/recording?n=N); a failed or
// unfinished recording has none.
type InteractionRecording struct {
	N      int       `json:"n"`
	Agent  string    `json:"agent,omitempty"`
	Leg    int       `json:"leg,omitempty"`
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
	Failed bool      `json:"failed,omitempty"`
	URL    string    `json:"url,omitempty"`
}

// interactionRecordings lists rec's recordings for its history entry.
func interactionRecordings(rec *store.CallRecord) []InteractionRecording {
	var out []InteractionRecording
	for i, r := range rec.AllRecordings() {
		ir := InteractionRecording{N: i + 1, Agent: cmp.Or(r.Agent, rec.Agent), Leg: r.Leg, Start: r.Start, End: r.End, Failed: r.Failed}
		if r.Path != "" {
			ir.URL = fmt.Sprintf("/api/v1/calls/%s/recording?n=%d", url.PathEscape(rec.ID), ir.N)
		}
		out = append(out, ir)
	}
	return out
}

// view is ct with its interactions from offset, as r's user may see them:
// a team's supervisor gets the calls outside the team withheld.
func (c *contactBook) view(r *http.Request, ct contact.Contact, offset, limit int) (ContactView, error) {
	h, err := c.book.History(ct.ID, offset, limit)
	if err != nil {
		return ContactView{}, err
	}
	var team *team
	var members map[string][]string
	if sc := c.scopeOf(r); sc != nil && sc.team != nil {
		team, members = sc.team, sc.snap.Members
	}
	v := ContactView{Contact: ct, Interactions: make([]InteractionView, 0, len(h))}
	for _, in := range h {
		iv := InteractionView{Interaction: in, Agent: in.Agent, Disposition: in.Disposition}
		rec, err := c.db.Call(in.CallID)
		if err == nil {
			iv.Queue, iv.Agent, iv.Outcome, iv.Talk = rec.Queue, rec.Agent, string(rec.Outcome), engine.Seconds(rec.Talk)
			iv.Disposition, iv.Notes = rec.Disposition, rec.Notes
			iv.Recordings = interactionRecordings(rec)
		}
		if team != nil && (err != nil || !team.record(members, rec)) {
			iv = InteractionView{Interaction: store.Interaction{CallID: in.CallID, At: in.At, Direction: in.Direction},
				Withheld: withheldOtherTeam}
		}
		v.Interactions = append(v.Interactions, iv)
	}
	return v, nil
}

func (c *contactBook) find(_ http.ResponseWriter, r *http.Request) (any, error) {
	raw := r.URL.Query().Get("number")
	if raw == "" {
		return nil, badRequest("?number= is required")
	}
	phone, err := contact.NormalizePhone(raw, c.region)
	if err != nil {
		return nil, badRequest("?number=: %v", err)
	}
	sc := c.scopeOf(r)
	ct, err := c.book.ByPhone(phone)
	switch {
	case sc != nil && errors.Is(err, store.ErrNotFound) && !sc.caller(phone, c.region):
		return nil, errNotYourContact // the same whether the number is on record or not
	case err != nil:
		return nil, err
	}
	if err := c.mayOpen(r, ct.ID); err != nil {
		return nil, err
	}
	if err := c.audit(r, "find", fmt.Sprintf("contact %d", ct.ID), 1); err != nil {
		return nil, err
	}
	return c.view(r, ct, 0, 5)
}

func (c *contactBook) readBody(w http.ResponseWriter, r *http.Request) (contact.Contact, error) {
	var ct contact.Contact
	if err := decode(w, r, &ct); err != nil {
		return ct, err
	}
	if err := checkLen("notes", ct.Notes, MaxNotes); err != nil {
		return ct, err
	}
	if err := ct.Normalize(c.region); err != nil {
		return ct, badRequest("body: %v", err)
	}
	return ct, nil
}

func (c *contactBook) create(w http.ResponseWriter, r *http.Request) (any, error) {
	ct, err := c.readBody(w, r)
	if err != nil {
		return nil, err
	}
	if sc := c.scopeOf(r); sc != nil && sc.team == nil &&
		(len(ct.Phones) == 0 || slices.ContainsFunc(ct.Phones, func(p string) bool { return !sc.caller(p, c.region) })) {
		return nil, fmt.Errorf("%w: an agent adds a contact for the caller of its call only", errForbidden)
	}
	if err := c.checkPreferred(ct, ""); err != nil {
		return nil, err
	}
	if err := c.book.Create(&ct, c.now()); err != nil {
		return nil, c.numberTaken(r, ct, err)
	}
	return ct, nil
}

// numberTaken hides, from a user with a scope, which contact holds a number
// of ct when that contact is not one the user may open: not even its id.
func (c *contactBook) numberTaken(r *http.Request, ct contact.Contact, err error) error {
	sc := c.scopeOf(r)
	if !errors.Is(err, store.ErrNumberTaken) || sc == nil {
		return err
	}
	for _, p := range ct.Phones {
		other, lerr := c.book.ByPhone(p)
		if lerr != nil || other.ID == ct.ID {
			continue
		}
		if ok, oerr := c.opens(sc, other.ID); oerr != nil || !ok {
			return fmt.Errorf("%w that you may not open: a supervisor who may open both merges the two", store.ErrNumberTaken)
		}
	}
	return err
}

func (c *contactBook) get(_ http.ResponseWriter, r *http.Request) (any, error) {
	id, err := pathContact(r)
	if err != nil {
		return nil, err
	}
	n, err := queryInt(r, "interactions", 5, 100)
	if err != nil {
		return nil, err
	}
	if err := c.mayOpen(r, id); err != nil {
		return nil, err
	}
	ct, err := c.book.Get(id)
	if err != nil {
		return nil, err
	}
	if err := c.audit(r, "read", fmt.Sprintf("contact %d", id), 1); err != nil {
		return nil, err
	}
	return c.view(r, ct, 0, n)
}

func (c *contactBook) update(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := pathContact(r)
	if err != nil {
		return nil, err
	}
	if err := c.mayOpen(r, id); err != nil {
		return nil, err
	}
	ct, err := c.readBody(w, r)
	if err != nil {
		return nil, err
	}
	ct.ID = id
	old, err := c.book.Get(id)
	if err != nil {
		return nil, err
	}
	if err := c.checkPreferred(ct, old.PreferredAgent); err != nil {
		return nil, err
	}
	if err := c.book.Update(&ct, c.now()); err != nil {
		return nil, c.numberTaken(r, ct, err)
	}
	return ct, nil
}

func (c *contactBook) delete(_ http.ResponseWriter, r *http.Request) (any, error) {
	id, err := pathContact(r)
	if err != nil {
		return nil, err
	}
	if err := c.mayOpen(r, id); err != nil {
		return nil, err
	}
	if err := c.book.Delete(id); err != nil {
		return nil, err
	}
	return map[string]any{"deleted": id}, nil
}

// MergeRequest names the contact folded into the one in the path.
type MergeRequest struct {
	Duplicate contact.ID `json:"duplicate"`
}

func (c *contactBook) merge(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := pathContact(r)
	if err != nil {
		return nil, err
	}
	var body MergeRequest
	if err := decode(w, r, &body); err != nil {
		return nil, err
	}
	if body.Duplicate == 0 {
		return nil, badRequest("body: field \"duplicate\" is required")
	}
	for _, ct := range []contact.ID{id, body.Duplicate} {
		if err := c.mayOpen(r, ct); err != nil {
			return nil, err
		}
	}
	m, err := c.book.Merge(id, body.Duplicate, c.now())
	if errors.Is(err, contact.ErrSameContact) {
		return nil, badRequest("%v", err)
	}
	return m, err
}

// InteractionPage is a page of a contact's history, newest first.
type InteractionPage struct {
	Contact      contact.ID        `json:"contact"`
	Offset       int               `json:"offset"`
	Interactions []InteractionView `json:"interactions"`
}

func (c *contactBook) interactions(_ http.ResponseWriter, r *http.Request) (any, error) {
	id, err := pathContact(r)
	if err != nil {
		return nil, err
	}
	offset, err := queryInt(r, "offset", 0, 1<<30)
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit", 20, 500)
	if err != nil {
		return nil, err
	}
	if err := c.mayOpen(r, id); err != nil {
		return nil, err
	}
	if _, err := c.book.Get(id); err != nil {
		return nil, err
	}
	v, err := c.view(r, contact.Contact{ID: id}, offset, limit)
	if err != nil {
		return nil, err
	}
	if err := c.audit(r, "history", fmt.Sprintf("contact %d", id), len(v.Interactions)); err != nil {
		return nil, err
	}
	return InteractionPage{Contact: id, Offset: offset, Interactions: v.Interactions}, nil
}

// Offer is the screen pop: the call an agent is offered or talking on, with
// the caller's contact and latest interactions.
type Offer struct {
	Agent   string             `json:"agent"`
	Call    *engine.CallStatus `json:"call"`
	Contact *ContactView       `json:"contact,omitempty"`
}

// offer reads the published snapshot (never the engine itself) and the
// store, in the request's goroutine: the engine never waits on it.
func (c *contactBook) offer(snap *engine.Snapshot, r *http.Request) (any, error) {
	agent := r.PathValue("id")
	var callID string
	found := false
	for _, a := range snap.Agents {
		if a.ID == agent {
			callID, found = a.Call, true
		}
	}
	if !found {
		return nil, fmt.Errorf("agent %q: %w", agent, engine.ErrUnknownAgent)
	}
	out := Offer{Agent: agent}
	for i := range snap.Calls {
		if callID != "" && snap.Calls[i].ID == callID {
			call := snap.Calls[i]
			out.Call = &call
		}
	}
	if out.Call == nil {
		return nil, fmt.Errorf("agent %q has no call offered: %w", agent, store.ErrNotFound)
	}
	phone, err := contact.NormalizePhone(out.Call.Caller, c.region)
	if err != nil {
		return out, nil // an anonymous or internal caller: no contact
	}
	ct, _, err := c.book.Match(phone, c.now())
	if err != nil {
		return nil, err
	}
	v, err := c.view(r, ct, 0, 5)
	if err != nil {
		return nil, err
	}
	out.Contact = &v
	if err := c.audit(r, "screen-pop", fmt.Sprintf("contact %d", ct.ID), 1); err != nil {
		return nil, err
	}
	return out, nil
}
