package config

import (
	"maps"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/hotline-cc/hotline/acd/routing"
)

// Validate checks every rule in one pass and returns nil or a
// *ValidationError listing each problem with its path (and line, for a
// Config from Parse).
func (c Config) Validate() error {
	return c.validate(nil)
}

// validate is Validate with the file's node tree, if the caller has it.
func (c Config) validate(root *yaml.Node) error {
	v := validator{report: &report{src: c.src, root: root}, cfg: &c}
	v.server()
	v.pbx()
	v.queues()
	v.entries()
	v.menus()
	v.flows()
	v.agents()
	v.campaigns()
	v.teams()
	v.reports()
	v.privacy()
	v.speech()
	v.recordings()
	v.durations(reflect.ValueOf(c), "")
	v.media(reflect.ValueOf(c), "", false)
	return v.err()
}

type validator struct {
	*report
	cfg *Config
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ValidName reports whether a campaign, queue or other named item may have
// name: letters, digits, '-', '_' and '.', starting with a letter or digit.
func ValidName(name string) bool { return namePattern.MatchString(name) }

func (v *validator) server() {
	s := v.cfg.Server
	if s.Listen != "" {
		v.hostPort("server.listen", s.Listen)
	}
	switch {
	case (s.TLSCert == "") != (s.TLSKey == ""):
		v.add("server.tls_cert", "tls_cert and tls_key go together: set both (HTTPS) or neither (HTTP)")
	case s.TLSCert != "":
		for _, f := range []struct{ path, v string }{{"server.tls_cert", s.TLSCert}, {"server.tls_key", s.TLSKey}} {
			if _, err := os.Stat(f.v); err != nil {
				v.add(f.path, "%v", err)
			}
		}
	}
	v.oneOf("server.log_format", "log format", s.LogFormat, LogFormats)
	v.oneOf("server.log_level", "log level", s.LogLevel, LogLevels)
	if s := v.cfg.Store.Path; strings.TrimSpace(s) == "" {
		v.add("store.path", "missing; name the database file, e.g. hotline.db")
	}
}

func (v *validator) reports() {
	r := v.cfg.Reports
	if r.Timezone != "" {
		if _, err := time.LoadLocation(r.Timezone); err != nil {
			v.add("reports.timezone", "%q is not a known time zone (an IANA name such as Europe/Berlin)", r.Timezone)
		}
	}
	if r.RepeatWindow < 0 {
		v.add("reports.repeat_window", "%v: want 0 (off) or a positive window such as 168h", r.RepeatWindow)
	}
	if !(r.ServiceLevelTarget > 0 && r.ServiceLevelTarget <= 100) {
		v.add("reports.service_level_target", "%v: want a percentage above 0 and at most 100", r.ServiceLevelTarget)
	}
}

func (v *validator) pbx() {
	p := v.cfg.PBX
	if !v.oneOf("pbx.type", "switch type", p.Type, PBXTypes) {
		return
	}
	if p.Outside != "" && !strings.Contains(p.Outside, "{number}") {
		v.add("pbx.outside", "%q has no {number}; write the dial string for outside numbers with it, e.g. PJSIP/{number}@trunk", p.Outside)
	}
	v.positive("pbx.transfer_ring_timeout", p.TransferRingTimeout)
	switch p.Type {
	case PBXAsterisk:
		a := p.Asterisk
		v.url("pbx.asterisk.url", a.URL, true, "http", "https")
		if a.WebsocketURL != "" {
			v.url("pbx.asterisk.websocket_url", a.WebsocketURL, false, "ws", "wss")
		}
		if a.App == "" {
			v.add("pbx.asterisk.app", "missing; name the Stasis application Hotline registers, e.g. hotline")
		}
		v.positive("pbx.asterisk.ping_interval", a.PingInterval)
	case PBXFreeSWITCH:
		f := p.FreeSWITCH
		if f.Address == "" {
			v.add("pbx.freeswitch.address", "missing; give mod_event_socket's host:port, e.g. 127.0.0.1:8021")
		} else {
			v.hostPort("pbx.freeswitch.address", f.Address)
		}
		if f.Password == "" {
			v.add("pbx.freeswitch.password", "missing; give event_socket.conf.xml's password")
		}
		if f.OutboundListen != "" {
			v.hostPort("pbx.freeswitch.outbound_listen", f.OutboundListen)
		}
		v.positive("pbx.freeswitch.command_timeout", f.CommandTimeout)
		switch f.SoundNames {
		case "", "freeswitch", "asterisk":
		default:
			v.add("pbx.freeswitch.sound_names", "%q is not freeswitch or asterisk", f.SoundNames)
		}
		for _, name := range slices.Sorted(maps.Keys(f.Sounds)) {
			if file := f.Sounds[name]; file == "" || strings.ContainsAny(file, "!\r\n") {
				v.add("pbx.freeswitch.sounds."+name, "%q: give a file, relative to sound_prefix or a full path, without \"!\"", file)
			}
		}
	case PBXSim:
		s := p.Sim
		if s.Callers.RatePerMinute < 0 {
			v.add("pbx.sim.callers.rate_per_minute", "%g is negative", s.Callers.RatePerMinute)
		} else if s.Callers.RatePerMinute > MaxSimCallersPerMinute {
			// The simulator would place them all at once and run out of memory.
			v.add("pbx.sim.callers.rate_per_minute", "%g is more than %d callers a minute", s.Callers.RatePerMinute, MaxSimCallersPerMinute)
		}
		v.positive("pbx.sim.callers.patience", s.Callers.Patience)
		v.positive("pbx.sim.agents.talk_time", s.Agents.TalkTime)
		v.chance("pbx.sim.callers.dtmf_chance", s.Callers.DTMFChance)
		v.chance("pbx.sim.callers.say_chance", s.Callers.SayChance)
		v.chance("pbx.sim.agents.no_answer_rate", s.Agents.NoAnswerRate)
		v.chance("pbx.sim.agents.busy_rate", s.Agents.BusyRate)
		if sum := s.Agents.NoAnswerRate + s.Agents.BusyRate; sum > 1 {
			v.add("pbx.sim.agents.busy_rate", "busy_rate + no_answer_rate is %g, more than 1", sum)
		}
	}
}

func (v *validator) queues() {
	names := v.queueNames()
	seen := map[string]firstName{}
	for i, q := range v.cfg.Queues {
		p := indexPath("queues", i)
		v.name(joinPath(p, "name"), "queue", q.Name, seen, i)
		v.strategy(joinPath(p, "strategy"), q.Strategy)
		v.skills(joinPath(p, "skills"), q.Skills)
		v.targets(p, q.Targets)
		if q.Weight < 1 {
			v.add(joinPath(p, "weight"), "%d is less than 1", q.Weight)
		}
		v.positive(joinPath(p, "ring_timeout"), q.RingTimeout)
		v.positive(joinPath(p, "service_level"), q.ServiceLevel)
		// Each waiting caller wakes the engine every interval.
		if iv := q.Announce.Interval; iv > 0 && iv < time.Second {
			v.add(joinPath(p, "announce.interval"), "%s: want 0s (off) or at least 1s", iv)
		}
		v.atLeast(joinPath(p, "max_len"), q.MaxLen, 0)
		v.atLeast(joinPath(p, "max_no_answer"), q.MaxNoAnswer, 0)
		v.oneOf(joinPath(p, "join_empty"), "join_empty mode", q.JoinEmpty, JoinEmptyModes)
		v.overflow(p, q, names)
		v.contactRouting(joinPath(p, "contacts"), q.Contacts)
		v.keys(p, q)
		if q.CallbackKey != "" || q.Overflow.Action == OverflowCallback {
			v.callback(joinPath(p, "callback"), q.Callback)
		}
	}
	next := make([]int, len(v.cfg.Queues))
	for i, q := range v.cfg.Queues {
		next[i] = -1
		if q.Overflow.Action == OverflowQueue && q.Overflow.Queue != q.Name {
			next[i] = slices.Index(names, q.Overflow.Queue)
		}
	}
	v.loops(names, next, "queues", "overflow.queue", "overflow loop")
}

// strategy accepts what the engine will accept: routing's parser is the one
// authority on strategy names, aliases and case.
func (v *validator) strategy(p, name string) {
	known := strings.Join(routing.Strategies(), ", ")
	switch _, err := routing.ParseStrategy(name); {
	case strings.TrimSpace(name) == "":
		v.add(p, "missing; known: %s", known)
	case err != nil:
		v.add(p, "unknown strategy %q; known: %s (app_queue and mod_callcenter names too)", name, known)
	}
}

func (v *validator) targets(queue string, ts []SkillTarget) {
	for j, t := range ts {
		p := indexPath(joinPath(queue, "targets"), j)
		if j > 0 && t.After <= ts[j-1].After {
			v.add(joinPath(p, "after"), "%s is not later than targets[%d]'s %s; list targets in increasing after order", t.After, j-1, ts[j-1].After)
		}
		v.skills(joinPath(p, "skills"), t.Skills)
		if t.MaxPenalty < -1 {
			v.add(joinPath(p, "max_penalty"), "%d is below -1 (-1 = any penalty)", t.MaxPenalty)
		}
	}
}

func (v *validator) overflow(queue string, q Queue, names []string) {
	p := joinPath(queue, "overflow")
	o := q.Overflow
	if !v.oneOf(joinPath(p, "action"), "overflow action", o.Action, OverflowActions) {
		return
	}
	switch {
	case o.Action == OverflowQueue && o.Queue == "":
		v.add(joinPath(p, "queue"), "missing; action queue needs the queue to send callers to")
	case o.Action == OverflowQueue && o.Queue == q.Name:
		v.add(joinPath(p, "queue"), "queue %q overflows to itself", o.Queue)
	case o.Action == OverflowQueue:
		v.known(joinPath(p, "queue"), "queue", o.Queue, names)
	case o.Queue != "":
		v.add(joinPath(p, "queue"), "set to %q, but action is %q; use action: queue", o.Queue, o.Action)
	}
	if o.Action == OverflowMessage && len(o.Message) == 0 {
		v.add(joinPath(p, "message"), "missing; action message needs media to play")
	}
}

func (v *validator) keys(queue string, q Queue) {
	v.dtmf(joinPath(queue, "callback_key"), q.CallbackKey)
	v.dtmf(joinPath(queue, "exit_key"), q.ExitKey)
	if q.CallbackKey != "" && q.CallbackKey == q.ExitKey {
		v.add(joinPath(queue, "callback_key"), "%q is also the exit_key; a key can do one thing", q.CallbackKey)
	}
}

func (v *validator) callback(p string, cb Callback) {
	switch {
	case cb.Endpoint == "":
		v.add(joinPath(p, "endpoint"), "missing; callbacks need a dial string with {number}, e.g. PJSIP/{number}@trunk")
	case !strings.Contains(cb.Endpoint, "{number}"):
		v.add(joinPath(p, "endpoint"), "%q has no {number} to put the caller's number in", cb.Endpoint)
	}
	v.positive(joinPath(p, "timeout"), cb.Timeout)
	v.atLeast(joinPath(p, "max_attempts"), cb.MaxAttempts, 1)
	v.callerID(joinPath(p, "caller_id"), cb.CallerID)
}

// callerID checks a number Hotline presents to the people it calls: empty
// (the trunk's own), or digits with an optional leading +, as a trunk
// sends it. A name, a space or a dial string's separators would reach the
// switch's originate as they are, where a trunk rejects or drops them.
func (v *validator) callerID(p, id string) {
	if id == "" {
		return
	}
	digits := strings.TrimPrefix(id, "+")
	ok := digits != "" && len(digits) <= 20
	for _, r := range digits {
		if r < '0' || r > '9' {
			ok = false
			break
		}
	}
	if !ok {
		v.add(p, "%q: want the number the called party sees, digits with an optional leading +, at most 20 digits (e.g. +15551230000)", id)
	}
}

// DialplanSpecials are the characters an entry number may not hold: in a
// dialplan they end a field, open a comment or start a variable.
const DialplanSpecials = ",;()[]{}$/\\\"'<>&|"

func (v *validator) entries() {
	seen := map[string]int{}
	for i, e := range v.cfg.Entries {
		p := indexPath("entries", i)
		switch {
		case strings.TrimSpace(e.Number) == "":
			v.add(joinPath(p, "number"), "missing; the number or extension callers dial")
		case strings.ContainsAny(e.Number, " \t\r\n"):
			v.add(joinPath(p, "number"), "%q contains spaces", e.Number)
		case strings.ContainsAny(e.Number, DialplanSpecials):
			// hotline dialplan render refuses them too: the number would not
			// read back as one extension.
			v.add(joinPath(p, "number"), "%q holds one of , ; ( ) [ ] { } $ / \\ \" ' < > & |, which end a dialplan field or start a variable", e.Number)
		case strings.HasPrefix(e.Number, "_"):
			v.add(joinPath(p, "number"), "%q starts with '_', a dialplan pattern; write the number callers dial", e.Number)
		default:
			if first, dup := seen[e.Number]; dup {
				v.add(joinPath(p, "number"), "%q is already used by entries[%d]", e.Number, first)
			} else {
				seen[e.Number] = i
			}
		}
		switch set := btoi(e.Queue != "") + btoi(e.Menu != "") + btoi(e.Flow != ""); {
		case set > 1 && e.Flow != "":
			v.add(p, "more than one of queue, menu and flow set; an entry goes to one of them")
		case e.Queue != "" && e.Menu != "":
			v.add(p, "both queue and menu set; an entry goes to one of them")
		case set == 0:
			v.add(p, "neither queue nor menu set (nor flow); an entry goes to one of them")
		case e.Queue != "":
			v.known(joinPath(p, "queue"), "queue", e.Queue, v.queueNames())
		case e.Flow != "":
			v.known(joinPath(p, "flow"), "flow", e.Flow, slices.Sorted(maps.Keys(v.cfg.Flows)))
		default:
			v.known(joinPath(p, "menu"), "menu", e.Menu, v.menuNames())
		}
	}
}

func (v *validator) menus() {
	seen := map[string]firstName{}
	for i, m := range v.cfg.Menus {
		p := indexPath("menus", i)
		v.name(joinPath(p, "name"), "menu", m.Name, seen, i)
		if len(m.Prompt) == 0 {
			v.add(joinPath(p, "prompt"), "missing; a menu needs media to play, e.g. [sound:press-1-for-sales]")
		}
		v.positive(joinPath(p, "timeout"), m.Timeout)
		v.atLeast(joinPath(p, "retries"), m.Retries, 0)
		for _, key := range slices.Sorted(maps.Keys(m.Options)) {
			kp := joinPath(joinPath(p, "options"), key)
			if len(key) != 1 || !strings.Contains(DTMFKeys, key) {
				v.add(kp, "%q is not a DTMF key; use one of 0-9, * or # (quote * and #)", key)
			}
			v.target(kp, m.Options[key], false)
		}
		v.target(joinPath(p, "default"), m.Default, true)
	}
	names := v.menuNames()
	next := make([]int, len(v.cfg.Menus))
	for i, m := range v.cfg.Menus {
		next[i] = -1
		if m.Default.Menu != "" && m.Default.Queue == "" {
			next[i] = slices.Index(names, m.Default.Menu)
		}
	}
	v.loops(names, next, "menus", "default.menu", "callers who press nothing loop through menus")
}

// target checks where a menu choice sends a caller; an empty default hangs up.
func (v *validator) target(p string, t Target, emptyOK bool) {
	switch {
	case t.Queue != "" && t.Menu != "":
		v.add(p, "both queue and menu set; a choice goes to one of them")
	case t.Hangup && (t.Queue != "" || t.Menu != ""):
		v.add(joinPath(p, "hangup"), "hangup with a queue or menu; pick one")
	case t.Queue != "":
		v.known(joinPath(p, "queue"), "queue", t.Queue, v.queueNames())
	case t.Menu != "":
		v.known(joinPath(p, "menu"), "menu", t.Menu, v.menuNames())
	case !t.Hangup && len(t.Message) == 0 && !emptyOK:
		v.add(p, "goes nowhere; set queue, menu, message or hangup")
	}
}

func (v *validator) agents() {
	queues := v.queueNames()
	needEndpoint := v.cfg.PBX.Type != PBXSim
	seen, phones := map[string]firstName{}, map[string]int{}
	for i, a := range v.cfg.Agents {
		p := indexPath("agents", i)
		v.name(joinPath(p, "id"), "agent id", a.ID, seen, i)
		endpoint := strings.TrimSpace(a.Endpoint)
		if needEndpoint && endpoint == "" {
			v.add(joinPath(p, "endpoint"), "missing; where to ring the agent, e.g. PJSIP/1001 or user/1001")
		}
		if strings.IndexFunc(a.Endpoint, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			// The switch would refuse it at every ring, and callers wait.
			v.add(joinPath(p, "endpoint"), "%q holds a space or a control character; a dial string has none", a.Endpoint)
		} else if first, dup := phones[endpoint]; dup && endpoint != "" {
			v.add(joinPath(p, "endpoint"), "%q already rings agents[%d] (%s); one phone, one agent", a.Endpoint, first, v.cfg.Agents[first].ID)
		} else if endpoint != "" {
			phones[endpoint] = i
		}
		if a.Answer != "" && a.Answer != AnswerPhone && a.Answer != AnswerDesk {
			v.add(joinPath(p, "answer"), "%q is not phone or desk (how the agent answers: on the phone, or from the desk, which then has the phone auto-answer)", a.Answer)
		}
		v.skills(joinPath(p, "skills"), a.Skills)
		if a.Weight < 1 {
			v.add(joinPath(p, "weight"), "%d is less than 1", a.Weight)
		}
		member := map[string]int{}
		for j, m := range a.Queues {
			mp := indexPath(joinPath(p, "queues"), j)
			if first, dup := member[m.Queue]; dup && m.Queue != "" {
				v.add(joinPath(mp, "queue"), "%q is already listed at queues[%d]", m.Queue, first)
			} else {
				member[m.Queue] = j
			}
			if m.Queue == "" {
				v.add(joinPath(mp, "queue"), "missing")
			} else {
				v.known(joinPath(mp, "queue"), "queue", m.Queue, queues)
			}
			v.atLeast(joinPath(mp, "penalty"), m.Penalty, 0)
			v.atLeast(joinPath(mp, "tier"), m.Tier, 0)
		}
	}
}

// durations reports every negative duration anywhere in the Config.
func (v *validator) durations(val reflect.Value, path string) {
	if !holdsDuration(val.Type()) {
		return // skill maps of ten thousand agents need no walk
	}
	switch val.Kind() {
	case reflect.Pointer:
		if !val.IsNil() {
			v.durations(val.Elem(), path)
		}
	case reflect.Struct:
		for i := range val.NumField() {
			if name := yamlName(val.Type().Field(i)); name != "" {
				v.durations(val.Field(i), joinPath(path, name))
			}
		}
	case reflect.Slice:
		for i := range val.Len() {
			v.durations(val.Index(i), indexPath(path, i))
		}
	case reflect.Map:
		keys := val.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			v.durations(val.MapIndex(k), joinPath(path, k.String()))
		}
	case reflect.Int64:
		if val.Type() == durationType && val.Int() < 0 {
			v.add(path, "negative duration %s", time.Duration(val.Int()))
		}
	}
}

