package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

type serveOptions struct {
	pbxType string
}

// shutdownGrace is how long a stopping daemon waits for open HTTP
// requests to end before it stops anyway.
var shutdownGrace = 5 * time.Second

func (o *serveOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.pbxType, "pbx", "", "switch to drive: asterisk | freeswitch | sim (default: the config's pbx.type)")
}

func newServeCmd(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Hotline daemon against the configured PBX",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			load := func(data []byte) (config.Config, error) {
				read := g.loadConfig
				if data != nil { // a proposed edit of the file
					read = func() (config.Config, error) { return g.loadConfigFrom(data) }
				}
				cfg, err := read()
				if err != nil || o.pbxType == "" {
					return cfg, err
				}
				if err := cfg.Override("pbx.type", o.pbxType, "--pbx"); err != nil {
					return cfg, err
				}
				return cfg, cfg.Validate()
			}
			cfg, err := load(nil)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return serveDaemon(ctx, cfg, g.logger(cmd.ErrOrStderr()), load)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// starter is a switch that must be started after the engine listens to it.
type starter interface {
	Start(ctx context.Context) error
}

// runServe is the daemon without config reloads.
func runServe(ctx context.Context, cfg config.Config, log zerolog.Logger) error {
	return serveDaemon(ctx, cfg, log, nil)
}

