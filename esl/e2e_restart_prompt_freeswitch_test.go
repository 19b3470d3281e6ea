package esl_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// longQuestion makes an 18 s prompt of the bundle's queue-thankyou (sox)
// and returns its media item.
func (fs *freeSWITCH) longQuestion(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(fs.root, "share/freeswitch/sounds/en/us/callie")
	out := filepath.Join(dir, "hotline-long-question.wav")
	if _, err := os.Stat(out); err != nil {
		if _, err := exec.LookPath("sox"); err != nil {
			t.Skip("sox not on PATH (apt-get install sox)")
		}
		if b, err := exec.Command("sox", filepath.Join(dir, "queue-thankyou.wav"), out+".tmp.wav", "repeat", "29").CombinedOutput(); err != nil {
			t.Fatalf("sox: %v: %s", err, b)
		}
		if err := os.Rename(out+".tmp.wav", out); err != nil {
			t.Fatal(err)
		}
	}
	return "sound:hotline-long-question"
}

// Hotline is killed (SIGKILL) while a menu's 18 s question plays, and
// started again. The restarted daemon stops the question the run before
// left playing before it asks again: FreeSWITCH would run the new one
// nested inside it, and the rest of the old one would play on after it,
// while the caller is to answer.
func TestFreeSWITCHE2ERestartStopsPrompt(t *testing.T) {
	fs := needFreeSWITCH(t)
	question := fs.longQuestion(t)
	s := newScenario(t, "park", `entries: [{number: "7560", menu: main}]
menus:
  - name: main
    prompt: [`+question+`]
    timeout: 5s
    retries: 1
    options:
      "1": {queue: sales}
`+e2eQueue+`
agents:
  - {id: gina, name: Gina, endpoint: "@PHONE:answer-200-hangup-800@", queues: [{queue: sales}], logged_in: true}
`)
	stop := s.fs.watch(t, "CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE")
	s.start()
	s.call(farend.CallScript{From: "5557561", To: "7560"})
	var uuid string
	s.eventually(30*time.Second, "the question plays", func() bool {
		c, ok := s.channelOf("5557561")
		uuid = c["uuid"]
		return ok && c["application"] == "playback"
	})
	started := time.Now()
	time.Sleep(time.Second)
	s.d.kill()
	s.start()
	// The question asked again plays. Looked at 12 s into the first one,
	// which would play on to 18 s: time enough for a restart on a busy
	// machine, and still before the old question could end by itself.
	time.Sleep(time.Until(started.Add(12 * time.Second)))
	var got []string
	for _, ev := range stop() {
		if ev.Get("Unique-ID") != uuid || ev.Get("Application") != "playback" || !strings.Contains(ev.Get("Application-Data"), "hotline-long-question") {
			continue
		}
		sign := "+"
		if ev.Get("Event-Name") == "CHANNEL_EXECUTE_COMPLETE" {
			sign = "-"
		}
		got = append(got, sign+ev.Get("Application-UUID"))
	}
	// +old -old +new: the old one over before the new one starts.
	ok := len(got) >= 3
	if ok {
		old := got[0][1:]
		ok = got[0] == "+"+old && got[1] == "-"+old && strings.HasPrefix(got[2], "+") && got[2] != "+"+old
	}
	if !ok {
		t.Errorf("the question's playbacks on %s: %v; want the one cut by the restart over before the one asked again starts", uuid, got)
	}
}
