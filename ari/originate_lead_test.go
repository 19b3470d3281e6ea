package ari

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

// TestOriginateLeadContext: a lead with an unattended message is
// originated into the lead context at its label, with the message, the
// application and the hangup handler that notes an unanswered end in its
// variables, and the application is subscribed to it; so is a lead with
// an empty one (nothing to play, its answer noted);
// with a dialplan that lacks the context (Asterisk refuses the label), it
// goes straight into the application as before.
func TestOriginateLeadContext(t *testing.T) {
	f := newFakeARI(t)
	f.channels = liveChannels
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	req := func(id string) pbx.OriginateRequest {
		return pbx.OriginateRequest{ChannelID: pbx.ChannelID(id), Endpoint: "PJSIP/+3312@trunk", Unattended: []string{"sound:safe-harbour", "tone:beep", "sound:bad&name"}}
	}
	before := len(f.recorded())
	if err := c.Originate(ctx, req("lead-1")); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`POST /channels/lead-1?context=hotline-lead&endpoint=PJSIP%2F%2B3312%40trunk&extension=s&label=lead&timeout=30 {"variables":{"CHANNEL(hangup_handler_push)":"hotline-lead,gone,1","HOTLINE_APP":"hotline","HOTLINE_UNATTENDED":"safe-harbour\u0026beep"}}`,
		`POST /applications/hotline/subscription?eventSource=channel%3Alead-1`,
	}
	if got := f.recorded()[before:]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	// A survey's lead: nothing to play, but its answer is noted all the same.
	before = len(f.recorded())
	if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: "lead-3", Endpoint: "PJSIP/+3312@trunk", Unattended: []string{}}); err != nil {
		t.Fatal(err)
	}
	want = []string{
		`POST /channels/lead-3?context=hotline-lead&endpoint=PJSIP%2F%2B3312%40trunk&extension=s&label=lead&timeout=30 {"variables":{"CHANNEL(hangup_handler_push)":"hotline-lead,gone,1","HOTLINE_APP":"hotline","HOTLINE_UNATTENDED":""}}`,
		`POST /applications/hotline/subscription?eventSource=channel%3Alead-3`,
	}
	if got := f.recorded()[before:]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("with nothing to play, sent\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	f.answer("POST", "/channels/lead-2?context=hotline-lead&endpoint=PJSIP%2F%2B3312%40trunk&extension=s&label=lead&timeout=30",
		fakeAnswer{status: 404, body: `{"message":"Requested label can not be found"}`})
	before = len(f.recorded())
	if err := c.Originate(ctx, req("lead-2")); err != nil {
		t.Fatal(err)
	}
	got := f.recorded()[before:]
	if len(got) != 2 || !strings.HasPrefix(got[1], `POST /channels/lead-2?app=hotline&appArgs=leg&endpoint=`) || strings.Contains(got[1], "hangup_handler") {
		t.Errorf("with no lead context, sent\n  %s\nwant the originate refused, then one straight into the application", strings.Join(got, "\n  "))
	}
}

// TestOriginateLeadOverBeforeFollowed: a lead over before the application
// could subscribe to it (Asterisk: 422) ends with the reason and cause its
// hangup handler noted, and the note is cleared; with no note it is
// reported unreachable, as before.
func TestOriginateLeadOverBeforeFollowed(t *testing.T) {
	f := newFakeARI(t)
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	for _, tc := range []struct {
		id, note string
		reason   pbx.FailReason
		cause    pbx.Cause
	}{
		{"lead-busy", "17", pbx.FailBusy, pbx.CauseBusy},
		{"lead-congested", "34", pbx.FailUnreachable, pbx.CauseCongestion},
		{"lead-unknown", "", pbx.FailUnreachable, pbx.CauseUnreachable},
	} {
		f.answer("POST", "/applications/hotline/subscription?eventSource=channel%3A"+tc.id,
			fakeAnswer{status: 422, body: `{"message":"Event source does not exist"}`})
		if tc.note != "" {
			f.answer("GET", "/asterisk/variable?variable=HOTLINE_GONE_"+tc.id, fakeAnswer{status: 200, body: `{"value":"` + tc.note + `"}`})
		}
		before := len(f.recorded())
		err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: pbx.ChannelID(tc.id), Endpoint: "PJSIP/+3312@trunk", Unattended: []string{"sound:safe-harbour"}})
		if err != nil {
			t.Fatal(err)
		}
		ev := rec.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed](pbx.ChannelID(tc.id))).(pbx.OriginateFailed)
		if ev.Reason != tc.reason || ev.Cause != tc.cause {
			t.Errorf("%s: OriginateFailed %s (cause %d); want %s (cause %d)", tc.id, ev.Reason, ev.Cause, tc.reason, tc.cause)
		}
		hung := rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](pbx.ChannelID(tc.id))).(pbx.HungUp)
		if hung.Cause != tc.cause {
			t.Errorf("%s: HungUp cause %d; want %d", tc.id, hung.Cause, tc.cause)
		}
		cleared := slices.Contains(f.recorded()[before:], "POST /asterisk/variable?variable=HOTLINE_GONE_"+tc.id)
		if cleared != (tc.note != "") {
			t.Errorf("%s: sent %v; want the note cleared when there was one", tc.id, f.recorded()[before:])
		}
	}
}

