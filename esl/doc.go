// Package esl is Hotline's FreeSWITCH backend: a pbx.Switch over the event
// socket (mod_event_socket).
//
// # Basics
//
// Hotline keeps one inbound connection (Options.Address, Password) for
// everything: it subscribes to the channel events it needs in JSON, and
// sends every command there (uuid_answer, uuid_kill, sendmsg execute
// playback, bgapi originate with a Job-UUID, uuid_bridge, uuid_record, ...).
// Calls reach Hotline from the dialplan, which sets hotline_args and then
// "park"s the call or runs "socket" to Options.OutboundListen; in both
// cases the call is announced by its CHANNEL_PARK on the inbound link, in
// order with everything else about it. The outbound socket is held open
// for the life of the call so that FreeSWITCH falls through to the next
// dialplan action when Hotline is down, and, the caller's socket_resume
// being true, when Hotline goes away while the caller waits; in a bridge
// it is false, so that a conversation stays joined.
//
//	sw, err := esl.New(esl.OptionsFromConfig(cfg.PBX.FreeSWITCH, log))
//	err = sw.Start(ctx) // connects in the background; Ready() tells when synced
//
// Channels Hotline dials get its own id as origination_uuid (at most 255
// characters, which FreeSWITCH keeps whole), park until bridged, and carry hotline_leg=originated. A
// restarted Hotline recognises them by that id: the far half of a loopback
// channel inherits the variables but has an id of its own. Bridges are uuid_bridge between two
// legs with HOTLINE_BRIDGE set on both. FreeSWITCH joins the legs after
// its "+OK" (the first leg's thread polls the second every 20 ms, fires
// CHANNEL_BRIDGE, then waits for the second leg's thread to enter), so a
// hang-up, park or new uuid_bridge of a leg still being joined waits for
// the join to settle, which is when the second leg's CHANNEL_STATE says
// CS_EXCHANGE_MEDIA: done earlier, FreeSWITCH hangs the other leg up with
// DESTINATION_OUT_OF_ORDER. Unbridging parks the originator last.
//
// # Ordering and reconnection
//
// One goroutine reads the inbound connection. Events go to the pump the
// moment they come off the socket, so they keep FreeSWITCH's order and wait
// for nothing. mod_event_socket itself sends the events queued for an idle
// connection only when its client writes or every 20 ms, so the link
// writes a line end (which it discards) every Options.WakeInterval. A
// channel is over at its CHANNEL_HANGUP: a bridged leg's HANGUP_COMPLETE
// comes up to 20 ms later, once its thread has left the bridge. Event-Sequence is one counter over every event of the switch
// and is not used for ordering: the events Hotline subscribes to have gaps
// in it, and FreeSWITCH's dispatch threads may even queue two events for a
// connection out of their numbers' order (Stats counts those).
//
// Commands may be in flight together: FreeSWITCH answers them in the order
// they were written, and each reply goes to the oldest command waiting. A
// command abandoned by its caller keeps its place, so its late reply is
// never taken for another's. A command that times out
// (Options.CommandTimeout) drops the connection, and the link is pinged
// every PingInterval, so that a switch that stopped answering is noticed.
// After any drop the engine gets Disconnected, then, once reconnected,
// Synced with a snapshot from "show channels as json" and
// "uuid_dump <uuid> json" of every channel carrying a hotline_* variable.
// The channels Hotline knows and the bridge partners of its channels are
// dumped too: the "show channels" scoreboard lists a new channel only some
// milliseconds after it exists.
//
// Commands are github.com/percipia/eslgo's command.Command values (Auth,
// Event, API, Exit, Connect, call.Execute, and a bgapi of Hotline's own that
// carries a Job-UUID), written as BuildMessage plus "\r\n\r\n". eslgo's
// connection is not used: its loops race on close, and it hands each event
// to a goroutine of its own, out of order. Every line ends in "\r\n":
// mod_event_socket splits a message into lines on "\r" whenever one appears
// in it, so a header line ended by "\n" alone would be read as part of the
// command line.
//
// # FreeSWITCH setup
//
// autoload_configs/event_socket.conf.xml (see testdata/esl/freeswitch):
//
//	<configuration name="event_socket.conf" description="Socket Client">
//	  <settings>
//	    <param name="listen-ip" value="127.0.0.1"/>
//	    <param name="listen-port" value="8021"/>
//	    <param name="password" value="ClueCon"/>
//	    <param name="apply-inbound-acl" value="loopback.auto"/>
//	  </settings>
//	</configuration>
//
// Dialplan (dialplan/default/50_hotline.xml), park mode, the default:
//
//	<extension name="hotline">
//	  <condition field="destination_number" expression="^(100|200)$">
//	    <action application="set" data="hotline_args=entry,$1"/>
//	    <action application="set" data="park_after_bridge=true"/>
//	    <action application="set" data="hangup_after_bridge=false"/>
//	    <action application="park"/>
//	  </condition>
//	</extension>
//
// In socket mode, "socket 127.0.0.1:8084 async full" comes before the park,
// which then is the fallback: FreeSWITCH goes on to it when Hotline is
// down or goes away while the caller waits (Hotline sets socket_resume=true
// on the caller when it takes the call), so the caller is parked for
// Hotline's return. A caller in a conversation has socket_resume=false
// (Bridge sets it; a park sets it true again): told to resume, FreeSWITCH
// would reset the channel, which leaves its bridge and goes on to the
// park, caller and agent left up in silence; as it is, the two stay
// joined. With no action after socket, FreeSWITCH hangs up a waiting
// caller whose socket closed.
//
// hotline_args is required; it becomes CallArrived.Args split on commas.
// Other hotline_* variables come in CallArrived.Vars with upper-case names.
//
// # Caveats
//
// Bridges hold two legs (no conferences). Spy eavesdrops on the agent's
// leg; eavesdrop_whisper_aleg would be heard by that leg's bridged partner
// (the caller), so whisper sets eavesdrop_whisper_bleg, and barge both.
// Hotline's built-in prompts (the engine plays them by Asterisk's names)
// play from the stock en/us/callie sound pack unless Options.SoundNames
// says otherwise (prompts.go); the position is said as FreeSWITCH's
// queue_position phrase says it, "you are number N in line". number:
// media go through mod_say_en when FreeSWITCH has it (say_string, expanded
// as the playback starts), else through the English digits/ files. A
// file_string:// list skips a file FreeSWITCH cannot find, so Hotline
// checks its prompt files at connect (file_exists) and warns once. Event
// times move in 20 ms steps unless FreeSWITCH's 1ms-timer is on.
package esl
