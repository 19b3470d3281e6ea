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
//   - next: an agent hangs up while callers wait → the same agent's next
//     leg created.
//
// mod_callcenter looks for a free agent every 100 ms; a phone that talked
// a round number of milliseconds would hang up at the same point of that
// cycle every time and make its figure the best or the worst case at will.
// So each agent talks 1 s plus up to 100 ms at random.
func TestFreeSWITCHBenchVsCallcenter(t *testing.T) {
	if os.Getenv("HOTLINE_BENCH") == "" {
		t.Skip("HOTLINE_BENCH not set")
	}
	const agents, talk, jitter = 3, 1000, 100
	phone := func(i int) string { return fmt.Sprintf("answer-100-hangup-%d-jitter-%d", talk+i, jitter) }

	// Hotline.
	var cfg strings.Builder
	cfg.WriteString(`entries: [{number: "7900", queue: sales}]
queues:
  - {name: sales, strategy: longest-idle, ring_timeout: 10s, retry_delay: 200ms, wrap_up: 0s, announce: {interval: 0s}}
agents:
`)
	for i := 0; i < agents; i++ {
		fmt.Fprintf(&cfg, "  - {id: a%d, name: A%d, endpoint: \"@PHONE:%s@\", queues: [{queue: sales}], logged_in: true}\n", i+1, i+1, phone(i))
	}
	s := newScenario(t, "park", cfg.String())
	s.start()
	hl := benchRun(t, s.fs, s.tag, "hotline", func(from string) {
		s.call(farend.CallScript{From: from, To: "7900"})
	}, agents, talk+jitter)
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
			"agent set contact " + a + " [hltest_run=" + tag + "]loopback/" + phone(i-1) + "/hotline-test-phone",
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
	}, agents, talk+jitter)

	p50 := func(d []time.Duration) string {
		if len(d) == 0 {
			return "-"
		}
		slices.Sort(d)
		return fmt.Sprintf("%.1f ms (n=%d, max %.1f)", float64(d[len(d)/2].Microseconds())/1000, len(d), float64(d[len(d)-1].Microseconds())/1000)
	}
	ms := func(d []time.Duration) string {
		var out []string
		for _, x := range d {
			out = append(out, strconv.FormatFloat(float64(x.Microseconds())/1000, 'f', 0, 64))
		}
		return strings.Join(out, " ")
	}
	t.Logf("next agent leg, each sample (ms): Hotline %s; mod_callcenter %s", ms(hl.next), ms(cc.next))
	t.Logf("\n| p50, from FreeSWITCH's event times | Hotline | mod_callcenter |\n|---|---|---|\n| caller handed over → agent leg created | %s | %s |\n| agent hangs up, callers waiting → next agent leg | %s | %s |\n| (FreeSWITCH: agent hangs up → the agent leg's HANGUP_COMPLETE) | %s | %s |\n| (FreeSWITCH: the hang-up event's timestamp → read on an event socket) | %s | %s |",
		p50(hl.handover), p50(cc.handover), p50(hl.next), p50(cc.next), p50(hl.legDone), p50(cc.legDone), p50(hl.delivered), p50(cc.delivered))
}

type benchFigures struct {
	handover, next []time.Duration
	legDone        []time.Duration // the phone hangs up → the agent leg's CHANNEL_HANGUP_COMPLETE
	delivered      []time.Duration // the phone's CHANNEL_HANGUP: its timestamp → read on a socket
}

// benchRounds is how many callers per agent the burst brings.
const benchRounds = 6

