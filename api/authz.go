package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// Credentials are the users and tokens the API checks; *store.DB has them.
type Credentials interface {
	User(name string) (*auth.User, error)
	SaveUser(u *auth.User) error
	Users() ([]auth.User, error)
	Token(id string) (*auth.Token, error)
}

var _ Credentials = (*store.DB)(nil)

// access is who may call a route: the lowest role, or nobody signed in
// (public), and whether an agent may act only on their own agent.
type access struct {
	public bool
	role   auth.Role
	own    bool // the {id} in the path must be the user's own agent (below supervisor)
}

// routeAccess lists every route the server registers with who may call it.
// A route missing here is refused to everyone but admins (and a test fails),
// so a new route must say who it is for.
var routeAccess = map[string]access{
	"GET /healthz":                           {public: true},
	"GET /{$}":                               {public: true}, // the desk's page (package web)
	"GET /static/":                           {public: true},
	"POST /api/v1/login":                     {public: true},
	"GET /api/v1/openapi.json":               {public: true}, // describes routes, holds no data
	"POST /api/v1/logout":                    {role: auth.Agent},
	"GET /api/v1/whoami":                     {role: auth.Agent},
	"GET /api/v1/status":                     {role: auth.Agent},
	"GET /api/v1/queues":                     {role: auth.Agent},
	"GET /api/v1/agents":                     {role: auth.Agent},
	"POST /api/v1/agents/{id}/{action}":      {role: auth.Agent, own: true},
	"POST /api/v1/agents/{id}/call/{action}": {role: auth.Agent, own: true}, // hold, transfer: own call; supervisors any
	"GET /api/v1/calls":                      {role: auth.Supervisor},
	"GET /api/v1/calls/{id}":                 {role: auth.Supervisor},
	// recordings: agents their own calls' (checked by the handler), supervisors their teams'
	"GET /api/v1/calls/{id}/recording":            {role: auth.Agent},
	"GET /api/v1/recordings":                      {role: auth.Supervisor},
	"POST /api/v1/agents/{id}/recording/{action}": {role: auth.Agent, own: true},
	"POST /api/v1/calls/{id}/disposition":         {role: auth.Agent},
	"GET /api/v1/calls/{id}/dispositions":         {role: auth.Agent}, // own calls (checked by the engine), as the disposition
	"GET /api/v1/events":                          {role: auth.Agent},
	"GET /api/v1/store/backup":                    {role: auth.Admin},
	"GET /api/v1/audit":                           {role: auth.Admin},
	"POST /api/v1/config/reload":                  {role: auth.Admin},
	"GET /api/v1/config/{section}":                {role: auth.Admin},
	"POST /api/v1/config/{section}":               {role: auth.Admin},
	"PUT /api/v1/config/{section}/{name}":         {role: auth.Admin},
	"DELETE /api/v1/config/{section}/{name}":      {role: auth.Admin},
	"GET /api/v1/reports/{kind}":                  {role: auth.Supervisor},
	"GET /api/v1/reports":                         {role: auth.Supervisor},
	"GET /api/v1/charts/today":                    {role: auth.Supervisor},
	"GET /api/v1/charts/period":                   {role: auth.Supervisor},
	"GET /api/v1/dnc/{list}":                      {role: auth.Admin},
	"POST /api/v1/dnc/{list}":                     {role: auth.Admin},
	"DELETE /api/v1/dnc/{list}/{phone}":           {role: auth.Admin},
	"GET /api/v1/users":                           {role: auth.Admin},
	"POST /api/v1/users":                          {role: auth.Admin},
	"PUT /api/v1/users/{name}":                    {role: auth.Admin},

	// outbound campaigns
	"GET /api/v1/campaigns":                    {role: auth.Supervisor},
	"POST /api/v1/campaigns/{name}/{action}":   {role: auth.Supervisor},
	"POST /api/v1/campaigns/{name}/leads":      {role: auth.Supervisor},
	"GET /api/v1/campaigns/{name}/lead-states": {role: auth.Supervisor},
	"GET /api/v1/campaigns/{name}/leads.csv":   {role: auth.Supervisor},
	"GET /metrics":                             {role: auth.Supervisor},
}

// principal is who made a request.
type principal struct {
	user  *auth.User
	role  auth.Role // the token's role when a token was used
	token string    // token id, "" for a session
}

type principalKey struct{}

