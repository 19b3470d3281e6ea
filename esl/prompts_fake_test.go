package esl_test

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// callieFiles are the files of FreeSWITCH's stock en/us/callie pack that
// Hotline's built-in prompts play (the pack has many more).
func callieFiles() []string {
	files := []string{
		"ivr/ivr-you_are_number.wav", "ivr/ivr-in_line.wav", "ivr/ivr-there_are.wav",
		"ivr/ivr-estimated_hold_time.wav", "ivr/ivr-less_than.wav", "time/minutes.wav",
		"ivr/ivr-thank_you_for_holding.wav", "ivr/ivr-we_will_return_your_call_at_this_number.wav",
		"digits/hundred.wav", "digits/thousand.wav",
	}
	for n := range 20 {
		files = append(files, "digits/"+strconv.Itoa(n)+".wav")
	}
	for n := 20; n < 100; n += 10 {
		files = append(files, "digits/"+strconv.Itoa(n)+".wav")
	}
	return files
}

// The engine's announcements: position, wait estimate, callback taken.
var builtinAnnouncements = [][]string{
	{"sound:queue-thereare", "number:2", "sound:queue-callswaiting", "sound:queue-holdtime", "number:12", "sound:queue-minutes"},
	{"sound:queue-youarenext", "sound:queue-holdtime", "sound:queue-less-than", "number:1", "sound:queue-minutes"},
	{"sound:auth-thankyou"},
	{"sound:queue-thankyou"},
}

// playAll plays each announcement on an answered caller and returns, per
// announcement, whether it failed and what the channel was asked to play.
func playAll(t *testing.T, sw *esl.Switch, rec *pbxtest.Recorder, ch pbx.ChannelID, announcements [][]string) (failed []bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, media := range announcements {
		id := pbx.PlaybackID("ann-" + strconv.Itoa(i) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36))
		if err := sw.Play(ctx, ch, id, media...); err != nil {
			t.Fatalf("play %v: %v", media, err)
		}
		ev := rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			pf, ok := ev.(pbx.PlaybackFinished)
			return ok && pf.Playback == id
		})
		failed = append(failed, ev.(pbx.PlaybackFinished).Failed)
	}
	return failed
}

func answeredCaller(t *testing.T, f *fixture, rec *pbxtest.Recorder, from string) pbx.ChannelID {
	t.Helper()
	uuid, err := f.placeCall(farend.CallScript{From: from, To: "100"}, "entry,100")
	if err != nil {
		t.Fatal(err)
	}
	ch := pbx.ChannelID(uuid)
	rec.WaitFor(t, context.Background(), pbxtest.On[pbx.CallArrived](ch))
	if err := f.sw.Answer(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	return ch
}

// stockHeard is what a caller hears of builtinAnnouncements on a
// FreeSWITCH with the stock sound pack.
var stockHeard = []string{
	"ivr/ivr-you_are_number.wav", "digits/3.wav", "ivr/ivr-in_line.wav", "ivr/ivr-estimated_hold_time.wav", "digits/12.wav", "time/minutes.wav",
	"ivr/ivr-you_are_number.wav", "digits/1.wav", "ivr/ivr-in_line.wav", "ivr/ivr-estimated_hold_time.wav", "ivr/ivr-less_than.wav", "digits/1.wav", "time/minutes.wav",
	"ivr/ivr-we_will_return_your_call_at_this_number.wav",
	"ivr/ivr-thank_you_for_holding.wav",
}

// On a FreeSWITCH with the stock sound pack and nothing else, every
// built-in announcement plays whole, with and without mod_say_en. Under
// Asterisk's names a caller hears only the numbers: FreeSWITCH skips the
// files of a list it cannot find, and fails a single one at once.
func TestPromptsStockPackFake(t *testing.T) {
	for _, c := range []struct {
		name       string
		say        bool
		soundNames string
		wantHeard  []string
		wantFailed []bool
	}{
		{"stock names", false, "", stockHeard, []bool{false, false, false, false}},
		{"stock names, mod_say_en", true, "", stockHeard, []bool{false, false, false, false}},
		{"asterisk names", false, esl.SoundNamesAsterisk, []string{"digits/2.wav", "digits/12.wav", "digits/1.wav"}, []bool{false, false, true, true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixtureOn(t, esltest.Options{Sounds: callieFiles(), SayModule: c.say}, esl.Options{SoundNames: c.soundNames})
			rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
			ch := answeredCaller(t, f, rec, "5557911")
			if failed := playAll(t, f.sw, rec, ch, builtinAnnouncements); !slices.Equal(failed, c.wantFailed) {
				t.Errorf("failed %v; want %v", failed, c.wantFailed)
			}
			st, _ := f.fs.Channel(string(ch))
			if !slices.Equal(st.Heard, c.wantHeard) {
				t.Errorf("heard\n %q\nwant\n %q\n(played %q)", st.Heard, c.wantHeard, st.Played)
			}
			if said := strings.Contains(strings.Join(st.Played, " "), "say_string"); said != c.say {
				t.Errorf("numbers through mod_say_en: %v; want %v (played %q)", said, c.say, st.Played)
			}
		})
	}
}

// A missing prompt file is left out of the announcement (or fails it, when
// it is the only one), so Hotline names it in one warning at connect, not
// again on a reconnect.
func TestPromptsMissingWarnedOnceFake(t *testing.T) {
	var have []string
	for _, f := range callieFiles() {
		if f != "ivr/ivr-in_line.wav" {
			have = append(have, f)
		}
	}
	logs := &lockedBuffer{}
	fake, err := esltest.New(esltest.Options{Sounds: have})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	sw := startSwitch(t, esl.Options{Address: fake.Addr(), Password: "ClueCon", CommandTimeout: 10 * time.Second,
		ReconnectDelay: 20 * time.Millisecond, Log: zerolog.New(logs)})
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool { _, ok := ev.(pbx.Synced); return ok })
	fake.DropConnections()
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool { s, ok := ev.(pbx.Synced); return ok && s.Reconnect })
	f := &fixture{fs: fake, sw: sw}
	ch := answeredCaller(t, f, rec, "5557912")
	playAll(t, sw, rec, ch, builtinAnnouncements[:1])
	if st, _ := fake.Channel(string(ch)); slices.Contains(st.Heard, "ivr/ivr-in_line.wav") || !slices.Contains(st.Heard, "ivr/ivr-you_are_number.wav") {
		t.Errorf("heard %q: want the announcement without ivr/ivr-in_line.wav", st.Heard)
	}
	var warnings []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "prompt files missing") {
			warnings = append(warnings, line)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"missing":["ivr/ivr-in_line.wav"]`) {
		t.Errorf("warnings about missing prompts:\n%s\nwant one naming ivr/ivr-in_line.wav", strings.Join(warnings, "\n"))
	}
}

type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
