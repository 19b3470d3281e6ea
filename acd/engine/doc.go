// Package engine runs a call center: it owns every live call, agent and queue
// and reacts to normalized PBX events, timers and admin requests.
//
// # Basics
//
// [Core] is the state machine. It is driven by one goroutine at a time and
// is told the time (now) with every input, so the same inputs give the same
// decisions: this is what the golden traces in testdata check. In the daemon
// Core never waits on the switch or the disk: PBX commands go to
// [Outputs.Do] and timers to [Outputs.At]; records go to a store.Writer,
// which commits them in order in its own goroutine, many changes per fsync,
// and reports them durable back as an input ([Core.Saved]). The runtime
// executes commands elsewhere and reports failures back as input too.
//
// Decisions that need no live state are made by pure packages the engine
// only hosts: acd/routing picks agents and calls, acd/ivr walks a caller
// through a menu flow (the call keeps only its ivr.State; the engine turns
// the interpreter's actions into commands and timers).
//
// Other goroutines change the engine only through typed requests ([Login],
// [Pause], [Spy], [Disposition], [Reconfigure], ...; [Send] returns each
// one's typed result), applied on the engine goroutine. They read it without
// asking: the runtime publishes an immutable [Snapshot] of the status
// (refreshed after changes, coalesced) and a stream of changes (agent
// states, call phases, queue figures) through a [Hub], which gives a
// subscriber that falls behind a fresh snapshot instead of blocking.
//
// Two runtimes drive a Core:
//   - [Runtime.Run]: the daemon. One goroutine selects over PBX events, due
//     timers, command failures, saved writes and admin requests; commands
//     run on per-call lanes so that a slow switch never stalls the engine
//     and commands of one call keep their order.
//   - [SimRun]: deterministic, single-threaded, on the simulated switch's
//     virtual clock (demo, golden traces, trials of a queue design). Its
//     writer commits synchronously, so records are durable as the run goes.
//
// # Caveats
//
// A call counts as finished only once its final record is durable: until
// Saved reports its write, status lists it as ended. An admin request that
// changed stored state is answered once that change is durable. A commit
// that fails is retried, in order, until it succeeds (Runtime.Writer
// reports Failing and Failures); meanwhile the engine goes on. A write is
// durable or not at all: after a crash the restart finds every
// acknowledged change, and the restored calls whose end was not yet saved
// are settled again by reconciliation.
// After a restart the runtime restores agents, waiting callers and active
// calls from the store, then reconciles against the switch's snapshot
// (pbx.Synced).
package engine
