package sim

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// EndpointPrefix starts every endpoint the sim can ring.
const EndpointPrefix = "sim/"

// callerScript is how an inbound caller behaves once Hotline answers.
type callerScript struct {
	name        string // the caller's name shown with the number
	dtmf        string
	dtmfDelay   time.Duration
	hangupAfter time.Duration
	say         string   // said at the first Listen
	sayNext     []string // said at the Listens after, one each
	sayDelay    time.Duration
	// Traffic callers: the chance to press one of keys 1-3 s after answer.
	dtmfChance float64
	keys       []string
}

type outcome int

const (
	answers outcome = iota
	busy
	ringsOut
	unreachable
)

// phonePlan is how one originated leg's far end will behave, fixed at
// originate time so random draws happen in command order.
type phonePlan struct {
	outcome     outcome
	answerAfter time.Duration
	hangupAfter time.Duration // 0 = never
	dtmf        string
	dtmfDelay   time.Duration
	machine     bool
	say         string // said at the first Listen once answered
	sayNext     []string
	sayDelay    time.Duration
}

// PlaceCall makes a scripted caller dial into Hotline. The channel id is
// returned at once; CallArrived follows after Options.Latency.
func (s *Switch) PlaceCall(c farend.CallScript) (pbx.ChannelID, error) {
	if err := s.lock(context.Background(), "place call"); err != nil {
		return "", err
	}
	defer s.unlock()
	if err := checkDigits(c.DTMF, true); err != nil {
		return "", fmt.Errorf("sim: place call from %q: %w", c.From, err)
	}
	id := s.nextInbound()
	script := callerScript{name: c.Name, dtmf: c.DTMF, dtmfDelay: c.DTMFDelay, hangupAfter: c.HangupAfter, say: c.Say, sayNext: slices.Clone(c.SayNext), sayDelay: c.SayDelay}
	args, vars := slices.Clone(c.Args), maps.Clone(c.Vars)
	s.after(s.opts.Latency, func() { s.arrive(id, c.From, c.To, args, vars, script, 0) })
	return id, nil
}

