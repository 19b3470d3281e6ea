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
//   - [Power]: a fixed number of calls per free agent while the calls
//     beyond one per agent fit the room for abandons (below), else one.
//   - [Predictive]: as many calls as the statistics say will find an agent
//     within the two-second rule, while the campaign's abandonment stays
//     under its cap.
//
// # Predictive pacing
//
// For the next seconds, second by second, the pacer estimates two counts:
// the live answers that will come in (from the dials already ringing, each
// by its elapsed ring time, and from the new dials it may place) and the
// agents that will be free to take them. An agent in wrap-up is free when
// it ends, for sure; an agent talking is free once the talk ends (its
// chance from the elapsed talk and the campaign's recent talk times) and
// the wrap-up has passed. An answer that finds no agent within the
// two-second rule is an abandon, and an agent who frees up later cannot
// take that caller back, so the abandons are the running maximum of answers
// less agents over the seconds; its mean comes from Clark's normal
// approximation of a maximum, capped by the exact excess of answers over
// the agents free now (which matters for small teams, where the normal
// approximation sees abandons that cannot happen).
//
// The pacer places the most calls whose expected abandons stay within a
// share of the expected answers. That share is a budget that tracks the
// cap: the window's credit (the cap times its live answers, less its
// abandons) is held near a safety of three standard deviations of the
// abandons of the next thirty minutes; with more credit the share grows, with
// less it shrinks, and a slow term learns how far the forecast of abandons
// is off (it is low: it cannot see the dials the next decisions will add).
// A campaign that starts has no credit and starts carefully; a burst of
// abandons tightens the next decisions at once. The budget follows what
// happened, not what was forecast.
//
// Under the budget lies a floor, in whole abandons: the room is the most
// abandons the window can take at any moment (abandoned + n ≤ cap × (live
// answers + n), each abandon being a live answer too), counting only the
// answers that stay in the window for the next hour, less the callers
// waiting for an agent when none is free (they may have used up their two
// seconds). With no room the pacer places no call that could be abandoned,
// one per free agent as progressive does, so a campaign's first 33 live
// answers (at 3 %) find an agent and the rate is under the cap from the
// first call on. With room, a dial ahead is placed only while the abandons
// forecast for the next seconds, as a Poisson count, outgrow the room with a
// chance of at most 2e-5; while the campaign has fewer than 2000 recent
// talks, at most 1e-5, and as much for the normal tail of the answers less
// the agents at the worst second (that tail also once a seasoned campaign's
// room is down to three abandons: abandons come together when talks that
// were due to end go on); and until the window's answers have
// earned the budget's safety, at most 1e-3 for a tail as heavy as a
// Poisson count's (a burst of answers from a few young dials is far likelier
// than a normal tail says). That forecast doubts the campaign's own
// estimates: the answers are raised to an upper bound of the answer rate
// three standard errors high (Wilson's, which doubts even when every dial
// so far has answered) and the agents that talks free lowered by three
// standard errors of the talk times, so a new campaign counts every dial as
// one that may answer and no talk as one that may end, and a seasoned one
// gives up a few percent. The bound is also taken over every dial placed,
// those still ringing counted as answers, so that the first wave of dials
// tells whether the leads all answer before its outcomes are ripe.
//
// # Caveats
//
// Sums of many independent yes/no outcomes are taken as normal; with very
// few agents the estimate is rough and the budget does the work. Ring
// outcomes count only once their dial is 90 s old, and while fewer than 600
// calls have ended the talks still going count as at risk: a young
// campaign's early endings are its short ones, which would make answers and
// free agents look quicker than they are. The credit is counted over the
// whole window; the floor keeps the rate under the cap from the first call
// on, but abandons past the forecast's tail can still outgrow the room: a
// breach is rare (none in 140 simulated campaign starts and the days
// measured), not impossible. With no room, only an agent leaving between
// the dial and the answer (a logout, an inbound call taking them) can
// abandon a call.
package dialer
