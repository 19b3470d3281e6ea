package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/routing"
)

// validConfig is a small call center that passes Validate; each table case
// breaks one thing in it.
func validConfig() Config {
	c := Default()
	support, sales := DefaultQueue(), DefaultQueue()
	support.Name = "support"
	support.Skills = map[string]int{"product": 5}
	support.Targets = []SkillTarget{{After: 30 * time.Second, Skills: map[string]int{"product": 2}, MaxPenalty: -1}, {After: time.Minute}}
	support.CallbackKey = "1"
	support.ExitKey = "0"
	support.Callback.Endpoint = "PJSIP/{number}@trunk"
	sales.Name = "sales"
	sales.Overflow = Overflow{Action: OverflowQueue, Queue: "support"}
	c.Queues = []Queue{support, sales}

	menu := DefaultMenu()
	menu.Name = "main"
	menu.Prompt = []string{"sound:hello-world"}
	menu.Options = map[string]Target{"1": {Queue: "sales"}, "2": {Queue: "support"}, "#": {Hangup: true}}
	menu.Default = Target{Queue: "support"}
	c.Menus = []Menu{menu}

	c.Entries = []Entry{{Number: "100", Menu: "main"}, {Number: "200", Queue: "support"}}

	alice, bob := DefaultAgent(), DefaultAgent()
	alice.ID, alice.Endpoint = "alice", "PJSIP/1001"
	alice.Skills = map[string]int{"product": 7}
	alice.Queues = []Membership{{Queue: "support"}, {Queue: "sales", Penalty: 1}}
	bob.ID, bob.Endpoint = "bob", "PJSIP/1002"
	bob.Queues = []Membership{{Queue: "sales"}}
	c.Agents = []Agent{alice, bob}
	return c
}

func TestValidConfigIsValid(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("the base of the table tests must be valid:\n%v", err)
	}
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default() must be valid:\n%v", err)
	}
}