// TestUnattendedAnswersMachine: the notes the lead and detection contexts
// leave read back as a person's or a machine's answer, or an unanswered
// end's cause (one saying none is left out), each cleared; a note in
// another form is an error naming it.
func TestUnattendedAnswersMachine(t *testing.T) {
	f := newFakeARI(t)
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	f.answer("GET", "/asterisk/variable?variable=HOTLINE_UNATTENDED_p", fakeAnswer{status: 200, body: `{"value":"1796000000"}`})
	f.answer("GET", "/asterisk/variable?variable=HOTLINE_UNATTENDED_m", fakeAnswer{status: 200, body: `{"value":"1796000001 MACHINE"}`})
	f.answer("GET", "/asterisk/variable?variable=HOTLINE_GONE_b", fakeAnswer{status: 200, body: `{"value":"17"}`})
	f.answer("GET", "/asterisk/variable?variable=HOTLINE_GONE_z", fakeAnswer{status: 200, body: `{"value":"0"}`})
	got, err := c.UnattendedAnswers(ctx, []pbx.ChannelID{"p", "m", "b", "z", "none"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[pbx.ChannelID]pbx.UnattendedEnd{"p": {At: time.Unix(1796000000, 0)}, "m": {At: time.Unix(1796000001, 0), Machine: true}, "b": {Cause: pbx.CauseBusy}}
	if len(got) != len(want) || got["p"] != want["p"] || got["m"] != want["m"] || got["b"] != want["b"] {
		t.Errorf("ends %v; want %v", got, want)
	}
	for _, name := range []string{"UNATTENDED_p", "UNATTENDED_m", "GONE_b", "GONE_z"} {
		if !slices.Contains(f.recorded(), "POST /asterisk/variable?variable=HOTLINE_"+name) {
			t.Errorf("note HOTLINE_%s not cleared: sent %v", name, f.recorded())
		}
	}
	f.answer("GET", "/asterisk/variable?variable=HOTLINE_UNATTENDED_x", fakeAnswer{status: 200, body: `{"value":"1796000002 FAX"}`})
	if _, err := c.UnattendedAnswers(ctx, []pbx.ChannelID{"x"}); err == nil || !strings.Contains(err.Error(), "HOTLINE_UNATTENDED_x") {
		t.Errorf("a note in another form: %v; want an error naming it", err)
	}
}

// TestOriginateMachineMessage: a lead with answering-machine detection
// carries the campaign's machine message for the detection context to
// leave when the application is away; without detection it does not.
func TestOriginateMachineMessage(t *testing.T) {
	f := newFakeARI(t)
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	for _, tc := range []struct {
		id   string
		mode pbx.MachineDetection
		want bool
	}{{"m-detect", pbx.MachineDetect, true}, {"m-beep", pbx.MachineAfterBeep, true}, {"m-none", pbx.MachineIgnore, false}} {
		before := len(f.recorded())
		err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: pbx.ChannelID(tc.id), Endpoint: "PJSIP/+3312@trunk", Machine: tc.mode, MachineMessage: []string{"sound:machine-msg"}})
		if err != nil {
			t.Fatal(err)
		}
		sent := f.recorded()[before]
		if got := strings.Contains(sent, `"HOTLINE_MACHINE_MESSAGE":"machine-msg"`); got != tc.want {
			t.Errorf("%s: sent %s; want the machine message %v", tc.id, sent, tc.want)
		}
	}
}

