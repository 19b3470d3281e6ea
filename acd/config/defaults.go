package config

import "time"

// Default returns every top-level setting at its default. Lists are empty;
// their elements get DefaultQueue, DefaultAgent, DefaultMenu and
// DefaultSkillTarget when decoded by Parse.
func Default() Config {
	return Config{
		Server: Server{
			Listen:      "127.0.0.1:8090",
			LogFormat:   LogJSON,
			LogLevel:    "info",
			SessionIdle: 30 * time.Minute,
		},
		Store:   Store{Path: "hotline.db"},
		Reports: Reports{ServiceLevelTarget: 80, RepeatWindow: 7 * 24 * time.Hour},
		Speech:  Speech{Prompts: "prompts", Speed: 150, ListenSilence: 2 * time.Second, Recognizer: Recognizer{Timeout: 10 * time.Second}},
		Privacy: Privacy{Region: "US", Retention: Retention{Every: 24 * time.Hour}},
		PBX: PBX{
			Type:                PBXAsterisk,
			TransferRingTimeout: 30 * time.Second,
			Asterisk: Asterisk{
				URL:             "http://127.0.0.1:8088/ari",
				App:             "hotline",
				PingInterval:    2 * time.Second,
				RecordingFormat: "wav",
			},
			FreeSWITCH: FreeSWITCH{
				Address:        "127.0.0.1:8021",
				Password:       "ClueCon",
				CommandTimeout: 5 * time.Second,
			},
			Sim: Sim{
				Seed: 1,
				Callers: SimCallers{
					RatePerMinute: 6,
					Patience:      90 * time.Second,
					DTMFChance:    0.9,
				},
				Agents: SimAgentPhone{
					AnswerDelay:  3 * time.Second,
					NoAnswerRate: 0.05,
					BusyRate:     0.02,
					TalkTime:     2 * time.Minute,
				},
			},
		},
	}
}

// DefaultQueue is what every queue starts from before its YAML is applied.
func DefaultQueue() Queue {
	return Queue{
		Strategy:      StrategyLongestIdle,
		Weight:        1,
		RingTimeout:   15 * time.Second,
		RetryDelay:    2 * time.Second,
		WrapUp:        5 * time.Second,
		ServiceLevel:  20 * time.Second,
		MOH:           "default",
		Announce:      Announce{Interval: 30 * time.Second, Position: true},
		JoinEmpty:     JoinEmptyYes,
		Overflow:      Overflow{Action: OverflowHangup},
		MaxNoAnswer:   3,
		NoAnswerDelay: 10 * time.Second,
		BusyDelay:     10 * time.Second,
		RejectDelay:   10 * time.Second,
		Callback: Callback{
			Timeout:     30 * time.Second,
			MaxAttempts: 3,
			RetryAfter:  5 * time.Minute,
		},
		Contacts: ContactRouting{Agent: ContactAgentNone, Wait: 20 * time.Second},
	}
}

// DefaultSkillTarget is what every element of a queue's targets starts from:
// no penalty limit.
func DefaultSkillTarget() SkillTarget {
	return SkillTarget{MaxPenalty: -1}
}

// DefaultMenu is what every menu starts from.
func DefaultMenu() Menu {
	return Menu{
		Timeout: 5 * time.Second,
		Retries: 2,
	}
}

// DefaultAgent is what every agent starts from.
func DefaultAgent() Agent {
	return Agent{Weight: 1}
}
