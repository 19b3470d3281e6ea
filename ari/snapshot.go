package ari

import (
	"slices"
	"strings"

	goari "github.com/CyCoreSystems/ari/v6"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// hotlineVars are the variables a snapshot reports for each channel.
var hotlineVars = []string{pbx.VarCallID, pbx.VarRole, pbx.VarAgent, pbx.VarQueue}

// liveChannel is one channel of the application, as a snapshot found it.
type liveChannel struct {
	data goari.ChannelData
	role role
	args []string // Stasis arguments, for channels in Stasis
}

// selectChannels picks the application's channels out of every channel
// Asterisk has: those in Stasis(app,...) and the legs Hotline originated that
// are still dialing. Snoop channels are kept (as roleSnoop) for the tracker,
// never reported.
func selectChannels(app string, subscribed []string, all []goari.ChannelData) []liveChannel {
	var out []liveChannel
	for _, ch := range all {
		dp := ch.Dialplan
		if dp == nil {
			continue
		}
		switch {
		case dp.AppName == "Stasis":
			args := strings.Split(dp.AppData, ",")
			if args[0] != app {
				continue
			}
			args = args[1:]
			r := roleInbound
			switch {
			case strings.HasPrefix(ch.ID, snoopPrefix):
				r = roleSnoop
			case len(args) > 0 && (args[0] == argLeg || args[0] == argAMD):
				r = roleLeg
			}
			out = append(out, liveChannel{data: ch, role: r, args: args})
		case dp.AppName == "AppDial2" && slices.Contains(subscribed, ch.ID):
			// Dialing out for the application: an originated leg not yet answered.
			out = append(out, liveChannel{data: ch, role: roleLeg})
		case dp.Context == AMDContext && slices.Contains(subscribed, ch.ID):
			// An originated leg in answering-machine detection: it comes
			// back into the application with the verdict.
			out = append(out, liveChannel{data: ch, role: roleLeg})
		}
	}
	return out
}

// buildSnapshot turns the application's channels and Asterisk's bridges into
// the engine's view: the bridges the application holds or its channels are
// in, empty ones included so the engine can tear them down. vars holds the HOTLINE_* variables per channel where
// the channel data lacked them.
func buildSnapshot(chans []liveChannel, bridges []goari.BridgeData, appBridges []string, vars map[string]map[string]string) pbx.Snapshot {
	var snap pbx.Snapshot
	mine := map[string]bool{}
	for _, lc := range chans {
		if lc.role != roleSnoop {
			mine[lc.data.ID] = true
		}
	}
	bridgeOf := map[string]string{}
	for _, b := range bridges {
		if internalID(b.ID) {
			continue
		}
		var members []pbx.ChannelID
		for _, id := range b.ChannelIDs {
			if mine[id] {
				members = append(members, pbx.ChannelID(id))
				bridgeOf[id] = b.ID
			}
		}
		if len(members) > 0 || slices.Contains(appBridges, b.ID) {
			snap.Bridges = append(snap.Bridges, pbx.BridgeInfo{ID: pbx.BridgeID(b.ID), Channels: members})
		}
	}
	for _, lc := range chans {
		if lc.role == roleSnoop {
			continue
		}
		d := lc.data
		info := pbx.ChannelInfo{
			ID:       pbx.ChannelID(d.ID),
			Answered: d.State == "Up" && d.Dialplan.AppName == "Stasis",
			Called:   calledNumber(lc.args, d),
			Vars:     setVars(d.ChannelVars),
			Bridge:   pbx.BridgeID(bridgeOf[d.ID]),
		}
		if d.Caller != nil {
			info.Caller, info.CallerName = d.Caller.Number, d.Caller.Name
		}
		if lc.role == roleLeg && len(lc.args) > 1 && lc.args[0] == argAMD {
			// Back from detection: the verdict rides on the arguments.
			if info.Vars == nil {
				info.Vars = map[string]string{}
			}
			info.Vars[pbx.VarAMDStatus] = lc.args[1]
		}
		for k, v := range vars[d.ID] {
			if info.Vars == nil {
				info.Vars = map[string]string{}
			}
			info.Vars[k] = v
		}
		snap.Channels = append(snap.Channels, info)
	}
	return snap
}

// adopt replaces the tracker's channels with what a snapshot found, keeping
// what Hotline had asked of channels that are still there, and the legs and
// spies Hotline asked for after the snapshot was taken (notes is
// tracker.notes at that moment). It rebuilds the spies whose supervisor and
// snoop channel both live, and returns teardowns for the snoop channels and
// spy bridges left over from spies that ended while no one was listening.
func (t *tracker) adopt(chans []liveChannel, bridgeIDs []string, notes uint64) []effect {
	old, oldSpies := t.chans, t.spies
	t.chans = make(map[string]*chanState, len(chans))
	for id, st := range old {
		if st.noted > notes {
			t.chans[id] = st
		}
	}
	for _, lc := range chans {
		st := &chanState{
			role:     lc.role,
			inStasis: lc.data.Dialplan.AppName == "Stasis",
			answered: lc.data.State == "Up",
		}
		if st.role == roleLeg && !st.inStasis {
			st.answered = false // up at the far end, not yet handed to the app
			st.detecting = lc.data.Dialplan.Context == AMDContext
		}
		if o := old[lc.data.ID]; o != nil {
			st.ringing, st.hangingUp, st.byUs, st.cause, st.dialStatus = o.ringing, o.hangingUp, o.byUs, o.cause, o.dialStatus
		}
		t.chans[lc.data.ID] = st
	}
	for id, p := range t.plays {
		if t.chans[p.ch] == nil {
			delete(t.plays, id)
		}
	}
	t.spies = map[string]*spy{}
	for id, sp := range oldSpies {
		if sp.noted > notes {
			t.spies[id] = sp
		}
	}
	var stale []effect
	seen := map[string]bool{}
	check := func(sup string) {
		if seen[sup] || t.spies[sup] != nil {
			return
		}
		seen[sup] = true
		sp := &spy{supervisor: sup, snoop: snoopPrefix + sup, bridge: spyBridgePrefix + sup}
		if t.chans[sup] != nil && t.chans[sp.snoop] != nil {
			t.spies[sp.supervisor], t.spies[sp.snoop] = sp, sp
			return
		}
		stale = append(stale, effect{kind: effectTeardownSpy, spy: *sp})
	}
	for _, lc := range chans {
		if lc.role == roleSnoop {
			check(strings.TrimPrefix(lc.data.ID, snoopPrefix))
		}
	}
	for _, id := range bridgeIDs {
		if strings.HasPrefix(id, spyBridgePrefix) {
			check(strings.TrimPrefix(id, spyBridgePrefix))
		}
	}
	return stale
}