func principalOf(r *http.Request) *principal {
	p, _ := r.Context().Value(principalKey{}).(*principal)
	return p
}

// sessions are browser sign-ins, kept in memory: a restart signs everyone
// out. The lock guards the map, idle and the sessions' last use.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	ttl  time.Duration
	idle time.Duration // a session unused this long ends; 0 = never
}

type session struct {
	user     string
	hash     string // the user's password hash at sign-in: a new password ends the session
	csrf     string
	expires  time.Time
	lastUsed time.Time // the last request it made (not the event stream's checks)
}

// errSessionIdle is a session that went unused for server.session_idle.
var errSessionIdle = errors.New("session ended unused")

// SetSessionIdle ends browser sessions unused for d (server.session_idle;
// 0 = never). EnableAuth comes first.
func (s *Server) SetSessionIdle(d time.Duration) {
	s.sess.mu.Lock()
	defer s.sess.mu.Unlock()
	s.sess.idle = d
}

func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DefaultSessionIdle is how long a browser session may go unused before
// SetSessionIdle says otherwise (server.session_idle's default).
const DefaultSessionIdle = 30 * time.Minute

// SessionCookie is the browser session's cookie name.
const SessionCookie = "hotline_session"

// EnableAuth makes the server check users and tokens on every route but the
// public ones, once the store holds at least one user: until the first
// admin is created ("hotline users add NAME --role admin") the API answers
// without credentials, as before.
func (s *Server) EnableAuth(c Credentials, now func() time.Time) {
	s.creds = c
	s.now = now
	s.sess = &sessions{byID: map[string]*session{}, ttl: 12 * time.Hour, idle: DefaultSessionIdle}
	s.limit = defaultSignInLimit()
	s.mux.HandleFunc("POST /api/v1/login", s.login)
	s.mux.HandleFunc("POST /api/v1/logout", s.logout)
	s.mux.HandleFunc("GET /api/v1/whoami", s.whoami)
	s.userRoutes()
}

var (
	errNoCredentials = errors.New("sign in or send a token (Authorization: Bearer hl_...)")
	errForbidden     = errors.New("your role may not do this")
)

// authorize finds who is calling and whether they may call the route. It
// returns the request with the principal in its context, or writes the
// refusal (401 or 403) and returns nil.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, pattern string) *http.Request {
	if s.creds == nil {
		return r
	}
	acc, known := routeAccess[pattern]
	if known && acc.public {
		return r
	}
	if !s.authRequired() {
		if err := openModeRefuses(r, pattern); err != "" {
			writeJSON(w, http.StatusForbidden, Error{Error: err})
			return nil
		}
		return r
	}
	p, err := s.identify(r, true)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hotline"`)
		e := Error{Error: err.Error()}
		if errors.Is(err, errSessionIdle) {
			e.Reason = ReasonIdle
		}
		writeJSON(w, http.StatusUnauthorized, e)
		return nil
	}
	if !known {
		acc = access{role: auth.Admin}
	}
	if !p.role.Allows(acc.role) {
		writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": " + pattern + " needs " + acc.role.String()})
		return nil
	}
	if acc.own && !p.role.Allows(auth.Supervisor) && pathValue(pattern, r.URL.Path, "id") != p.user.Agent {
		writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": an agent acts on their own agent only"})
		return nil
	}
	if t := s.teamFor(p); t != nil {
		if id := pathValue(pattern, r.URL.Path, "id"); acc.own && !t.agent(s.eng.Snapshot().Members, id) {
			writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": agent " + id + " is not in your teams (" + t.covers() + ")"})
			return nil
		}
		if name := pathValue(pattern, r.URL.Path, "name"); strings.HasPrefix(pattern, "POST /api/v1/campaigns/") &&
			!t.campaign(s.eng.Snapshot().Members, name) {
			writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": campaign " + name + " is not worked in your teams (" + t.covers() + ")"})
			return nil
		}
	}
	// A browser session must prove the change comes from our pages.
	if p.token == "" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		if !s.csrfOK(r) {
			writeJSON(w, http.StatusForbidden, Error{Error: "missing or wrong X-CSRF-Token header"})
			return nil
		}
	}
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
}

