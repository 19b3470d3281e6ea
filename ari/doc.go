// Package ari connects Hotline to Asterisk through ARI, the Asterisk REST
// Interface, and implements the pbx.Switch port on it.
//
// # Basics
//
// Calls enter Hotline from the dialplan with Stasis(hotline,entry,<number>);
// each becomes a pbx.CallArrived whose Called is <number>. Legs Hotline
// originates (agents, supervisors, callbacks) are dialed straight into the
// same Stasis application with the argument "leg", under ids Hotline
// chooses, so their answer arrives as a StasisStart that becomes
// pbx.Answered; a leg that never answers ends with pbx.OriginateFailed
// (busy, no-answer, unreachable, cancelled) and pbx.HungUp. Bridges are
// mixing bridges named by Hotline; recordings are bridge or channel
// recordings that Asterisk stores as /var/spool/asterisk/recording/<name>.<format>.
// Supervisors listen, whisper or barge through a snoop channel bridged with
// their own leg in a private bridge the engine never sees.
//
//	c, err := ari.New(ari.Options{URL: "http://127.0.0.1:8088/ari", Username: "hotline", Password: "…", Log: log})
//	err = c.Start(ctx) // connected; pbx.Synced is the first event
//	for ev := range c.Events() { … }
//
// The domain types (channel, bridge, event shapes) come from
// github.com/CyCoreSystems/ari/v6. The transport is not the library's
// client: its event bus drops events when a subscriber falls 100 behind, its
// websocket reconnects without telling anyone and never pings, and its
// requests take no context. Here (REST on net/http with contexts, the
// websocket on gorilla/websocket in internal/ws) one goroutine reads the websocket into an
// unbounded queue and another translates its events, in order, into a
// second one that Events drains. Every PingInterval
// a websocket ping and a heartbeat user event go out; the heartbeat's
// return proves the whole path (TCP, Asterisk's HTTP server, the
// application's registration). A link silent for three intervals or
// without a heartbeat for four is dropped: pbx.Disconnected, then, once
// connected again, pbx.Synced{Reconnect: true} with a snapshot of the
// application's channels and bridges taken after the new websocket is up.
//
// Start retries every failure to reach Asterisk with backoff (404 and
// 503 while Asterisk starts, refused connections, a missing heartbeat);
// only a refused login ends it. LinkState reports the link for health
// checks.
//
// # Asterisk configuration
//
// http.conf enables the HTTP server (loopback unless a TLS proxy fronts it):
//
//	[general]
//	enabled=yes
//	bindaddr=127.0.0.1
//	bindport=8088
//
// ari.conf adds a user, and lists Hotline's variables in every channel
// snapshot so a restarted Hotline reads them in one request:
//
//	[general]
//	enabled=yes
//	channelvars=HOTLINE_CALL,HOTLINE_ROLE,HOTLINE_AGENT,HOTLINE_QUEUE,HOTLINE_PRIORITY
//
//	[hotline]
//	type=user
//	read_only=no
//	password=change-me
//
// extensions.conf sends the numbers Hotline serves into its application:
//
//	[from-trunk]
//	exten => 100,1,Stasis(hotline,entry,${EXTEN})
//	 same => n,Hangup()
//
// Agents' endpoints need nothing: Hotline dials them by name (PJSIP/1001,
// Local/1001@agents).
//
// # Caveats
//
// Events lost while the link was down are not replayed; pbx.Synced carries
// the state instead, and the engine reconciles against it. Without
// channelvars in ari.conf a snapshot reads the HOTLINE_* variables one
// request per channel and variable. An endpoint Asterisk cannot create a
// channel for (PJSIP/nobody) is reported as OriginateFailed(unreachable),
// not as an error. A Local endpoint without options is dialed with /n (no
// optimization), so the leg keeps the id Hotline gave it. An https:// URL
// uses TLS for REST and the websocket (wss://) alike.
//
// A playback of several items is played item by item, each an ARI playback
// of its own, and number: and digits: are spoken from Asterisk's English
// digits/ sound files: Asterisk 22 cannot stop a number: or digits:
// playback (inside a multi-item playback only that item ends), and a caller
// whose agent answers must stop hearing the announcement at once. A prompt
// cut short by the caller hanging up is reported as stopped, not failed.
package ari
