package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
)

// configLoader reads the config again the way serve read it at start (the
// file, HOTLINE_* variables, flags), validated; with data, reading data as
// the file's text (a proposed edit).
type configLoader func(data []byte) (config.Config, error)

// reloader applies a re-read config to the running engine, one reload at a
// time, and logs what came of it.
type reloader struct {
	mu   sync.Mutex // one reload at a time (API and SIGHUP may ask together)
	rt   engine.Submitter
	load configLoader
	log  zerolog.Logger
	// applied is told each config the engine took (the API's teams); nil: none
	applied func(config.Config)
}

// reload applies the config file again; force applies it even if it
// removes what is in use (engine.InUseError otherwise).
func (r *reloader) reload(ctx context.Context, force bool) (engine.ReconfigureReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := r.load(nil)
	if err == nil {
		var rep engine.ReconfigureReport
		if rep, err = engine.Send(ctx, r.rt, engine.Reconfigure{Config: cfg, Force: force}); err == nil {
			if r.applied != nil {
				r.applied(cfg)
			}
			r.logReport(rep)
			return rep, nil
		}
	}
	ev := r.log.Error().Err(err)
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		var problems []string
		for _, p := range ve.Problems {
			problems = append(problems, p.String())
		}
		ev = r.log.Error().Strs("problems", problems)
	}
	var inUse *engine.InUseError
	if errors.As(err, &inUse) {
		ev = r.log.Error().Strs("in_use", inUse.Items)
	}
	ev.Msg("config reload refused; nothing changed")
	return engine.ReconfigureReport{}, err
}

func (r *reloader) logReport(rep engine.ReconfigureReport) {
	if !rep.Changed() && len(rep.NeedRestart) == 0 {
		r.log.Info().Msg("config reloaded: no changes")
		return
	}
	r.log.Info().Strs("queues_added", rep.QueuesAdded).Strs("queues_changed", rep.QueuesChanged).
		Strs("queues_removed", rep.QueuesRemoved).Strs("agents_added", rep.AgentsAdded).
		Strs("agents_changed", rep.AgentsChanged).Strs("agents_removed", rep.AgentsRemoved).
		Bool("entries_changed", rep.EntriesChanged).Bool("menus_changed", rep.MenusChanged).
		Strs("flows_changed", rep.FlowsChanged).Strs("applied", rep.Applied).
		Strs("draining", rep.Draining).Msg("config reloaded")
	if len(rep.NeedRestart) > 0 {
		r.log.Warn().Strs("sections", rep.NeedRestart).Msg("config reload: these settings changed and apply at the next start")
	}
}

// reloadOnHangup calls reload on every SIGHUP until ctx ends.
func reloadOnHangup(ctx context.Context, log zerolog.Logger, reload func(context.Context, bool) (engine.ReconfigureReport, error)) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info().Msg("SIGHUP: reloading the config")
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				_, _ = reload(rctx, false)
				cancel()
			}
		}
	}()
}