// openModeRefuses says why a request to the API without users (open to
// whoever reaches the port) is refused, "" when it is not. Reaching the
// port is not all a web page needs: a browser sends its requests from any
// site the user visits. So a change from another site's page (its Origin or
// Sec-Fetch-Site says so) is refused, as is any request naming a host that
// is not an address or localhost (a name an attacker's DNS points at
// 127.0.0.1), and users are not created over HTTP until the first one
// exists: the first admin is made from the shell.
func openModeRefuses(r *http.Request, pattern string) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if net.ParseIP(host) == nil && !strings.EqualFold(host, "localhost") {
		return fmt.Sprintf("host %q refused: until the first user exists Hotline answers requests to its address or localhost only (create a user: hotline users add NAME --role admin)", r.Host)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return ""
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return "a change from another site's page is refused"
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return fmt.Sprintf("a change from another site's page (origin %s) is refused", o)
		}
	}
	if pattern == "POST /api/v1/users" {
		return "no user exists yet: create the first admin from the shell while Hotline is stopped (hotline users add NAME --role admin)"
	}
	return ""
}

// authRequired is true once a user exists (users are disabled, never
// removed, so it stays true).
func (s *Server) authRequired() bool {
	if s.authOn.Load() {
		return true
	}
	users, err := s.creds.Users()
	if err != nil || len(users) > 0 { // an unreadable list fails closed
		s.authOn.Store(true)
		return true
	}
	return false
}

// identify finds who sent r: a token's user, or a session's. use counts
// the request as the session's use.
func (s *Server) identify(r *http.Request, use bool) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, errNoCredentials
		}
		id := auth.TokenID(strings.TrimSpace(secret))
		if id == "" {
			return nil, errNoCredentials
		}
		tok, err := s.creds.Token(id)
		if err != nil || !tok.Matches(strings.TrimSpace(secret)) {
			return nil, errors.New("unknown or revoked token")
		}
		u, err := s.creds.User(tok.User)
		if err != nil || u.Disabled {
			return nil, errors.New("the token's user is unknown or disabled")
		}
		role := tok.Role
		if !u.Role.Allows(role) {
			role = u.Role // a user demoted since keeps no more than the new role
		}
		return &principal{user: u, role: role, token: tok.ID}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, errNoCredentials
	}
	now := s.now()
	s.sess.mu.Lock()
	sess := s.sess.byID[c.Value]
	if sess != nil && now.After(sess.expires) {
		delete(s.sess.byID, c.Value)
		sess = nil
	}
	var unused time.Duration
	if sess != nil {
		// An idle session stays ended: it is not used again, and each
		// request, the page's last, is told why (its sign-out deletes it).
		if unused = now.Sub(sess.lastUsed); s.sess.idle <= 0 || unused < s.sess.idle {
			unused = 0
			if use {
				sess.lastUsed = now
			}
		}
	}
	idle := s.sess.idle
	s.sess.mu.Unlock()
	if sess == nil {
		return nil, errors.New("session expired: sign in again")
	}
	if unused > 0 {
		return nil, fmt.Errorf("%w: no request for %v (server.session_idle %v): sign in again", errSessionIdle, unused.Round(time.Second), idle)
	}
	u, err := s.creds.User(sess.user)
	if err != nil || u.Disabled {
		return nil, errors.New("the session's user is unknown or disabled")
	}
	if u.Hash != sess.hash {
		return nil, errors.New("the password changed since this session signed in: sign in again")
	}
	return &principal{user: u, role: u.Role}, nil
}

func (s *Server) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return false
	}
	s.sess.mu.Lock()
	sess := s.sess.byID[c.Value]
	s.sess.mu.Unlock()
	got := r.Header.Get("X-CSRF-Token")
	return sess != nil && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) == 1
}

