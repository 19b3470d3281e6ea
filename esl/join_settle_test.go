package esl

import (
	"testing"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// A uuid_bridge of a with b settles when the other leg has entered the
// bridge (its CHANNEL_STATE CS_EXCHANGE_MEDIA), in whichever order that
// and CHANNEL_BRIDGE come, or when the originator CHANNEL_BRIDGE names is
// parked or over; CHANNEL_BRIDGE alone does not settle it.
func TestJoinSettles(t *testing.T) {
	ev := func(name, uuid string, headers ...string) *wire.Event {
		e := &wire.Event{Headers: []wire.Header{{Name: "Event-Name", Value: name}, {Name: "Unique-ID", Value: uuid}}}
		for i := 0; i+1 < len(headers); i += 2 {
			e.Headers = append(e.Headers, wire.Header{Name: headers[i], Value: headers[i+1]})
		}
		return e
	}
	bridge := func(a, b string) *wire.Event {
		return ev("CHANNEL_BRIDGE", a, "Bridge-A-Unique-ID", a, "Bridge-B-Unique-ID", b)
	}
	state := func(uuid, st string) *wire.Event { return ev("CHANNEL_STATE", uuid, "Channel-State", st) }
	for _, c := range []struct {
		name       string
		events     []*wire.Event
		settled    int    // index of the event that settles the join; -1 none
		originator string // the leg parked last afterwards
	}{
		{"other leg enters after the bridge", []*wire.Event{bridge("a", "b"), state("b", "CS_CONSUME_MEDIA"), state("b", "CS_EXCHANGE_MEDIA")}, 2, "a"},
		{"other leg's entry read before the bridge", []*wire.Event{state("b", "CS_EXCHANGE_MEDIA"), bridge("a", "b")}, 0, "a"},
		{"bridge alone", []*wire.Event{bridge("a", "b"), ev("CHANNEL_EXECUTE", "b")}, -1, "a"},
		{"another channel enters a bridge", []*wire.Event{bridge("a", "b"), state("c", "CS_EXCHANGE_MEDIA")}, -1, "a"},
		{"originator parked (the other leg went)", []*wire.Event{ev("CHANNEL_PARK", "a")}, 0, "a"},
		{"originator over", []*wire.Event{bridge("a", "b"), ev("CHANNEL_HANGUP_COMPLETE", "a")}, 1, "a"},
		{"swapped: the second leg is the originator", []*wire.Event{bridge("b", "a"), ev("CHANNEL_PARK", "a"), ev("CHANNEL_PARK", "b")}, 2, "b"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRegistry()
			j := r.startJoin("a", "b")
			settled := -1
			for i, e := range c.events {
				r.settleJoins(e)
				select {
				case <-j.done:
					if settled < 0 {
						settled = i
					}
				default:
				}
			}
			if settled != c.settled {
				t.Errorf("settled at event %d, want %d", settled, c.settled)
			}
			for _, leg := range []pbx.ChannelID{"a", "b"} {
				if got, want := r.originators[leg], string(leg) == c.originator; got != want {
					t.Errorf("%s taken for the originator: %v, want %v", leg, got, want)
				}
			}
		})
	}
}
