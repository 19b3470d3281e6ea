package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// The admin page's users: the same store the `hotline users` commands
// change, so either works while the daemon runs. A change applies to the
// user's next request (roles and the disabled flag are read every time).

func (s *Server) userRoutes() {
	s.mux.HandleFunc("GET /api/v1/users", s.listUsers)
	s.mux.HandleFunc("POST /api/v1/users", s.addUser)
	s.mux.HandleFunc("PUT /api/v1/users/{name}", s.changeUser)
}

// UserInfo is a user as the API shows it: never the password hash.
type UserInfo struct {
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	Agent       string    `json:"agent,omitempty"`
	Teams       []string  `json:"teams,omitempty"`
	Disabled    bool      `json:"disabled,omitempty"`
	Created     time.Time `json:"created"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

func userInfo(u auth.User) UserInfo {
	return UserInfo{Name: u.Name, Role: u.Role.String(), Agent: u.Agent, Teams: u.Teams, Disabled: u.Disabled,
		Created: u.Created, LockedUntil: u.LockedUntil}
}

// UserRequest is the body of POST /api/v1/users (a new user: name, role
// and password required) and PUT /api/v1/users/{name} (each field given
// is changed; password resets it and lifts a lockout, unlock lifts one).
type UserRequest struct {
	Name     string    `json:"name,omitempty"`
	Role     string    `json:"role,omitempty"`
	Agent    *string   `json:"agent,omitempty"`
	Teams    *[]string `json:"teams,omitempty"`
	Disabled *bool     `json:"disabled,omitempty"`
	Password string    `json:"password,omitempty"`
	Unlock   bool      `json:"unlock,omitempty"`
}

func (s *Server) listUsers(w http.ResponseWriter, _ *http.Request) {
	if s.creds == nil {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this daemon keeps no users"})
		return
	}
	users, err := s.creds.Users()
	if err != nil {
		s.fail(w, err)
		return
	}
	out := make([]UserInfo, 0, len(users))
	for _, u := range users {
		out = append(out, userInfo(u))
	}
	writeJSON(w, http.StatusOK, out)
}

// userBody reads a user change's body; false: the answer is written.
func (s *Server) userBody(w http.ResponseWriter, r *http.Request) (UserRequest, bool) {
	var body UserRequest
	if s.creds == nil {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this daemon keeps no users"})
		return body, false
	}
	if err := decode(w, r, &body); err != nil {
		s.fail(w, err)
		return body, false
	}
	return body, true
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	body, ok := s.userBody(w, r)
	if !ok {
		return
	}
	noteAudit(r, "user "+body.Name)
	if err := auth.CheckName(body.Name); err != nil {
		s.fail(w, badRequest("body: field \"name\": %v", err))
		return
	}
	if _, err := s.creds.User(body.Name); err == nil {
		writeJSON(w, http.StatusConflict, Error{Error: fmt.Sprintf("user %q exists already", body.Name)})
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, err)
		return
	}
	if users, err := s.creds.Users(); err != nil {
		s.fail(w, err)
		return
	} else if other := auth.NameTaken(users, body.Name); other != "" {
		writeJSON(w, http.StatusConflict, Error{Error: fmt.Sprintf("user %q differs from the user %q only in case; pick another name", body.Name, other)})
		return
	}
	u := &auth.User{Name: body.Name, Created: s.now().UTC()}
	if body.Role == "" || body.Password == "" {
		s.fail(w, badRequest("body: fields \"role\" and \"password\" are required for a new user"))
		return
	}
	if err := s.applyUser(u, body); err != nil {
		s.fail(w, err)
		return
	}
	if err := s.creds.SaveUser(u); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, userInfo(*u))
}

func (s *Server) changeUser(w http.ResponseWriter, r *http.Request) {
	body, ok := s.userBody(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	noteAudit(r, "user "+name)
	if body.Name != "" && body.Name != name {
		s.fail(w, badRequest("body: field \"name\" %q is not the user in the path (%q); users are not renamed", body.Name, name))
		return
	}
	defer s.signIns.lock(strings.ToLower(name))() // a sign-in's save does not undo this change
	u, err := s.creds.User(name)
	if err != nil {
		s.fail(w, err)
		return
	}
	if err := s.applyUser(u, body); err != nil {
		s.fail(w, err)
		return
	}
	if err := s.keepAnAdmin(u); err != nil {
		writeJSON(w, http.StatusConflict, Error{Error: err.Error()})
		return
	}
	if err := s.creds.SaveUser(u); err != nil {
		s.fail(w, err)
		return
	}
	s.credMoves.changed()
	writeJSON(w, http.StatusOK, userInfo(*u))
}

// applyUser sets on u what body gives, checked.
func (s *Server) applyUser(u *auth.User, body UserRequest) error {
	if body.Role != "" {
		role, err := auth.ParseRole(body.Role)
		if err != nil {
			return badRequest("body: field \"role\": %v", err)
		}
		u.Role = role
	}
	if body.Agent != nil {
		u.Agent = strings.TrimSpace(*body.Agent)
		if u.Agent != "" && s.eng != nil && !slices.ContainsFunc(s.eng.Snapshot().Agents, func(a engine.AgentStatus) bool { return a.ID == u.Agent }) {
			return badRequest("body: field \"agent\": unknown agent %q (not in the running config)", u.Agent)
		}
	}
	if body.Teams != nil {
		u.Teams = slices.DeleteFunc(slices.Clone(*body.Teams), func(t string) bool { return strings.TrimSpace(t) == "" })
		for i, q := range u.Teams {
			u.Teams[i] = strings.TrimSpace(q)
			if s.eng != nil && !slices.ContainsFunc(s.eng.Snapshot().Queues, func(qs engine.QueueStatus) bool { return qs.Name == u.Teams[i] }) {
				return badRequest("body: field \"teams\": unknown queue %q (not in the running config)", u.Teams[i])
			}
		}
	}
	if body.Disabled != nil {
		u.Disabled = *body.Disabled
	}
	if u.Role == auth.Agent && u.Agent == "" {
		return badRequest("body: an agent user needs field \"agent\" (the agent it works as)")
	}
	for _, f := range []struct{ name, v string }{{"agent", u.Agent}, {"password", body.Password}} {
		if err := checkLen(f.name, f.v, MaxShort); err != nil {
			return err
		}
	}
	if body.Password != "" {
		if err := auth.CheckPassword(u.Name, body.Password); err != nil {
			return badRequest("body: field \"password\": %v", err)
		}
		hash, err := auth.HashPassword(body.Password, auth.DefaultParams)
		if err != nil {
			return err
		}
		u.Hash = hash
		body.Unlock = true
	}
	if body.Unlock {
		u.FailedLogins, u.LockedUntil = 0, time.Time{}
	}
	return nil
}

// keepAnAdmin refuses a change that would leave no enabled admin: nobody
// could then change users or the config from the pages.
func (s *Server) keepAnAdmin(changed *auth.User) error {
	users, err := s.creds.Users()
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Name == changed.Name {
			u = *changed
		}
		if u.Role == auth.Admin && !u.Disabled {
			return nil
		}
	}
	return fmt.Errorf("user %q is the last enabled admin: make another admin first", changed.Name)
}