// LoginRequest is the body of POST /api/v1/login.
type LoginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// LoginResponse tells the page who signed in and the CSRF token to send
// with every change.
type LoginResponse struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Agent string `json:"agent,omitempty"`
	CSRF  string `json:"csrf"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var body LoginRequest
	if err := decode(w, r, &body); err != nil {
		s.fail(w, err)
		return
	}
	if body.Name == "" || body.Password == "" || len(body.Password) > 1024 {
		s.fail(w, badRequest("body: name and password are required"))
		return
	}
	addr := clientAddr(r)
	if wait := s.limit.start(addr, s.now); wait > 0 {
		s.log.Warn().Str("remote", r.RemoteAddr).Msg("sign-in refused: too many failures from the address")
		refuseTooMany(w, wait)
		return
	}
	failed := true
	defer func() { s.limit.settle(addr, s.now(), failed) }()
	refuse := func() {
		writeJSON(w, http.StatusUnauthorized, Error{Error: "wrong name or password, or the user is locked or disabled"})
	}
	u, err := s.creds.User(body.Name)
	if err != nil {
		// Spend the same time as a real check, so timing does not tell
		// which names exist.
		_, _ = auth.VerifyPassword(body.Password, dummyHash())
		refuse()
		return
	}
	matched, err := auth.VerifyPassword(body.Password, u.Hash)
	if err != nil {
		matched = false
	}
	// The failure count is read, changed and saved under the name's lock,
	// from the user as it is now (changeUser takes the lock too): attempts
	// at once each count, and an admin's change made while the password
	// was hashed (a new password, a disable) is not undone.
	ok := func() bool {
		defer s.signIns.lock(strings.ToLower(body.Name))()
		cur, err := s.creds.User(body.Name)
		if err != nil {
			return false
		}
		// Checked against a password changed meanwhile: no success.
		ok := cur.Settle(matched && cur.Hash == u.Hash, s.now(), auth.DefaultLockout)
		if serr := s.creds.SaveUser(cur); serr != nil {
			s.log.Error().Err(serr).Str("user", cur.Name).Msg("saving sign-in state failed")
		}
		u = cur
		return ok
	}()
	if !ok {
		s.log.Warn().Str("user", u.Name).Str("remote", r.RemoteAddr).Msg("sign-in refused")
		refuse()
		return
	}
	failed = false
	id, csrf := newSecret(), newSecret()
	s.sess.mu.Lock()
	s.sess.byID[id] = &session{user: u.Name, hash: u.Hash, csrf: csrf, expires: s.now().Add(s.sess.ttl), lastUsed: s.now()}
	s.sess.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(s.sess.ttl.Seconds())})
	s.log.Info().Str("user", u.Name).Str("remote", r.RemoteAddr).Msg("signed in")
	writeJSON(w, http.StatusOK, LoginResponse{Name: u.Name, Role: u.Role.String(), Agent: u.Agent, CSRF: csrf})
}

// dummyHash is hashed once, on the first sign-in with an unknown name.
var dummyHash = sync.OnceValue(func() string {
	h, _ := auth.HashPassword("not a password of anyone", auth.DefaultParams)
	return h
})

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		s.sess.mu.Lock()
		delete(s.sess.byID, c.Value)
		s.sess.mu.Unlock()
	}
	s.credMoves.changed()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil})
	writeJSON(w, http.StatusOK, map[string]string{"signed_out": "ok"})
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if p == nil {
		writeJSON(w, http.StatusOK, map[string]string{"name": "", "role": "", "auth": "off (no users yet)"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"name": p.user.Name, "role": p.role.String(), "agent": p.user.Agent})
}

// credSignal tells the open event streams that credentials changed (a
// sign-out, a user changed over the API), so each checks its own at once
// rather than at its next keep-alive. A change made by the CLI in the
// store is seen at the keep-alive.
type credSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next change.
func (c *credSignal) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// changed wakes every stream waiting.
func (c *credSignal) changed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// stillSignedIn reports whether the credentials r was let in with still
// identify the same user with the same role, agent and teams: a long
// request (the event stream) must not outlive a sign-out or an admin's
// change to the user.
func (s *Server) stillSignedIn(r *http.Request) bool {
	was := principalOf(r)
	if was == nil {
		return true // auth off, or no users yet
	}
	// An open page is in use: a desk waiting for calls makes no request
	// but keeps its stream, and must not be signed out for it.
	now, err := s.identify(r, true)
	return err == nil && now.role == was.role && now.user.Agent == was.user.Agent &&
		slices.Equal(now.user.Teams, was.user.Teams)
}

// pathValue is the value of {name} in pattern ("METHOD /a/{name}/b") for
// path, before the mux has matched the request.
func pathValue(pattern, path, name string) string {
	_, pat, _ := strings.Cut(pattern, " ")
	ps, us := strings.Split(pat, "/"), strings.Split(path, "/")
	if len(ps) != len(us) {
		return ""
	}
	for i, seg := range ps {
		if seg == "{"+name+"}" {
			return us[i]
		}
	}
	return ""
}
