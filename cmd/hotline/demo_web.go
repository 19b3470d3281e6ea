package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// demoWeb serves the desk and the API on a running demo (demo --web): the
// same pages as serve, on the simulated call center.
type demoWeb struct {
	live  *engine.SimLive
	once  sync.Once
	srv   *http.Server
	url   string
	users []string // "name / password (role)" lines to print; none for a store of the user's own
	agent string   // the agent the "agent" user works as; "" without one
}

// startDemoWeb listens on addr and serves r through a SimLive. With a store
// made for this demo alone (fresh), it creates an admin, a supervisor and
// an agent user with random passwords; a store the user named keeps its
// own users and gets none added, so no known password ever lands in a
// real store.
func startDemoWeb(addr string, r *engine.SimRun, db *store.DB, fresh bool, cfg config.Config) (*demoWeb, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo --web %s: %w", addr, err)
	}
	d := &demoWeb{live: engine.NewSimLive(r, 100*time.Millisecond), url: "http://" + ln.Addr().String() + "/"}
	if fresh {
		if d.users, err = demoUsers(db, cfg); err != nil {
			ln.Close()
			return nil, err
		}
		if len(cfg.Agents) > 0 {
			d.agent = cfg.Agents[0].ID
		}
	}
	h := api.New(d.live, db, zerolog.Nop())
	h.EnableAuth(db, time.Now)
	h.SetSessionIdle(cfg.Server.SessionIdle)
	h.SetTeams(cfg)
	h.SetChartOptions(api.ChartOptions{Target: cfg.Reports.ServiceLevelTarget, ShortAbandon: cfg.Reports.ShortAbandon})
	d.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := d.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("demo --web:", err)
		}
	}()
	return d, nil
}

// demoUsers creates "admin", "supervisor" (in no team: every queue, agent
// and campaign, but none of the admin's settings, users or backups) and,
// for the first agent, "agent", each with a random password, and returns
// how to sign in.
func demoUsers(db *store.DB, cfg config.Config) ([]string, error) {
	type demoUser struct {
		name  string
		role  auth.Role
		agent string
	}
	want := []demoUser{{"admin", auth.Admin, ""}, {"supervisor", auth.Supervisor, ""}}
	if len(cfg.Agents) > 0 {
		want = append(want, demoUser{"agent", auth.Agent, cfg.Agents[0].ID})
	}
	var lines []string
	for _, du := range want {
		var b [10]byte
		_, _ = rand.Read(b[:])
		pw := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
		hash, err := auth.HashPassword(pw, auth.DefaultParams)
		if err != nil {
			return nil, err
		}
		u := &auth.User{Name: du.name, Role: du.role, Agent: du.agent, Hash: hash, Created: time.Now().UTC()}
		if err := db.SaveUser(u); err != nil {
			return nil, fmt.Errorf("demo --web: %w", err)
		}
		line := fmt.Sprintf("%s / %s (%s)", du.name, pw, du.role)
		if du.agent != "" {
			line = fmt.Sprintf("%s / %s (%s %s)", du.name, pw, du.role, du.agent)
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// banner is what the demo prints about the web desk.
func (d *demoWeb) banner() string {
	if len(d.users) == 0 {
		return fmt.Sprintf("Web desk: %s (sign in with a user of the store)\n", d.url)
	}
	return fmt.Sprintf("Web desk: %s  sign in as %s\n", d.url, demoOr(d.users))
}

// demoOr lists choices: "a", "a or b", "a, b or c".
func demoOr(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// close stops serving; it may be called again.
func (d *demoWeb) close() {
	d.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		d.live.Close() // ends the event streams, so Shutdown need not wait for them
		_ = d.srv.Shutdown(ctx)
	})
}
