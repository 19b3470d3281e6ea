// Package ari connects Hotline to Asterisk through ARI, the Asterisk REST
// Interface, and implements the pbx.Switch port on it.
//
// # Basics
//
// Calls enter Hotline from the dialplan with Stasis(hotline,entry,<number>);
// each becomes a pbx.CallArrived. Legs Hotline originates (agents,
// supervisors, callbacks) are dialed straight into the same Stasis
// application with the argument "leg", under ids Hotline chooses, so their
// answer arrives as a StasisStart that becomes pbx.Answered. Bridges are
// mixing bridges named by Hotline; recordings are bridge or channel
// recordings that Asterisk stores under /var/spool/asterisk/recording.
// Supervisors listen, whisper or barge through a snoop channel bridged with
// their own leg.
//
// The domain types (channel, bridge, event shapes) come from
// github.com/CyCoreSystems/ari/v6. The transport is this package's own: the
// library's event bus drops events when a subscriber falls 100 behind, its
// websocket reconnects without telling anyone and never pings, and its
// requests take no context. Here one goroutine reads the websocket and
// translates events in order into an unbounded queue, pings keep a
// half-open link from hiding, and every (re)connection is followed by a
// snapshot of the application's channels and bridges sent as pbx.Synced.
//
// # Caveats
//
// Events lost while the link was down are not replayed; pbx.Synced carries
// the state instead, and the engine reconciles against it. Channel
// variables the engine needs after a restart (HOTLINE_CALL and friends) are
// read from the channel snapshots when ari.conf lists them under
// channelvars, and one by one otherwise.
package ari
