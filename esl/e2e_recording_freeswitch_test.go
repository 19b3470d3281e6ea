package esl_test

import (
	"os"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// A recorded conversation that ends while Hotline is down: FreeSWITCH
// writes the file out at the hang-up, and nobody hears its RECORD_STOP.
// The restarted daemon ends the call, and its recording guard finds the
// file in the recordings directory: the record has its path, not a
// failure, and the file is there with the conversation in it.
func TestFreeSWITCHE2ERecordingAcrossRestart(t *testing.T) {
	s := newScenario(t, "park", `entries: [{number: "7810", queue: sales}]`+e2eQueue+`
agents:
  - {id: lena, name: Lena, endpoint: "@PHONE:answer-300-hangup-5000@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557811", To: "7810"})
	leg := s.talkingLeg("lena")
	time.Sleep(time.Second) // recording
	s.d.kill()
	s.legGone(leg, "lena hangs up while Hotline is down")
	s.start()

	var rec store.CallRecord
	s.eventually(30*time.Second, "the call's recording settled after the restart", func() bool {
		for _, r := range s.records() {
			if r.Caller == "5557811" && !r.Ended.IsZero() && r.Recording.Name != "" && (r.Recording.Path != "" || r.Recording.Failed) {
				rec = r
				return true
			}
		}
		return false
	})
	if rec.Recording.Failed || rec.Recording.Path == "" {
		t.Fatalf("recording after the restart %+v, timeline %+v; want its path", rec.Recording, rec.Timeline)
	}
	fi, err := os.Stat(rec.Recording.Path)
	// Over a second of 8 kHz 16-bit audio at least; a header alone is 44 bytes.
	if err != nil || fi.Size() < 16000 {
		t.Errorf("recording file %s: %v, %v", rec.Recording.Path, err, fi)
	}
	t.Cleanup(func() { _ = os.Remove(rec.Recording.Path) })
}

// talkingLeg waits for an agent leg (agent names it) to be talking, and
// returns its uuid.
func (s *fsScenario) talkingLeg(agent string) string {
	s.t.Helper()
	var leg string
	s.eventually(30*time.Second, agent+" talking", func() bool {
		for _, c := range s.channels() {
			if agentLeg.MatchString(c["uuid"]) && c["callstate"] == "ACTIVE" {
				leg = c["uuid"]
			}
		}
		return leg != ""
	})
	return leg
}

// legGone waits for FreeSWITCH to have no channel leg any more.
func (s *fsScenario) legGone(leg, what string) {
	s.t.Helper()
	s.eventually(10*time.Second, what, func() bool {
		for _, c := range s.channels() {
			if c["uuid"] == leg {
				return false
			}
		}
		return true
	})
}