// serveDaemon is the daemon: store, restore, switch, engine, HTTP API. With
// load, SIGHUP and POST /api/v1/config/reload apply the config again.
func serveDaemon(ctx context.Context, cfg config.Config, log zerolog.Logger, load configLoader) error {
	for _, d := range cfg.Deprecations() {
		log.Warn().Str("setting", d).Msg("deprecated setting")
	}
	for _, a := range cfg.Advisories() {
		log.Warn().Str("setting", a.Path).Str("at", cfg.Where(a.Path)).Msg(a.Text)
	}
	db, err := openStore(cfg.Store.Path, cfg.Where("store.path"), store.Options{Logger: log}, log, true, "")
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := sealCalls(cfg.Privacy, db, log)
	if err != nil {
		return err
	}
	if keys != nil {
		db.TrackRepeats(cfg.Reports.RepeatWindow)
	}
	saved, err := engine.LoadSaved(db)
	skipped, err := store.Skipped(err)
	if err != nil {
		return fmt.Errorf("reading saved state from %s: %w", cfg.Store.Path, err)
	}
	for _, de := range skipped {
		log.Error().Err(de).Msg("unreadable record left out at start; see hotline store check")
	}
	var target store.Target = db
	if path := cfg.Reports.QueueLog; path != "" {
		ql, err := report.OpenLiveQueueLog(path, db)
		if err != nil {
			return err
		}
		defer ql.Close() // after the engine's writer has flushed (deferred later, run earlier)
		target = ql
	}
	sw, err := newSwitch(cfg, log)
	if err != nil {
		return err
	}
	defer sw.Close()
	prompts, err := startPrompts(ctx, cfg, log)
	if err != nil {
		return err
	}
	var speaker engine.Speaker
	if prompts != nil {
		speaker = prompts
		go sweepPrompts(ctx, prompts, log)
	}
	recognizer := startRecognizer(cfg, log)
	rt, err := engine.NewRuntime(engine.RunOptions{
		Core: engine.Options{Config: cfg, Store: target, Seed: uint64(time.Now().UnixNano()),
			IDPrefix: runID(), Speaker: speaker, MatchCaller: callerMatcher(db, keys, cfg.Privacy.Region),
			Recognizer: recognizer, RecognizeTimeout: cfg.Speech.Recognizer.Timeout},
		Switch: sw, Log: log, Saved: &saved,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 3)
	ran := make(chan struct{})
	go func() { defer close(ran); errc <- rt.Run(ctx) }()
	if len(cfg.Campaigns) > 0 {
		go func() {
			if err := rt.ServeLeads(ctx, db, time.Second); err != nil {
				errc <- err
			}
		}()
	}
	// Run flushes the engine's queued writes; the store closes only after.
	defer func() { cancel(); <-ran }()
	var rl *reloader
	var reload func(context.Context, bool) (engine.ReconfigureReport, error)
	warnTeams(log, db, cfg)
	if load != nil {
		// A reload or an edit naming a team supervisor who is no user is refused.
		base := load
		load = func(data []byte) (config.Config, error) {
			c, err := base(data)
			if err == nil {
				err = checkSupervisors(db, c)
			}
			return c, err
		}
		rl = &reloader{rt: rt, load: load, log: log}
		if ss, ok := sw.(*sim.Switch); ok {
			rl.applied = reloadHeadsets(ss, log)
		}
		if prompts != nil {
			before := rl.applied
			rl.applied = func(c config.Config) {
				if before != nil {
					before(c)
				}
				keepPrompts(c, prompts)
			}
		}
		reload = rl.reload
	}
	if s, ok := sw.(starter); ok {
		// The switch may be starting too: the API serves (and reports the
		// link down) while Start keeps trying.
		go func() {
			err := s.Start(ctx)
			if err == nil && cfg.PBX.Type == config.PBXSim {
				err = startSimTraffic(sw.(*sim.Switch), cfg)
			}
			if err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("starting %s: %w", cfg.PBX.Type, err)
			}
		}()
	}
	if cfg.Server.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Server.Listen)
		if err != nil {
			return fmt.Errorf("server.listen %s: %w", cfg.Server.Listen, err)
		}
		if cfg.Server.TLSCert != "" {
			tc, err := api.LoadTLS(cfg.Server.TLSCert, cfg.Server.TLSKey)
			if err != nil {
				ln.Close()
				return err
			}
			ln = tls.NewListener(ln, tc)
		}
		h := api.New(rt, db, log)
		h.EnableAuth(db, time.Now)
		h.SetSessionIdle(cfg.Server.SessionIdle)
		h.SetTeams(cfg)
		h.SetChartOptions(reportDefaults(cfg))
		defer h.EnableAudit(db)() // after the server's shutdown below: handlers are done
		h.WatchWrites(rt.Writer())
		h.NoteUnreadableAtStart(skipped)
		h.EnableRecordings(db, cfg.Recordings.Dir)
		wait, err := serveContacts(ctx, cfg.Privacy, keys, h, db, log)
		if err != nil {
			return err
		}
		defer func() { cancel(); wait() }() // the matcher stops before the store closes
		if l, ok := sw.(api.Link); ok {
			h.WatchLink(l)
		}
		if rl != nil {
			headsets := rl.applied
			rl.applied = func(c config.Config) {
				if headsets != nil {
					headsets(c)
				}
				h.SetTeams(c)
				h.SetSessionIdle(c.Server.SessionIdle)
				h.SetChartOptions(reportDefaults(c))
			}
			h.WatchReload(rl.reload)
			reload = h.Reload // counted in /metrics
			if file := cfg.File(); file != "" {
				h.EnableConfigEdit(file, func(data []byte) error { _, err := load(data); return err })
			}
		}
		srv := &http.Server{Handler: withPrompts(h, prompts), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		defer func() {
			sctx, c := context.WithTimeout(context.Background(), shutdownGrace)
			defer c()
			_ = srv.Shutdown(sctx)
		}()
		log.Info().Str("component", "api").Str("listen", ln.Addr().String()).Bool("tls", cfg.Server.TLSCert != "").Msg("HTTP API listening")
		if beyondLoopback(ln.Addr()) {
			switch users, err := db.Users(); {
			case err == nil && len(users) == 0:
				log.Error().Str("component", "api").Str("listen", ln.Addr().String()).
					Msg("the HTTP API listens beyond loopback and no user exists yet, so it asks for no credentials: anyone " +
						"who reaches this port can change agents, listen in on calls and read call records; create the first " +
						"admin (hotline users add NAME --role admin) or listen on 127.0.0.1")
			case cfg.Server.TLSCert == "":
				log.Warn().Str("component", "api").Str("listen", ln.Addr().String()).
					Msg("the HTTP API listens beyond loopback without TLS: passwords, tokens and session cookies cross the " +
						"network in clear; set server.tls_cert and server.tls_key")
			}
		}
	}
	if reload != nil {
		reloadOnHangup(ctx, log, reload)
	}
	log.Info().Str("pbx", cfg.PBX.Type).Int("queues", len(cfg.Queues)).Int("agents", len(cfg.Agents)).
		Int("restored_calls", len(saved.Active)).Msg("hotline running")
	notify(log, "READY=1\nSTATUS=running") // the store is open and the API listens
	select {
	case <-ctx.Done():
		log.Info().Msg("stopping")
		notify(log, "STOPPING=1")
		return nil
	case err := <-errc:
		return err
	}
}

