// Package engine runs a call center: it owns every live call, agent and queue
// and reacts to normalized PBX events, timers and admin requests.
//
// # Basics
//
// [Core] is the state machine. It is driven by one goroutine at a time and
// is told the time (now) with every input, so the same inputs give the same
// decisions: this is what the golden traces in testdata check. Core never
// blocks: PBX commands go to [Outputs.Do] and timers to [Outputs.At]; the
// runtime executes commands elsewhere and reports failures back as input.
//
// Decisions that need no live state are made by pure packages the engine
// only hosts: acd/routing picks agents and calls, acd/ivr walks a caller
// through a menu flow (the call keeps only its ivr.State; the engine turns
// the interpreter's actions into commands and timers).
//
// Two runtimes drive a Core:
//   - [Run]: the daemon. One goroutine selects over PBX events, due timers,
//     command failures and admin requests; commands run on per-call lanes so
//     that a slow switch never stalls the engine and commands of one call
//     keep their order.
//   - [SimRun]: deterministic, single-threaded, on the simulated switch's
//     virtual clock (demo, golden traces, trials of a queue design).
//
// # Caveats
//
// A call record is written durably (store) before the call counts as done.
// After a restart the runtime restores agents, waiting callers and active
// calls from the store, then reconciles against the switch's snapshot
// (pbx.Synced).
package engine
