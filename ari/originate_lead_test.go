package ari

import (
	"context"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// TestOriginateLeadContext: a lead with an unattended message is
// originated into the lead context at its label, with the message and the
// application in its variables, and the application is subscribed to it;
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
		`POST /channels/lead-1?context=hotline-lead&endpoint=PJSIP%2F%2B3312%40trunk&extension=s&label=lead&timeout=30 {"variables":{"HOTLINE_APP":"hotline","HOTLINE_UNATTENDED":"safe-harbour\u0026beep"}}`,
		`POST /applications/hotline/subscription?eventSource=channel%3Alead-1`,
	}
	if got := f.recorded()[before:]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	f.answer("POST", "/channels/lead-2?context=hotline-lead&endpoint=PJSIP%2F%2B3312%40trunk&extension=s&label=lead&timeout=30",
		fakeAnswer{status: 404, body: `{"message":"Requested label can not be found"}`})
	before = len(f.recorded())
	if err := c.Originate(ctx, req("lead-2")); err != nil {
		t.Fatal(err)
	}
	got := f.recorded()[before:]
	if len(got) != 2 || !strings.HasPrefix(got[1], `POST /channels/lead-2?app=hotline&appArgs=leg&endpoint=`) {
		t.Errorf("with no lead context, sent\n  %s\nwant the originate refused, then one straight into the application", strings.Join(got, "\n  "))
	}
}
