package esl_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
)

// TestFreeSWITCHListenBeepFirst: a Listen's recording starts once its
// beep is over, as on Asterisk. Sent as two messages without event-lock,
// FreeSWITCH ran the record application nested inside the beep's
// playback: the recording began (and could end on silence) before the
// caller heard the beep, which played after it.
func TestFreeSWITCHListenBeepFirst(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 10*time.Second)
	ctx, stop := context.WithCancel(context.Background())
	events := fs.rawEvents(t, ctx, "CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE")
	a := fs.arrived(t, rec, farend.CallScript{From: "5557801", To: "100"}, "", tag)
	if err := sw.Answer(context.Background(), a.Channel); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, context.Background(), pbxtest.On[pbx.Answered](a.Channel))
	name := fmt.Sprintf("beep-first-%d", time.Now().UnixNano()%1e9)
	if err := sw.Listen(context.Background(), pbx.ListenRequest{Name: name, Channel: a.Channel, Silence: time.Second, Beep: true}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
		u, ok := ev.(pbx.Utterance)
		return ok && u.Name == name
	})
	stop()
	var order []string
	for _, ev := range <-events {
		if id := ev.Get("Application-UUID"); ev.Get("Unique-ID") == string(a.Channel) && (id == "hotline-beep" || id == name) {
			order = append(order, ev.Name()+" "+ev.Get("Application"))
		}
	}
	// The record's own end may come after the raw connection closed.
	want := []string{"CHANNEL_EXECUTE playback", "CHANNEL_EXECUTE_COMPLETE playback", "CHANNEL_EXECUTE record"}
	if len(order) < len(want) || fmt.Sprint(order[:len(want)]) != fmt.Sprint(want) {
		t.Errorf("the Listen's applications ran %q; want the beep played out before the record began: %q", order, want)
	}
}
