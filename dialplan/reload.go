package dialplan

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/percipia/eslgo/command"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/esl"
)

// Reloader makes the PBX read its dialplan again.
type Reloader interface {
	Reload(ctx context.Context) error
}

// ARIReloaderOptions configures an ARIReloader.
type ARIReloaderOptions struct {
	URL      string // ARI base, e.g. http://127.0.0.1:8088/ari
	Username string
	Password string
	Client   *http.Client // nil = a client with a 10 s timeout
	Logger   zerolog.Logger
}

// ARIReloader reloads pbx_config through ARI's module resource.
type ARIReloader struct {
	opts ARIReloaderOptions
	log  zerolog.Logger
}

var _ Reloader = (*ARIReloader)(nil)

// NewARIReloader returns a Reloader for Asterisk.
func NewARIReloader(opts ARIReloaderOptions) *ARIReloader {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &ARIReloader{opts: opts, log: opts.Logger.With().Str("component", "dialplan-reload-ari").Logger()}
}

// Reload sends PUT /asterisk/modules/pbx_config.
func (r *ARIReloader) Reload(ctx context.Context) error {
	url := strings.TrimSuffix(r.opts.URL, "/") + "/asterisk/modules/pbx_config"
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrReload, err)
	}
	req.SetBasicAuth(r.opts.Username, r.opts.Password)
	resp, err := r.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: PUT %s: %v", ErrReload, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: PUT %s: %s %s", ErrReload, url, resp.Status, strings.TrimSpace(string(body)))
	}
	r.log.Info().Str("url", url).Msg("dialplan reloaded")
	return nil
}

// ESLReloaderOptions configures an ESLReloader.
type ESLReloaderOptions struct {
	Address  string // host:port of mod_event_socket
	Password string
	Timeout  time.Duration // whole exchange; 0 = 10 s
	Logger   zerolog.Logger
}

// ESLReloader runs "api reloadxml" over an inbound event-socket connection.
type ESLReloader struct {
	opts ESLReloaderOptions
	log  zerolog.Logger
}

var _ Reloader = (*ESLReloader)(nil)

// NewESLReloader returns a Reloader for FreeSWITCH.
func NewESLReloader(opts ESLReloaderOptions) *ESLReloader {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	return &ESLReloader{opts: opts, log: opts.Logger.With().Str("component", "dialplan-reload-esl").Logger()}
}

// Reload connects, authenticates, runs reloadxml and disconnects.
func (r *ESLReloader) Reload(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	reply, err := esl.API(ctx, r.opts.Address, r.opts.Password, command.API{Command: "reloadxml"})
	if err != nil {
		return fmt.Errorf("%w: reloadxml on %s: %v", ErrReload, r.opts.Address, err)
	}
	reply = strings.TrimSpace(reply)
	if !strings.HasPrefix(reply, "+OK") {
		return fmt.Errorf("%w: reloadxml on %s: %s", ErrReload, r.opts.Address, reply)
	}
	r.log.Info().Str("address", r.opts.Address).Str("reply", reply).Msg("dialplan reloaded")
	return nil
}
