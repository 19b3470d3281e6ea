package esl

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// A leg Hotline originates answers (CHANNEL_ANSWER) before FreeSWITCH is
// done originating it: the originate's own thread keeps the leg until it
// has seen the answer (it looks every 20 ms), given the leg its
// application (&park()) and returned, which BACKGROUND_JOB reports. An
// application sent with sendmsg in that window is run by the originate's
// thread on its way out and ends at once, unplayed: the safe-harbour
// message, a survey's first question or the music of a lead that
// answered were cut to nothing.
//
// So an application for an originated leg waits until its originate is
// over: BACKGROUND_JOB came, or the leg is gone. One whose originate never
// reports is let go after joinWait.

// handover is an originate FreeSWITCH has not reported over yet.
type handover struct {
	job  string
	done chan struct{}
}

// startHandover records the originate of ch about to be sent as job.
func (r *registry) startHandover(ch pbx.ChannelID, job string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handovers[ch] = &handover{job: job, done: make(chan struct{})}
}

// endHandoverLocked lets every command waiting on ch's originate go.
// Called with mu held.
func (r *registry) endHandoverLocked(ch pbx.ChannelID) {
	if h := r.handovers[ch]; h != nil {
		delete(r.handovers, ch)
		close(h.done)
	}
}

func (r *registry) endHandover(ch pbx.ChannelID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endHandoverLocked(ch)
}

// endHandovers lets every originate go: the link is down and its events
// are lost.
func (r *registry) endHandovers() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ch := range r.handovers {
		r.endHandoverLocked(ch)
	}
}

// settleHandovers ends the originates a FreeSWITCH event shows over.
func (r *registry) settleHandovers(ev *wire.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.handovers) == 0 {
		return
	}
	switch ev.Name() {
	case "BACKGROUND_JOB":
		job := ev.Get("Job-UUID")
		for ch, h := range r.handovers {
			if h.job == job {
				r.endHandoverLocked(ch)
				return
			}
		}
	case "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE":
		r.endHandoverLocked(pbx.ChannelID(ev.Get("Unique-ID")))
	}
}

// awaitHandover waits until FreeSWITCH is done originating ch (at most
// joinWait, or until ctx ends).
func (s *Switch) awaitHandover(ctx context.Context, ch pbx.ChannelID) {
	s.reg.mu.Lock()
	h := s.reg.handovers[ch]
	s.reg.mu.Unlock()
	if h == nil {
		return
	}
	t := time.NewTimer(joinWait)
	defer t.Stop()
	select {
	case <-h.done:
	case <-ctx.Done():
	case <-t.C:
		s.reg.endHandover(ch)
		s.log.Warn().Str("channel", string(ch)).Dur("waited", joinWait).
			Msg("originate answered but never reported over; going on")
	}
}
