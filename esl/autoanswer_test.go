package esl_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl"
)

// An originate with AutoAnswer (an agent answering from the desk) asks
// FreeSWITCH for the auto-answer headers with sip_auto_answer=true (Call-Info)
// and an Alert-Info header of its own; one without does not.
func TestOriginateAutoAnswer(t *testing.T) {
	f := newFixture(t, esl.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, req := range []pbx.OriginateRequest{
		{ChannelID: "leg-auto", Endpoint: "user/1001", AutoAnswer: true},
		{ChannelID: "leg-ring", Endpoint: "user/1002"},
	} {
		if err := f.sw.Originate(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	found := map[string]string{}
	for _, line := range f.fs.Commands() {
		for _, id := range []string{"leg-auto", "leg-ring"} {
			if strings.HasPrefix(line, "bgapi originate ") && strings.Contains(line, "origination_uuid="+id) {
				found[id] = line
			}
		}
	}
	for _, want := range []string{"sip_auto_answer=true", "sip_h_Alert-Info=<http://127.0.0.1>;info=alert-autoanswer;delay=0"} {
		if !strings.Contains(found["leg-auto"], want) {
			t.Errorf("auto-answer originate %q lacks %s", found["leg-auto"], want)
		}
	}
	if ring := found["leg-ring"]; ring == "" || strings.Contains(ring, "sip_auto_answer") || strings.Contains(ring, "Alert-Info") {
		t.Errorf("plain originate %q: want one, without sip_auto_answer", ring)
	}
}
