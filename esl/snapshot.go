package esl

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

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
// channel only some milliseconds after it exists (hundreds under load) and
// drops an ended one as late, while uuid_dump finds the channel itself.
// So the list is read again, for at most scoreboardPatience, while fewer of
// the channels it lists still exist than "status" counts sessions (it
// counts them in memory): a caller parked just before a restart, whose
// CHANNEL_PARK came before Hotline subscribed, is found. And the channels
// Hotline already knows and the bridge partners its channels name are
// dumped too, listed or not: a leg dialed just before a reconnect, or the
// agent's leg of a conversation a restarted Hotline finds, is not taken
// for gone.
func (s *Switch) snapshotOn(ctx context.Context, l *link) (pbx.Snapshot, map[string]bool, error) {
	apiOn := func(line string) (string, error) {
		f, err := l.do(ctx, s.opts.CommandTimeout, apiCommand(line))
		if err != nil {
			return "", err
		}
		return f.ReplyText(), nil
	}
	var uuids []string
	dumps := make(map[string]*wire.Event) // nil: gone
	// dump reads the channel unless it was read already.
	dump := func(id string) error {
		if _, done := dumps[id]; done || validID(id) != nil {
			return nil
		}
		uuids = append(uuids, id)
		text, err := apiOn("uuid_dump " + id + " json")
		if err != nil {
			return err
		}
		if strings.HasPrefix(text, "-ERR") {
			dumps[id] = nil // gone since the list was made
			return nil
		}
		ev, err := wire.ParseJSON([]byte(text))
		if err != nil {
			return fmt.Errorf("uuid_dump %s: %w", id, err)
		}
		dumps[id] = &ev
		return nil
	}
	deadline := time.Now().Add(scoreboardPatience)
	var started time.Time
	for {
		status, err := apiOn("status")
		if err != nil {
			return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
		}
		if up, ok := uptime(status); ok && started.IsZero() {
			started = time.Now().Add(-up)
		}
		list, err := apiOn("show channels as json")
		if err != nil {
			return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
		}
		listed, err := parseChannelList(list)
		if err != nil {
			return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
		}
		found := 0
		for _, id := range listed {
			if err := dump(id); err != nil {
				return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
			}
			if dumps[id] != nil {
				found++
			}
		}
		n, ok := sessionCount(status)
		if !ok || found >= n || !time.Now().Before(deadline) {
			break
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", ctx.Err())
		case <-t.C:
		}
	}
	for _, id := range s.reg.known() {
		if err := dump(id); err != nil {
			return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
		}
	}
	live := make(map[string]bool, len(uuids))
	var snap pbx.Snapshot
	exchanging := map[pbx.ChannelID]bool{}
	for i := 0; i < len(uuids); i++ { // partners found on the way are appended
		id := uuids[i]
		ev := dumps[id]
		if ev == nil {
			continue
		}
		live[id] = true
		info, ok := channelInfo(id, ev)
		if !ok {
			continue
		}
		snap.Channels = append(snap.Channels, info)
		if bridgingStates[ev.Get("Channel-State")] {
			exchanging[info.ID] = true
		}
		for _, h := range partnerHeaders {
			if err := dump(ev.Get(h)); err != nil {
				return pbx.Snapshot{}, nil, fmt.Errorf("esl: snapshot: %w", err)
			}
		}
	}
	snap.Bridges = bridgesOf(snap.Channels, exchanging)
	snap.Started = started
	return snap, live, nil
}

// uptimeRE reads the first line of "status": "UP 0 years, 0 days, 2 hours,
// 1 minute, 35 seconds, 574 milliseconds, 401 microseconds".
var (
	uptimeRE     = regexp.MustCompile(`^UP ((?:\d+ [a-z]+, )*\d+ [a-z]+)`)
	uptimePartRE = regexp.MustCompile(`(\d+) ([a-z]+?)s?(?:,|$)`)
	uptimeUnits  = map[string]time.Duration{
		"year": 365 * 24 * time.Hour, "day": 24 * time.Hour, "hour": time.Hour, "minute": time.Minute,
		"second": time.Second, "millisecond": time.Millisecond, "microsecond": time.Microsecond,
	}
)

// uptime is how long FreeSWITCH has run, from its "status" reply.
func uptime(status string) (time.Duration, bool) {
	m := uptimeRE.FindStringSubmatch(status)
	if m == nil {
		return 0, false
	}
	var up time.Duration
	for _, p := range uptimePartRE.FindAllStringSubmatch(m[1], -1) {
		unit, ok := uptimeUnits[p[2]]
		n, err := strconv.ParseInt(p[1], 10, 64)
		if !ok || err != nil {
			return 0, false
		}
		up += time.Duration(n) * unit
	}
	return up, up > 0
}

// scoreboardPatience bounds how long a snapshot waits for "show channels"
// to list every channel FreeSWITCH has.
const scoreboardPatience = time.Second

var sessionsRE = regexp.MustCompile(`(?m)^(\d+) session\(s\) - peak`)

// sessionCount reads the live sessions out of "status" ("3 session(s) -
// peak 7, last 5min 4").
func sessionCount(status string) (int, bool) {
	m := sessionsRE.FindStringSubmatch(status)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
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
		ID:         pbx.ChannelID(id),
		Answered:   ev.Get("Answer-State") == "answered",
		Caller:     ev.Get("Caller-Caller-ID-Number"),
		CallerName: ev.Get("Caller-Caller-ID-Name"),
		Called:     ev.Get("Caller-Destination-Number"),
		Vars:       vars,
		Bridge:     pbx.BridgeID(vars["HOTLINE_BRIDGE"]),
	}, true
}

// bridgingStates are the channel states of a leg in a bridge or entering
// one: uuid_bridge leaves one leg of a joined pair in CS_EXCHANGE_MEDIA and
// the other in CS_SOFT_EXECUTE, passing through the others on the way.
var bridgingStates = map[string]bool{
	"CS_EXCHANGE_MEDIA": true, "CS_SOFT_EXECUTE": true, "CS_CONSUME_MEDIA": true, "CS_HIBERNATE": true, "CS_RESET": true,
}

// bridgesOf groups channels by the HOTLINE_BRIDGE mark Bridge sets on both
// legs. A mark on a lone channel is the trace of a partner gone, not a
// bridge; so are marks on legs no longer joined, of which none is in a
// bridging state (exchanging): a pair an outbound socket's close took
// apart (the dialplan went on to park) has one leg in CS_EXECUTE, the
// other in CS_PARK, their variables unchanged.
func bridgesOf(chans []pbx.ChannelInfo, exchanging map[pbx.ChannelID]bool) []pbx.BridgeInfo {
	groups := make(map[pbx.BridgeID][]pbx.ChannelID)
	for _, c := range chans {
		if c.Bridge != "" {
			groups[c.Bridge] = append(groups[c.Bridge], c.ID)
		}
	}
	joined := func(members []pbx.ChannelID) bool {
		return len(members) >= 2 && slices.ContainsFunc(members, func(id pbx.ChannelID) bool { return exchanging[id] })
	}
	var out []pbx.BridgeInfo
	for i := range chans {
		if !joined(groups[chans[i].Bridge]) {
			chans[i].Bridge = ""
		}
	}
	for id, members := range groups {
		if joined(members) {
			out = append(out, pbx.BridgeInfo{ID: id, Channels: members})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