func TestValidateRules(t *testing.T) {
	minus := -time.Second
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   []string // "path: message fragment", in order
	}{
		{"two agents on one endpoint", func(c *Config) { c.Agents[1].Endpoint = c.Agents[0].Endpoint }, []string{
			`agents[1].endpoint: "PJSIP/1001" already rings agents[0] (alice); one phone, one agent`}},
		{"endpoint with a space or a line break", func(c *Config) { c.Agents[0].Endpoint, c.Agents[1].Endpoint = "PJSIP/1001 ", "user/1002\nx" }, []string{
			`agents[0].endpoint: "PJSIP/1001 " holds a space or a control character; a dial string has none`,
			`agents[1].endpoint: "user/1002\nx" holds a space or a control character; a dial string has none`}},
		{"sim agents need no endpoint", func(c *Config) { c.PBX.Type = PBXSim; c.Agents[0].Endpoint, c.Agents[1].Endpoint = "", "" }, nil},
		// server, store
		{"listen not host:port", func(c *Config) { c.Server.Listen = "8090" }, []string{"server.listen: want host:port"}},
		{"listen port not a number", func(c *Config) { c.Server.Listen = "127.0.0.1:http" }, []string{"server.listen: port \"http\""}},
		{"listen off", func(c *Config) { c.Server.Listen = "" }, nil},
		{"tls key without cert", func(c *Config) { c.Server.TLSKey = "key.pem" }, []string{"server.tls_cert: tls_cert and tls_key go together"}},
		{"tls files missing", func(c *Config) { c.Server.TLSCert, c.Server.TLSKey = "/nonexistent/cert.pem", "/nonexistent/key.pem" },
			[]string{"server.tls_cert: stat /nonexistent/cert.pem: no such file", "server.tls_key: stat /nonexistent/key.pem: no such file"}},
		{"tls files there", func(c *Config) { c.Server.TLSCert, c.Server.TLSKey = "validate_test.go", "validate.go" }, nil},
		{"session idle negative", func(c *Config) { c.Server.SessionIdle = -time.Minute }, []string{"server.session_idle: negative duration -1m0s"}},
		{"log format", func(c *Config) { c.Server.LogFormat = "text" }, []string{`server.log_format: unknown log format "text"; known: json, console`}},
		{"log level", func(c *Config) { c.Server.LogLevel = "loud" }, []string{`server.log_level: unknown log level "loud"`}},
		{"store path", func(c *Config) { c.Store.Path = " " }, []string{"store.path: missing"}},

		// pbx
		{"pbx type unknown", func(c *Config) { c.PBX.Type = "3cx" }, []string{`pbx.type: unknown switch type "3cx"; known: sim, asterisk, freeswitch`}},
		{"pbx type missing", func(c *Config) { c.PBX.Type = "" }, []string{"pbx.type: missing; known: sim, asterisk, freeswitch"}},
		{"asterisk url missing", func(c *Config) { c.PBX.Asterisk.URL = "" }, []string{"pbx.asterisk.url: missing"}},
		{"asterisk url scheme", func(c *Config) { c.PBX.Asterisk.URL = "ws://pbx:8088/ari" }, []string{"pbx.asterisk.url: want a http:// or https:// URL"}},
		{"asterisk websocket scheme", func(c *Config) { c.PBX.Asterisk.WebsocketURL = "http://pbx/ari/events" }, []string{"pbx.asterisk.websocket_url: want a ws:// or wss:// URL"}},
		{"asterisk app missing", func(c *Config) { c.PBX.Asterisk.App = "" }, []string{"pbx.asterisk.app: missing"}},
		{"asterisk ping zero", func(c *Config) { c.PBX.Asterisk.PingInterval = 0 }, []string{"pbx.asterisk.ping_interval: must be more than 0s"}},
		{"asterisk settings ignored for freeswitch", func(c *Config) { c.PBX.Type = PBXFreeSWITCH; c.PBX.Asterisk.URL = "" }, nil},
		{"freeswitch address missing", func(c *Config) { c.PBX.Type = PBXFreeSWITCH; c.PBX.FreeSWITCH.Address = "" }, []string{"pbx.freeswitch.address: missing"}},
		{"freeswitch address bad", func(c *Config) { c.PBX.Type = PBXFreeSWITCH; c.PBX.FreeSWITCH.Address = "fs.local" }, []string{"pbx.freeswitch.address: want host:port"}},
		{"freeswitch password", func(c *Config) { c.PBX.Type = PBXFreeSWITCH; c.PBX.FreeSWITCH.Password = "" }, []string{"pbx.freeswitch.password: missing"}},
		{"freeswitch outbound listen bad", func(c *Config) { c.PBX.Type = PBXFreeSWITCH; c.PBX.FreeSWITCH.OutboundListen = "8084" }, []string{"pbx.freeswitch.outbound_listen: want host:port"}},
		{"freeswitch sound names", func(c *Config) { c.PBX.Type = PBXFreeSWITCH; c.PBX.FreeSWITCH.SoundNames = "callie" }, []string{`pbx.freeswitch.sound_names: "callie" is not freeswitch or asterisk`}},
		{"freeswitch sound file", func(c *Config) {
			c.PBX.Type = PBXFreeSWITCH
			c.PBX.FreeSWITCH.Sounds = map[string]string{"queue-thereare": "a!b.wav"}
		}, []string{`pbx.freeswitch.sounds.queue-thereare: "a!b.wav": give a file`}},
		{"freeswitch command timeout", func(c *Config) { c.PBX.Type = PBXFreeSWITCH; c.PBX.FreeSWITCH.CommandTimeout = 0 }, []string{"pbx.freeswitch.command_timeout: must be more than 0s"}},
		{"sim needs no endpoints", func(c *Config) { c.PBX.Type = PBXSim; c.Agents[0].Endpoint = "" }, nil},
		{"sim rate negative", func(c *Config) { c.PBX.Type = PBXSim; c.PBX.Sim.Callers.RatePerMinute = -1 }, []string{"pbx.sim.callers.rate_per_minute: -1 is negative"}},
		// Media the switches cannot play validated, and every call's
		// prompt then failed.
		{"media items", func(c *Config) {
			c.Queues[0].Greeting = []string{"sound:", "bogus:x", "", "digits:12a", "sound:../../../etc/shadow", "hello", "number:4x2", "file:rel/x.wav", "sound:a,b", "sound:ok", "say:en:Hi"}
		}, []string{
			`queues[0].greeting[0]: "sound:" names nothing to play`,
			`queues[0].greeting[1]: "bogus:x": unknown media kind "bogus"; known: sound, recording, file, digits, number, tone, characters`,
			`queues[0].greeting[2]: an empty media item`,
			`queues[0].greeting[3]: "digits:12a": digits are 0-9, * and #`,
			`queues[0].greeting[4]: "sound:../../../etc/shadow": a sound is named within the switch's folder`,
			`queues[0].greeting[5]: "hello" has no kind; write KIND:NAME`,
			`queues[0].greeting[6]: "number:4x2": not a whole number`,
			`queues[0].greeting[7]: "file:rel/x.wav": a file is named by its absolute path`,
			`queues[0].greeting[8]: "sound:a,b" holds a comma`}},
		{"menu prompt and option message", func(c *Config) {
			c.Menus[0].Prompt = []string{""}
			c.Menus[0].Options["1"] = Target{Queue: "sales", Message: []string{"x"}}
		}, []string{`menus[0].prompt[0]: an empty media item`, `menus[0].options.1.message[0]: "x" has no kind`}},
		// The simulator ran out of memory placing them all at once.
		{"sim rate huge", func(c *Config) { c.PBX.Type = PBXSim; c.PBX.Sim.Callers.RatePerMinute = 1e308 },
			[]string{"pbx.sim.callers.rate_per_minute: 1e+308 is more than 6000 callers a minute"}},
		{"sim chance", func(c *Config) { c.PBX.Type = PBXSim; c.PBX.Sim.Callers.DTMFChance = 1.5 }, []string{"pbx.sim.callers.dtmf_chance: 1.5 is not a probability"}},
		{"sim rates sum", func(c *Config) {
			c.PBX.Type = PBXSim
			c.PBX.Sim.Agents.NoAnswerRate, c.PBX.Sim.Agents.BusyRate = 0.6, 0.6
		}, []string{"pbx.sim.agents.busy_rate: busy_rate + no_answer_rate is 1.2"}},
		{"sim talk time", func(c *Config) { c.PBX.Type = PBXSim; c.PBX.Sim.Agents.TalkTime = 0 }, []string{"pbx.sim.agents.talk_time: must be more than 0s"}},

		// queues
		{"queue name missing", func(c *Config) { c.Queues[0].Name = ""; c.Entries = c.Entries[:1]; c.Menus[0].Default = Target{} }, []string{
			"queues[0].name: missing",
			`queues[1].overflow.queue: unknown queue "support"; known: sales`,
			`menus[0].options.2.queue: unknown queue "support"`,
			`agents[0].queues[0].queue: unknown queue "support"`,
		}},
		{"queue name not plain", func(c *Config) { c.Queues[1].Name = "sales team" }, []string{
			`queues[1].name: queue "sales team": use letters`,
			`menus[0].options.1.queue: unknown queue "sales"`,
			`agents[0].queues[1].queue: unknown queue "sales"`,
			`agents[1].queues[0].queue: unknown queue "sales"`,
		}},
		{"duplicate queue", func(c *Config) { c.Queues[1].Name = "support"; c.Queues[1].Overflow = DefaultQueue().Overflow }, []string{
			`queues[1].name: queue "support" is already used by queues[0]`,
			`menus[0].options.1.queue: unknown queue "sales"; known: support`,
			`agents[0].queues[1].queue: unknown queue "sales"; known: support`,
			`agents[1].queues[0].queue: unknown queue "sales"; known: support`,
		}},
		{"unknown strategy", func(c *Config) { c.Queues[1].Strategy = "fastest" }, []string{
			`queues[1].strategy: unknown strategy "fastest"; known: ring-all, longest-idle, round-robin, fewest-calls, least-talk-time, top-down, random, weighted-random, ring-progressively, skills-best`,
		}},
		{"missing strategy", func(c *Config) { c.Queues[1].Strategy = "" }, []string{"queues[1].strategy: missing; known: ring-all"}},
		{"queue skill level high", func(c *Config) { c.Queues[0].Skills["product"] = 11 }, []string{"queues[0].skills.product: level 11 is outside 1..10"}},
		{"queue skill level zero", func(c *Config) { c.Queues[0].Skills["product"] = 0 }, []string{"queues[0].skills.product: level 0 is outside 1..10"}},
		{"queue skill empty name", func(c *Config) { c.Queues[0].Skills[""] = 3 }, []string{"queues[0].skills: a skill with an empty name"}},
		{"targets out of order", func(c *Config) { c.Queues[0].Targets[1].After = 30 * time.Second }, []string{
			"queues[0].targets[1].after: 30s is not later than targets[0]'s 30s",
		}},
		{"target skill level", func(c *Config) { c.Queues[0].Targets[0].Skills["product"] = 12 }, []string{"queues[0].targets[0].skills.product: level 12 is outside 1..10"}},
		{"target max penalty", func(c *Config) { c.Queues[0].Targets[0].MaxPenalty = -2 }, []string{"queues[0].targets[0].max_penalty: -2 is below -1"}},
		{"target negative after", func(c *Config) { c.Queues[0].Targets[0].After = minus }, []string{"queues[0].targets[0].after: negative duration -1s"}},
		{"queue weight", func(c *Config) { c.Queues[0].Weight = 0 }, []string{"queues[0].weight: 0 is less than 1"}},
		{"ring timeout zero", func(c *Config) { c.Queues[0].RingTimeout = 0 }, []string{"queues[0].ring_timeout: must be more than 0s"}},
		{"ring timeout negative reported once", func(c *Config) { c.Queues[0].RingTimeout = minus }, []string{"queues[0].ring_timeout: negative duration -1s"}},
		{"service level zero", func(c *Config) { c.Queues[0].ServiceLevel = 0 }, []string{"queues[0].service_level: must be more than 0s"}},
		// a timer per waiting caller every nanosecond: the engine did nothing else
		{"announce interval tiny", func(c *Config) { c.Queues[0].Announce.Interval = time.Nanosecond },
			[]string{"queues[0].announce.interval: 1ns: want 0s (off) or at least 1s"}},
		{"negative wrap-up", func(c *Config) { c.Queues[1].WrapUp = minus }, []string{"queues[1].wrap_up: negative duration -1s"}},
		{"negative max wait", func(c *Config) { c.Queues[1].MaxWait = -time.Minute }, []string{"queues[1].max_wait: negative duration -1m0s"}},
		{"negative announce", func(c *Config) { c.Queues[1].Announce.Interval = minus }, []string{"queues[1].announce.interval: negative duration -1s"}},
		{"negative callback retry", func(c *Config) { c.Queues[0].Callback.RetryAfter = minus }, []string{"queues[0].callback.retry_after: negative duration -1s"}},
		{"max len negative", func(c *Config) { c.Queues[0].MaxLen = -1 }, []string{"queues[0].max_len: -1 is less than 0"}},
		{"max no answer negative", func(c *Config) { c.Queues[0].MaxNoAnswer = -1 }, []string{"queues[0].max_no_answer: -1 is less than 0"}},
		{"join empty", func(c *Config) { c.Queues[0].JoinEmpty = "maybe" }, []string{`queues[0].join_empty: unknown join_empty mode "maybe"; known: yes, no, paused`}},
		{"overflow action unknown", func(c *Config) { c.Queues[1].Overflow.Action = "voicemail" }, []string{`queues[1].overflow.action: unknown overflow action "voicemail"; known: queue, message, callback, hangup`}},
		{"overflow action missing", func(c *Config) { c.Queues[0].Overflow.Action = "" }, []string{"queues[0].overflow.action: missing; known: queue, message"}},
		{"overflow queue missing", func(c *Config) { c.Queues[1].Overflow.Queue = "" }, []string{"queues[1].overflow.queue: missing; action queue needs"}},
		{"overflow queue unknown", func(c *Config) { c.Queues[1].Overflow.Queue = "billing" }, []string{`queues[1].overflow.queue: unknown queue "billing"; known: support, sales`}},
		{"overflow to itself", func(c *Config) { c.Queues[1].Overflow.Queue = "sales" }, []string{`queues[1].overflow.queue: queue "sales" overflows to itself`}},
		{"overflow queue without action queue", func(c *Config) { c.Queues[0].Overflow.Queue = "sales" }, []string{`queues[0].overflow.queue: set to "sales", but action is "hangup"`}},
		{"overflow message missing", func(c *Config) { c.Queues[0].Overflow.Action = OverflowMessage }, []string{"queues[0].overflow.message: missing"}},
		{"overflow loop", func(c *Config) { c.Queues[0].Overflow = Overflow{Action: OverflowQueue, Queue: "sales"} }, []string{
			"queues[0].overflow.queue: overflow loop: support → sales → support",
		}},
		{"overflow loop of three reported once", func(c *Config) {
			q := DefaultQueue()
			q.Name = "night"
			q.Overflow = Overflow{Action: OverflowQueue, Queue: "sales"}
			c.Queues[0].Overflow = Overflow{Action: OverflowQueue, Queue: "night"}
			c.Queues = append(c.Queues, q)
		}, []string{"queues[0].overflow.queue: overflow loop: support → night → sales → support"}},
		{"callback key not DTMF", func(c *Config) { c.Queues[0].CallbackKey = "x" }, []string{`queues[0].callback_key: "x" is not a DTMF key`}},
		{"callback key two digits", func(c *Config) { c.Queues[0].CallbackKey = "12" }, []string{`queues[0].callback_key: "12" is not a DTMF key`}},
		{"exit key not DTMF", func(c *Config) { c.Queues[0].ExitKey = "A" }, []string{`queues[0].exit_key: "A" is not a DTMF key`}},
		{"callback key equals exit key", func(c *Config) { c.Queues[0].ExitKey = "1" }, []string{`queues[0].callback_key: "1" is also the exit_key`}},
		{"callback endpoint missing", func(c *Config) { c.Queues[0].Callback.Endpoint = "" }, []string{"queues[0].callback.endpoint: missing"}},
		{"callback endpoint without number", func(c *Config) { c.Queues[0].Callback.Endpoint = "PJSIP/trunk" }, []string{`queues[0].callback.endpoint: "PJSIP/trunk" has no {number}`}},
		{"callback attempts", func(c *Config) { c.Queues[0].Callback.MaxAttempts = 0 }, []string{"queues[0].callback.max_attempts: 0 is less than 1"}},
		{"callback caller id", func(c *Config) { c.Queues[0].Callback.CallerID = "sales" }, []string{`queues[0].callback.caller_id: "sales": want the number the called party sees`}},
		{"callback timeout", func(c *Config) { c.Queues[0].Callback.Timeout = 0 }, []string{"queues[0].callback.timeout: must be more than 0s"}},
		{"callback unused is not checked", func(c *Config) { c.Queues[1].Callback = Callback{} }, nil},
		{"callback overflow checks callback", func(c *Config) { c.Queues[1].Overflow = Overflow{Action: OverflowCallback} }, []string{"queues[1].callback.endpoint: missing"}},

		// entries
		{"entry both", func(c *Config) { c.Entries[0].Queue = "sales" }, []string{"entries[0]: both queue and menu set"}},
		{"entry neither", func(c *Config) { c.Entries[0].Menu = "" }, []string{"entries[0]: neither queue nor menu set"}},
		{"entry unknown queue", func(c *Config) { c.Entries[1].Queue = "billing" }, []string{`entries[1].queue: unknown queue "billing"; known: support, sales`}},
		{"entry unknown menu", func(c *Config) { c.Entries[0].Menu = "night" }, []string{`entries[0].menu: unknown menu "night"; known: main`}},
		{"entry number missing", func(c *Config) { c.Entries[0].Number = "" }, []string{"entries[0].number: missing"}},
		{"entry number a dialplan cannot hold", func(c *Config) { c.Entries[0].Number = "100$"; c.Entries[1].Number = "_X." }, []string{
			`entries[0].number: "100$" holds one of , ; ( ) [ ] { } $ / \ " ' < > & |, which end a dialplan field or start a variable`,
			`entries[1].number: "_X." starts with '_', a dialplan pattern; write the number callers dial`}},
		{"entry number spaces", func(c *Config) { c.Entries[0].Number = "555 1234" }, []string{`entries[0].number: "555 1234" contains spaces`}},
		{"duplicate entry", func(c *Config) { c.Entries[1].Number = "100" }, []string{`entries[1].number: "100" is already used by entries[0]`}},

		// speech
		{"listen silence unset", func(c *Config) { c.Speech.ListenSilence = 0 }, []string{"speech.listen_silence: 0s: want whole seconds from 1s to 30s"}},
		{"listen silence in parts of a second", func(c *Config) { c.Speech.ListenSilence = 1500 * time.Millisecond }, []string{"speech.listen_silence: 1.5s: want whole seconds"}},
		{"listen silence too long", func(c *Config) { c.Speech.ListenSilence = time.Minute }, []string{"speech.listen_silence: 1m0s: want whole seconds from 1s to 30s"}},
		{"listen silence set", func(c *Config) { c.Speech.ListenSilence = 4 * time.Second }, nil},

		// menus
		{"menu name missing", func(c *Config) { c.Menus[0].Name = ""; c.Entries = c.Entries[1:] }, []string{"menus[0].name: missing"}},
		{"duplicate menu", func(c *Config) { c.Menus = append(c.Menus, c.Menus[0]) }, []string{`menus[1].name: menu "main" is already used by menus[0]`}},
		{"menu prompt missing", func(c *Config) { c.Menus[0].Prompt = nil }, []string{"menus[0].prompt: missing"}},
		{"menu timeout zero", func(c *Config) { c.Menus[0].Timeout = 0 }, []string{"menus[0].timeout: must be more than 0s"}},
		{"menu retries negative", func(c *Config) { c.Menus[0].Retries = -1 }, []string{"menus[0].retries: -1 is less than 0"}},
		{"menu key not DTMF", func(c *Config) { c.Menus[0].Options["x"] = Target{Queue: "sales"} }, []string{`menus[0].options.x: "x" is not a DTMF key`}},
		{"menu key two digits", func(c *Config) { c.Menus[0].Options["11"] = Target{Queue: "sales"} }, []string{`menus[0].options.11: "11" is not a DTMF key`}},
		{"menu option unknown queue", func(c *Config) { c.Menus[0].Options["3"] = Target{Queue: "billing"} }, []string{`menus[0].options.3.queue: unknown queue "billing"`}},
		{"menu option unknown menu", func(c *Config) { c.Menus[0].Options["3"] = Target{Menu: "night"} }, []string{`menus[0].options.3.menu: unknown menu "night"; known: main`}},
		{"menu option to itself is allowed", func(c *Config) { c.Menus[0].Options["9"] = Target{Menu: "main"} }, nil},
		{"menu option both", func(c *Config) { c.Menus[0].Options["3"] = Target{Queue: "sales", Menu: "main"} }, []string{"menus[0].options.3: both queue and menu set"}},
		{"menu option nowhere", func(c *Config) { c.Menus[0].Options["3"] = Target{} }, []string{"menus[0].options.3: goes nowhere"}},
		{"menu option hangup and queue", func(c *Config) { c.Menus[0].Options["3"] = Target{Queue: "sales", Hangup: true} }, []string{"menus[0].options.3.hangup: hangup with a queue or menu"}},
		{"menu default empty hangs up", func(c *Config) { c.Menus[0].Default = Target{} }, nil},
		{"menu default unknown", func(c *Config) { c.Menus[0].Default = Target{Queue: "billing"} }, []string{`menus[0].default.queue: unknown queue "billing"`}},
		{"menu default loop", func(c *Config) {
			night := c.Menus[0]
			night.Name = "night"
			night.Default = Target{Menu: "main"}
			c.Menus[0].Default = Target{Menu: "night"}
			c.Menus = append(c.Menus, night)
		}, []string{"menus[0].default.menu: callers who press nothing loop through menus: main → night → main"}},
		{"negative menu timeout", func(c *Config) { c.Menus[0].Timeout = minus }, []string{"menus[0].timeout: negative duration -1s"}},

		// agents
		{"agent id missing", func(c *Config) { c.Agents[0].ID = "" }, []string{"agents[0].id: missing"}},
		{"duplicate agent", func(c *Config) { c.Agents[1].ID = "alice" }, []string{`agents[1].id: agent id "alice" is already used by agents[0]`}},
		{"agent endpoint missing", func(c *Config) { c.Agents[1].Endpoint = "" }, []string{"agents[1].endpoint: missing"}},
		{"agent skill level", func(c *Config) { c.Agents[0].Skills["product"] = 0 }, []string{"agents[0].skills.product: level 0 is outside 1..10"}},
		{"agent unknown queue", func(c *Config) { c.Agents[1].Queues[0].Queue = "billing" }, []string{`agents[1].queues[0].queue: unknown queue "billing"; known: support, sales`}},
		{"agent membership missing queue", func(c *Config) { c.Agents[1].Queues[0].Queue = "" }, []string{"agents[1].queues[0].queue: missing"}},
		{"agent twice in a queue", func(c *Config) { c.Agents[0].Queues[1].Queue = "support" }, []string{`agents[0].queues[1].queue: "support" is already listed at queues[0]`}},
		{"agent penalty", func(c *Config) { c.Agents[0].Queues[0].Penalty = -1 }, []string{"agents[0].queues[0].penalty: -1 is less than 0"}},
		{"agent tier", func(c *Config) { c.Agents[0].Queues[0].Tier = -1 }, []string{"agents[0].queues[0].tier: -1 is less than 0"}},
		{"agent weight", func(c *Config) { c.Agents[0].Weight = 0 }, []string{"agents[0].weight: 0 is less than 1"}},
		{"agent wrap-up negative", func(c *Config) { c.Agents[0].WrapUp = &minus }, []string{"agents[0].wrap_up: negative duration -1s"}},
		{"agent wrap-up zero", func(c *Config) { zero := time.Duration(0); c.Agents[0].WrapUp = &zero }, nil},
		{"agent in no queue", func(c *Config) { c.Agents[1].Queues = nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(&c)
			checkProblems(t, problemStrings(t, c.Validate()), tt.want)
		})
	}
}