// durationTypes caches holdsDuration.
var durationTypes sync.Map // reflect.Type → bool

// holdsDuration says whether a value of type t can contain a time.Duration.
func holdsDuration(t reflect.Type) bool {
	if held, ok := durationTypes.Load(t); ok {
		return held.(bool)
	}
	held := false
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		held = holdsDuration(t.Elem())
	case reflect.Struct:
		for f := range fieldsOf(t) {
			held = held || holdsDuration(f.Type)
		}
	default:
		held = t == durationType
	}
	durationTypes.Store(t, held)
	return held
}

// loops reports each cycle in a graph where element i of list points at
// next[i] (-1 = nowhere), once, at the field of the cycle's first element.
func (v *validator) loops(names []string, next []int, list, field, what string) {
	state := make([]int, len(next)) // 0 unseen, 1 on the current walk, 2 done
	for start := range next {
		var walk []int
		i := start
		for i >= 0 && state[i] == 0 {
			state[i] = 1
			walk = append(walk, i)
			i = next[i]
		}
		if i >= 0 && state[i] == 1 {
			cycle := walk[slices.Index(walk, i):]
			first := slices.Min(cycle)
			at := slices.Index(cycle, first)
			cycle = slices.Concat(cycle[at:], cycle[:at])
			var b strings.Builder
			for _, j := range cycle {
				b.WriteString(names[j] + " → ")
			}
			b.WriteString(names[first])
			v.add(joinPath(indexPath(list, first), field), "%s: %s", what, b.String())
		}
		for _, j := range walk {
			state[j] = 2
		}
	}
}

