package ari

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Options configures a Client. Zero fields take the defaults noted.
type Options struct {
	URL          string // ARI base, e.g. http://127.0.0.1:8088/ari (required)
	WebsocketURL string // "" = URL with a ws scheme and /events
	Username     string // ari.conf user (required)
	Password     string
	App          string // Stasis application name; "" = "hotline"

	// PingInterval is how often the websocket is pinged and a heartbeat
	// event sent through Asterisk; a link silent for three intervals, or
	// without a heartbeat back for four, is taken as dead. 0 = 1 s.
	PingInterval time.Duration
	// RequestTimeout bounds a REST request whose context has no deadline.
	// 0 = 10 s.
	RequestTimeout time.Duration
	// ReconnectDelay is the pause after the first failed connection
	// attempt; each further failure doubles it, up to MaxReconnectDelay.
	// 0 = 1 s.
	ReconnectDelay time.Duration
	// MaxReconnectDelay caps the pause between attempts. 0 = 10 s.
	MaxReconnectDelay time.Duration

	RecordingFormat string // "" = wav
	// RecordingDir is where Asterisk stores recordings, as Asterisk sees it;
	// RecordingFinished.Path is under it. "" = /var/spool/asterisk/recording.
	RecordingDir string

	Log zerolog.Logger
}

// Defaults.
const (
	DefaultApp             = "hotline"
	DefaultPingInterval    = time.Second
	DefaultRequestTimeout  = 10 * time.Second
	DefaultReconnectDelay  = time.Second
	DefaultMaxReconnect    = 10 * time.Second
	DefaultRecordingFormat = "wav"
	DefaultRecordingDir    = "/var/spool/asterisk/recording"
)

// withDefaults fills zero fields and checks the rest, reporting every
// problem at once.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	u, err := url.Parse(o.URL)
	switch {
	case o.URL == "":
		errs = append(errs, errors.New("url: required"))
	case err != nil:
		errs = append(errs, fmt.Errorf("url: %w", err))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("url %q: want http:// or https://", o.URL))
	}
	o.URL = strings.TrimSuffix(o.URL, "/")
	if o.WebsocketURL == "" && err == nil && u != nil {
		ws := *u
		ws.Scheme = map[string]string{"https": "wss"}[u.Scheme]
		if ws.Scheme == "" {
			ws.Scheme = "ws"
		}
		ws.Path = strings.TrimSuffix(u.Path, "/") + "/events"
		o.WebsocketURL = ws.String()
	}
	if o.Username == "" {
		errs = append(errs, errors.New("username: required"))
	}
	if o.App == "" {
		o.App = DefaultApp
	}
	if strings.ContainsAny(o.App, ",/? ") {
		errs = append(errs, fmt.Errorf("app %q: must not contain , / ? or spaces", o.App))
	}
	if o.PingInterval < 0 || o.RequestTimeout < 0 || o.ReconnectDelay < 0 || o.MaxReconnectDelay < 0 {
		errs = append(errs, errors.New("ping_interval, request_timeout, reconnect_delay and max_reconnect_delay must not be negative"))
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.ReconnectDelay == 0 {
		o.ReconnectDelay = DefaultReconnectDelay
	}
	if o.MaxReconnectDelay == 0 {
		o.MaxReconnectDelay = DefaultMaxReconnect
	}
	if o.RecordingFormat == "" {
		o.RecordingFormat = DefaultRecordingFormat
	}
	if o.RecordingDir == "" {
		o.RecordingDir = DefaultRecordingDir
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("%w: %w", ErrOptions, errors.Join(errs...))
	}
	return o, nil
}