// One pass reports every problem, not the first.
func TestValidateReportsEveryProblem(t *testing.T) {
	c := validConfig()
	c.PBX.Type = "pbx"
	c.Queues[0].Strategy = "fastest"
	c.Menus[0].Options["x"] = Target{Queue: "sales"}
	c.Agents[1].ID = "alice"
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want *ValidationError", err)
	}
	if len(ve.Problems) != 4 {
		t.Fatalf("got %d problems, want 4:\n%v", len(ve.Problems), err)
	}
	if lines := strings.Count(err.Error(), "\n") + 1; lines != 4 {
		t.Errorf("Error() has %d lines, want one per problem:\n%v", lines, err)
	}
}

// TestStrategyNamesAreRoutings: a queue accepts every name the routing
// package reads (README promises app_queue's and mod_callcenter's names and
// any case), and the canonical constants here are routing's own.
func TestStrategyNamesAreRoutings(t *testing.T) {
	names := []string{
		"ringall", "rrmemory", "rrordered", "linear", "wrandom", "leastrecent", "fewestcalls",
		"longest-idle-agent", "agent-with-fewest-calls", "agent-with-least-talk-time",
		"sequentially-by-agent-order", "RING-ALL", "Longest-Idle", " skills-best ",
	}
	names = append(names, routing.Strategies()...)
	for _, name := range names {
		c := validConfig()
		c.Queues[1].Strategy = name
		if err := c.Validate(); err != nil {
			t.Errorf("strategy %q: %v", name, err)
		}
	}
	for _, name := range []string{StrategyRingAll, StrategyLongestIdle, StrategyRoundRobin, StrategyFewestCalls,
		StrategyLeastTalkTime, StrategyTopDown, StrategyRandom, StrategyWeightedRandom, StrategyRingProgressively, StrategySkillsBest} {
		if st, err := routing.ParseStrategy(name); err != nil || st.String() != name {
			t.Errorf("routing reads %q as %v, %v; want the same canonical name", name, st, err)
		}
	}
}

// problemStrings is the problems of a Validate or Parse error, one string
// each; nil for no error.
func problemStrings(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error is not ErrInvalid: %v", err)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error is %T, want *ValidationError", err)
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.String())
	}
	return out
}

// checkProblems wants exactly len(want) problems, each starting with its want.
func checkProblems(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d = %q, want it to start with %q", i, got[i], w)
		}
	}
}
