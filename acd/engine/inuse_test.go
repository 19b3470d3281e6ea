package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const inUseBefore = `
entries:
  - {number: "100", queue: support}
  - {number: "200", queue: sales}
  - {number: "300", flow: main}
flows:
  main:
    start: order
    nodes:
      order: {kind: collect, prompt: ["sound:enter-order"], var: order, length: 4, timeout: 30s, next: in}
      in: {kind: queue, queue: support}
queues:
  - {name: support}
  - {name: sales}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}
`

// inUseAfter drops sales (a caller waits there), bob (on a call) and the
// flow main (a caller is in it).
const inUseAfter = `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// TestReloadInUseRefused: a reload that removes a queue a caller waits in,
// an agent on a call or a flow a caller is in is refused, listing each,
// and changes nothing; forced, it applies as before (the queue drains, the
// agent logs out after the call). A reload that removes only what is idle
// goes through.
func TestReloadInUseRefused(t *testing.T) {
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, inUseBefore), Out: recordOutputs{&cmds}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(epoch, "bob"); err != nil {
		t.Fatal(err)
	}
	c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "551", Called: "100"})
	leg := cmds[len(cmds)-1].Originate.ChannelID
	at := epoch.Add(time.Second)
	c.Handle(at, pbx.Answered{Base: pbx.Base{Channel: leg, At: at}})
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-2", At: at}, Caller: "552", Called: "200"})
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-3", At: at}, Caller: "553", Called: "300"})

	after := parseConfig(t, inUseAfter)
	_, err = Reconfigure{Config: after}.apply(c, at)
	var inUse *InUseError
	if !errors.As(err, &inUse) || !errors.Is(err, ErrInUse) {
		t.Fatalf("reload removing what is in use: %v; want an InUseError", err)
	}
	want := []string{`queue "sales": 1 caller waiting`, `agent "bob": on a call`, `flow "main": 1 caller in it`}
	if strings.Join(inUse.Items, "\n") != strings.Join(want, "\n") {
		t.Errorf("in use:\n%s\nwant:\n%s", strings.Join(inUse.Items, "\n"), strings.Join(want, "\n"))
	}
	if len(c.Status(at).Queues) != 2 || c.agentIdx["bob"] == nil {
		t.Errorf("a refused reload changed the engine: queues %d, bob %v", len(c.Status(at).Queues), c.agentIdx["bob"])
	}

	rep, err := Reconfigure{Config: after, Force: true}.apply(c, at)
	if err != nil {
		t.Fatalf("forced reload: %v", err)
	}
	if r := rep.(ReconfigureReport); len(r.QueuesRemoved) != 1 || len(r.AgentsRemoved) != 1 || len(r.Draining) == 0 {
		t.Errorf("forced reload report %+v; want sales and bob removed, draining", r)
	}

	idle := parseConfig(t, inUseAfter+"  - {id: carol, endpoint: sim/carol, queues: [{queue: support}]}\n")
	c2, err := NewCore(Options{Config: idle, Out: recordOutputs{new([]Command)}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Reconfigure{Config: parseConfig(t, inUseAfter)}).apply(c2, epoch); err != nil {
		t.Errorf("reload removing an idle agent: %v", err)
	}
}

// TestReloadInUseRunningCampaign: a reload that drops a running campaign
// with leads dialing is refused naming it; once it is stopped and its
// calls are over, the same reload goes through.
func TestReloadInUseRunningCampaign(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1, "a1", "a2", "a3")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(2 * time.Second)) // three leads ringing
	without := r.Core.opts.Config
	without.Campaigns = nil
	var items []string
	r.Do(func(c *Core, now time.Time) error { items = c.InUse(without); return nil })
	if len(items) != 1 || !strings.HasPrefix(items[0], `campaign "renewals": running, `) {
		t.Errorf("in use: %q; want the running campaign with its leads dialing\n%s", items, rig.trace)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StopCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(2 * time.Minute))
	r.Do(func(c *Core, now time.Time) error { items = c.InUse(without); return nil })
	if len(items) != 0 {
		t.Errorf("in use once the campaign stopped and its calls ended: %q; want nothing", items)
	}
}

// TestReloadInUseMenu: a reload that drops a DTMF menu a caller is in is
// refused naming it, as one that drops a flow is; a menu nobody is in goes.
func TestReloadInUseMenu(t *testing.T) {
	const before = `
entries:
  - {number: "100", menu: main}
menus:
  - {name: main, prompt: ["sound:welcome"], timeout: 30s, options: {"1": {queue: support}}}
  - {name: spare, prompt: ["sound:welcome"], options: {"1": {queue: support}}}
