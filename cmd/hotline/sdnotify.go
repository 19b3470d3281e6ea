package main

import (
	"fmt"
	"net"
	"os"

	"github.com/rs/zerolog"
)

// sdNotify tells the service manager about the daemon's state (systemd's
// sd_notify protocol: one datagram of NAME=value lines to the unixgram
// socket in $NOTIFY_SOCKET, which Type=notify sets). Without the variable it
// does nothing. A name starting with @ is an abstract socket; Go's net
// package maps it.
func sdNotify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify %s: %w", path, err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify %s: %w", path, err)
	}
	return nil
}

// notify sends state and logs a failure: the service manager then times
// the start out, and the log says why.
func notify(log zerolog.Logger, state string) {
	if err := sdNotify(state); err != nil {
		log.Error().Err(err).Str("state", state).Msg("cannot notify the service manager")
	}
}
