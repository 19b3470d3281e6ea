// Package acd holds Hotline's call-center domain: the agent, call and
// callback lifecycles as explicit state machines with tables of allowed
// transitions, and the words of a call's record (direction, outcome, hang-up
// side, attempt result). Each is defined here once; package store persists
// these types by name, and the engine, the API and reports use them as they
// are.
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
