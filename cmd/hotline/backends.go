package main

import (
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/ari"
	"github.com/hotline-cc/hotline/esl"
)

func newAsterisk(cfg config.Config, log zerolog.Logger) (pbx.Switch, error) {
	a := cfg.PBX.Asterisk
	return ari.New(ari.Options{URL: a.URL, WebsocketURL: a.WebsocketURL, Username: a.Username, Password: a.Password,
		App: a.App, PingInterval: a.PingInterval, RecordingFormat: a.RecordingFormat, Log: log})
}

func newFreeSWITCH(cfg config.Config, log zerolog.Logger) (pbx.Switch, error) {
	return esl.New(esl.OptionsFromConfig(cfg.PBX.FreeSWITCH, log))
}

// Both switches report their link for /healthz, the metrics and hotline
// status (serve's WatchLink); the simulator has none.
var (
	_ api.Link = (*ari.Client)(nil)
	_ api.Link = (*esl.Switch)(nil)
)
