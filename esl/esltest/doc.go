// Package esltest is a fake FreeSWITCH for tests: a TCP server on
// 127.0.0.1 that speaks the event-socket protocol the way mod_event_socket
// does, byte for byte where it matters, and simulates channels well enough
// for Hotline's PBX contract suite.
//
// # Basics
//
// New starts the server. Inbound clients get auth/request, authenticate
// with "auth", subscribe with "event plain|json ...", run "api" and "bgapi"
// commands (the Job-UUID header is honoured, BACKGROUND_JOB follows) and
// "sendmsg" executes with CHANNEL_EXECUTE/CHANNEL_EXECUTE_COMPLETE. As on
// FreeSWITCH, an execute that comes while a playback or record runs nests
// in it (the outer one pauses until the inner one is over) unless the
// running one was sent with event-lock, and uuid_break ends every level.
// PlaceCall creates an inbound channel and either connects it to an
// outbound-socket listener (the dialplan's "socket" application: the fake
// waits for "connect" and answers with the channel data) or parks it.
// AddPhone registers a far-end phone for originate to ring.
//
// Every event FreeSWITCH would fire takes an Event-Sequence number, whether
// a client subscribed to it or not, so clients see the same gaps they would
// see on a real switch.
//
// Like httptest, the server records what it was asked (Commands) and
// exposes channel state (Channel); DelayReplies and DropConnections break
// the link on purpose.
//
// # Caveats
//
// Media are not real: a playback lasts PlaybackTime per file it finds;
// a file whose name contains "missing", or one in sound_prefix that is not
// in Options.Sounds (when set), is not found. Only two-party bridges,
// no conferences.
package esltest
