package esl

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/percipia/eslgo/command"
)

// Sound name sets for Options.SoundNames.
const (
	// SoundNamesFreeSWITCH plays Hotline's built-in prompts from
	// FreeSWITCH's stock en/us/callie sound pack (the default).
	SoundNamesFreeSWITCH = "freeswitch"
	// SoundNamesAsterisk plays them under Asterisk's names, as <name>.wav
	// in sound_prefix, for a site that installed Asterisk's sounds there.
	SoundNamesAsterisk = "asterisk"
)

// Hotline's built-in prompts, by the names the engine plays them under
// (Asterisk's core sounds).
const (
	promptThereAre     = "queue-thereare"
	promptCallsWaiting = "queue-callswaiting"
	promptYouAreNext   = "queue-youarenext"
)

// stockPrompts are the files of FreeSWITCH's en/us/callie pack
// (docs/phrase/phrase_en.xml holds their words) that say what Hotline's
// built-in prompts say. The pack has no "calls waiting": the position is
// said as FreeSWITCH's own queue_position phrase does, "you are number N
// in line" (see position). A site that gives "calls waiting" a file of
// its own hears "there are" N and its file.
var stockPrompts = map[string][]string{
	promptYouAreNext:  {stockYouAreNumber, "digits/1.wav", stockInLine},        // "you are number one in line"
	promptThereAre:    {"ivr/ivr-there_are.wav"},                               // "there are..."
	"queue-holdtime":  {"ivr/ivr-estimated_hold_time.wav"},                     // "your estimated hold time is..."
	"queue-less-than": {"ivr/ivr-less_than.wav"},                               // "less than..."
	"queue-minutes":   {"time/minutes.wav"},                                    // "minutes"
	"queue-thankyou":  {"ivr/ivr-thank_you_for_holding.wav"},                   // "thank you for holding"
	"auth-thankyou":   {"ivr/ivr-we_will_return_your_call_at_this_number.wav"}, // the callback is taken
}

// The stock pack's position phrase: "you are number" N "in line".
const (
	stockYouAreNumber = "ivr/ivr-you_are_number.wav"
	stockInLine       = "ivr/ivr-in_line.wav"
)

// prompts turns "sound:" and "number:" media into FreeSWITCH files: the
// built-in prompts by the sound names in use, a site's own per-prompt
// files over them, and numbers through mod_say_en when FreeSWITCH has it.
type prompts struct {
	stock     bool              // built-in prompts from the stock pack
	overrides map[string]string // prompt name -> file, the site's own
}

func newPrompts(names string, overrides map[string]string) (prompts, error) {
	p := prompts{overrides: map[string]string{}}
	switch names {
	case "", SoundNamesFreeSWITCH:
		p.stock = true
	case SoundNamesAsterisk:
	default:
		return p, fmt.Errorf("sound names %q: want %s or %s: %w", names, SoundNamesFreeSWITCH, SoundNamesAsterisk, ErrBadMedia)
	}
	for name, file := range overrides {
		if name == "" || file == "" || strings.ContainsAny(file, "!\r\n") {
			return p, fmt.Errorf("sound %q: %q: %w", name, file, ErrBadMedia)
		}
		p.overrides[strings.TrimPrefix(name, "sound:")] = file
	}
	return p, nil
}

// sound is the files that play prompt name.
func (p prompts) sound(name string) []string {
	if f, ok := p.overrides[name]; ok {
		return []string{f}
	}
	if p.stock {
		if fs, ok := stockPrompts[name]; ok {
			return fs
		}
	}
	if path.Ext(name) == "" {
		// Given no extension, FreeSWITCH first looks for a file named
		// after the codec, logs an error, and fails inside file_string://.
		name += ".wav"
	}
	return []string{name}
}