// SetPhone scripts the phone behind endpoint ("sim/NAME"); later originates
// to it follow p instead of the random model.
func (s *Switch) SetPhone(endpoint string, p farend.Phone) error {
	if !strings.HasPrefix(endpoint, EndpointPrefix) {
		return fmt.Errorf("sim: phone %q: endpoint must start with %q: %w", endpoint, EndpointPrefix, pbx.ErrBadRequest)
	}
	if err := checkDigits(p.DTMF, true); err != nil {
		return fmt.Errorf("sim: phone %q: %w", endpoint, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phones[endpoint] = p
	return nil
}

// SetPhoneModel has the phone behind endpoint ("sim/NAME") follow its own
// random model instead of Options.Phones: agents on a predictive campaign,
// whose headsets pick up at once, beside agents who take a few rings.
func (s *Switch) SetPhoneModel(endpoint string, m config.SimAgentPhone) error {
	if !strings.HasPrefix(endpoint, EndpointPrefix) {
		return fmt.Errorf("sim: phone %q: endpoint must start with %q: %w", endpoint, EndpointPrefix, pbx.ErrBadRequest)
	}
	if err := checkModel(m); err != nil {
		return fmt.Errorf("sim: phone %q: %w: %w", endpoint, err, ErrBadOptions)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models[endpoint] = m
	return nil
}

func (s *Switch) nextInbound() pbx.ChannelID {
	s.inbound++
	return pbx.ChannelID(fmt.Sprintf("sim-in-%d", s.inbound))
}

// arrive creates an inbound channel and announces it. A positive patience
// makes the caller hang up then unless bridged before.
func (s *Switch) arrive(id pbx.ChannelID, from, to string, args []string, vars map[string]string, script callerScript, patience time.Duration) {
	ch := &channel{id: id, inbound: true, caller: from, called: to, vars: maps.Clone(vars), script: script}
	if ch.vars == nil {
		ch.vars = make(map[string]string)
	}
	s.chans[id] = ch
	s.stats.CallsPlaced++
	if patience > 0 {
		ch.patience = s.after(patience, func() {
			ch.patience = 0
			s.stats.Abandoned++
			s.stats.CallerHangups++
			s.teardown(ch, pbx.CauseNormal, "")
		})
	}
	s.emit(pbx.CallArrived{
		Base:       s.base(id),
		Caller:     from,
		CallerName: script.name,
		Called:     to,
		Args:       slices.Clone(args),
		Vars:       maps.Clone(vars),
	})
}

// answered runs a caller's script once Hotline answered it.
func (s *Switch) callerAnswered(ch *channel) {
	sc := ch.script
	s.press(ch, sc.dtmf, sc.dtmfDelay)
	if sc.dtmfChance > 0 && len(sc.keys) > 0 && s.rng.Float64() < sc.dtmfChance {
		key := sc.keys[s.rng.IntN(len(sc.keys))]
		delay := trafficDTMFMinDelay + time.Duration(s.rng.Int64N(int64(trafficDTMFMaxExtra)+1))
		s.press(ch, key, delay)
	}
	if sc.hangupAfter > 0 {
		s.later(ch, sc.hangupAfter, func() {
			s.stats.CallerHangups++
			s.teardown(ch, pbx.CauseNormal, "")
		})
	}
}

// press makes the far end of ch send digits, the first after delay.
func (s *Switch) press(ch *channel, digits string, delay time.Duration) {
	for i, d := range digits {
		s.later(ch, delay+time.Duration(i)*dtmfGap, func() {
			s.stats.DigitsPressed++
			s.emit(pbx.DTMF{Base: s.base(ch.id), Digit: d, Duration: dtmfDuration})
		})
	}
}

// plan decides how the far end of endpoint will treat one ring.
func (s *Switch) plan(endpoint string) phonePlan {
	if !strings.HasPrefix(endpoint, EndpointPrefix) || len(endpoint) == len(EndpointPrefix) {
		return phonePlan{outcome: unreachable}
	}
	if p, ok := s.phones[endpoint]; ok {
		plan := phonePlan{answerAfter: p.AnswerDelay, hangupAfter: p.HangupAfter, dtmf: p.DTMF, dtmfDelay: p.DTMFDelay, machine: p.Machine,
			say: p.Say, sayNext: slices.Clone(p.SayNext), sayDelay: p.SayDelay}
		switch p.Mode {
		case farend.PhoneBusy:
			plan.outcome = busy
		case farend.PhoneNoAnswer:
			plan.outcome = ringsOut
		case farend.PhoneUnreachable:
			plan.outcome = unreachable
		}
		return plan
	}
	m, ok := s.models[endpoint]
	if !ok {
		m = s.opts.Phones
	}
	switch u := s.rng.Float64(); {
	case u < m.BusyRate:
		return phonePlan{outcome: busy}
	case u < m.BusyRate+m.NoAnswerRate:
		return phonePlan{outcome: ringsOut}
	}
	return phonePlan{outcome: answers, answerAfter: s.exp(m.AnswerDelay), hangupAfter: s.exp(m.TalkTime)}
}

// How long the simulated answering-machine detection listens after an
// answer, and how long a machine's greeting lasts before its beep.
const (
	machineListen   = 2500 * time.Millisecond
	machineGreeting = 8 * time.Second
)

// dial plays out ch's phone plan; it runs Latency after the originate.
func (s *Switch) dial(ch *channel, timeout time.Duration) {
	if ch.answered {
		return // answered before it could ring (Answer)
	}
	p := ch.plan
	switch p.outcome {
	case unreachable:
		s.teardown(ch, pbx.CauseUnreachable, pbx.FailUnreachable)
		return
	case busy:
		s.teardown(ch, pbx.CauseBusy, pbx.FailBusy)
		return
	}
	s.emit(pbx.Ringing{Base: s.base(ch.id)})
	if p.outcome == ringsOut || p.answerAfter >= timeout {
		s.later(ch, timeout, func() { s.teardown(ch, pbx.CauseNoAnswer, pbx.FailNoAnswer) })
		return
	}
	answerAfter := p.answerAfter
	if ch.machine != pbx.MachineIgnore {
		// Detection listens a while after the answer before it reports.
		answerAfter += machineListen
		if p.machine && ch.machine == pbx.MachineAfterBeep {
			answerAfter += machineGreeting
		}
	}
	s.later(ch, answerAfter, func() { s.pickUp(ch) })
}

// pickUp answers an originated leg as its phone plan says: detection
// results, keys pressed, the hang-up after talking.
func (s *Switch) pickUp(ch *channel) {
	p := ch.plan
	ch.answered = true
	s.stats.OriginatesAnswered++
	if ch.machine != pbx.MachineIgnore {
		status := pbx.AMDHuman
		if p.machine {
			status = pbx.AMDMachine
		}
		s.emit(pbx.MachineDetected{Base: s.base(ch.id), Status: status})
	}
	s.emit(pbx.Answered{Base: s.base(ch.id)})
	ch.script.say, ch.script.sayNext, ch.script.sayDelay = p.say, p.sayNext, p.sayDelay
	s.press(ch, p.dtmf, p.dtmfDelay)
	if p.hangupAfter > 0 {
		s.later(ch, p.hangupAfter, func() {
			s.stats.PhoneHangups++
			s.teardown(ch, pbx.CauseNormal, "")
		})
	}
}

// Traffic is random inbound callers for the demo and load trials.
type Traffic struct {
	Entries       []string      // dialed numbers, chosen uniformly per caller
	RatePerMinute float64       // Poisson arrival rate, all entries together
	Patience      time.Duration // mean wait before an unbridged caller hangs up (exponential); 0 = never
	DTMFChance    float64       // probability a caller presses one of Keys 1-3 s after answer
	Keys          []string      // menu keys callers may press
	SayChance     float64       // probability a caller says one of Phrases when Hotline listens
	Phrases       []string      // what callers may say (a FAQ's questions)
	Until         time.Time     // no arrivals after this; zero = until Close
}

// StartTraffic starts Poisson arrivals of callers as t says. Several
// traffic streams may run side by side.
func (s *Switch) StartTraffic(t Traffic) error {
	if err := checkTraffic(t); err != nil {
		return err
	}
	if err := s.lock(context.Background(), "start traffic"); err != nil {
		return err
	}
	defer s.unlock()
	t.Entries, t.Keys, t.Phrases = slices.Clone(t.Entries), slices.Clone(t.Keys), slices.Clone(t.Phrases)
	s.nextArrival(t)
	return nil
}

func checkTraffic(t Traffic) error {
	var problems []string
	if len(t.Entries) == 0 {
		problems = append(problems, "no entries")
	}
	if !(t.RatePerMinute > 0) {
		problems = append(problems, fmt.Sprintf("rate %v per minute must be > 0", t.RatePerMinute))
	}
	if t.Patience < 0 {
		problems = append(problems, fmt.Sprintf("patience %v < 0", t.Patience))
	}
	if !(t.DTMFChance >= 0 && t.DTMFChance <= 1) {
		problems = append(problems, fmt.Sprintf("DTMF chance %v not in [0,1]", t.DTMFChance))
	}
	if !(t.SayChance >= 0 && t.SayChance <= 1) {
		problems = append(problems, fmt.Sprintf("say chance %v not in [0,1]", t.SayChance))
	}
	for _, k := range t.Keys {
		if err := checkDigits(k, false); err != nil {
			problems = append(problems, fmt.Sprintf("key %q: %v", k, err))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %v", ErrBadTraffic, problems)
	}
	return nil
}

func (s *Switch) nextArrival(t Traffic) {
	gap := time.Duration(s.rng.ExpFloat64() * float64(time.Minute) / t.RatePerMinute)
	s.after(gap, func() {
		if !t.Until.IsZero() && s.clock.Now().After(t.Until) {
			return
		}
		id := s.nextInbound()
		from := fmt.Sprintf("+1555%07d", s.rng.IntN(10_000_000))
		to := t.Entries[s.rng.IntN(len(t.Entries))]
		patience := s.exp(t.Patience)
		if t.Patience > 0 && patience == 0 {
			patience = 1 // a zero draw still means an impatient caller
		}
		script := callerScript{dtmfChance: t.DTMFChance, keys: t.Keys}
		if t.SayChance > 0 && len(t.Phrases) > 0 && s.rng.Float64() < t.SayChance {
			script.say = t.Phrases[s.rng.IntN(len(t.Phrases))]
			script.dtmfChance = 0 // who speaks does not press keys too
		}
		s.arrive(id, from, to, nil, nil, script, patience)
		s.nextArrival(t)
	})
}

// checkDigits reports whether every rune of digits is a DTMF digit; empty
// is allowed only when emptyOK.
func checkDigits(digits string, emptyOK bool) error {
	if digits == "" && !emptyOK {
		return fmt.Errorf("no digits: %w", pbx.ErrBadRequest)
	}
	for _, r := range digits {
		if !pbx.ValidDigit(r) {
			return fmt.Errorf("%q is not a DTMF digit: %w", r, pbx.ErrBadRequest)
		}
	}
	return nil
}
