package config

// Canonical routing strategy names, for code that writes a queue. A queue
// may name any strategy routing.ParseStrategy reads, including app_queue
// and mod_callcenter names in any case; Validate asks that parser.
const (
	StrategyRingAll           = "ring-all"
	StrategyLongestIdle       = "longest-idle"
	StrategyRoundRobin        = "round-robin"
	StrategyFewestCalls       = "fewest-calls"
	StrategyLeastTalkTime     = "least-talk-time"
	StrategyTopDown           = "top-down"
	StrategyRandom            = "random"
	StrategyWeightedRandom    = "weighted-random"
	StrategyRingProgressively = "ring-progressively"
	StrategySkillsBest        = "skills-best"
)

// Switch backends for PBX.Type.
const (
	PBXSim        = "sim"
	PBXAsterisk   = "asterisk"
	PBXFreeSWITCH = "freeswitch"
)

// PBXTypes lists the accepted PBX.Type values.
var PBXTypes = []string{PBXSim, PBXAsterisk, PBXFreeSWITCH}

// Overflow actions for Overflow.Action.
const (
	OverflowQueue    = "queue"
	OverflowMessage  = "message"
	OverflowCallback = "callback"
	OverflowHangup   = "hangup"
)

// OverflowActions lists the accepted Overflow.Action values.
var OverflowActions = []string{OverflowQueue, OverflowMessage, OverflowCallback, OverflowHangup}

// Queue.JoinEmpty values: may a caller join a queue no agent can serve now?
const (
	JoinEmptyYes    = "yes"    // always
	JoinEmptyNo     = "no"     // only if an able agent is logged in and not paused; else overflow
	JoinEmptyPaused = "paused" // if an able agent is logged in, even paused
)

// JoinEmptyModes lists the accepted Queue.JoinEmpty values.
var JoinEmptyModes = []string{JoinEmptyYes, JoinEmptyNo, JoinEmptyPaused}

// Server.LogFormat values.
const (
	LogJSON    = "json"
	LogConsole = "console"
)

// LogFormats lists the accepted Server.LogFormat values.
var LogFormats = []string{LogJSON, LogConsole}

// LogLevels lists the accepted Server.LogLevel values, most verbose first.
var LogLevels = []string{"trace", "debug", "info", "warn", "error"}

// DTMFKeys are the keys a caller can press: menu options, callback_key and
// exit_key must each be one of them.
const DTMFKeys = "0123456789*#"

// MaxSimCallersPerMinute bounds the simulated callers' arrival rate: a
// hundred a second, far past any call center's.
const MaxSimCallersPerMinute = 6000

// Skill levels run from MinSkillLevel (novice) to MaxSkillLevel (expert).
const (
	MinSkillLevel = 1
	MaxSkillLevel = 10
)
