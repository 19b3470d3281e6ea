package esl

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
)

// Options configures a Switch. Zero values take the defaults below.
type Options struct {
	// Address is mod_event_socket's host:port (inbound ESL), e.g. "127.0.0.1:8021".
	Address string
	// Password is event_socket.conf.xml's password.
	Password string
	// OutboundListen is where Hotline accepts the dialplan's "socket"
	// application, e.g. "127.0.0.1:8084"; "" accepts none (calls then
	// reach Hotline through "park" alone).
	OutboundListen string
	// CommandTimeout bounds every command; a slower one drops the link,
	// since FreeSWITCH is then not answering. Default 5 s.
	CommandTimeout time.Duration
	// RecordingDir is where uuid_record writes. "" asks FreeSWITCH for its
	// recordings_dir global variable on each connect.
	RecordingDir string
	// PingInterval is how often an idle link is checked with "api status".
	// Default 5 s.
	PingInterval time.Duration
	// ReconnectDelay is the wait between connection attempts. Default 1 s.
	ReconnectDelay time.Duration
	// WakeInterval is how often a line end (which mod_event_socket
	// discards) is written on the link. An idle mod_event_socket connection
	// waits up to 20 ms for bytes from its client before it sends the
	// events queued for it, so without these an event reaches Hotline 10 ms
	// late on average; with them, at most WakeInterval late. Default 2 ms;
	// negative writes none.
	WakeInterval time.Duration
	// MOHStream is the local_stream used for the default music-on-hold
	// class. Default "moh".
	MOHStream string
	// SoundNames is the set of names Hotline's built-in prompts (queue
	// position and wait, callback taken) play under: SoundNamesFreeSWITCH
	// ("" too), the stock en/us/callie pack's; or SoundNamesAsterisk,
	// Asterisk's names as <name>.wav in sound_prefix.
	SoundNames string
	// Sounds gives single prompts, by their Asterisk name (e.g.
	// "queue-thereare"), a file of the site's own: relative to
	// sound_prefix, or a full path. It wins over SoundNames.
	Sounds map[string]string
	// Log receives the adapter's logs, with component=esl.
	Log zerolog.Logger
}

// OptionsFromConfig maps Hotline's YAML settings onto Options.
func OptionsFromConfig(c config.FreeSWITCH, log zerolog.Logger) Options {
	return Options{
		Address:        c.Address,
		Password:       c.Password,
		OutboundListen: c.OutboundListen,
		CommandTimeout: c.CommandTimeout,
		RecordingDir:   c.RecordingDir,
		SoundNames:     c.SoundNames,
		Sounds:         c.Sounds,
		Log:            log,
	}
}

func (o Options) withDefaults() Options {
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 5 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 5 * time.Second
	}
	if o.ReconnectDelay <= 0 {
		o.ReconnectDelay = time.Second
	}
	if o.WakeInterval == 0 {
		o.WakeInterval = 2 * time.Millisecond
	}
	if o.MOHStream == "" {
		o.MOHStream = "moh"
	}
	return o
}
