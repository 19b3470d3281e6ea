package ari

import "github.com/hotline-cc/hotline/acd/pbx"

// ChannelVars are the channel variables Hotline reads from Asterisk.
// ari.conf's channelvars must list every one: ARI sends only the listed
// variables with a channel, HOTLINE_PRIORITY is read from there alone (a
// caller's priority set in the dialplan is ignored without it), and a
// restarted Hotline reads the others in one request instead of one per
// channel and variable.
var ChannelVars = []string{pbx.VarCallID, pbx.VarRole, pbx.VarAgent, pbx.VarQueue, pbx.VarPriority}

// missingVars lists the ChannelVars a channel's snapshot lacks; ARI lists
// every variable of ari.conf's channelvars, set or not, so a missing one is
// missing from channelvars.
func missingVars(vars map[string]string) []string {
	var out []string
	for _, v := range ChannelVars {
		if _, ok := vars[v]; !ok {
			out = append(out, v)
		}
	}
	return out
}
