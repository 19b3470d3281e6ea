package esl_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// longLeg is an agent leg's id as Hotline names it for a call restored
// after a restart, the hundred-thousandth of the run before, on its tenth
// ring: call id, the new run's tag, "a" and the leg's number. FreeSWITCH
// keeps uuids of up to 255 characters.
func longLeg(tag string) pbx.ChannelID {
	return pbx.ChannelID(fmt.Sprintf("1417f2-c261201061849-100000-%s-a10", tag))
}

// runLongID originates, answers (the phone does) and hangs up a leg with
// a long id; an id FreeSWITCH would cut short is refused.
func runLongID(t *testing.T, sw *esl.Switch, rec *pbxtest.Recorder, id pbx.ChannelID, endpoint string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: endpoint, Timeout: 20 * time.Second}); err != nil {
		t.Fatalf("originate %s (%d characters): %v", id, len(id), err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](id))
	if err := sw.Hangup(ctx, id, pbx.CauseNormal); err != nil {
		t.Fatalf("hang up %s: %v", id, err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
	tooLong := pbx.ChannelID(strings.Repeat("x", 256))
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: tooLong, Endpoint: endpoint}); err == nil {
		t.Errorf("a 256-character id was sent: FreeSWITCH keeps 255")
	}
}

func TestLongChannelID(t *testing.T) {
	f := newFixture(t, esl.Options{})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	runLongID(t, f.sw, rec, longLeg("9a8b7c"), f.fs.NewPhone(esltest.Phone{Mode: esltest.Answer}))
}

// TestFreeSWITCHLongChannelID: the real switch takes a leg's id of more
// than 36 characters, and Hotline follows it through answer and hang-up.
func TestFreeSWITCHLongChannelID(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	runLongID(t, sw, rec, longLeg(tag), fs.endpoint(farend.Phone{AnswerDelay: 100 * time.Millisecond}, tag))
}
