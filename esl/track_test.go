package esl

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

func ev(name, uuid string, kv ...string) *wire.Event {
	e := &wire.Event{Headers: []wire.Header{{Name: "Event-Name", Value: name}, {Name: "Unique-ID", Value: uuid},
		{Name: "Event-Date-Timestamp", Value: "1700000000000000"}}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == "_body" {
			e.Body = kv[i+1]
			continue
		}
		e.Headers = append(e.Headers, wire.Header{Name: kv[i], Value: kv[i+1]})
	}
	return e
}

// trace applies events and renders what came out, one per line.
func trace(t *tracker, evs ...*wire.Event) string {
	var out []pbx.Event
	for _, e := range evs {
		out = t.apply(e, out)
	}
	var lines []string
	for _, e := range out {
		switch e := e.(type) {
		case pbx.CallArrived:
			lines = append(lines, "arrived "+string(e.Channel)+" "+e.Caller+">"+e.Called+" "+strings.Join(e.Args, "|")+" "+e.Vars["HOTLINE_QUEUE"])
		case pbx.OriginateFailed:
			lines = append(lines, "failed "+string(e.Channel)+" "+string(e.Reason))
		case pbx.HungUp:
			lines = append(lines, "hungup "+string(e.Channel)+" "+e.Cause.String())
		case pbx.BridgeJoined:
			lines = append(lines, "joined "+string(e.Channel)+" "+string(e.Bridge))
		case pbx.BridgeLeft:
			lines = append(lines, "left "+string(e.Channel)+" "+string(e.Bridge))
		case pbx.PlaybackFinished:
			lines = append(lines, "played "+string(e.Playback)+" stopped="+boolStr(e.Stopped)+" failed="+boolStr(e.Failed))
		case pbx.DTMF:
			lines = append(lines, "dtmf "+string(e.Digit)+" "+e.Duration.String())
		default:
			lines = append(lines, strings.TrimPrefix(strings.Split(strings.TrimPrefix(typeName(e), "pbx."), "{")[0], "")+" "+string(e.Chan()))
		}
	}
	return strings.Join(lines, "\n")
}