// benchRun places callers one by one with agents free (handover), then a
// burst that makes callers wait (next), and reads the event times.
func benchRun(t *testing.T, fs *freeSWITCH, tag, system string, call func(from string), agents, talkMS int) benchFigures {
	t.Helper()
	names := "CHANNEL_CREATE CHANNEL_PARK CHANNEL_EXECUTE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE"
	trace := os.Getenv("HOTLINE_BENCH_TRACE") != ""
	if trace {
		names = "ALL"
	}
	stop := fs.watch(t, names)
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
	for i := 0; i < benchRounds*agents; i++ {
		call(strconv.Itoa(base + 100 + i))
	}
	time.Sleep(time.Duration((benchRounds+1)*talkMS)*time.Millisecond + 3*time.Second)
	evs := stop()

	at := func(ev timedEvent) time.Time {
		us, _ := strconv.ParseInt(ev.Get("Event-Date-Timestamp"), 10, 64)
		return time.UnixMicro(us)
	}
	// A phone is a loopback pair loopback/<number>-a (the agent leg the
	// system dials) and -b (the phone, which hangs up); each agent has a
	// number of its own.
	phoneHalf := func(ev timedEvent, half string) (string, bool) {
		name := ev.Get("Channel-Name")
		if !strings.HasPrefix(name, "loopback/answer-") {
			return "", false
		}
		return strings.CutSuffix(name, half)
	}
	isHandover := func(ev timedEvent) bool {
		if system == "hotline" {
			return ev.Name() == "CHANNEL_PARK" && ev.Get("variable_hotline_args") != "" && ev.Get("variable_hotline_bridge") == ""
		}
		return ev.Name() == "CHANNEL_EXECUTE" && ev.Get("Application") == "callcenter"
	}
	type stamp struct {
		phone    string
		at, read time.Time // the event's timestamp; when this test's socket read it
	}
	var f benchFigures
	var handovers []time.Time
	var legs, hangups, legsDone []stamp
	for _, ev := range evs {
		switch {
		case isHandover(ev):
			handovers = append(handovers, at(ev))
		case ev.Name() == "CHANNEL_CREATE":
			if p, ok := phoneHalf(ev, "-a"); ok {
				legs = append(legs, stamp{p, at(ev), ev.at})
			}
		case ev.Name() == "CHANNEL_HANGUP":
			if p, ok := phoneHalf(ev, "-b"); ok {
				hangups = append(hangups, stamp{p, at(ev), ev.at})
			}
		case ev.Name() == "CHANNEL_HANGUP_COMPLETE":
			if p, ok := phoneHalf(ev, "-a"); ok {
				legsDone = append(legsDone, stamp{p, at(ev), ev.at})
			}
		}
	}
	// firstAfter is the first stamp at or after t0, of phone unless phone
	// is "" (any phone).
	firstAfter := func(list []stamp, phone string, t0 time.Time) (time.Time, bool) {
		for _, x := range list {
			if !x.at.Before(t0) && (phone == "" || x.phone == phone) {
				return x.at, true
			}
		}
		return time.Time{}, false
	}
	burstAt := burst.Add(-50 * time.Millisecond)
	for _, h := range handovers {
		if h.Before(burstAt) {
			if l, ok := firstAfter(legs, "", h); ok && l.Sub(h) < 2*time.Second {
				f.handover = append(f.handover, l.Sub(h))
			}
		}
	}
	// Hang-ups while callers wait: the first (benchRounds-1)*agents after
	// the burst (of benchRounds*agents callers), each to the same agent's
	// next leg: with callers waiting, an agent is dialed again as soon as
	// it is free.
	n := 0
	for _, h := range hangups {
		if h.at.Before(burstAt) || n >= (benchRounds-1)*agents {
			continue
		}
		n++
		l, ok := firstAfter(legs, h.phone, h.at)
		if !ok || l.Sub(h.at) > 5*time.Second {
			continue
		}
		f.next = append(f.next, l.Sub(h.at))
		f.delivered = append(f.delivered, h.read.Sub(h.at))
		if done, ok := firstAfter(legsDone, h.phone, h.at); ok && done.Before(l.Add(time.Second)) {
			f.legDone = append(f.legDone, done.Sub(h.at))
		}
		if n == 2 && trace {
			var b strings.Builder
			for _, ev := range evs {
				if a := at(ev); !a.Before(h.at.Add(-2*time.Millisecond)) && !a.After(l.Add(2*time.Millisecond)) {
					fmt.Fprintf(&b, "%8.3f (read at %8.3f) %-26s %-40s %s %s %s\n", float64(a.Sub(h.at).Microseconds())/1000, float64(ev.at.Sub(h.at).Microseconds())/1000,
						ev.Name(), ev.Get("Channel-Name"), ev.Get("Unique-ID"), ev.Get("Application"), ev.Get("API-Command"))
				}
			}
			t.Logf("%s, one agent hanging up, ms from the phone's CHANNEL_HANGUP:\n%s", system, b.String())
		}
	}
	return f
}
