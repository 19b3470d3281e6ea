// Package sim is Hotline's simulated telephone switch: a [pbx.Switch] whose
// callers and agent phones are scripts and random models instead of people.
// It backs `hotline demo`, the engine's tests and benchmarks, and
// `hotline serve --pbx sim` for trying a queue design before wiring a PBX.
//
// # Basics
//
// The switch has two modes that run the same code.
//
// Deterministic mode: give [Options] a [Clock] and an Emit function. Commands
// only schedule their effects on the clock; events are delivered by calling
// Emit from inside [Clock.Step], never from inside a command. Nothing runs
// on its own: whoever owns the clock steps it. The same seed and the same
// commands give the same events at the same virtual times, which is what the
// demo's golden traces rely on.
//
// Real-time mode: leave Options.Clock nil. [Switch.Start] runs the switch's
// own clock against wall time (scaled by Options.Speed) in one goroutine, and
// events go to [Switch.Events] through an unbounded queue, so none is ever
// dropped. Commands are safe from any goroutine.
//
// Far ends: [Switch.PlaceCall] brings in a scripted caller, [Switch.SetPhone]
// scripts the phone behind an endpoint "sim/NAME", and endpoints nobody
// scripted follow the random phone model of Options.Phones.
// [Switch.StartTraffic] adds Poisson callers with exponential patience.
//
// # Event order
//
// A channel that goes away emits, at one instant and in this order:
// PlaybackFinished{Stopped} for each playback still running on it,
// RecordingFinished for recordings of that channel, BridgeLeft if it was
// bridged, OriginateFailed if it was an originated leg that never answered,
// and last HungUp. So an originate that fails (busy, no answer, unreachable,
// or hung up by Hotline before answer with reason "cancelled") always yields
// OriginateFailed immediately followed by HungUp for the same channel.
//
// # Caveats
//
// Effects happen Options.Latency after the command (default 0: the same
// virtual instant, but still after the command returned). Several playbacks
// on one channel run side by side rather than queued. A supervisor leg (Spy)
// hangs up, cause normal clearing, right after the channel it is on. Close
// discards events not yet read from Events.
package sim
