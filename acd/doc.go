// Package acd holds Hotline's call-center domain: the agent and call
// lifecycles as explicit state machines with tables of allowed transitions.
//
// # Layout
//
// The decision logic is pure Go (no goroutines, clock, logging or PBX) and
// lives here and in the sub-package routing (who rings next, skill
// relaxation, fairness across queues, wait estimates). The engine package owns
// live state in one goroutine and turns normalized PBX events (package pbx)
// into decisions; sim is the built-in simulated switch; config holds the
// settings.
package acd
