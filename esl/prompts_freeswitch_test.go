package esl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
)

// TestFreeSWITCHPromptsStockPack: a caller whose sound_prefix holds the
// stock en/us/callie files Hotline needs, and nothing under Asterisk's
// names, hears every built-in announcement (position, wait estimate,
// callback taken) whole: each file there is a 0.6 s tone, so an
// announcement lasts at least its files' time. Under Asterisk's names
// FreeSWITCH skips every word it cannot find (only the numbers play) and
// fails a single missing file at once.
func TestFreeSWITCHPromptsStockPack(t *testing.T) {
	fs := needFreeSWITCH(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := stockPack(filepath.Join(fs.root, "share/freeswitch/sounds/en/us/callie"), dir); err != nil {
		t.Fatal(err)
	}
	const tone = 600 * time.Millisecond
	files := []int{6, 7, 1, 1} // stockHeard, by announcement
	for _, c := range []struct {
		soundNames string
		whole      bool
	}{{"", true}, {esl.SoundNamesAsterisk, false}} {
		t.Run("names="+c.soundNames, func(t *testing.T) {
			sw := fs.newSwitch(t, esl.Options{SoundNames: c.soundNames})
			tag := runTag()
			t.Cleanup(func() { fs.hangUpRun(t, tag) })
			rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
			a := fs.arrived(t, rec, farend.CallScript{From: "5557921", To: "100"}, "", tag)
			if err := sw.Answer(context.Background(), a.Channel); err != nil {
				t.Fatal(err)
			}
			if reply := fs.api(t, "uuid_setvar "+string(a.Channel)+" sound_prefix "+dir); !strings.HasPrefix(reply, "+OK") {
				t.Fatalf("uuid_setvar: %s", reply)
			}
			for i, media := range builtinAnnouncements {
				start := time.Now()
				failed := playAll(t, sw, rec, a.Channel, [][]string{media})[0]
				took := time.Since(start)
				full := time.Duration(files[i]) * tone * 9 / 10
				t.Logf("%v: failed=%v after %v", media, failed, took.Round(time.Millisecond))
				if c.whole && (failed || took < full) {
					t.Errorf("%v: failed=%v after %v; want all %d files played (%v)", media, failed, took, files[i], full)
				}
				if !c.whole && !failed && took >= full {
					t.Errorf("%v played whole under Asterisk's names, from a sound_prefix without them", media)
				}
			}
		})
	}
}

// TestFreeSWITCHPromptsMissingWarned: Hotline asks the real switch
// (file_exists) for its prompt files at connect and names a missing one.
func TestFreeSWITCHPromptsMissingWarned(t *testing.T) {
	fs := needFreeSWITCH(t)
	logs := &lockedBuffer{}
	startSwitch(t, esl.Options{Address: fs.addr, Password: fs.password, ReconnectDelay: 100 * time.Millisecond,
		Sounds: map[string]string{"auth-thankyou": "/nonexistent/hotline/thanks.wav"}, Log: zerolog.New(logs)})
	var warnings []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "prompt files missing") {
			warnings = append(warnings, line)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"missing":["/nonexistent/hotline/thanks.wav"]`) {
		t.Errorf("warnings about missing prompts:\n%s\nwant one naming only /nonexistent/hotline/thanks.wav", strings.Join(warnings, "\n"))
	}
}
