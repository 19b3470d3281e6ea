// Package dialplan writes, checks and applies the part of a PBX's dialplan
// that routes calls into Hotline.
//
// # Basics
//
// [RenderAsterisk] turns Hotline's config into extensions_hotline.conf (one
// context, hotline-entries, with an extension per entry number, and the
// hotline-amd context the dialer uses) plus http.conf and ari.conf snippets.
// [RenderFreeSWITCH] writes dialplan/hotline.xml and an
// event_socket.conf.xml snippet. [Lint] checks Asterisk extensions.conf
// files and FreeSWITCH dialplan XML, [TraceAsterisk] shows which extension a
// number matches and where the call ends up, and [Apply] writes the managed
// file with a backup, shows a diff first and reloads the dialplan through a
// [Reloader].
//
// # Conventions shared with the engine and the PBX adapters
//
// An inbound entry reaches Hotline on Asterisk as
//
//	Stasis(<app>,entry,<number>)
//
// so the pbx.CallArrived event carries Args ["entry", "<number>"] and the
// dialed number in Called. On FreeSWITCH the dialplan sets the channel
// variable hotline_args=entry,<number> before handing the call over (socket
// or park); the ESL adapter splits it on commas into the same Args.
//
// The dialer's answering-machine detection is the fixed Asterisk context
// hotline-amd: a lead's channel originated into extension s of it runs AMD()
// and then Stasis(<app>,amd,${AMDSTATUS},${AMDCAUSE}), so the dialer sees
// Args ["amd", "MACHINE"|"HUMAN"|"NOTSURE"|"HANGUP", cause]. Campaigns do
// not exist in the config yet; the context is rendered regardless.
//
// # Caveats
//
// The linter follows calls statically: jumps whose targets hold variables
// are not followed, and conditions (GotoIf) are followed both ways.
package dialplan
