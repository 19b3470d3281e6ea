package esl_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestFreeSWITCHBenchVsCallcenter (HOTLINE_BENCH=1) runs Hotline and
// mod_callcenter one after the other on the same FreeSWITCH with the same
// agent phones and callers, and measures from FreeSWITCH's own event
// timestamps:
//
//   - handover: the caller handed over (Hotline: CHANNEL_PARK of the
//     caller; mod_callcenter: CHANNEL_EXECUTE of callcenter) → the agent
//     leg created, with an agent free;
//   - next: an agent hangs up while callers wait → the next agent leg
//     created.
func TestFreeSWITCHBenchVsCallcenter(t *testing.T) {
	if os.Getenv("HOTLINE_BENCH") == "" {
		t.Skip("HOTLINE_BENCH not set")
	}
	const agents, talk = 3, 1000
	phone := fmt.Sprintf("answer-100-hangup-%d", talk)

	// Hotline.
	s := newScenario(t, "park", fmt.Sprintf(`entries: [{number: "7900", queue: sales}]
queues:
  - {name: sales, strategy: longest-idle, ring_timeout: 10s, retry_delay: 200ms, wrap_up: 0s, announce: {interval: 0s}}
agents:
  - {id: a1, name: A1, endpoint: "@PHONE:%[1]s0@", queues: [{queue: sales}], logged_in: true}
  - {id: a2, name: A2, endpoint: "@PHONE:%[1]s1@", queues: [{queue: sales}], logged_in: true}
  - {id: a3, name: A3, endpoint: "@PHONE:%[1]s2@", queues: [{queue: sales}], logged_in: true}
`, phone[:len(phone)-1]))
	s.start()
	hl := benchRun(t, s.fs, s.tag, "hotline", func(from string) {
		s.call(farend.CallScript{From: from, To: "7900"})
	}, agents, talk)
	s.d.stop()

	// mod_callcenter, same phones.
	fs := s.fs
	ctx := context.Background()
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	for i := 1; i <= agents; i++ {
		a := fmt.Sprintf("hltest-cc-%d", i)
		for _, cmd := range []string{
			"agent add " + a + " callback",
			"agent set contact " + a + " [hltest_run=" + tag + "]loopback/" + phone[:len(phone)-1] + strconv.Itoa(i-1) + "/hotline-test-phone",
			"agent set wrap_up_time " + a + " 0",
			"agent set max_no_answer " + a + " 0",
			"agent set status " + a + " Available",
			"agent set state " + a + " Waiting",
			"tier add support@default " + a + " 1 1",
		} {
			if reply := fs.command(ctx, "api callcenter_config "+cmd); strings.HasPrefix(reply, "-ERR") {
				t.Fatalf("callcenter_config %s: %s", cmd, reply)
			}
		}
		t.Cleanup(func() {
			fs.command(ctx, "api callcenter_config tier del support@default "+a)
			fs.command(ctx, "api callcenter_config agent del "+a)
		})
	}
	cc := benchRun(t, fs, tag, "callcenter", func(from string) {
		if err := fs.callInto(ctx, farend.CallScript{From: from, To: "7900"}, "hotline-test-cc", "", tag); err != nil {
			t.Fatal(err)
		}
	}, agents, talk)

	p50 := func(d []time.Duration) string {
		if len(d) == 0 {
			return "-"
		}
		slices.Sort(d)
		return fmt.Sprintf("%.1f ms (n=%d, max %.1f)", float64(d[len(d)/2].Microseconds())/1000, len(d), float64(d[len(d)-1].Microseconds())/1000)
	}
	t.Logf("\n| p50, from FreeSWITCH's event times | Hotline | mod_callcenter |\n|---|---|---|\n| caller handed over → agent leg created | %s | %s |\n| agent hangs up, callers waiting → next agent leg | %s | %s |",
		p50(hl.handover), p50(cc.handover), p50(hl.next), p50(cc.next))
}

type benchFigures struct{ handover, next []time.Duration }

// benchRun places callers one by one with agents free (handover), then a
// burst that makes callers wait (next), and reads the event times.
func benchRun(t *testing.T, fs *freeSWITCH, tag, system string, call func(from string), agents, talkMS int) benchFigures {
	t.Helper()
	stop := fs.watch(t, "CHANNEL_CREATE CHANNEL_PARK CHANNEL_EXECUTE CHANNEL_HANGUP")
	base := 5579000
	if system == "callcenter" {
		base = 5578000
	}
	for i := 0; i < 6; i++ {
		call(strconv.Itoa(base + i))
		time.Sleep(time.Duration(talkMS)*time.Millisecond + 700*time.Millisecond)
	}
	time.Sleep(time.Second)
	burst := time.Now()
	for i := 0; i < 4*agents; i++ {
		call(strconv.Itoa(base + 100 + i))
	}
	time.Sleep(time.Duration(5*talkMS)*time.Millisecond + 3*time.Second)
	evs := stop()

	at := func(ev timedEvent) time.Time {
		us, _ := strconv.ParseInt(ev.Get("Event-Date-Timestamp"), 10, 64)
		return time.UnixMicro(us)
	}
	isAgentLeg := func(ev timedEvent) bool {
		name := ev.Get("Channel-Name")
		return ev.Name() == "CHANNEL_CREATE" && strings.HasPrefix(name, "loopback/answer-") && strings.HasSuffix(name, "-a")
	}
	isHandover := func(ev timedEvent) bool {
		if system == "hotline" {
			return ev.Name() == "CHANNEL_PARK" && ev.Get("variable_hotline_args") != "" && ev.Get("variable_hotline_bridge") == ""
		}
		return ev.Name() == "CHANNEL_EXECUTE" && ev.Get("Application") == "callcenter"
	}
	var f benchFigures
	var handovers, legs, hangups []time.Time
	for _, ev := range evs {
		switch {
		case isHandover(ev):
			handovers = append(handovers, at(ev))
		case isAgentLeg(ev):
			legs = append(legs, at(ev))
		case ev.Name() == "CHANNEL_HANGUP" && strings.HasPrefix(ev.Get("Channel-Name"), "loopback/answer-") && strings.HasSuffix(ev.Get("Channel-Name"), "-b"):
			hangups = append(hangups, at(ev))
		}
	}
	firstAfter := func(list []time.Time, t0 time.Time) (time.Time, bool) {
		for _, x := range list {
			if !x.Before(t0) {
				return x, true
			}
		}
		return time.Time{}, false
	}
	burstAt := burst.Add(-50 * time.Millisecond)
	for _, h := range handovers {
		if h.Before(burstAt) {
			if l, ok := firstAfter(legs, h); ok && l.Sub(h) < 2*time.Second {
				f.handover = append(f.handover, l.Sub(h))
			}
		}
	}
	// Hang-ups while callers wait: the first 3*agents after the burst
	// (the burst has 4*agents callers).
	n := 0
	for _, h := range hangups {
		if h.Before(burstAt) || n >= 3*agents {
			continue
		}
		n++
		if l, ok := firstAfter(legs, h); ok && l.Sub(h) < 5*time.Second {
			f.next = append(f.next, l.Sub(h))
		}
	}
	return f
}
