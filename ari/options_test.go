package ari

import (
	"errors"
	"strings"
	"testing"
	"time"

	goari "github.com/CyCoreSystems/ari/v6"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

func TestOptionsDefaults(t *testing.T) {
	o, err := Options{URL: "http://127.0.0.1:8088/ari/", Username: "u"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "http://127.0.0.1:8088/ari" || o.WebsocketURL != "ws://127.0.0.1:8088/ari/events" {
		t.Errorf("urls = %q, %q", o.URL, o.WebsocketURL)
	}
	if o.App != "hotline" || o.PingInterval != time.Second || o.RecordingFormat != "wav" ||
		o.RecordingDir != "/var/spool/asterisk/recording" || o.RequestTimeout != 10*time.Second {
		t.Errorf("defaults not applied: %+v", o)
	}
}

func TestOptionsReportsEveryProblem(t *testing.T) {
	_, err := Options{URL: "ftp://x", App: "a,b", PingInterval: -1}.withDefaults()
	if !errors.Is(err, ErrOptions) {
		t.Fatalf("err = %v, want ErrOptions", err)
	}
	for _, want := range []string{"url", "username", "app", "ping_interval"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	o, err := (Options{URL: "https://pbx/ari", Username: "u"}).withDefaults()
	if err != nil || o.WebsocketURL != "wss://pbx/ari/events" {
		t.Errorf("https URL: websocket %q, %v; want wss://pbx/ari/events", o.WebsocketURL, err)
	}
}

func TestMediaURIs(t *testing.T) {
	for in, want := range map[string]string{
		"sound:hello-world":          "sound:hello-world",
		"recording:msg-1":            "recording:msg-1",
		"digits:12*#":                "sound:digits/1 sound:digits/2 sound:digits/star sound:digits/pound",
		"number:0":                   "sound:digits/0",
		"number:7":                   "sound:digits/7",
		"number:13":                  "sound:digits/13",
		"number:42":                  "sound:digits/40 sound:digits/2",
		"number:90":                  "sound:digits/90",
		"number:105":                 "sound:digits/1 sound:digits/hundred sound:digits/5",
		"number:-3":                  "sound:digits/minus sound:digits/3",
		"number:1234":                "sound:digits/1 sound:digits/thousand sound:digits/2 sound:digits/hundred sound:digits/30 sound:digits/4",
		"number:2000015":             "sound:digits/2 sound:digits/million sound:digits/15",
		"number:123456789":           "sound:digits/1 sound:digits/hundred sound:digits/20 sound:digits/3 sound:digits/million sound:digits/4 sound:digits/hundred sound:digits/50 sound:digits/6 sound:digits/thousand sound:digits/7 sound:digits/hundred sound:digits/80 sound:digits/9",
		"tone:ring":                  "tone:ring",
		"tone:beep":                  "sound:beep",
		"file:/srv/prompts/menu.wav": "sound:/srv/prompts/menu",
		"file:/srv/prompts/menu":     "sound:/srv/prompts/menu",
	} {
		if got, err := mediaURIs(in); err != nil || strings.Join(got, " ") != want {
			t.Errorf("mediaURIs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"hello", "file:relative.wav", "mp3:x", "sound:", "sound:a,b", "number:x", "number:1e3", "digits:12a", "number:1000000000000"} {
		if _, err := mediaURIs(bad); !errors.Is(err, pbx.ErrBadRequest) {
			t.Errorf("mediaURIs(%q) = %v, want ErrBadRequest", bad, err)
		}
	}
}

func TestFailReason(t *testing.T) {
	for _, tc := range []struct {
		st     chanState
		cause  int
		reason pbx.FailReason
	}{
		{chanState{dialStatus: "BUSY"}, 0, pbx.FailBusy},
		{chanState{dialStatus: "NOANSWER"}, 0, pbx.FailNoAnswer},
		{chanState{dialStatus: "CHANUNAVAIL"}, 0, pbx.FailUnreachable},
		{chanState{dialStatus: "CONGESTION"}, 34, pbx.FailUnreachable},
		{chanState{dialStatus: "RINGING"}, 19, pbx.FailNoAnswer}, // ring timeout
		{chanState{}, 17, pbx.FailBusy},
		{chanState{}, 21, pbx.FailRejected},
		{chanState{}, 0, pbx.FailUnreachable}, // Local channel to a missing extension
		{chanState{byUs: true, dialStatus: "RINGING"}, 16, pbx.FailCancelled},
		{chanState{dialStatus: "CANCEL"}, 0, pbx.FailCancelled},
		// A specific cause beats the dial status: Asterisk reports a SIP 603
		// Decline as NOANSWER with cause 21 (testdata/ari/sip-Decline.jsonl).
		{chanState{dialStatus: "NOANSWER"}, 21, pbx.FailRejected},
		{chanState{dialStatus: "BUSY"}, 17, pbx.FailBusy},
		{chanState{dialStatus: "NOANSWER"}, 16, pbx.FailNoAnswer}, // normal clearing says nothing
		{chanState{dialStatus: "CHANUNAVAIL"}, 20, pbx.FailUnreachable},
		{chanState{dialStatus: "CHANUNAVAIL"}, 3, pbx.FailUnreachable},
		{chanState{dialStatus: "NOANSWER", cause: 21}, 0, pbx.FailRejected}, // cause from the hangup request
	} {
		if got, _ := failReason(&tc.st, tc.cause); got != tc.reason {
			t.Errorf("failReason(%+v, cause %d) = %q, want %q", tc.st, tc.cause, got, tc.reason)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status int
		msg    string
		want   error
	}{
		{404, "Channel not found", pbx.ErrNoChannel},
		{404, "Provided variable was not found", pbx.ErrNoVariable},
		{404, "Provided channel was not found", pbx.ErrNoChannel},
		{422, "Channel not in Stasis application", pbx.ErrNoChannel},
		{404, "Bridge not found", pbx.ErrNoBridge},
		{404, "Playback not found", pbx.ErrNoPlayback},
		{404, "Recording not found", pbx.ErrNoRecording},
		{409, "Channel with given unique ID already exists", pbx.ErrDuplicateID},
		{400, "Invalid parameter", pbx.ErrBadRequest},
	} {
		err := classify(&apiError{Method: "POST", Path: "/x", Status: tc.status, Message: tc.msg})
		if !errors.Is(err, tc.want) {
			t.Errorf("classify(%d %q) = %v, want %v", tc.status, tc.msg, err, tc.want)
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			t.Errorf("classify(%d %q) lost the ARI error", tc.status, tc.msg)
		}
	}
	if err := classify(&apiError{Status: 500, Message: "boom"}); errors.Is(err, pbx.ErrNoChannel) {
		t.Errorf("a 500 was read as a missing channel")
	}
}

// A channel that ends mid-prompt reports its playbacks stopped before it
// reports itself gone, and Asterisk's late PlaybackFinished is not repeated.
func TestTrackerHangupStopsPlaybacks(t *testing.T) {
	tr := newTracker(DefaultRecordingDir)
	var got []string
	feed := func(raw string) {
		t.Helper()
		evs, _, err := tr.apply([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			got = append(got, pbxtest.Format(ev))
		}
	}
	feed(stasisStartJSON("in-1", "Up", "entry", "100"))
	tr.note(note{Op: opPlay, ID: "pb-2", Ch: "in-1"})
	tr.note(note{Op: opPlay, ID: "pb-1", Ch: "in-1"})
	feed(`{"type":"StasisEnd",` + ts + `,"channel":{"id":"in-1"}}`)
	feed(`{"type":"PlaybackFinished",` + ts + `,"playback":{"id":"pb-1","state":"done","target_uri":"channel:in-1"}}`)
	want := []string{
		`CallArrived in-1 caller="5551000" called="100" args=["entry" "100"] vars=map[]`,
		"Answered in-1",
		"PlaybackFinished in-1 playback=pb-1 stopped=true failed=false",
		"PlaybackFinished in-1 playback=pb-2 stopped=true failed=false",
		"HungUp in-1 cause=normal",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// After a restart the tracker rebuilds live spies from the snapshot and
// tears down what is left of spies whose supervisor is gone.
func TestAdoptRebuildsSpies(t *testing.T) {
	stasis := func(id, data, state string) liveChannel {
		r := roleLeg
		if strings.HasPrefix(id, snoopPrefix) {
			r = roleSnoop
		}
		return liveChannel{role: r, data: goari.ChannelData{ID: id, State: state,
			Dialplan: &goari.DialplanCEP{AppName: "Stasis", AppData: "hotline," + data}}}
	}
	tr := newTracker(DefaultRecordingDir)
	effs := tr.adopt([]liveChannel{
		stasis("sup-1", "leg", "Up"),
		stasis(snoopPrefix+"sup-1", "snoop", "Up"),
		stasis(snoopPrefix+"sup-2", "snoop", "Up"), // its supervisor hung up meanwhile
	}, []string{spyBridgePrefix + "sup-1", spyBridgePrefix + "sup-2", spyBridgePrefix + "sup-3", "br-1"}, 0)

	var stale []string
	for _, e := range effs {
		if e.kind != effectTeardownSpy {
			t.Errorf("unexpected effect %+v", e)
		}
		stale = append(stale, e.spy.supervisor)
	}
	if strings.Join(stale, ",") != "sup-2,sup-3" {
		t.Errorf("teardowns for %v, want sup-2,sup-3", stale)
	}
	if sp := tr.spies["sup-1"]; sp == nil || sp.snoop != snoopPrefix+"sup-1" {
		t.Fatalf("live spy of sup-1 not rebuilt: %+v", tr.spies)
	}
	_, effs = tr.gone(time.Time{}, "sup-1", 16)
	if len(effs) != 1 || effs[0].kind != effectTeardownSpy || effs[0].spy.bridge != spyBridgePrefix+"sup-1" {
		t.Errorf("supervisor hangup after a restart gave effects %+v, want the spy's teardown", effs)
	}
}

// A leg Hotline originated while the snapshot was on its way survives the
// snapshot; one noted before it and not in it is gone.
func TestAdoptKeepsLegsNotedAfterTheSnapshot(t *testing.T) {
	tr := newTracker(DefaultRecordingDir)
	tr.note(note{Op: opOriginate, ID: "leg-old"})
	taken := tr.notes
	tr.note(note{Op: opOriginate, ID: "leg-new"})
	tr.note(note{Op: opSpy, ID: "sup-new", Snoop: snoopPrefix + "sup-new", Bridge: spyBridgePrefix + "sup-new"})
	if effs := tr.adopt(nil, nil, taken); len(effs) != 0 {
		t.Errorf("adopt tore down %+v", effs)
	}
	if tr.chans["leg-old"] != nil || tr.chans["leg-new"] == nil || tr.spies["sup-new"] == nil {
		t.Errorf("after adopt: chans %v, spies %v; want leg-new and sup-new only", tr.chans, tr.spies)
	}
}

func TestPinLocal(t *testing.T) {
	for in, want := range map[string]string{
		"Local/1001@agents":   "Local/1001@agents/n",
		"Local/1001@agents/n": "Local/1001@agents/n",
		"Local/1001@agents/j": "Local/1001@agents/j",
		"PJSIP/1001":          "PJSIP/1001",
	} {
		if got := pinLocal(in); got != want {
			t.Errorf("pinLocal(%q) = %q, want %q", in, got, want)
		}
	}
}

// The first caller shows whether ari.conf's channelvars lists Hotline's
// variables: ARI lists every configured one, set or not.
func TestUnlistedChannelVars(t *testing.T) {
	arrive := func(vars string) []string {
		tr := newTracker(DefaultRecordingDir)
		raw := `{"type":"StasisStart",` + ts + `,"args":["entry","100"],"channel":{"id":"in-1","state":"Ring","channelvars":` + vars + `}}`
		if _, _, err := tr.apply([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		return tr.unlisted
	}
	if got := arrive(`{}`); strings.Join(got, ",") != strings.Join(ChannelVars, ",") {
		t.Errorf("no channelvars: unlisted %v, want %v", got, ChannelVars)
	}
	if got := arrive(`{"HOTLINE_CALL":"","HOTLINE_ROLE":"","HOTLINE_AGENT":"","HOTLINE_QUEUE":""}`); strings.Join(got, ",") != pbx.VarPriority {
		t.Errorf("channelvars without the priority: unlisted %v, want [%s]", got, pbx.VarPriority)
	}
	if got := arrive(`{"HOTLINE_CALL":"","HOTLINE_ROLE":"","HOTLINE_AGENT":"","HOTLINE_QUEUE":"","HOTLINE_PRIORITY":"5"}`); len(got) != 0 {
		t.Errorf("full channelvars: unlisted %v, want none", got)
	}
}

// When the spied call ends, Asterisk ends the snoop channel; the
// supervisor's leg, bridged with nothing left, is torn down too rather
// than left ringing silence in their ear (FreeSWITCH's eavesdrop ends
// with its target).
func TestSnoopEndTearsDownSupervisor(t *testing.T) {
	tr := newTracker(DefaultRecordingDir)
	tr.note(note{Op: opSpy, ID: "sup-1", Snoop: snoopPrefix + "sup-1", Bridge: spyBridgePrefix + "sup-1"})
	tr.note(note{Op: opOriginate, ID: "sup-1"})
	tr.chans[snoopPrefix+"sup-1"] = &chanState{role: roleSnoop, inStasis: true}
	_, effs := tr.gone(time.Time{}, snoopPrefix+"sup-1", 16)
	if len(effs) != 1 || effs[0].kind != effectTeardownSpy || effs[0].spy.supervisor != "sup-1" {
		t.Errorf("snoop's end gave effects %+v, want the spy's teardown", effs)
	}
}
