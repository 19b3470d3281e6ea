package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// TestRestartKeepsRingAttempt: alice's phone rings when the daemon dies
// (kill -9). The call's attempts after the restart still hold that ring,
// from when it began: cut by the restart (cancelled, not held against her)
// when the leg is hung up or gone, answered when she picked it up while
// Hotline was down.
func TestRestartKeepsRingAttempt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		phone farend.Phone
		keep  func(pbx.ChannelInfo) bool
		first acd.AttemptResult
	}{
		{"leg still ringing", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 8 * time.Second, HangupAfter: 30 * time.Second}, nil, acd.AttemptCancelled},
		{"leg not in the snapshot", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 8 * time.Second, HangupAfter: 30 * time.Second},
			func(ch pbx.ChannelInfo) bool { return ch.Answered }, acd.AttemptCancelled},
		{"answered while down", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 2 * time.Second, HangupAfter: 30 * time.Second}, nil, acd.AttemptAnswered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r := newRestartableRun(t, restartConfig, st)
			callAlice(t, r, tc.phone)
			r.RunUntil(epoch.Add(time.Second))
			kill(t, r)
			r.RunUntil(epoch.Add(4 * time.Second))
			restart(t, r, st, "run2", tc.keep)
			r.RunUntil(epoch.Add(time.Minute))

			recs := records(st)
			if len(recs) != 1 {
				t.Fatalf("records %+v", recs)
			}
			rec := recs[0]
			var offered time.Time
			for _, s := range rec.Timeline {
				if s.Kind == "offer" {
					offered = s.At
					break
				}
			}
			if len(rec.Attempts) == 0 || rec.Attempts[0] != (store.Attempt{Agent: "alice", At: offered, Result: tc.first}) {
				t.Errorf("attempts %s, want first alice's ring at %v %s; timeline %s", fmtAttempts(rec.Attempts), offered.Sub(epoch), tc.first, timelineKinds(rec))
			}
			for _, at := range rec.Attempts {
				if at.Result == acd.AttemptNoAnswer {
					t.Errorf("attempt %+v counts against alice", at)
				}
			}
		})
	}
}

func fmtAttempts(as []store.Attempt) string {
	out := ""
	for _, a := range as {
		out += fmt.Sprintf("[%s %v %s]", a.Agent, a.At.Sub(epoch), a.Result)
	}
	return out
}
