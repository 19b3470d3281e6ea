// Package kpi holds the call-center figures Hotline reports (service level,
// average speed of answer, average handle time, abandonment rate,
// occupancy) as pure functions of counters, so that the live status, the
// demo and reports over stored records compute them one way.
//
// The definitions follow common ACD practice: a caller who hangs up before
// the service-level threshold counts for no one, one who hangs up after it
// counts as a call not answered in time; averages are over answered calls.
package kpi

import "time"

// Queue is what a queue counts, over any period.
type Queue struct {
	Offered, Answered, Abandoned, Overflowed, Callbacks int
	InSL                                                int           // answered within the service-level threshold
	AbandonedInSL                                       int           // abandoned within the threshold
	WaitAnswered                                        time.Duration // sum of waits of answered calls
	Handled                                             int           // calls whose talk and wrap-up are in Handle: answers and callbacks
	Handle                                              time.Duration // sum of talk + wrap-up of handled calls
	MaxWait                                             time.Duration
}

// QueueFigures are the figures derived from a queue's counts.
type QueueFigures struct {
	ServiceLevel float64       // 0..1
	ASA          time.Duration // average speed of answer
	AHT          time.Duration // average handle time, over handled calls (callbacks included)
	AbandonRate  float64       // 0..1
}

// Figures derives a queue's figures from its counts.
func (q Queue) Figures() QueueFigures {
	return QueueFigures{
		ServiceLevel: ServiceLevel(q.InSL, q.Answered, q.Abandoned-q.AbandonedInSL),
		ASA:          Average(q.WaitAnswered, q.Answered),
		AHT:          Average(q.Handle, q.Handled),
		AbandonRate:  AbandonRate(q.Abandoned, q.Answered),
	}
}

// Agent is what an agent counts, over any period.
type Agent struct {
	Offered, Answered, NoAnswer, Busy int
	Talk, WrapUp, Ringing             time.Duration
	LoggedIn, Paused                  time.Duration
	Hold                              time.Duration // callers held during its calls; not talk
}

// AgentFigures are the figures derived from an agent's counts.
type AgentFigures struct {
	AHT       time.Duration // average handle time: (talk + hold + wrap-up) per answered call
	Occupancy float64       // 0..1
}

// Figures derives an agent's figures from its counts.
func (a Agent) Figures() AgentFigures {
	return AgentFigures{
		AHT:       Average(a.Talk+a.Hold+a.WrapUp, a.Answered),
		Occupancy: Occupancy(a.Talk+a.Hold+a.WrapUp, a.LoggedIn-a.Paused),
	}
}

// ServiceLevel is the share of calls answered within the threshold, out of
// those answered plus those abandoned after the threshold (callers who hung
// up before it count for no one). With no such call it is 1: nobody was
// failed.
func ServiceLevel(inSL, answered, abandonedAfterSL int) float64 {
	n := answered + abandonedAfterSL
	if n <= 0 {
		return 1
	}
	return float64(inSL) / float64(n)
}

// Average is total over n, or 0 when n is 0 (ASA, AHT).
func Average(total time.Duration, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return total / time.Duration(n)
}

// AbandonRate is the share of callers who hung up waiting, out of those
// answered or abandoned (calls sent elsewhere are in neither).
func AbandonRate(abandoned, answered int) float64 {
	n := abandoned + answered
	if n <= 0 {
		return 0
	}
	return float64(abandoned) / float64(n)
}

// Occupancy is handle time over staffed time (logged in and not paused),
// capped at 1: handle time can spill over the boundary of a period.
func Occupancy(handle, staffed time.Duration) float64 {
	if staffed <= 0 {
		return 0
	}
	return min(float64(handle)/float64(staffed), 1)
}
