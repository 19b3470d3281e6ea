package config

// Routing strategies a queue may name. The routing package parses the same
// names; Strategies is the one list both agree on.
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

// Strategies lists every strategy name a queue accepts, in documentation order.
var Strategies = []string{
	StrategyRingAll,
	StrategyLongestIdle,
	StrategyRoundRobin,
	StrategyFewestCalls,
	StrategyLeastTalkTime,
	StrategyTopDown,
	StrategyRandom,
	StrategyWeightedRandom,
	StrategyRingProgressively,
	StrategySkillsBest,
}

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

// Skill levels run from MinSkillLevel (novice) to MaxSkillLevel (expert).
const (
	MinSkillLevel = 1
	MaxSkillLevel = 10
)
