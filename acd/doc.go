// Package acd holds Hotline's call-center domain: the agent and call
// lifecycles as explicit state machines with tables of allowed transitions.
//
// # Layout
//
// The decision logic is pure Go (no goroutines, clock, logging or PBX) and
// lives here and in the sub-packages routing (who rings next) and report
// (service level, ASA, AHT, abandonment, occupancy). The engine package owns
// live state in one goroutine and turns normalized PBX events (package pbx)
// into decisions; sim is the built-in simulated switch; config holds the
// settings.
package acd
