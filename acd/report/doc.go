// Package report turns stored call records and the agent state change log
// into the figures a call-center manager reads: per queue, per agent and
// per disposition, for each interval (15 minutes, hour, day, week, month,
// or the whole period) of the call center's own time zone.
//
// # Basics
//
// A Builder is fed records (AddCall) and agent changes (AddChange) one at a
// time, in any order for calls and in time order for changes, and returns a
// Report. It keeps one accumulator per interval and queue or agent, never
// the records themselves: memory grows with the number of intervals, queues
// and agents, not with the number of calls. The 90th percentile of waits
// comes from a fixed-size histogram (see Histogram).
//
// Intervals are aligned in the report's time zone: a day starts at local
// midnight and lasts 23 or 25 hours on the days clocks change; a week starts
// on Monday; 15-minute and hour intervals follow the local clock, so the
// hour repeated when clocks go back is two intervals.
//
// # Rules
//
// A call counts in the interval it entered Hotline (CallRecord.Entered).
// It is offered to every queue it was enqueued in; it is answered,
// abandoned or given a callback in the queue it was in last. A caller who
// hangs up after waiting less than Options.ShortAbandon is a short abandon,
// counted apart and in neither service level. Service level is given in
// both conventions: answered within the threshold over answered calls, and
// over answered plus abandoned calls. Handle time is talk + hold + wrap-up;
// callbacks dialed back are handled by their queue but are not answers of
// it. Calls still in progress are left out.
//
// A transferred call (CallRecord.Legs) is one call: offered to each queue
// it entered, answered in the last. Each agent leg is an answer of that
// agent and a handled call of the leg's queue, with the leg's own talk,
// hold and wrap-up; the agent who sent it on, and its queue, count a
// transfer. An outside number's leg is talk of the call, no agent's.
//
// Agent times come from the state change log: before its first change in
// the period an agent was in the state its last change before the period
// left it in (Build reads it however far back it is); an agent with no
// change before is not counted as logged in before its first one, whatever
// that change's From state says. Occupancy
// is on-call + wrap-up time over staffed time (logged in, not paused);
// utilization is the same over all logged-in time, pauses included.
//
// # Caveats
//
// Campaigns' calls are not stored yet, so there is no campaign report.
package report