func (v *validator) queueNames() []string {
	names := make([]string, len(v.cfg.Queues))
	for i, q := range v.cfg.Queues {
		names[i] = q.Name
	}
	return names
}

func (v *validator) menuNames() []string {
	names := make([]string, len(v.cfg.Menus))
	for i, m := range v.cfg.Menus {
		names[i] = m.Name
	}
	return names
}

// name checks a queue name, menu name or agent id: present, plain, unique.
// firstName is where a name was first used: its index and its spelling.
type firstName struct {
	i    int
	name string
}

// name checks a name and that no other of its kind has it, told apart
// regardless of case: "Sales" and "sales" would be two queues (or
// campaigns, with their own leads and do-not-call lists) that a user
// takes for one, and an opt-out filed under one spelling would protect
// nothing under the other.
func (v *validator) name(p, what, name string, seen map[string]firstName, i int) {
	switch {
	case name == "":
		v.add(p, "missing; every %s needs one", what)
	case !namePattern.MatchString(name):
		v.add(p, "%s %q: use letters, digits, '-', '_' and '.', starting with a letter or digit", what, name)
	}
	if name == "" {
		return
	}
	key := strings.ToLower(name)
	if first, dup := seen[key]; dup {
		if first.name != name {
			v.add(p, "%s %q differs only in case from %q (%s); names are told apart regardless of case", what, name, first.name, indexPath(parentPath(parentPath(p)), first.i))
			return
		}
		v.add(p, "%s %q is already used by %s", what, name, indexPath(parentPath(parentPath(p)), first.i))
		return
	}
	seen[key] = firstName{i, name}
}

