package engine

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/speech"
)

// DefaultRecognizeTimeout bounds one transcription when
// Options.RecognizeTimeout is unset.
const DefaultRecognizeTimeout = 10 * time.Second

// listening is a call's spoken question being recorded or recognized.
type listening struct {
	name string        // the utterance's recording name while the switch records it
	seq  int           // numbers the call's utterances
	gen  uint64        // numbers what the call's flow heard, so a late transcript is told from the current one
	wait time.Duration // the flow's last timer: how long it waits for a key or a phrase
	off  bool          // the recognizer failed: the call goes on by keys alone
	cut  string        // the utterance a run before a restart left recording; stopped when the call resumes
}

// flowListen carries out a FAQ's Listen: with a recognizer configured,
// the switch records what the caller says after a beep, until the node's
// listen_silence (else speech.listen_silence) of silence or its cap. The flow's timer
// waits for the utterance and its transcript (re-armed if nothing comes
// of it), so that a slow recognizer does not count as a caller's silence.
func (c *Core) flowListen(now time.Time, cl *call, a ivr.Listen) {
	if c.opts.Recognizer == nil || cl.listen.off || cl.listen.name != "" {
		return
	}
	cl.listen.seq++
	// legTag: a name of its own after a restart, the old one may still record.
	cl.listen.name = "utterance-" + cl.id + "-" + cl.legTag + strconv.Itoa(cl.listen.seq)
	silence := a.Silence
	if silence <= 0 {
		silence = c.opts.Config.Speech.ListenSilence
	}
	req := pbx.ListenRequest{Name: cl.listen.name, Channel: cl.ch, Max: a.Max, Silence: silence, Beep: true}
	maxLen, silence := req.Limits()
	cl.gen[TimerMenu]++ // a guard, should the switch never report the utterance
	c.out.At(now.Add(maxLen+silence+c.recognizeTimeout()+cl.listen.wait), Timer{Kind: TimerMenu, Call: cl.id, Gen: cl.gen[TimerMenu]})
	c.do(Command{Op: OpListen, Lane: cl.id, Channel: cl.ch, Listen: req})
	c.saveActive(now, cl) // a restart stops it (resumeListening)
}

// resumeListening stops the utterance a run before a restart left
// recording, before the restored caller is asked again: it must not run
// on under the question, nor be taken for the answer to it (its name is
// not the call's any more, so its Utterance is dropped).
func (c *Core) resumeListening(now time.Time, cl *call) {
	if cl.listen.cut == "" {
		return
	}
	// With the channel: a switch that knew the listen only by this name
	// in the run before stops it by its channel (pbx.ListenStopper).
	c.do(Command{Op: OpStopRecording, Lane: cl.id, Channel: cl.ch, Name: cl.listen.cut})
	c.step(now, cl, "speech-cut", "", "by the restart; asked again")
	cl.listen.cut = ""
}

func (c *Core) recognizeTimeout() time.Duration {
	if c.opts.RecognizeTimeout > 0 {
		return c.opts.RecognizeTimeout
	}
	return DefaultRecognizeTimeout
}

// stopListening ends what the call's flow was hearing: another input
// (a key, the timer) came first. The utterance, if still recorded, is
// stopped; a transcript on its way is dropped.
func (c *Core) stopListening(cl *call) {
	cl.listen.gen++
	if cl.listen.name != "" {
		c.do(Command{Op: OpStopRecording, Lane: cl.id, Name: cl.listen.name})
		cl.listen.name = ""
	}
}

// onUtterance sends what the caller said to the recognizer, off the
// engine goroutine; the transcript comes back to the flow as a Phrase.
func (c *Core) onUtterance(now time.Time, e pbx.Utterance) {
	ref, ok := c.lookup(now, e.Channel, "utterance "+e.Name)
	if !ok || ref.leg != nil || ref.call.listen.name != e.Name {
		c.trace(now, "utterance %s dropped: the call moved on", e.Name)
		return
	}
	cl := ref.call
	cl.listen.name = ""
	switch {
	case e.Failed:
		c.speechFailed(now, cl, "recording the caller: "+e.Err)
		return
	case len(e.Audio) == 0 || silent(e.Audio):
		c.heardNothing(now, cl)
		return
	}
	gen, node, lang := cl.listen.gen, cl.flow.Node, cl.flow.Var(ivr.VarLanguage)
	rec, limit, audio, file := c.opts.Recognizer, c.recognizeTimeout(), e.Audio, e.Name+".wav"
	c.offload(now, cl, func(ctx context.Context) func(time.Time, *call) {
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		text, err := rec.Recognize(ctx, bytes.NewReader(audio), file, lang)
		return func(now time.Time, cl *call) {
			if cl.listen.gen != gen || cl.phase != acd.CallMenu || cl.flow.Node != node {
				return // a key or the timer came first
			}
			switch {
			case err != nil:
				c.speechFailed(now, cl, err.Error())
			case text == "":
				c.heardNothing(now, cl)
			default:
				c.flowInput(now, cl, ivr.Phrase{Text: text})
			}
		}
	})
}

// heardNothing: the caller said nothing the recognizer could make out;
// the flow waits for a key as if it had not listened.
func (c *Core) heardNothing(now time.Time, cl *call) {
	c.step(now, cl, "speech-silent", "", "")
	c.armFlowTimer(now, cl)
}

// speechFailed: the switch could not record, or the recognizer failed or
// was too slow. The call goes on by keys alone, with no loss of function.
func (c *Core) speechFailed(now time.Time, cl *call, why string) {
	c.warn(now, "speech", "call %s: %s; the caller goes on by keys", cl.id, why)
	c.step(now, cl, "speech-failed", "", why)
	cl.listen.off = true
	c.armFlowTimer(now, cl)
}

func (c *Core) armFlowTimer(now time.Time, cl *call) {
	if cl.phase != acd.CallMenu {
		return
	}
	cl.gen[TimerMenu]++
	c.out.At(now.Add(cl.listen.wait), Timer{Kind: TimerMenu, Call: cl.id, Gen: cl.gen[TimerMenu]})
}

// silent reports audio with nothing in it worth sending to a recognizer;
// audio it cannot read is sent all the same.
func silent(audio []byte) bool {
	l, err := speech.WAVLevel(audio)
	return err == nil && l.Silent()
}