func typeName(e pbx.Event) string {
	switch e.(type) {
	case pbx.Ringing:
		return "ringing"
	case pbx.Answered:
		return "answered"
	case pbx.RecordingFinished:
		return "recorded"
	}
	return "other"
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func TestTrackerTraces(t *testing.T) {
	cases := []struct {
		name  string
		notes []note
		evs   []*wire.Event
		want  string
	}{
		{
			name: "inbound call parks with hotline_args, dialplan vars upper-cased",
			evs: []*wire.Event{
				ev("CHANNEL_CREATE", "c1"),
				ev("CHANNEL_PARK", "c1", "Caller-Caller-ID-Number", "555", "Caller-Destination-Number", "100",
					"variable_hotline_args", "queue, sales", "variable_hotline_queue", "sales"),
				ev("CHANNEL_PARK", "c1", "variable_hotline_args", "queue,sales"), // parked again after a bridge
				ev("CHANNEL_PARK", "c2", "Caller-Caller-ID-Number", "556"),       // not for Hotline
				ev("DTMF", "c1", "DTMF-Digit", "#", "DTMF-Duration", "2000"),
				ev("DTMF", "c2", "DTMF-Digit", "1"),
			},
			want: "arrived c1 555>100 queue|sales sales\ndtmf # 250ms",
		},
		{
			name:  "originate failing before any channel exists",
			notes: []note{{kind: noteOriginate, channel: "a1", id: "job1"}},
			evs:   []*wire.Event{ev("BACKGROUND_JOB", "", "Job-UUID", "job1", "_body", "-ERR USER_NOT_REGISTERED\n")},
			want:  "failed a1 unreachable\nhungup a1 cause-20",
		},
		{
			name:  "busy leg: hang-up first, job result after",
			notes: []note{{kind: noteOriginate, channel: "a1", id: "job1"}},
			evs: []*wire.Event{
				ev("CHANNEL_CREATE", "a1"), ev("CHANNEL_PROGRESS", "a1"),
				ev("CHANNEL_HANGUP_COMPLETE", "a1", "Hangup-Cause", "USER_BUSY"),
				ev("BACKGROUND_JOB", "", "Job-UUID", "job1", "_body", "-ERR USER_BUSY\n"),
			},
			want: "ringing a1\nfailed a1 busy\nhungup a1 busy",
		},
		{
			name:  "no answer: job result first, hang-up after",
			notes: []note{{kind: noteOriginate, channel: "a1", id: "job1"}},
			evs: []*wire.Event{
				ev("CHANNEL_CREATE", "a1"),
				ev("BACKGROUND_JOB", "", "Job-UUID", "job1", "_body", "-ERR NO_ANSWER\n"),
				ev("CHANNEL_HANGUP_COMPLETE", "a1", "Hangup-Cause", "NO_ANSWER"),
			},
			want: "failed a1 no-answer\nhungup a1 no-answer",
		},
		{
			name: "bridge named by Hotline, far end hangs up mid-playback",
			notes: []note{
				{kind: noteOriginate, channel: "a1", id: "job1"},
				{kind: noteBridge, channel: "a1", other: "c1", bridge: "b1"},
				{kind: notePlay, channel: "a1", id: "p1"},
			},
			evs: []*wire.Event{
				ev("CHANNEL_PARK", "c1", "variable_hotline_args", "entry,100", "Answer-State", "answered"),
				ev("CHANNEL_CREATE", "a1"), ev("CHANNEL_ANSWER", "a1"),
				ev("CHANNEL_BRIDGE", "c1", "Bridge-A-Unique-ID", "c1", "Bridge-B-Unique-ID", "a1"),
				ev("CHANNEL_HANGUP", "a1", "Hangup-Cause", "NORMAL_CLEARING"),
				ev("CHANNEL_EXECUTE_COMPLETE", "a1", "Application-UUID", "p1", "Application-Response", "FILE PLAYED"),
				ev("CHANNEL_UNBRIDGE", "c1", "Bridge-A-Unique-ID", "c1", "Bridge-B-Unique-ID", "a1"),
				ev("CHANNEL_HANGUP_COMPLETE", "a1", "Hangup-Cause", "NORMAL_CLEARING"),
			},
			// The leg is over at CHANNEL_HANGUP: what FreeSWITCH says of it
			// afterwards (its thread leaving the bridge, 20 ms later on a
			// real switch) changes nothing.
			want: "arrived c1 > entry|100 \nanswered c1\nanswered a1\njoined c1 b1\njoined a1 b1\nplayed p1 stopped=1 failed=0\nleft a1 b1\nhungup a1 normal\nleft c1 b1",
		},
		{
			name:  "playback stopped, then one not found",
			notes: []note{{kind: notePlay, channel: "c1", id: "p1"}, {kind: noteStopPlay, channel: "c1"}, {kind: notePlay, channel: "c1", id: "p2"}},
			evs: []*wire.Event{
				ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "p1", "Application-Response", "FILE PLAYED"),
				ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "p2", "Application-Response", "FILE NOT FOUND"),
				ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "other", "Application-Response", "FILE PLAYED"),
			},
			want: "played p1 stopped=1 failed=0\nplayed p2 stopped=0 failed=1",
		},
		{
			// The caller hangs up during the prompt: FreeSWITCH may report
			// the playback's end, with an error, before CHANNEL_HANGUP.
			name:  "playback ended by the channel hanging up",
			notes: []note{{kind: notePlay, channel: "c1", id: "p1"}},
			evs: []*wire.Event{
				ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "p1", "Application-Response", "-ERR", "Answer-State", "hangup"),
			},
			want: "played p1 stopped=1 failed=0",
		},
		{
			// A loopback half whose other half hangs up: its media reads
			// fail, its playback ends in error while it is still up, and
			// its own hang-up follows. That is a stop, not a failure.
			name:  "playback error just before the channel's hang-up",
			notes: []note{{kind: notePlay, channel: "c1", id: "p1"}},
			evs: []*wire.Event{
				ev("CHANNEL_PARK", "c1", "variable_hotline_args", "entry,100"),
				ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "p1", "Application-Response", "PLAYBACK ERROR",
					"Answer-State", "answered", "Channel-State", "CS_EXECUTE"),
				ev("CHANNEL_STATE", "c1", "Channel-State", "CS_EXECUTE"),
				ev("CHANNEL_HANGUP", "c1", "Hangup-Cause", "NORMAL_CLEARING"),
			},
			want: "arrived c1 > entry|100 \nplayed p1 stopped=1 failed=0\nhungup c1 normal",
		},
		{
			name:  "playback error on a channel that lives on",
			notes: []note{{kind: notePlay, channel: "c1", id: "p1"}},
			evs: []*wire.Event{
				ev("CHANNEL_PARK", "c1", "variable_hotline_args", "entry,100"),
				ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "p1", "Application-Response", "PLAYBACK ERROR",
					"Answer-State", "answered", "Channel-State", "CS_EXECUTE"),
				ev("DTMF", "c1", "DTMF-Digit", "1", "DTMF-Duration", "800"),
			},
			want: "arrived c1 > entry|100 \nplayed p1 stopped=0 failed=1\ndtmf 1 100ms",
		},
		{
			name:  "resync forgets channels gone while the link was down",
			notes: []note{{kind: noteOriginate, channel: "a1", id: "job1"}, {kind: noteResync, liveUUIDs: map[string]bool{}}},
			evs:   []*wire.Event{ev("CHANNEL_ANSWER", "a1"), ev("CHANNEL_HANGUP_COMPLETE", "a1")},
			want:  "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := newTracker()
			for _, n := range c.notes {
				tr.note(n)
			}
			if got := trace(tr, c.evs...); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestPlayArg(t *testing.T) {
	cases := map[string]string{
		"sound:ivr/ivr-welcome":          "ivr/ivr-welcome.wav",
		"sound:music.mp3":                "music.mp3",
		"recording:greeting":             "/rec/greeting.wav",
		"file:/tmp/a.wav|digits:42":      "file_string:///tmp/a.wav!digits/4.wav!digits/2.wav",
		"number:1215":                    "file_string://digits/1.wav!digits/thousand.wav!digits/2.wav!digits/hundred.wav!digits/15.wav",
		"number:40":                      "digits/40.wav",
		"tone:ring":                      "tone_stream://%(2000,4000,440,480);loops=-1",
		"sound:hello-world|sound:vm-bye": "file_string://hello-world.wav!vm-bye.wav",
	}
	for in, want := range cases {
		got, err := asteriskNames.playArg("/rec", false, strings.Split(in, "|"))
		if err != nil || got != want {
			t.Errorf("playArg(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "sound:", "video:x", "digits:12a", "recording:../etc/passwd", "sound:a!b", "number:-1", "tone:nope"} {
		if _, err := asteriskNames.playArg("/rec", false, []string{bad}); err == nil {
			t.Errorf("playArg(%q) accepted", bad)
		}
	}
}

// A 1.5 s ring asks FreeSWITCH for 3 whole seconds: 2 cover it, and one more
// the part of the second FreeSWITCH's count may drop at the start. How
// values are quoted is TestOriginateOddValues's.
func TestOriginateVarsTimeout(t *testing.T) {
	got, err := originateVars(pbx.OriginateRequest{ChannelID: "agent-1", Timeout: 1500 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"originate_timeout=3", "origination_uuid=agent-1"} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %s", got, want)
		}
	}
	for _, vars := range []map[string]string{{"bad name": "x"}, {"x": "a}b"}, {"x": "{a"}} {
		if _, err := originateVars(pbx.OriginateRequest{ChannelID: "a", Vars: vars}, nil); err == nil {
			t.Errorf("variables %q accepted", vars)
		}
	}
}

// TestStopQueuedPlayback: "uuid_break all" throws away a playback still
// queued behind the park, and FreeSWITCH then says nothing about it; once
// the break is answered the tracker reports it stopped. One that had
// started reports itself, once.
func TestStopQueuedPlayback(t *testing.T) {
	tr := newTracker()
	tr.note(note{kind: notePlay, channel: "c1", id: "queued"})
	tr.note(note{kind: noteStopPlay, channel: "c1"})
	tr.note(note{kind: noteBreakDone, channel: "c1"})
	got := tr.takePending(nil)
	if len(got) != 1 || got[0].(pbx.PlaybackFinished).Playback != "queued" || !got[0].(pbx.PlaybackFinished).Stopped {
		t.Fatalf("queued playback broken: %v", got)
	}
	if late := trace(tr, ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "queued", "Application-Response", "FILE PLAYED")); late != "" {
		t.Errorf("a late completion was reported again: %s", late)
	}

	tr.note(note{kind: notePlay, channel: "c1", id: "running"})
	out := trace(tr, ev("CHANNEL_EXECUTE", "c1", "Application-UUID", "running"))
	tr.note(note{kind: noteStopPlay, channel: "c1"})
	tr.note(note{kind: noteBreakDone, channel: "c1"})
	if p := tr.takePending(nil); len(p) != 0 {
		t.Errorf("a started playback was reported at the break: %v", p)
	}
	out += trace(tr, ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "running", "Application-Response", "FILE PLAYED"))
	if out != "played running stopped=1 failed=0" {
		t.Errorf("started playback: %q", out)
	}
}