queues:
  - {name: support}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`
	const after = `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`
	c, err := NewCore(Options{Config: parseConfig(t, before), Out: recordOutputs{new([]Command)}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "551", Called: "100"})
	at := epoch.Add(time.Second)
	items := c.InUse(parseConfig(t, after))
	if want := `menu "main": 1 caller in it`; strings.Join(items, "\n") != want {
		t.Errorf("in use: %q; want %q (and not the menu nobody is in)", items, want)
	}
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-2", At: at}, Caller: "552", Called: "100"})
	c.Handle(at, pbx.HungUp{Base: pbx.Base{Channel: "ch-1", At: at}, Cause: pbx.CauseNormal})
	if items := c.InUse(parseConfig(t, after)); len(items) != 1 {
		t.Errorf("in use once the first caller left: %q; want the second", items)
	}
	// Forced, the caller in the dropped menu goes where its entry leads
	// now (the queue), not left in a menu that is no more.
	if _, err := (Reconfigure{Config: parseConfig(t, after), Force: true}).apply(c, at); err != nil {
		t.Fatal(err)
	}
	if q := c.Status(at).Queues[0]; q.Waiting != 1 {
		t.Errorf("after the forced reload queue %s has %d waiting; want the caller from the dropped menu", q.Name, q.Waiting)
	}
	// An entry that is gone too: the caller is let go, not stranded.
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-3", At: at}, Caller: "553", Called: "100"})
	back := parseConfig(t, before)
	if _, err := (Reconfigure{Config: back, Force: true}).apply(c, at); err != nil {
		t.Fatal(err)
	}
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-4", At: at}, Caller: "554", Called: "100"})
	gone := parseConfig(t, "queues:\n  - {name: support}\nagents:\n  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}\n")
	if _, err := (Reconfigure{Config: gone, Force: true}).apply(c, at); err != nil {
		t.Fatal(err)
	}
	for _, cl := range c.calls {
		if cl.ch == "ch-4" && cl.phase != acd.CallEnded && cl.phase != acd.CallLeaving {
			t.Errorf("ch-4, whose menu and entry are gone: phase %s; want let go", cl.phase)
		}
	}
}

// TestReloadDropsMenuTimer: a caller waits in menu sub (its prompt heard,
// its 5 s timer running) when a forced reload drops sub; the caller starts
// menu main again, and sub's timer, when it comes, is no timeout of main:
// the caller is still in main, not sent to its default and hung up.
func TestReloadDropsMenuTimer(t *testing.T) {
	const menus = `
entries:
  - {number: "100", menu: main}
menus:
  - {name: main, prompt: ["sound:welcome"], timeout: 30s, options: {"1": {menu: sub}}}
  - {name: sub, prompt: ["sound:welcome"], timeout: 5s, options: {"1": {queue: support}}}
queues:
  - {name: support}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, menus), Store: st}, Start: epoch,
		Sim: sim.Options{PromptLength: 2 * time.Second, Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550001", To: "100", DTMF: "1", DTMFDelay: 3 * time.Second, HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(9 * time.Second)) // in sub, its prompt over, its timer running (due at about 10 s)
	without := strings.Replace(menus, `  - {name: sub, prompt: ["sound:welcome"], timeout: 5s, options: {"1": {queue: support}}}`+"\n", "", 1)
	without = strings.Replace(without, `{menu: sub}`, `{queue: support}`, 1)
	if err := r.Do(func(c *Core, now time.Time) error {
		_, err := Reconfigure{Config: parseConfig(t, without), Force: true}.apply(c, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(15 * time.Second)) // sub's timer came at about 10 s, during main's prompt
	var node string
	var phase acd.CallPhase
	var after []string
	r.Do(func(c *Core, now time.Time) error {
		for _, cl := range c.calls {
			node, phase = cl.flow.Node, cl.phase
			for _, x := range cl.rec.Timeline {
				if x.At.After(epoch.Add(9 * time.Second)) {
					after = append(after, x.Kind+" "+x.Detail)
				}
			}
		}
		return nil
	})
	if phase != acd.CallMenu || node != "main" || len(after) != 0 {
		t.Errorf("15 s in: phase %s at %q, steps since the reload %q; want in menu main, nothing since (sub's timer is no timeout of main)", phase, node, after)
	}
}

// TestReloadInUseFlowNode: a reload that keeps a flow but drops or renames
// the node a caller is at is refused naming the node, not only one that
// drops the whole flow; a node nobody is at may go. Forced, the caller
// starts the flow again, at its new start.
func TestReloadInUseFlowNode(t *testing.T) {
	renamed := strings.Replace(strings.Replace(inUseBefore, "start: order", "start: ordernum", 1),
		"      order: {kind: collect", "      ordernum: {kind: collect", 1)
	c, err := NewCore(Options{Config: parseConfig(t, inUseBefore), Out: recordOutputs{new([]Command)}, Store: newMemStore()}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "551", Called: "300"})
	at := epoch.Add(time.Second)
	var cl *call
	for _, x := range c.calls {
		cl = x
	}
	if cl == nil || cl.flow.Node != "main/order" {
		t.Fatalf("the caller is not at main/order: %+v", cl)
	}
	_, err = Reconfigure{Config: parseConfig(t, renamed)}.apply(c, at)
	var inUse *InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("reload renaming the node a caller is at: %v; want an InUseError", err)
	}
	if want := `flow "main": node "order" is gone, 1 caller in it`; strings.Join(inUse.Items, "\n") != want {
		t.Errorf("in use: %q; want %q", inUse.Items, want)
	}
	// The node the caller is not at may go (in, renamed to to-support).
	other := strings.Replace(strings.Replace(inUseBefore, "next: in}", "next: to-support}", 1),
		"      in: {kind: queue", "      to-support: {kind: queue", 1)
	if items := c.InUse(parseConfig(t, other)); len(items) != 0 {
		t.Errorf("in use after renaming a node nobody is at: %q; want nothing", items)
	}
	if _, err := (Reconfigure{Config: parseConfig(t, renamed), Force: true}).apply(c, at); err != nil {
		t.Fatalf("forced reload: %v", err)
	}
	if cl.phase != acd.CallMenu || cl.flow.Node != "main/ordernum" {
		t.Errorf("after the forced reload the caller is %s at %q; want in the flow again at main/ordernum", cl.phase, cl.flow.Node)
	}
}
