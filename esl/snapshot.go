package esl

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// Snapshot implements pbx.Switch: "show channels as json" for what is live,
// then "uuid_dump <uuid> json" on each channel for its variables. A channel
// belongs to Hotline when it carries a hotline_* variable (hotline_args from
// the dialplan, hotline_leg on legs Hotline dialed, HOTLINE_* Hotline set),
// unless it has an origination_uuid other than its own id: that is a
// channel that inherited the variables, such as a loopback's far half.
func (s *Switch) Snapshot(ctx context.Context) (pbx.Snapshot, error) {
	l := s.link()
	if l == nil {
		return pbx.Snapshot{}, fmt.Errorf("esl: snapshot: %w", pbx.ErrDisconnected)
	}
	snap, _, err := s.snapshotOn(ctx, l)
	return snap, err
}

// snapshotOn also returns every channel uuid FreeSWITCH has, Hotline's or not.
//
// "show channels" reads FreeSWITCH's SQL scoreboard, which lists a new
// channel only some milliseconds after it exists (hundreds under load),
// while uuid_dump finds the channel itself. So the channels Hotline
// already knows and the bridge partners its channels name are dumped
// too, listed or not: a leg dialed just before a reconnect, or the agent's
// leg of a conversation a restarted Hotline finds, is not taken for gone.
func (s *Switch) snapshotOn(ctx context.Context, l *link) (pbx.Snapshot, map[string]bool, error) {
	apiOn := func(line string) (string, error) {
		f, err := l.do(ctx, s.opts.CommandTimeout, apiCommand(line))
		if err != nil {
			return "", err
		}
		return f.ReplyText(), nil
	}
	list, err := apiOn("show channels as json")
	if err != nil {
		return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
	}
	listed, err := parseChannelList(list)
	if err != nil {
		return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
	}
	var uuids []string
	queued := make(map[string]bool, len(listed))
	add := func(id string) {
		if !queued[id] && validID(id) == nil {
			queued[id] = true
			uuids = append(uuids, id)
		}
	}
	for _, id := range listed {
		add(id)
	}
	for _, id := range s.reg.known() {
		add(id)
	}
	live := make(map[string]bool, len(uuids))
	var snap pbx.Snapshot
	for i := 0; i < len(uuids); i++ {
		id := uuids[i]
		dump, err := apiOn("uuid_dump " + id + " json")
		if err != nil {
			return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
		}
		if strings.HasPrefix(dump, "-ERR") {
			continue // gone since the list was made
		}
		ev, err := wire.ParseJSON([]byte(dump))
		if err != nil {
			return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: uuid_dump %s: %w", id, err)
		}
		live[id] = true
		if info, ok := channelInfo(id, &ev); ok {
			snap.Channels = append(snap.Channels, info)
			for _, h := range partnerHeaders {
				if other := ev.Get(h); other != "" {
					add(other)
				}
			}
		}
	}
	snap.Bridges = bridgesOf(snap.Channels)
	return snap, live, nil
}

// partnerHeaders name the channel a channel is bridged to, in uuid_dump.
var partnerHeaders = []string{"Other-Leg-Unique-ID", "variable_bridge_uuid", "variable_signal_bond"}

// parseChannelList reads the uuids out of "show channels as json", which
// is {"row_count":0} when there are none.
func parseChannelList(text string) ([]string, error) {
	var list struct {
		RowCount int              `json:"row_count"`
		Rows     []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(text), &list); err != nil {
		return nil, fmt.Errorf("show channels: %q: %w", clip(text), err)
	}
	out := make([]string, 0, len(list.Rows))
	for _, r := range list.Rows {
		if id, ok := r["uuid"].(string); ok && id != "" {
			out = append(out, id)
		}
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func channelInfo(id string, ev *wire.Event) (pbx.ChannelInfo, bool) {
	vars := hotlineVars(ev.Headers)
	if len(vars) == 0 || ev.Get("Answer-State") == "hangup" {
		// A channel hanging up has been reported gone already (its
		// CHANNEL_HANGUP) or will be; it is no call to restore.
		return pbx.ChannelInfo{}, false
	}
	if o := ev.Get("variable_origination_uuid"); o != "" && o != id {
		// The far half of a loopback channel (an agent's phone) inherits
		// the originate's variables, hotline_leg and HOTLINE_CALL included.
		// Hotline's own legs are the ones that carry the id it chose.
		return pbx.ChannelInfo{}, false
	}
	return pbx.ChannelInfo{
		ID:       pbx.ChannelID(id),
		Answered: ev.Get("Answer-State") == "answered",
		Caller:   ev.Get("Caller-Caller-ID-Number"),
		Called:   ev.Get("Caller-Destination-Number"),
		Vars:     vars,
		Bridge:   pbx.BridgeID(vars["HOTLINE_BRIDGE"]),
	}, true
}

// bridgesOf groups channels by the HOTLINE_BRIDGE mark Bridge sets on both
// legs. A mark on a lone channel is the trace of a partner gone, not a bridge.
func bridgesOf(chans []pbx.ChannelInfo) []pbx.BridgeInfo {
	groups := make(map[pbx.BridgeID][]pbx.ChannelID)
	for _, c := range chans {
		if c.Bridge != "" {
			groups[c.Bridge] = append(groups[c.Bridge], c.ID)
		}
	}
	var out []pbx.BridgeInfo
	for i := range chans {
		if len(groups[chans[i].Bridge]) < 2 {
			chans[i].Bridge = ""
		}
	}
	for id, members := range groups {
		if len(members) >= 2 {
			out = append(out, pbx.BridgeInfo{ID: id, Channels: members})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
