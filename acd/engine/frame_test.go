package engine

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A published change's frame is one event-stream message, built once: two
// subscribers get the same bytes, not two encodings.
func TestChangeFrameBuiltOnce(t *testing.T) {
	h := NewHub(0)
	a, b := subscribe(h), subscribe(h)
	st := Status{Now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), Agents: []AgentStatus{{ID: "alice", State: "available"}}}
	h.Publish(st, []Change{{Kind: ChangeAgent, At: st.Now, Agent: &st.Agents[0]}})
	ca, cb := <-a.C, <-b.C
	fa, err := ca.Frame()
	if err != nil {
		t.Fatal(err)
	}
	fb, _ := cb.Frame()
	if &fa[0] != &fb[0] {
		t.Error("two subscribers got two encodings of one change")
	}
	head, data, ok := strings.Cut(string(fa), "\ndata: ")
	if !ok || head != "id: "+strconv.FormatUint(ca.Seq, 10)+"\nevent: agent" || !strings.HasSuffix(data, "}\n\n") {
		t.Fatalf("frame %q", fa)
	}
	var got Change
	if err := json.Unmarshal([]byte(strings.TrimSuffix(data, "\n\n")), &got); err != nil || got.Agent.ID != "alice" || got.Seq != ca.Seq {
		t.Errorf("frame data %q: %v", data, err)
	}
	snap := h.Snapshot()
	f1, _ := snap.Frame()
	f2, _ := snap.Frame()
	if &f1[0] != &f2[0] || !strings.HasPrefix(string(f1), "id: "+strconv.FormatUint(snap.Seq, 10)+"\nevent: snapshot\ndata: {") {
		t.Errorf("snapshot frame %q", f1[:min(len(f1), 60)])
	}
}

func subscribe(h *Hub) *Subscription {
	s, _, _ := h.Subscribe(0, 8)
	return s
}
