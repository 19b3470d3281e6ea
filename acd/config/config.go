package config

import "time"

// Config is everything Hotline reads from its YAML file.
type Config struct {
	Server  Server          `yaml:"server"`
	Store   Store           `yaml:"store"`
	PBX     PBX             `yaml:"pbx"`
	Entries []Entry         `yaml:"entries"`
	Menus   []Menu          `yaml:"menus"`
	Flows   map[string]Flow `yaml:"flows"`
	Speech  Speech          `yaml:"speech"` // prompts the flows speak, recognizer, see speech.go
	Queues  []Queue         `yaml:"queues"`
	Agents  []Agent         `yaml:"agents"`

	Campaigns []Campaign `yaml:"campaigns"`
	Teams     []Team     `yaml:"teams"` // who each supervisor oversees, see teams.go

	Reports Reports `yaml:"reports"`
	Privacy Privacy `yaml:"privacy"` // contacts and personal data, see privacy.go

	Recordings Recordings `yaml:"recordings"` // where recordings go and their names, see recording.go

	// src is the file this Config was parsed from, so Validate can name lines.
	src *source
}

// File is the name of the file the Config was parsed from, "" for one built
// in code (Default, with no file given).
func (c Config) File() string { return c.src.fileName() }

// Reports are how `hotline report` counts and shows a period.
type Reports struct {
	Timezone           string        `yaml:"timezone"`             // the call center's IANA zone, e.g. Europe/Berlin; "" = the machine's
	ShortAbandon       time.Duration `yaml:"short_abandon"`        // callers hanging up sooner are short abandons, counted apart
	ServiceLevelTarget float64       `yaml:"service_level_target"` // percent answered within the threshold, drawn on charts
	QueueLog           string        `yaml:"queue_log"`            // serve appends Asterisk queue_log lines to this file; "" = none
	// RepeatWindow: a customer's call on the same topic within this time
	// marks their earlier answered call not resolved at the first contact
	// (needs contacts, so a key); 0 = off.
	RepeatWindow time.Duration `yaml:"repeat_window"`
}

// Server is the daemon's own settings.
type Server struct {
	Listen    string `yaml:"listen"`     // HTTP API address, "" = off
	TLSCert   string `yaml:"tls_cert"`   // PEM certificate (chain) file: the API serves HTTPS; with tls_key
	TLSKey    string `yaml:"tls_key"`    // PEM private key file of tls_cert
	LogFormat string `yaml:"log_format"` // json | console
	LogLevel  string `yaml:"log_level"`  // debug | info | warn | error
	// SessionIdle ends a browser session unused that long (no request
	// from its pages); 0 = never. Default 30 min.
	SessionIdle time.Duration `yaml:"session_idle"`
}

// Store is where records live.
type Store struct {
	Path string `yaml:"path"` // bbolt file
}

// PBX selects and configures the switch backend.
type PBX struct {
	Type       string     `yaml:"type"` // sim | asterisk | freeswitch
	Asterisk   Asterisk   `yaml:"asterisk"`
	FreeSWITCH FreeSWITCH `yaml:"freeswitch"`
	Sim        Sim        `yaml:"sim"`
	// Outside is the dial string for outside numbers, with {number}, e.g.
	// "PJSIP/{number}@trunk": transfers to a number use it. "" = none.
	Outside string `yaml:"outside"`
	// TransferRingTimeout is how long an outside number a call is
	// transferred to may ring; a transfer target the switch never
	// reports on is given up that long after it started ringing (an
	// agent's ring_timeout for an agent), plus a grace. Default 30 s.
	TransferRingTimeout time.Duration `yaml:"transfer_ring_timeout"`
}

// Asterisk is the ARI connection.
type Asterisk struct {
	URL             string        `yaml:"url"`           // http://127.0.0.1:8088/ari
	WebsocketURL    string        `yaml:"websocket_url"` // "" = derived from URL
	Username        string        `yaml:"username"`
	Password        string        `yaml:"password"`
	App             string        `yaml:"app"`              // Stasis application name
	PingInterval    time.Duration `yaml:"ping_interval"`    // liveness check of ARI
	RecordingFormat string        `yaml:"recording_format"` // wav | gsm | ...
}

