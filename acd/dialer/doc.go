// Package dialer decides how many outbound calls a campaign places, and
// when.
//
// # Basics
//
// Everything here is pure: no goroutines, no clock, no logging, no PBX. The
// campaign runner tells a [Pacer] what happened (a dial ended, a call was
// handled, a live answer was connected or abandoned), passing the time, and
// asks it with a [Snapshot] of the moment how many calls to place now.
//
// The modes:
//   - [Preview]: the agent starts each call; the pacer places none.
//   - [Progressive]: one call per free agent, never more.
//   - [Power]: a fixed number of calls per free agent.
//   - [Predictive]: as many calls as the statistics say will find an agent
//     within the two-second rule, while the campaign's abandonment stays
//     under its cap.
//
// # Predictive pacing
//
// For the next seconds, slice by slice, the pacer estimates two counts: the
// live answers that will come in (from the dials already ringing, each by
// its elapsed ring time, and from the new dials it may place) and the agents
// that will be free to take them (free now, and busy ones by their elapsed
// handle time). Both come from the campaign's own recent outcomes, ring
// times and handle times, with a prior until enough are seen. An answer
// that finds no agent within the two seconds is an abandon, and an agent
// who frees up later cannot take that caller back, so the abandons are the
// running maximum of answers less agents over the slices; its mean comes
// from Clark's normal approximation of a maximum, capped by the exact
// excess of answers over the agents free now (which matters for small
// teams, where the normal approximation sees abandons that cannot happen).
// The pacer
// places the most calls whose expected abandons keep the campaign's rolling
// abandonment (answers and abandons of the window so far, plus those
// expected) at or under the cap, aiming a margin below it. Because the
// budget is the window's, a campaign that starts has none to spend and
// starts carefully; one that has been under its cap may lean a little
// harder, never over it.
//
// # Caveats
//
// Sums of many independent yes/no outcomes are taken as normal; with very few
// agents the estimate is rough and the margin does the work. Ring outcomes
// count only once their dial is 90 s old, and while fewer than 600 calls
// have ended the calls still going count as at risk: a young campaign's
// early endings are its short ones, which would make answers and free agents
// look quicker than they are.
package dialer