// TestReconnectReadsLeadNotes: at a reconnect, the client reads the notes
// of the lead legs the snapshot no longer holds: a leg in the lead context
// that ended busy ends so before Synced, and a leg dialed straight into the
// application with machine detection (a survey's lead) that a machine
// answered while the link was down comes in Synced as a machine.
func TestReconnectReadsLeadNotes(t *testing.T) {
	f := newFakeARI(t)
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	for _, req := range []pbx.OriginateRequest{
		{ChannelID: "busy-1", Endpoint: "PJSIP/+3312@trunk", Unattended: []string{"sound:safe-harbour"}},
		{ChannelID: "survey-1", Endpoint: "PJSIP/+3313@trunk", Machine: pbx.MachineDetect},
	} {
		if err := c.Originate(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	f.answer("GET", "/asterisk/variable?variable=HOTLINE_GONE_busy-1", fakeAnswer{status: 200, body: `{"value":"17"}`})
	f.answer("GET", "/asterisk/variable?variable=HOTLINE_UNATTENDED_survey-1", fakeAnswer{status: 200, body: `{"value":"1796000000 MACHINE"}`})
	f.dropSession()
	s := rec.WaitFor(t, ctx, synced(1, true)).(pbx.Synced)
	if u := s.Snapshot.Unattended["survey-1"]; !u.Machine || !u.At.Equal(time.Unix(1796000000, 0)) {
		t.Errorf("Synced's unattended ends %v; want survey-1 a machine", s.Snapshot.Unattended)
	}
	failed := rec.Filter(pbxtest.On[pbx.OriginateFailed]("busy-1"))
	if len(failed) != 1 || failed[0].(pbx.OriginateFailed).Reason != pbx.FailBusy || rec.Index(pbxtest.On[pbx.HungUp]("busy-1")) > rec.Index(synced(1, true)) {
		t.Errorf("busy-1's end %v; want busy, before Synced", failed)
	}
}

// TestOriginateLeadFollowedEndsSayingNothing: a lead in the lead context
// that Hotline followed but whose end says nothing (Asterisk destroys a
// Local channel whose far half ran Busy() with cause 0, and the Dial event
// that said BUSY came before the subscription) ends with the cause its
// hangup handler noted; a leg whose end says why is not held up by a note,
// which is only cleared.
func TestOriginateLeadFollowedEndsSayingNothing(t *testing.T) {
	f := newFakeARI(t)
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	for _, tc := range []struct {
		id, note string
		cause    int
		dial     string
		reason   pbx.FailReason
		want     pbx.Cause
	}{
		{"lead-busy", "17", 0, "", pbx.FailBusy, pbx.CauseBusy},
		{"lead-congested", "34", 0, "", pbx.FailUnreachable, pbx.CauseCongestion},
		{"lead-none", "", 0, "", pbx.FailUnreachable, pbx.CauseUnreachable},
		{"lead-noanswer", "0", 0, "NOANSWER", pbx.FailNoAnswer, pbx.CauseNoAnswer},
		{"lead-rejected", "21", 21, "", pbx.FailRejected, pbx.CauseRejected},
	} {
		if tc.note != "" {
			f.answer("GET", "/asterisk/variable?variable=HOTLINE_GONE_"+tc.id, fakeAnswer{status: 200, body: `{"value":"` + tc.note + `"}`})
		}
		before := len(f.recorded())
		err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: pbx.ChannelID(tc.id), Endpoint: "Local/busy@leads/n", Unattended: []string{"sound:safe-harbour"}})
		if err != nil {
			t.Fatal(err)
		}
		if tc.dial != "" {
			f.emit(`{"type":"Dial",` + ts + `,"dialstatus":"` + tc.dial + `","peer":{"id":"` + tc.id + `","state":"Down"}}`)
		}
		f.emit(fmt.Sprintf(`{"type":"ChannelDestroyed",%s,"cause":%d,"channel":{"id":"%s","state":"Down"}}`, ts, tc.cause, tc.id))
		ev := rec.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed](pbx.ChannelID(tc.id))).(pbx.OriginateFailed)
		if ev.Reason != tc.reason || ev.Cause != tc.want {
			t.Errorf("%s: OriginateFailed %s (cause %d); want %s (cause %d)", tc.id, ev.Reason, ev.Cause, tc.reason, tc.want)
		}
		hung := rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](pbx.ChannelID(tc.id))).(pbx.HungUp)
		if hung.Cause != tc.want {
			t.Errorf("%s: HungUp cause %d; want %d", tc.id, hung.Cause, tc.want)
		}
		waitFor(t, tc.id+"'s note taken", func() bool {
			return tc.note == "" || slices.Contains(f.recorded()[before:], "POST /asterisk/variable?variable=HOTLINE_GONE_"+tc.id)
		})
	}
}
