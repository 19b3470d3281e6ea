package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
)

func TestWriteStatusShowsClockPendingAndLiveCalls(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 30, 0, 0, time.Local)
	var b strings.Builder
	writeStatus(&b, engine.Status{Now: now,
		Queues: []engine.QueueStatus{{Name: "support", Waiting: 1, LongestWait: 12 * time.Second},
			{Name: "sales", Waiting: 2, Draining: true}},
		Agents: []engine.AgentStatus{{ID: "alice", State: "on-call", Since: now.Add(-time.Minute), Call: "c1",
			Pending: &engine.Pending{State: "paused", Reason: "lunch"}},
			{ID: "bob", State: "on-call", Since: now, Call: "c3", Draining: true}},
		Calls: []engine.CallStatus{
			{ID: "c1", Caller: "5550001", Queue: "support", Phase: "bridged", Waited: 8 * time.Second,
				Answered: now.Add(-time.Minute), Talk: time.Minute, Agent: "alice"},
			{ID: "c2", Caller: "5550002", Queue: "support", Phase: "queued", Waited: 12 * time.Second},
			{ID: "o3", Caller: "+33140000001", Direction: acd.DirectionOutbound, Queue: "outbound", Phase: "ringing"},
		}})
	out := b.String()
	// The table's rows, their cells one space apart.
	var rows []string
	for line := range strings.Lines(out) {
		rows = append(rows, strings.Join(strings.Fields(line), " "))
	}
	flat := strings.Join(rows, "\n")
	for _, want := range []string{"status at 2026-01-05 09:30:00", "paused (lunch)",
		"sales (removed, serving its last callers)", "removed from the config: logs out after this call",
		"c1 5550001 support bridged 8s 1m0s alice", "c2 5550002 support queued 12s",
		"o3 →+33140000001 outbound ringing"} {
		if !strings.Contains(flat, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "virtual time") {
		t.Errorf("a daemon's status speaks of virtual time:\n%s", out)
	}
}

// Against a running daemon, hotline status shows the daemon's clock and the
// calls in progress.
func TestStatusAgainstDaemonShowsLiveCalls(t *testing.T) {
	addr, _ := startServe(t, "127.0.0.1:0", `
pbx: {type: sim, sim: {callers: {rate_per_minute: 300}, agents: {answer_delay: 1s, talk_time: 1m}}}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, logged_in: true, queues: [{queue: q}]}]
`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out, errOut := hotline(t, nil, "status", "--api", addr)
		if code != 0 {
			t.Fatalf("hotline status: exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "status at ") || strings.Contains(out, "virtual time") {
			t.Fatalf("status heading:\n%s", out)
		}
		if strings.Contains(out, "CALLER") && strings.Contains(out, "bridged") {
			// Pausing the agent on the call is pending, and says so.
			// (The call lasts a minute on average; it may just have ended.)
			code, out, errOut := hotline(t, nil, "agent", "pause", "a", "--reason", "lunch", "--api", addr)
			got := strings.TrimSpace(out)
			if code != 0 || got != "a: on-call; paused (lunch) when the call and wrap-up are over" &&
				got != "a: wrap-up; paused (lunch) when the call and wrap-up are over" && got != "a: paused (lunch)" {
				t.Errorf("hotline agent pause during a call: exit %d, %q %q; want the pause pending", code, out, errOut)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no bridged live call shown within 60 s:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
