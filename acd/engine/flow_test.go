package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// timerOutputs records commands and timers.
type timerOutputs struct {
	cmds   *[]Command
	timers *[]Timer
}

func (o timerOutputs) Do(c Command)            { *o.cmds = append(*o.cmds, c) }
func (o timerOutputs) At(_ time.Time, t Timer) { *o.timers = append(*o.timers, t) }

// A caller in a menu when the daemon stopped is picked up in that menu
// after the restart, with the retries already spent: the prompt plays
// again, and one more silence takes the menu's default.
func TestRestoreInMenu(t *testing.T) {
	var cmds []Command
	var timers []Timer
	st := newMemStore()
	c, err := NewCore(Options{Config: parseConfig(t, menuConfig), Out: timerOutputs{&cmds, &timers}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c.Restore(epoch, Saved{
		Active: []store.ActiveCall{{CallID: "m1", Channel: "ch-menu", State: acd.CallMenu, Since: epoch.Add(-10 * time.Second),
			Flow: &ivr.State{Node: "main", Tries: 1}}},
		Records: map[string]*store.CallRecord{"m1": {ID: "m1", Direction: acd.DirectionInbound, Called: "100",
			Entered: epoch.Add(-10 * time.Second), Outcome: acd.OutcomeInProgress}},
	})
	now := epoch.Add(time.Second)
	c.Handle(now, pbx.Synced{Snapshot: pbx.Snapshot{Channels: []pbx.ChannelInfo{{ID: "ch-menu", Answered: true}}}})
	i := slices.IndexFunc(cmds, func(cmd Command) bool { return cmd.Op == OpPlay && cmd.Channel == "ch-menu" })
	if i < 0 || !slices.Equal(cmds[i].Media, []string{"sound:welcome"}) {
		t.Fatalf("restored caller did not hear the menu again: %v", cmds)
	}
	if saved, ok := st.active["m1"]; !ok || saved.Flow == nil || !saved.Flow.Equal(ivr.State{Node: "main", Tries: 1}) {
		t.Errorf("saved progress = %+v, want the flow state kept", saved)
	}
	c.Handle(now.Add(2*time.Second), pbx.PlaybackFinished{Base: pbx.Base{Channel: "ch-menu"}, Playback: cmds[i].Playback})
	if len(timers) == 0 || timers[len(timers)-1].Kind != TimerMenu {
		t.Fatalf("no menu timer after the prompt: %v", timers)
	}
	c.Fire(now.Add(6*time.Second), timers[len(timers)-1])
	cl := c.calls["m1"]
	if cl == nil {
		t.Fatal("the restored caller is gone")
	}
	if cl.queue == nil || cl.queue.name != "english" {
		t.Fatalf("after the last silence the caller is in phase %s at %+v, want queued in english (the default)", cl.phase, cl.flow)
	}
	if kinds := timelineKinds(cl.rec); !strings.Contains(kinds, "restored,menu,menu-default,enqueue") {
		t.Errorf("timeline = %s", kinds)
	}
}

// Every change of a caller's place in a flow is saved, a spent retry too,
// so that a restart cannot give the caller retries back.
func TestFlowStateSavedOnRetry(t *testing.T) {
	var cmds []Command
	var timers []Timer
	st := newMemStore()
	c, err := NewCore(Options{Config: parseConfig(t, menuConfig), Out: timerOutputs{&cmds, &timers}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "555", Called: "100"})
	cl := c.chans["ch-1"].call
	saved := func() ivr.State {
		t.Helper()
		ac, ok := st.active[cl.id]
		if !ok || ac.Flow == nil {
			t.Fatalf("no flow state saved for %s: %+v", cl.id, ac)
		}
		return *ac.Flow
	}
	caller := map[string]string{ivr.VarCaller: "555"} // what the flow knows of the call from the start
	if got := saved(); !got.Equal(ivr.State{Node: "main", Vars: caller}) {
		t.Errorf("saved on arrival %+v", got)
	}
	c.Handle(epoch.Add(time.Second), pbx.PlaybackFinished{Base: pbx.Base{Channel: "ch-1"}, Playback: cl.playback})
	c.Fire(epoch.Add(5*time.Second), timers[len(timers)-1])
	if got := saved(); !got.Equal(ivr.State{Node: "main", Tries: 1, Vars: caller}) {
		t.Errorf("saved after a silence %+v, want one try spent", got)
	}
}