// FreeSWITCH is the event-socket connection.
type FreeSWITCH struct {
	Address        string        `yaml:"address"`         // inbound ESL: host:port of mod_event_socket
	Password       string        `yaml:"password"`        // event_socket.conf.xml password
	OutboundListen string        `yaml:"outbound_listen"` // address Hotline listens on for the dialplan's socket app, "" = off
	CommandTimeout time.Duration `yaml:"command_timeout"` // a command slower than this drops the link
	RecordingDir   string        `yaml:"recording_dir"`   // where uuid_record writes
	// SoundNames names Hotline's built-in prompts by FreeSWITCH's stock
	// en/us/callie pack ("freeswitch", the default) or by Asterisk's
	// ("asterisk": <name>.wav in sound_prefix).
	SoundNames string `yaml:"sound_names"`
	// Sounds gives single built-in prompts a file of the site's own, by
	// Asterisk name: {queue-thereare: custom/there-are.wav}.
	Sounds map[string]string `yaml:"sounds"`
}

// Sim configures the built-in simulated switch (demo, trials of a queue design).
type Sim struct {
	Seed    int64         `yaml:"seed"`
	Callers SimCallers    `yaml:"callers"`
	Agents  SimAgentPhone `yaml:"agents"`
}

// SimCallers is the synthetic inbound traffic.
type SimCallers struct {
	RatePerMinute float64       `yaml:"rate_per_minute"` // Poisson arrival rate, all entries together
	Patience      time.Duration `yaml:"patience"`        // mean time a caller waits before hanging up (exponential)
	DTMFChance    float64       `yaml:"dtmf_chance"`     // probability a caller presses a menu key
	// SayChance is the probability that a caller of a FAQ flow says one of
	// its questions (the sim's recognizer hears it) rather than press a key.
	SayChance float64 `yaml:"say_chance"`
}

// SimAgentPhone is how synthetic agents' phones behave.
type SimAgentPhone struct {
	AnswerDelay  time.Duration `yaml:"answer_delay"`   // mean ring time before answer
	NoAnswerRate float64       `yaml:"no_answer_rate"` // probability a ring is not answered
	BusyRate     float64       `yaml:"busy_rate"`      // probability the phone returns busy
	TalkTime     time.Duration `yaml:"talk_time"`      // mean conversation length (exponential)
}

// Entry routes a dialed number into Hotline.
type Entry struct {
	Number string `yaml:"number"` // dialed number / extension, e.g. "100" or "+15551230000"
	Queue  string `yaml:"queue"`  // straight into a queue, or
	Menu   string `yaml:"menu"`   // through a DTMF menu, or
	Flow   string `yaml:"flow"`   // through a self-service flow
}

// Menu is a DTMF choice played to callers before a queue.
type Menu struct {
	Name    string            `yaml:"name"`
	Prompt  []string          `yaml:"prompt"`  // media played, e.g. ["sound:press-1", ...]
	Timeout time.Duration     `yaml:"timeout"` // wait for a key after the prompt
	Retries int               `yaml:"retries"` // replays on timeout or invalid key
	Invalid []string          `yaml:"invalid"` // played on an invalid key
	Options map[string]Target `yaml:"options"` // key ("1".."9","0","*","#") → where to go
	Default Target            `yaml:"default"` // after retries run out
}

// Target is where a menu choice or an overflow sends a caller.
type Target struct {
	Queue   string   `yaml:"queue,omitempty"`
	Menu    string   `yaml:"menu,omitempty"`
	Message []string `yaml:"message,omitempty"` // played, then hang up (unless Queue/Menu also set)
	Hangup  bool     `yaml:"hangup,omitempty"`
}

