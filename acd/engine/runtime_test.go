package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

// TestRuntimeOnRealTimeSim runs the daemon's runtime (engine goroutine,
// command lanes, timer heap, admin requests) against the simulated switch
// in real time, sped up.
func TestRuntimeOnRealTimeSim(t *testing.T) {
	cfg := parseConfig(t, basicConfig)
	sw, err := sim.New(sim.Options{Seed: 1, Speed: 20, Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	for _, ep := range []string{"sim/alice", "sim/bob"} {
		if err := sw.SetPhone(ep, answers(time.Second, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	st := newMemStore()
	rt, err := NewRuntime(RunOptions{Core: Options{Config: cfg, Store: st}, Switch: sw, Log: zerolog.Nop(), Now: sw.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	if err := sw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"alice", "bob"} {
		if err := rt.Do(ctx, func(c *Core, now time.Time) error { return c.Login(now, id) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.Do(ctx, func(c *Core, now time.Time) error { return c.Pause(now, "carol", "x") }); err == nil {
		t.Errorf("pausing an unknown agent through Do succeeded")
	}
	for i, from := range []string{"5550001", "5550002", "5550003"} {
		if _, err := sw.PlaceCall(farend.CallScript{From: from, To: "100"}); err != nil {
			t.Fatal(err)
		}
		_ = i
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(records(st)) < 3 {
		if time.Now().After(deadline) {
			s, _ := rt.Status(ctx)
			t.Fatalf("only %d of 3 calls finished; status %+v", len(records(st)), s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, rec := range records(st) {
		if rec.Outcome != acd.OutcomeAnswered || rec.Agent == "" {
			t.Errorf("record %s: %s by %q", rec.ID, rec.Outcome, rec.Agent)
		}
	}
	s, err := rt.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Queues[0].Answered != 3 || len(s.Warnings) != 0 {
		t.Errorf("status: answered %d, warnings %v", s.Queues[0].Answered, s.Warnings)
	}
	var _ pbx.Switch = sw
}

// A failed origination is logged without the customer's number, in the
// command and in the error naming its dial string; other commands as they are.
func TestFailedCommandLogHidesNumbers(t *testing.T) {
	cmd := Command{Op: OpOriginate, Originate: pbx.OriginateRequest{ChannelID: "lead-1", Endpoint: "PJSIP/+33612345678@trunk"}}
	command, text := failedForLog(cmd, errors.New("originate PJSIP/+33612345678@trunk: 400 Bad Request"))
	if strings.Contains(command+text, "612345678") || !strings.Contains(command, "PJSIP/+…78@trunk") || !strings.Contains(text, "400 Bad Request") {
		t.Errorf("logged %q, %q", command, text)
	}
	if cmd.Originate.Endpoint != "PJSIP/+33612345678@trunk" {
		t.Errorf("the command itself changed: %q", cmd.Originate.Endpoint)
	}
	command, text = failedForLog(Command{Op: OpAnswer, Channel: "1733350000.12"}, errors.New("channel 1733350000.12 gone"))
	if command != "answer 1733350000.12" || text != "channel 1733350000.12 gone" {
		t.Errorf("answer logged %q, %q", command, text)
	}
}