// A playback error on a channel that neither hangs up nor does anything
// else is reported, as the failure it is, once doubtGrace has passed.
func TestPlaybackErrorReportedAfterGrace(t *testing.T) {
	tr := newTracker()
	tr.note(note{kind: notePlay, channel: "c1", id: "p1"})
	out := tr.apply(ev("CHANNEL_PARK", "c1", "variable_hotline_args", "entry,100"), nil)
	out = tr.apply(ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application-UUID", "p1", "Application-Response", "PLAYBACK ERROR",
		"Answer-State", "answered", "Channel-State", "CS_EXECUTE"), out)
	if len(out) != 1 {
		t.Fatalf("the playback's failure went out at once: %v", out)
	}
	now := time.Unix(1700000000, 0)
	due, ok := tr.armDoubts(now)
	if !ok || !due.Equal(now.Add(doubtGrace)) {
		t.Fatalf("armDoubts = %v, %v; want %v", due, ok, now.Add(doubtGrace))
	}
	if again, _ := tr.armDoubts(now.Add(time.Millisecond)); !again.Equal(due) {
		t.Errorf("arming again moved the deadline to %v", again)
	}
	if out = tr.expireDoubts(due.Add(-time.Millisecond), out); len(out) != 1 {
		t.Fatalf("reported before its deadline: %v", out)
	}
	out = tr.expireDoubts(due, out)
	if len(out) != 2 {
		t.Fatalf("not reported at its deadline: %v", out)
	}
	if f, ok := out[1].(pbx.PlaybackFinished); !ok || !f.Failed || f.Stopped || f.Playback != "p1" {
		t.Errorf("reported %+v; want p1 failed", out[1])
	}
	if _, ok := tr.armDoubts(due); ok {
		t.Errorf("a doubt is still held after it was reported")
	}
}