// newSwitch builds the configured backend.
func newSwitch(cfg config.Config, log zerolog.Logger) (pbx.Switch, error) {
	switch cfg.PBX.Type {
	case config.PBXSim:
		return sim.New(sim.Options{Seed: cfg.PBX.Sim.Seed, Phones: cfg.PBX.Sim.Agents, Speed: 1,
			Latency: 20 * time.Millisecond, Log: log}) // sim names its component itself
	case config.PBXAsterisk:
		return newAsterisk(cfg, log)
	case config.PBXFreeSWITCH:
		return newFreeSWITCH(cfg, log)
	}
	return nil, fmt.Errorf("pbx.type %q: unknown; known: asterisk, freeswitch, sim", cfg.PBX.Type)
}

// startSimTraffic sends pbx.sim.callers and gives the agents of every
// campaign headsets that pick up in time (campaignHeadsets).
func startSimTraffic(sw *sim.Switch, cfg config.Config) error {
	for _, k := range cfg.Campaigns {
		if err := campaignHeadsets(sw, cfg, k); err != nil {
			return fmt.Errorf("pbx.sim: %w", err)
		}
	}
	for _, t := range simTraffic(cfg, time.Time{}) {
		if err := sw.StartTraffic(t); err != nil {
			return fmt.Errorf("pbx.sim.callers: %w", err)
		}
	}
	return nil
}

// reloadHeadsets gives the agents of every campaign of a reloaded config
// the headsets startSimTraffic gives at start: an agent a reload adds to a
// campaign, or a campaign a reload adds, would otherwise keep phones that
// ring past connect_within, and every lead they answered would be
// abandoned.
func reloadHeadsets(sw *sim.Switch, log zerolog.Logger) func(config.Config) {
	return func(cfg config.Config) {
		for _, k := range cfg.Campaigns {
			if err := campaignHeadsets(sw, cfg, k); err != nil {
				log.Warn().Err(err).Msg("config reload: pbx.sim headsets")
			}
		}
	}
}

// simTraffic splits pbx.sim.callers over the entry numbers: callers of a
// menu press one of its keys (with dtmf_chance), callers of a queue none.
func simTraffic(cfg config.Config, until time.Time) []sim.Traffic {
	c := cfg.PBX.Sim.Callers
	if len(cfg.Entries) == 0 || c.RatePerMinute <= 0 {
		return nil
	}
	menus := map[string][]string{}
	for _, m := range cfg.Menus {
		for k := range m.Options {
			menus[m.Name] = append(menus[m.Name], k)
		}
		sort.Strings(menus[m.Name])
	}
	var out []sim.Traffic
	for _, e := range cfg.Entries {
		t := sim.Traffic{Entries: []string{e.Number}, RatePerMinute: c.RatePerMinute / float64(len(cfg.Entries)),
			Patience: c.Patience, Until: until}
		if keys := menus[e.Menu]; len(keys) > 0 {
			t.Keys, t.DTMFChance = keys, c.DTMFChance
		}
		if keys := flowKeys(cfg, e.Flow); len(keys) > 0 {
			t.Keys, t.DTMFChance = keys, c.DTMFChance
		}
		if phrases := flowPhrases(cfg, e.Flow); len(phrases) > 0 {
			t.Phrases, t.SayChance = phrases, c.SayChance
		}
		out = append(out, t)
	}
	return out
}

// runID tells this run's call ids from those of earlier runs.
func runID() string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "h"
	}
	return hex.EncodeToString(b[:])
}

// beyondLoopback reports whether a listener can be reached from other hosts.
func beyondLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return !ok || !tcp.IP.IsLoopback()
}

// reportDefaults are the reports' defaults from the config: the call
// center's zone (the machine's when reports.timezone is not set), the
// service-level target and the short abandons.
func reportDefaults(c config.Config) api.ChartOptions {
	zone := time.Local
	if tz := c.Reports.Timezone; tz != "" {
		if l, err := time.LoadLocation(tz); err == nil { // config validate checked it
			zone = l
		}
	}
	return api.ChartOptions{Location: zone, Target: c.Reports.ServiceLevelTarget, ShortAbandon: c.Reports.ShortAbandon}
}
