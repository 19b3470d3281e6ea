package esl_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/acd/speech/speechtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/internal/surveytest"
)

// TestFreeSWITCHE2ESurveySpoken: a survey campaign on a real FreeSWITCH
// whose lead answers by voice (testdata/asterisk/e2e/survey-spoken.yaml's
// flow, the lead of context hotline-test-spoken). The lead waits for each
// question's beep (until FreeSWITCH reports it played out on Hotline's
// half of the call), then, after a breath, says "four stars" to the
// first, keys 2 to the second and says "yes, definitely" to the third,
// in one call; the record application keeps each utterance until
// silence, Hotline sends it to the test's recognizer (which refuses
// anything but a WAV with voice in it), and the lead keeps each answer's
// value, what was heard and how well it matched: in the API while the
// daemon runs and in the store after. A Listen with no beep, or a beep
// after the recording began, leaves the lead silent or unheard.
func TestFreeSWITCHE2ESurveySpoken(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // FreeSWITCH plays the answers and prompts from here
		t.Fatal(err)
	}
	levels := surveytest.Answers(t, dir)
	flows, err := os.ReadFile("../testdata/asterisk/e2e/survey-spoken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tr := &speechtest.Transcriber{Model: "hotline-test"}
	tr.Learn(levels)
	recognizer := httptest.NewServer(tr)
	defer recognizer.Close()
	prompts := filepath.Join(dir, "prompts")
	if err := os.MkdirAll(prompts, 0o755); err != nil {
		t.Fatal(err)
	}
	body := strings.NewReplacer("@PROMPTS@", prompts, "@PROMPTURL@", "", "@RECOGNIZER@", recognizer.URL,
		"Local/{number}@hotline-leads/n", strconv.Quote("[hltest_run=@TAG@]loopback/{number}/hotline-test-spoken")).Replace(string(flows))
	s := newScenario(t, "park", body)
	phone := fmt.Sprintf("+3396%05d1", os.Getpid()%100000)
	path := filepath.Join(filepath.Dir(s.config), "hotline.db") // newScenario puts the store beside the config
	surveytest.Seed(t, path, phone)
	s.start()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	said := leadAfterBeeps(t, ctx, s.fs, phone, []string{"uuid_broadcast %s " + dir + "/1.wav aleg", "uuid_send_dtmf %s 2@250", "uuid_broadcast %s " + dir + "/2.wav aleg"})
	resp, err := http.Post("http://"+s.api+"/api/v1/campaigns/"+surveytest.Campaign+"/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start the campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	var shown []campaign.Lead
	s.eventually(60*time.Second, "the survey over and its lead saved", func() bool {
		var list []engine.CampaignStatus
		if !s.getJSON("/api/v1/campaigns", &list) || len(list) != 1 {
			return false
		}
		if list[0].Stats.Dialed != 1 || list[0].Ringing != 0 || list[0].Live != 0 {
			return false
		}
		// The campaign counts the call over before its lead is written.
		shown = nil
		return s.getJSON("/api/v1/campaigns/"+surveytest.Campaign+"/leads", &shown) && len(shown) == 1 &&
			shown[0].State != campaign.Dialing && shown[0].State != campaign.Answered
	})
	stop()
	lead := <-said
	if len(lead.errs) > 0 || lead.beeps != 3 || len(lead.done) != 3 {
		t.Fatalf("the lead heard %d beeps and took %d steps (%q); want 3 and 3", lead.beeps, len(lead.done), lead.errs)
	}
	// What the lead said, FreeSWITCH played on the lead's half only after
	// the beep it answered had played out on Hotline's.
	for n, file := range []string{"/1.wav", "/2.wav"} {
		beep := lead.done[2*n]
		plays, _ := playsHeard(lead.evs, lead.uuid, file)
		if len(plays) != 1 || plays[0].end.Sub(beep) < plays[0].played {
			t.Errorf("the lead's answer %s: playbacks %+v; want one, begun after the beep it answers (over at %s)", file, plays, beep.Format(time.StampMilli))
		}
	}
	surveytest.CheckLead(t, "the API", shown[0])
	var steps []string
	for _, r := range s.records() {
		if r.Direction == acd.DirectionOutbound && r.Called == phone {
			for _, st := range r.Timeline {
				steps = append(steps, strings.TrimSpace(st.Kind+" "+st.Detail))
			}
		}
	}
	all := strings.Join(steps, " | ")
	surveytest.CheckTimeline(t, all)
	heard, refused := tr.Heard()
	t.Logf("answers %v; the recognizer heard %q; the call: %s", levels, heard, all)
	if len(heard) != 2 || len(refused) != 0 {
		t.Errorf("the recognizer answered %q and refused %q; want each spoken answer once", heard, refused)
	}
	s.d.stop()
	surveytest.CheckStore(t, path)
}

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

// leadSaid is what leadAfterBeeps saw and did.
type leadSaid struct {
	uuid  string       // the lead's half of the call
	beeps int          // beeps played out on Hotline's half
	done  []time.Time  // when each answered beep was over
	errs  []string     // steps FreeSWITCH refused
	evs   []timedEvent // the events read
}

// leadAfterBeeps plays the part of the lead dialed at phone: each time
// FreeSWITCH reports a Listen's beep played out on Hotline's half of the
// call (loopback/PHONE-a), the lead's half (loopback/PHONE-b) takes a
// breath and does its next step, an API command with %s for its id. It
// reports, once ctx ends, what it saw and did.
func leadAfterBeeps(t *testing.T, ctx context.Context, fs *freeSWITCH, phone string, steps []string) <-chan leadSaid {
	t.Helper()
	const breath = 300 * time.Millisecond
	out := make(chan leadSaid, 1)
	var l leadSaid
	fs.onEvents(t, ctx, "CHANNEL_ANSWER PLAYBACK_START PLAYBACK_STOP", func(ev timedEvent) {
		l.evs = append(l.evs, ev)
		switch name := ev.Get("Channel-Name"); {
		case ev.Name() == "CHANNEL_ANSWER" && name == "loopback/"+phone+"-b":
			l.uuid = ev.Get("Unique-ID")
		case ev.Name() == "PLAYBACK_STOP" && name == "loopback/"+phone+"-a" && ev.Get("Playback-File-Path") == esl.ListenBeep:
			l.beeps++
			if l.uuid == "" || len(l.done) == len(steps) {
				return
			}
			us, _ := strconv.ParseInt(ev.Get("Event-Date-Timestamp"), 10, 64)
			l.done = append(l.done, time.UnixMicro(us))
			time.Sleep(breath)
			if reply := fs.command(ctx, "api "+fmt.Sprintf(steps[len(l.done)-1], l.uuid)); !strings.HasPrefix(reply, "+OK") {
				l.errs = append(l.errs, reply)
			}
		}
	}, func() { out <- l })
	return out
}