// position reports whether media[i:] starts with the engine's position
// announcement, "there are" N "calls waiting", that the stock pack says as
// FreeSWITCH's own queue_position phrase does, "you are number N+1 in
// line": the pack has no "calls waiting". Only with the stock names, and
// when the site gave neither prompt a file of its own. n is N+1.
func (p prompts) position(media []string, i int) (n int, ok bool) {
	if !p.positionPhrase() || i+2 >= len(media) ||
		media[i] != "sound:"+promptThereAre || media[i+2] != "sound:"+promptCallsWaiting {
		return 0, false
	}
	rest, isNumber := strings.CutPrefix(media[i+1], "number:")
	n, err := strconv.Atoi(rest)
	if !isNumber || err != nil || n < 0 {
		return 0, false
	}
	return n + 1, true
}

func (p prompts) positionPhrase() bool {
	return p.stock && p.overrides[promptThereAre] == "" && p.overrides[promptCallsWaiting] == ""
}

// files lists every file the built-in prompts and numbers may play, for
// the check at connect.
func (p prompts) files() []string {
	seen := map[string]bool{}
	for _, name := range builtinPrompts {
		if p.positionPhrase() && (name == promptThereAre || name == promptCallsWaiting) {
			continue // replaced by the position phrase
		}
		for _, f := range p.sound(name) {
			seen[f] = true
		}
	}
	if p.positionPhrase() {
		seen[stockYouAreNumber], seen[stockInLine] = true, true
	}
	// mod_say_en plays the same digits/ files Hotline does without it.
	for n := range 20 {
		seen["digits/"+strconv.Itoa(n)+".wav"] = true
	}
	for n := 20; n < 100; n += 10 {
		seen["digits/"+strconv.Itoa(n)+".wav"] = true
	}
	seen["digits/hundred.wav"], seen["digits/thousand.wav"] = true, true
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// builtinPrompts are the prompt names the engine plays on its own
// (acd/engine's sound constants).
var builtinPrompts = []string{
	promptThereAre, promptCallsWaiting, promptYouAreNext,
	"queue-holdtime", "queue-less-than", "queue-minutes", "queue-thankyou", "auth-thankyou",
}

// sayNumber is n through FreeSWITCH's say engine (mod_say_en), expanded
// when the playback starts: say_string gives the files it would play, and
// "~" leaves off its "file_string://", so they join Hotline's own list.
func sayNumber(n int) string {
	return "${say_string(en.wav en number pronounced ~" + strconv.Itoa(n) + ")}"
}

// checkSounds asks FreeSWITCH whether its say engine (mod_say_en) says
// English numbers, which it then does, and whether the files of the built-in prompts are in its
// sound_prefix (file_exists), and logs the missing ones in one warning:
// FreeSWITCH fails a playback with one missing file at once, and the
// caller hears none of it. A reconnect to the same switch logs it again
// only if something changed.
func (s *Switch) checkSounds(ctx context.Context, l *link) error {
	api := func(cmd, args string) (string, error) {
		f, err := l.do(ctx, s.opts.CommandTimeout, command.API{Command: cmd, Arguments: args})
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", cmd, args, err)
		}
		return strings.TrimSpace(f.ReplyText()), nil
	}
	// Asked to say a number, as a playback will: mod_say_en answers only
	// if it is loaded and the en language (say-module) is configured.
	said, err := api("say_string", "en.wav en number pronounced ~5")
	if err != nil {
		return err
	}
	say := said == "digits/5.wav"
	s.sayEngine.Store(say)
	prefix, err := api("global_getvar", "sound_prefix")
	if err != nil {
		return err
	}
	var missing []string
	for _, f := range s.prompts.files() {
		full := f
		if !strings.HasPrefix(f, "/") {
			full = strings.TrimSuffix(prefix, "/") + "/" + f
		}
		if ok, err := api("file_exists", full); err != nil {
			return err
		} else if ok != "true" {
			missing = append(missing, f)
		}
	}
	warned := strings.Join(missing, " ")
	s.soundsMu.Lock()
	again := warned == s.soundsWarned
	s.soundsWarned = warned
	s.soundsMu.Unlock()
	if len(missing) > 0 && !again {
		s.log.Warn().Str("sound_prefix", prefix).Strs("missing", missing).Bool("say_engine", say).
			Msg("prompt files missing in FreeSWITCH's sound_prefix: announcements that use them fail unheard; install the en/us/callie sound pack, or set pbx.freeswitch.sound_names / sounds")
	}
	return nil
}