// A SIP caller's channel hung up from FreeSWITCH's side, by a bare
// uuid_kill from the console or another client, says NORMAL_CLEARING as the
// caller's own BYE does; only the BYE leaves sip_term_status on the
// channel. Such a hang-up is the switch's (manager-request), unless Hotline
// asked for it; loopback callers and Hotline's own legs keep the cause.
func TestTrackerSwitchSideHangup(t *testing.T) {
	sip := "sofia/external/5551234@192.0.2.10"
	park := func(ch, name string) *wire.Event {
		return ev("CHANNEL_PARK", ch, "Channel-Name", name, "variable_hotline_args", "entry,100", "Answer-State", "answered")
	}
	hangup := func(name, ch, chName string, kv ...string) *wire.Event {
		return ev(name, ch, append([]string{"Channel-Name", chName, "Hangup-Cause", "NORMAL_CLEARING"}, kv...)...)
	}
	cases := []struct {
		name   string
		before []*wire.Event
		hotel  bool // Hotline hangs the channel up (its note) before the event
		hup    *wire.Event
		want   string
	}{
		{"caller's BYE", []*wire.Event{park("c1", sip)}, false,
			hangup("CHANNEL_HANGUP", "c1", sip, "variable_sip_term_status", "200", "variable_sip_term_cause", "16"), "normal"},
		{"bare uuid_kill", []*wire.Event{park("c1", sip)}, false, hangup("CHANNEL_HANGUP", "c1", sip), "manager-request"},
		{"Hotline's own hang-up", []*wire.Event{park("c1", sip)}, true, hangup("CHANNEL_HANGUP", "c1", sip), "normal"},
		{"loopback caller", []*wire.Event{park("c1", "loopback/100-b")}, false, hangup("CHANNEL_HANGUP", "c1", "loopback/100-b"), "normal"},
		{"only HANGUP_COMPLETE, FreeSWITCH sent the BYE", []*wire.Event{park("c1", sip)}, false,
			hangup("CHANNEL_HANGUP_COMPLETE", "c1", sip, "variable_sip_hangup_disposition", "send_bye"), "manager-request"},
		{"only HANGUP_COMPLETE, the caller's BYE", []*wire.Event{park("c1", sip)}, false,
			hangup("CHANNEL_HANGUP_COMPLETE", "c1", sip, "variable_sip_term_status", "200", "variable_sip_hangup_disposition", "recv_bye"), "normal"},
		{"caller killed with a cause of its own", []*wire.Event{park("c1", sip)}, false,
			ev("CHANNEL_HANGUP", "c1", "Channel-Name", sip, "Hangup-Cause", "CALL_REJECTED"), "rejected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := newTracker()
			trace(tr, c.before...)
			if c.hotel {
				tr.note(note{kind: noteHangup, channel: "c1"})
			}
			got := trace(tr, c.hup)
			if want := "hungup c1 " + c.want; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	// A leg Hotline originated (an agent's phone, a lead) killed from the
	// console: its cause is not changed (the engine settles legs itself).
	tr := newTracker()
	tr.note(note{kind: noteOriginate, channel: "a1", id: "job1"})
	trace(tr, ev("CHANNEL_CREATE", "a1"), ev("CHANNEL_ANSWER", "a1"))
	if got := trace(tr, hangup("CHANNEL_HANGUP", "a1", "sofia/external/1001@192.0.2.20")); got != "hungup a1 normal" {
		t.Errorf("originated leg: got %q, want hungup a1 normal", got)
	}
}
