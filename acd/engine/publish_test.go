package engine

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func agentChange(id, state string) Change {
	return Change{Kind: ChangeAgent, Agent: &AgentStatus{ID: id, State: state}}
}

// A subscriber that stops reading loses changes, never blocks Publish, and
// gets one resync with the latest snapshot once it has room again; a
// subscriber that keeps up gets every change in order.
func TestHubSlowSubscriberResyncs(t *testing.T) {
	h := NewHub(8)
	slow, snap, _ := h.Subscribe(0, 2)
	fast, _, _ := h.Subscribe(0, 100)
	base := snap.Seq
	for i := range 10 {
		h.Publish(Status{Now: time.Unix(int64(i), 0)}, []Change{agentChange("a", "available"), agentChange("a", "paused")})
	}
	var got []uint64
	for len(fast.C) > 0 {
		got = append(got, (<-fast.C).Seq)
	}
	if len(got) != 20 || got[0] != base+1 || got[19] != base+20 {
		t.Fatalf("fast subscriber got seqs %v, want %d..%d", got, base+1, base+20)
	}
	if a, b := <-slow.C, <-slow.C; a.Seq != base+1 || b.Seq != base+2 || len(slow.C) != 0 {
		t.Fatalf("slow subscriber: %d %d (+%d more), want the first two", a.Seq, b.Seq, len(slow.C))
	}
	h.Publish(Status{Now: time.Unix(100, 0)}, []Change{agentChange("a", "on-call")})
	r := <-slow.C
	if r.Kind != ChangeResync || r.Snapshot == nil || r.Snapshot.Seq != base+21 || !r.Snapshot.Now.Equal(time.Unix(100, 0)) {
		t.Fatalf("after lagging: %+v, want a resync to the latest snapshot (seq %d)", r, base+21)
	}
	if st := h.Stats(); st.Resyncs != 1 || st.Subscribers != 2 || st.Seq != base+21 {
		t.Errorf("stats %+v, want 1 resync, 2 subscribers, seq %d", st, base+21)
	}
	h.Publish(Status{}, []Change{agentChange("a", "wrap-up")})
	if c := <-slow.C; c.Kind != ChangeAgent || c.Seq != base+22 {
		t.Errorf("after resync: %+v, want the next change", c)
	}
	slow.Cancel()
	if _, ok := <-slow.C; ok {
		t.Errorf("cancelled subscription still open")
	}
	h.Close()
	for range fast.C {
	}
}

func TestHubReplay(t *testing.T) {
	h := NewHub(4)
	_, snap, _ := h.Subscribe(0, 0)
	base := snap.Seq
	for range 5 { // 10 changes: more than twice 4, so the oldest 6 go
		h.Publish(Status{}, []Change{agentChange("a", "available"), agentChange("b", "available")})
	}
	for _, tt := range []struct {
		after    uint64
		snapshot bool
		replay   int
	}{
		{base + 10, false, 0}, // up to date
		{base + 8, false, 2},  // missed two, both kept
		{base + 6, false, 4},  // the oldest kept change is the next one
		{base + 5, true, 0},   // missed more than is kept
		{base + 99, true, 0},  // a position from elsewhere
		{0, true, 0},          // a new client
	} {
		_, snap, replay := h.Subscribe(tt.after, 0)
		if (snap != nil) != tt.snapshot || len(replay) != tt.replay {
			t.Errorf("after %d: snapshot %v, %d replayed; want %v, %d", tt.after-base, snap != nil, len(replay), tt.snapshot, tt.replay)
		}
		if len(replay) > 0 && replay[0].Seq != tt.after+1 {
			t.Errorf("after %d: replay starts at %d", tt.after-base, replay[0].Seq-base)
		}
	}
}