func (v *validator) known(p, what, name string, known []string) {
	if slices.Contains(known, name) {
		return
	}
	var listed []string
	for _, k := range known {
		if k != "" && !slices.Contains(listed, k) {
			listed = append(listed, k)
		}
	}
	if len(listed) == 0 {
		v.add(p, "unknown %s %q; no %ss are defined", what, name, what)
		return
	}
	v.add(p, "unknown %s %q; known: %s", what, name, strings.Join(listed, ", "))
}

// oneOf reports s if it is not in known and says whether it was.
func (v *validator) oneOf(p, what, s string, known []string) bool {
	if slices.Contains(known, s) {
		return true
	}
	i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, s) })
	switch {
	case s == "":
		v.add(p, "missing; known: %s", strings.Join(known, ", "))
	case i >= 0:
		v.add(p, "%s %q: write it %q (in that case)", what, s, known[i])
	default:
		v.add(p, "unknown %s %q; known: %s", what, s, strings.Join(known, ", "))
	}
	return false
}

func (v *validator) skills(p string, skills map[string]int) {
	for _, name := range slices.Sorted(maps.Keys(skills)) {
		if strings.TrimSpace(name) == "" {
			v.add(p, "a skill with an empty name")
			continue
		}
		if l := skills[name]; l < MinSkillLevel || l > MaxSkillLevel {
			v.add(joinPath(p, name), "level %d is outside %d..%d", l, MinSkillLevel, MaxSkillLevel)
		}
	}
}

func (v *validator) dtmf(p, key string) {
	if key != "" && (len(key) != 1 || !strings.Contains(DTMFKeys, key)) {
		v.add(p, "%q is not a DTMF key; use one of 0-9, * or # (quote * and #)", key)
	}
}

// positive reports a zero duration; negative ones are reported by durations.
func (v *validator) positive(p string, d time.Duration) {
	if d == 0 {
		v.add(p, "must be more than 0s")
	}
}

func (v *validator) atLeast(p string, n, least int) {
	if n < least {
		v.add(p, "%d is less than %d", n, least)
	}
}

func (v *validator) chance(p string, f float64) {
	if f < 0 || f > 1 {
		v.add(p, "%g is not a probability between 0 and 1", f)
	}
}

func (v *validator) hostPort(p, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.add(p, "want host:port, got %q", addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.add(p, "port %q in %q is not a number from 0 to 65535", port, addr)
	}
}

func (v *validator) url(p, raw string, required bool, schemes ...string) {
	if raw == "" {
		if required {
			v.add(p, "missing")
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		v.add(p, "want a %s:// URL with a host, got %q", strings.Join(schemes, ":// or "), raw)
	}
}
