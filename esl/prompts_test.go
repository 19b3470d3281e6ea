package esl

import (
	"strings"
	"testing"
)

var asteriskNames = mustPrompts(SoundNamesAsterisk, nil)

func mustPrompts(names string, sounds map[string]string) prompts {
	p, err := newPrompts(names, sounds)
	if err != nil {
		panic(err)
	}
	return p
}

// The engine's announcements, as it sends them, on a stock FreeSWITCH
// (en/us/callie), with and without mod_say_en, and with a site's own files.
func TestPromptsStockNames(t *testing.T) {
	stock := mustPrompts("", nil)
	custom := mustPrompts(SoundNamesFreeSWITCH, map[string]string{"queue-thereare": "custom/there-are.wav", "sound:auth-thankyou": "/srv/sounds/thanks.wav"})
	cases := []struct {
		name  string
		p     prompts
		say   bool
		media string
		want  string
	}{
		{"position", stock, false, "sound:queue-thereare|number:2|sound:queue-callswaiting",
			"file_string://ivr/ivr-you_are_number.wav!digits/3.wav!ivr/ivr-in_line.wav"},
		{"position said", stock, true, "sound:queue-thereare|number:22|sound:queue-callswaiting",
			"file_string://ivr/ivr-you_are_number.wav!${say_string(en.wav en number pronounced ~23)}!ivr/ivr-in_line.wav"},
		{"next", stock, true, "sound:queue-youarenext",
			"file_string://ivr/ivr-you_are_number.wav!digits/1.wav!ivr/ivr-in_line.wav"},
		{"wait", stock, false, "sound:queue-holdtime|number:12|sound:queue-minutes",
			"file_string://ivr/ivr-estimated_hold_time.wav!digits/12.wav!time/minutes.wav"},
		{"wait said", stock, true, "sound:queue-holdtime|sound:queue-less-than|number:1|sound:queue-minutes",
			"file_string://ivr/ivr-estimated_hold_time.wav!ivr/ivr-less_than.wav!${say_string(en.wav en number pronounced ~1)}!time/minutes.wav"},
		{"number said alone", stock, true, "number:5", "file_string://${say_string(en.wav en number pronounced ~5)}"},
		{"callback taken", stock, false, "sound:auth-thankyou", "ivr/ivr-we_will_return_your_call_at_this_number.wav"},
		{"thank you", stock, false, "sound:queue-thankyou", "ivr/ivr-thank_you_for_holding.wav"},
		{"other sounds as they are", stock, false, "sound:ivr/ivr-welcome|sound:hello-world", "file_string://ivr/ivr-welcome.wav!hello-world.wav"},
		{"asterisk names", asteriskNames, false, "sound:queue-thereare|number:2|sound:queue-callswaiting",
			"file_string://queue-thereare.wav!digits/2.wav!queue-callswaiting.wav"},
		{"asterisk names said", asteriskNames, true, "sound:queue-youarenext|number:3",
			"file_string://queue-youarenext.wav!${say_string(en.wav en number pronounced ~3)}"},
		{"site's own file keeps the engine's words", custom, false, "sound:queue-thereare|number:2|sound:queue-callswaiting",
			"file_string://custom/there-are.wav!digits/2.wav!queue-callswaiting.wav"},
		{"site's own full path", custom, false, "sound:auth-thankyou", "/srv/sounds/thanks.wav"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.p.playArg("/rec", c.say, strings.Split(c.media, "|"))
			if err != nil || got != c.want {
				t.Errorf("%s =\n %q, %v; want\n %q", c.media, got, err, c.want)
			}
		})
	}
}

func TestPromptsBadSettings(t *testing.T) {
	for _, c := range []struct {
		names  string
		sounds map[string]string
	}{
		{"callie", nil},
		{"", map[string]string{"queue-thereare": ""}},
		{"", map[string]string{"queue-thereare": "a!b.wav"}},
	} {
		if _, err := newPrompts(c.names, c.sounds); err == nil {
			t.Errorf("newPrompts(%q, %v) accepted", c.names, c.sounds)
		}
	}
}

// The check at connect asks for every file the built-in prompts play.
func TestPromptsFiles(t *testing.T) {
	files := strings.Join(mustPrompts("", nil).files(), " ")
	for _, want := range []string{"ivr/ivr-you_are_number.wav", "ivr/ivr-in_line.wav", "ivr/ivr-estimated_hold_time.wav",
		"time/minutes.wav", "ivr/ivr-we_will_return_your_call_at_this_number.wav", "digits/19.wav", "digits/90.wav", "digits/thousand.wav"} {
		if !strings.Contains(files, want) {
			t.Errorf("files() lacks %s: %s", want, files)
		}
	}
	if strings.Contains(files, "queue-") {
		t.Errorf("stock names ask for Asterisk's files: %s", files)
	}
	if files := strings.Join(asteriskNames.files(), " "); !strings.Contains(files, "queue-thereare.wav") || strings.Contains(files, "ivr/") {
		t.Errorf("asterisk names: %s", files)
	}
}
