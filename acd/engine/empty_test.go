package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

const emptyConfig = `
entries:
  - {number: "100", queue: spanish}
  - {number: "200", queue: spanish-strict}
queues:
  - name: spanish
    skills: {spanish: 5}
    join_empty: paused
    leave_empty: true
    overflow: {action: message, message: ["sound:closed"]}
    announce: {interval: 0s}
  - name: spanish-strict
    skills: {spanish: 5}
    join_empty: "no"
    overflow: {action: message, message: ["sound:closed"]}
    announce: {interval: 0s}
agents:
  - {id: sofia, endpoint: sim/sofia, skills: {spanish: 9}, queues: [{queue: spanish}, {queue: spanish-strict}]}
  - {id: emma, endpoint: sim/emma, skills: {english: 9}, queues: [{queue: spanish}, {queue: spanish-strict}]}
`

// Join and leave rules count only agents able to serve the caller: an agent
// without the queue's skill does not keep a queue open.
func TestJoinAndLeaveEmptyNeedAbleAgents(t *testing.T) {
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, emptyConfig), Out: recordOutputs{&cmds}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	now := epoch
	for _, id := range []string{"sofia", "emma"} {
		if err := c.Login(now, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Pause(now, "sofia", "lunch"); err != nil {
		t.Fatal(err)
	}
	arrive := func(ch pbx.ChannelID, to string) *call {
		now = now.Add(time.Second)
		c.Handle(now, pbx.CallArrived{Base: pbx.Base{Channel: ch, At: now}, Caller: "555", Called: to})
		ref, ok := c.chans[ch]
		if !ok {
			t.Fatalf("call on %s unknown to the engine", ch)
		}
		return ref.call
	}
	steps := func(cl *call) string {
		var s []string
		for _, st := range cl.rec.Timeline {
			s = append(s, st.Kind+" "+st.Detail)
		}
		return strings.Join(s, "; ")
	}

	// join_empty "no": only sofia can speak Spanish, and she is paused;
	// emma is free but cannot serve the caller.
	strict := arrive("ch-strict", "200")
	if !strings.Contains(steps(strict), "overflow no-agents") {
		t.Errorf("caller joined spanish-strict with no able agent staffed: %s", steps(strict))
	}
	// join_empty paused: the paused Spanish speaker keeps the queue open.
	waiting := arrive("ch-wait", "100")
	if waiting.queue == nil || waiting.queue.name != "spanish" || strings.Contains(steps(waiting), "overflow") {
		t.Fatalf("caller did not join spanish with an able agent paused: %s", steps(waiting))
	}
	// leave_empty: sofia logs out; emma still available, but she cannot
	// serve the caller, so waiting is in vain.
	now = now.Add(time.Second)
	if err := c.Logout(now, "sofia"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(steps(waiting), "overflow queue-empty") {
		t.Errorf("caller still waits in spanish with no Spanish speaker logged in: %s", steps(waiting))
	}
}
