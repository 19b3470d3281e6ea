// Package routing makes Hotline's routing decisions: which agents to ring for
// a waiting caller, which caller an agent who frees up takes next, and how
// long a caller can expect to wait.
//
// # Basics
//
// Everything here is pure: no goroutines, no clock, no logging. The engine
// owns the live state and passes it in, along with the current time and any
// randomness, so every decision is repeatable in a test.
//
// Skills are interned by a [Catalog] into small [SkillID]s, and an agent's
// skills are a dense [Levels] slice indexed by SkillID (0 = lacks the skill).
// A dense slice costs 256 bytes per agent with 256 skills and checks a [Need]
// with one load; a sorted sparse list was measured slower for the few needs a
// queue has (see BenchmarkLevels in the tests).
//
// [QueueState.Select] picks the agents to ring for one caller under the
// queue's [Strategy]. Member penalty is a gate before any strategy, as in
// Asterisk's app_queue: only the eligible members with the lowest penalty are
// considered; members with a higher penalty are reached only when none with a
// lower one is eligible. [Relax] widens a caller's [Requirement] as the
// caller waits (lower levels, fewer skills, a higher penalty ceiling).
//
// [NextCall] chooses, for an agent who becomes free, the waiting caller to
// take across all the agent's queues: the higher [Class] first (an answered
// campaign lead before or after inbound callers, as its campaign says), then
// higher priority, then the longest wait scaled by the queue's weight.
//
// [Estimator] keeps recent handle times and estimates a caller's wait from
// the caller's position and the number of agents serving the queue.
//
// # Caveats
//
// Select, Offered and NextCall trust their inputs: a [Member] whose Agent is
// not an index into the agents slice panics, and a queue must list each agent
// once (a duplicate member would be rung twice by ring-all).
//
// The zero [Requirement] admits only members with penalty 0, because
// MaxPenalty 0 is a real ceiling; use [AnyPenalty] for no ceiling.
package routing