// Queue is one ACD queue.
type Queue struct {
	Name          string         `yaml:"name"`
	Strategy      string         `yaml:"strategy"`      // see routing strategies
	Skills        map[string]int `yaml:"skills"`        // required skills with minimum levels
	Targets       []SkillTarget  `yaml:"targets"`       // relaxation steps while the caller waits
	Weight        int            `yaml:"weight"`        // fairness weight across queues (1 = neutral)
	RingTimeout   time.Duration  `yaml:"ring_timeout"`  // per agent attempt
	RetryDelay    time.Duration  `yaml:"retry_delay"`   // pause before trying the next agent(s)
	WrapUp        time.Duration  `yaml:"wrap_up"`       // after-call work time
	MaxWait       time.Duration  `yaml:"max_wait"`      // 0 = unlimited; then overflow
	MaxLen        int            `yaml:"max_len"`       // 0 = unlimited; full → overflow
	ServiceLevel  time.Duration  `yaml:"service_level"` // answered within this counts as in SL
	MOH           string         `yaml:"moh"`           // music-on-hold class
	Greeting      []string       `yaml:"greeting"`      // played once on entry
	Announce      Announce       `yaml:"announce"`
	JoinEmpty     string         `yaml:"join_empty"`  // yes | no | paused: may callers join with no agent able to take them
	LeaveEmpty    bool           `yaml:"leave_empty"` // overflow waiting callers when the last agent logs out
	Overflow      Overflow       `yaml:"overflow"`
	CallbackKey   string         `yaml:"callback_key"`    // DTMF key that leaves the queue with a callback request, "" = off
	ExitKey       string         `yaml:"exit_key"`        // DTMF key that leaves to Overflow at once, "" = off
	Recording     string         `yaml:"recording"`       // never | on_demand | always (recording.go); "" = never, or always with Record
	Record        bool           `yaml:"record"`          // deprecated: record: true is recording: always
	MaxNoAnswer   int            `yaml:"max_no_answer"`   // consecutive unanswered rings before an agent is paused("no-answer"); 0 = never
	NoAnswerDelay time.Duration  `yaml:"no_answer_delay"` // agent not offered again for this long after a no-answer
	BusyDelay     time.Duration  `yaml:"busy_delay"`      // ... after busy
	RejectDelay   time.Duration  `yaml:"reject_delay"`    // ... after rejecting
	Callback      Callback       `yaml:"callback"`
	Contacts      ContactRouting `yaml:"contacts"` // how callers with a contact on record are routed (contacts.go)
}

// SkillTarget relaxes a queue's requirement after the caller waited After.
type SkillTarget struct {
	After      time.Duration  `yaml:"after"`
	Skills     map[string]int `yaml:"skills"`      // replaces the queue's skills; nil = no skills needed
	MaxPenalty int            `yaml:"max_penalty"` // agents with a higher penalty in this queue are not offered; -1 = any
}

// Announce is the periodic message to waiting callers.
type Announce struct {
	Interval     time.Duration `yaml:"interval"` // 0 = off
	Position     bool          `yaml:"position"`
	WaitEstimate bool          `yaml:"wait_estimate"`
}

// Overflow is where callers go when the queue cannot take them.
type Overflow struct {
	Action  string   `yaml:"action"` // queue | message | callback | hangup
	Queue   string   `yaml:"queue"`
	Message []string `yaml:"message"`
}

// Callback configures dialing callers back.
type Callback struct {
	Endpoint    string        `yaml:"endpoint"` // dial string with {number}, e.g. "PJSIP/{number}@trunk"
	CallerID    string        `yaml:"caller_id"`
	Timeout     time.Duration `yaml:"timeout"`
	MaxAttempts int           `yaml:"max_attempts"`
	RetryAfter  time.Duration `yaml:"retry_after"`
}

// Agent is one person who takes calls.
type Agent struct {
	ID       string         `yaml:"id"`
	Name     string         `yaml:"name"`
	Endpoint string         `yaml:"endpoint"` // where to ring them: "PJSIP/1001", "Local/1001@agents", "user/1001"
	Skills   map[string]int `yaml:"skills"`   // skill → level 1..10
	Queues   []Membership   `yaml:"queues"`
	WrapUp   *time.Duration `yaml:"wrap_up"`   // overrides the queue's
	Weight   int            `yaml:"weight"`    // for weighted-random
	LoggedIn bool           `yaml:"logged_in"` // logged in at first start (the store wins after that)
	// Answer is how the agent takes an offered call: AnswerPhone (or "")
	// rings the phone and the agent picks it up there; AnswerDesk rings the
	// desk only and, when the agent answers there, calls the phone with an
	// auto-answer header so it picks up by itself.
	Answer string `yaml:"answer"`
}

// How agents answer (Agent.Answer).
const (
	AnswerPhone = "phone"
	AnswerDesk  = "desk"
)

// Membership puts an agent in a queue.
type Membership struct {
	Queue   string `yaml:"queue"`
	Penalty int    `yaml:"penalty"` // 0 = first choice; higher = later
	Tier    int    `yaml:"tier"`    // ring-progressively/top-down order inside the queue
}
