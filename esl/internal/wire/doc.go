// Package wire reads and writes FreeSWITCH event-socket frames the way
// mod_event_socket puts them on the wire, and decodes the events inside them.
//
// # Basics
//
// A frame is a block of "Name: value" lines ended by a blank line, followed
// by Content-Length bytes of body when that header is present. Outer frame
// headers are sent verbatim; the headers of an event (the body of a
// text/event-plain frame, or the reply to an outbound "connect") are
// URL-encoded, one per line, with an optional nested body of their own.
// text/event-json bodies are one JSON object whose members are all strings
// and whose "_body" member, if any, is the event body.
//
// Header names keep their case and order: FreeSWITCH variable names are case
// sensitive, which net/textproto (used by eslgo) does not preserve.
//
// # Caveats
//
// FreeSWITCH matches header names without regard to case; [Event.Get] does
// the same. Values are decoded with %XX escapes only ("+" stays "+"), which is
// how FreeSWITCH encodes them.
package wire
