package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
)

// logger returns the logger every command writes through: the loaded
// config's server.log_format and log_level, or, before any config was
// loaded, the defaults with HOTLINE_LOG_* and --log-* applied.
func (g *globalOptions) logger(w io.Writer) zerolog.Logger {
	cfg := config.Default()
	if g.loaded != nil {
		cfg = *g.loaded
	} else if err := g.applyOverrides(&cfg); err != nil {
		cfg = config.Default()
	}
	log, err := newLogger(w, cfg.Server.LogFormat, cfg.Server.LogLevel)
	if err != nil {
		// Unreachable after Validate; never leave a command without logs.
		log, _ = newLogger(w, config.LogJSON, "info")
		log.Warn().Err(err).Msg("falling back to json logs at info")
	}
	return log
}

// newLogger builds a zerolog logger: JSON lines for machines, or a console
// writer for people, coloured only on a terminal.
func newLogger(w io.Writer, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("log level %q: want one of %v", level, config.LogLevels)
	}
	switch format {
	case config.LogJSON:
	case config.LogConsole:
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: !colourTerminal(w)}
	default:
		return zerolog.Nop(), fmt.Errorf("log format %q: want one of %v", format, config.LogFormats)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

func colourTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd()) && os.Getenv("NO_COLOR") == ""
}
