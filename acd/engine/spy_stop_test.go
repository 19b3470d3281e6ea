package engine

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// A supervisor stops the whisper they started: the status lists the
// monitor (who, on whom, how) until then; the supervisor's leg is hung up,
// the caller and alice talk on, the record says who stopped it, and the
// leg's hang-up raises no warning. Stopping it again, or a phone that is
// not in the call, is ErrNoMonitor.
func TestSpyStop(t *testing.T) {
	r, st, sup := whisperToAlice(t, "sue")
	r.RunUntil(epoch.Add(15 * time.Second))
	mons := r.Core.Status(r.Clock.Now()).Monitors
	if len(mons) != 1 || mons[0].Agent != "alice" || mons[0].Endpoint != "sim/sup" || mons[0].Mode != "whisper" || mons[0].By != "sue" || mons[0].Channel != sup {
		t.Fatalf("monitors %+v; want sue whispering to alice from sim/sup on %s", mons, sup)
	}
	do(t, r, "stop", func(c *Core, now time.Time) error {
		m, err := c.SpyStop(now, "alice", "sim/sup", "sue")
		if err == nil && m.Channel != sup {
			t.Errorf("stopped %+v, want %s", m, sup)
		}
		return err
	})
	r.RunUntil(epoch.Add(16 * time.Second))
	if _, up := r.Switch.Channel(pbx.ChannelID(sup)); up {
		t.Errorf("the supervisor's leg %s is still up", sup)
	}
	if mons := r.Core.Status(r.Clock.Now()).Monitors; len(mons) != 0 {
		t.Errorf("monitors after the stop %+v", mons)
	}
	if a := r.Core.agentIdx["alice"]; a.call == nil || !a.call.phase.Connected() {
		t.Errorf("alice's call ended with the whisper")
	}
	do(t, r, "stop again", func(c *Core, now time.Time) error {
		if _, err := c.SpyStop(now, "alice", "sim/sup", "sue"); !errors.Is(err, ErrNoMonitor) {
			t.Errorf("stopping again: %v, want ErrNoMonitor", err)
		}
		if _, err := c.SpyStop(now, "ghost", "sim/sup", "sue"); !errors.Is(err, ErrUnknownAgent) {
			t.Errorf("stopping on an unknown agent: %v, want ErrUnknownAgent", err)
		}
		return nil
	})
	r.RunUntil(epoch.Add(2 * time.Minute))
	recs := records(st)
	if len(recs) != 1 || !hasStep(recs[0], "spy-stopped", "whisper "+sup+" by sue") {
		t.Errorf("no spy-stopped step: %+v", recs)
	}
	if w := r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
}

// A whisper the restarted daemon kept is in its status and can be
// stopped: its leg is hung up, no warning.
func TestSpyStopAfterRestart(t *testing.T) {
	var sup pbx.ChannelID
	r, rec := spyThenRestart(t, 30*time.Second, func(r *SimRun, ch pbx.ChannelID) {
		sup = ch
		if mons := r.Core.Status(r.Clock.Now()).Monitors; len(mons) != 1 || mons[0].Channel != string(ch) || mons[0].Mode != "whisper" {
			t.Errorf("monitors after the restart %+v; want the kept whisper", mons)
		}
		do(t, r, "stop", func(c *Core, now time.Time) error {
			_, err := c.SpyStop(now, "alice", "sim/sup", "sue")
			return err
		})
		r.RunUntil(r.Clock.Now().Add(time.Second))
		if _, up := r.Switch.Channel(ch); up {
			t.Errorf("the kept leg %s is still up after the stop", ch)
		}
	})
	if !hasStep(rec, "spy-kept-after-restart", "whisper "+string(sup)) || !hasStep(rec, "spy-stopped", string(sup)) {
		t.Errorf("timeline %s", timelineKinds(rec))
	}
	if w := r.Core.Warnings(); w["stranded-leg"] != 0 || w["unknown-channel"] != 0 {
		t.Errorf("warnings %v", w)
	}
}