func TestDiffStatus(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	prev := Status{Now: t0,
		Agents: []AgentStatus{{ID: "a", State: "on-call", LoggedIn: time.Minute, Pending: &Pending{State: "paused", Reason: "x"}},
			{ID: "b", State: "paused"}},
		Queues: []QueueStatus{{Name: "q", Waiting: 1, LongestWait: time.Second}},
		Calls:  []CallStatus{{ID: "c1", Phase: "queued", Waited: time.Second}, {ID: "c2", Phase: "bridged"}},
		Campaigns: []CampaignStatus{{Name: "spring", State: CampaignRunning, Ringing: 2}, {Name: "summer", Learned: &CampaignLearned{Dials: 5}},
			{Name: "autumn", Learned: &CampaignLearned{Dials: 5}}, {Name: "gone"}},
	}
	cur := Status{Now: t0.Add(time.Second),
		Agents: []AgentStatus{{ID: "a", State: "on-call", LoggedIn: 2 * time.Minute, Pending: &Pending{State: "paused", Reason: "x"}},
			{ID: "b", State: "available"}},
		Queues: []QueueStatus{{Name: "q", Waiting: 1, LongestWait: 2 * time.Second}},
		Calls:  []CallStatus{{ID: "c1", Phase: "queued", Waited: 2 * time.Second}, {ID: "c3", Phase: "menu"}},
		// summer's learned figures are the same (in a status made afresh),
		// autumn's moved.
		Campaigns: []CampaignStatus{{Name: "spring", State: CampaignRunning, Ringing: 1, Stats: CampaignStats{Dialed: 1}}, {Name: "summer", Learned: &CampaignLearned{Dials: 5}},
			{Name: "autumn", Learned: &CampaignLearned{Dials: 6}}},
	}
	var got []string
	for _, c := range diffStatus(prev, cur) {
		switch {
		case c.Agent != nil:
			got = append(got, string(c.Kind)+" "+c.Agent.ID+" "+c.Agent.State)
		case c.Call != nil:
			got = append(got, string(c.Kind)+" "+c.Call.ID)
		case c.Queue != nil:
			got = append(got, string(c.Kind)+" "+c.Queue.Name)
		case c.Campaign != nil:
			got = append(got, string(c.Kind)+" "+c.Campaign.Name+" "+strconv.Itoa(c.Campaign.Stats.Dialed))
		}
	}
	want := []string{"agent b available", "campaign-removed gone 0", "campaign spring 1", "campaign autumn 0", "call-ended c2", "call c3"}
	if len(got) != len(want) {
		t.Fatalf("changes %q, want %q (time passing alone is no change)", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// BenchmarkPublish is the engine's cost of one publish (status, diff, hub)
// for 1,000 agents in 10 queues, one agent changing per publish: at most
// 10 publishes a second are made, so this times 10 is its share of the loop.
func BenchmarkPublish(b *testing.B) {
	var y strings.Builder
	y.WriteString("queues:\n")
	for q := range 10 {
		fmt.Fprintf(&y, "  - {name: q%d}\n", q)
	}
	y.WriteString("agents:\n")
	for a := range 1000 {
		fmt.Fprintf(&y, "  - {id: a%04d, endpoint: sim/a%04d, queues: [{queue: q%d}, {queue: q%d}]}\n", a, a, a%10, (a+1)%10)
	}
	c, err := NewCore(Options{Config: parseConfig(b, y.String()), Out: nopOutputs{}}, epoch)
	if err != nil {
		b.Fatal(err)
	}
	p := newPublisher(0)
	sub, _, _ := p.hub.Subscribe(0, 1<<16)
	defer sub.Cancel()
	now := epoch
	b.ResetTimer()
	for i := range b.N {
		now = now.Add(100 * time.Millisecond)
		id := fmt.Sprintf("a%04d", i%1000)
		if i%2000 < 1000 {
			_ = c.Login(now, id)
		} else {
			_ = c.Logout(now, id)
		}
		p.publish(c, now)
		for len(sub.C) > 0 {
			<-sub.C
		}
	}
}

type nopOutputs struct{}

func (nopOutputs) Do(Command)          {}
func (nopOutputs) At(time.Time, Timer) {}

// A change must not point into the status it came from: the hub keeps
// thousands of changes, and each would keep its whole status alive.
func TestDiffStatusCopiesObjects(t *testing.T) {
	prev := Status{Agents: []AgentStatus{{ID: "a", State: "available"}, {ID: "b", State: "available"}}}
	cur := Status{Agents: []AgentStatus{{ID: "a", State: "paused"}, {ID: "b", State: "available"}}}
	ch := diffStatus(prev, cur)
	if len(ch) != 1 || ch[0].Agent == &cur.Agents[0] {
		t.Fatalf("changes %+v: want one, carrying a copy of the agent", ch)
	}
	cur.Agents[0].State = "changed later"
	if ch[0].Agent.State != "paused" {
		t.Errorf("the change follows the status: %q", ch[0].Agent.State)
	}
}
