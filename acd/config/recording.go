package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// Recording policies of a queue or a campaign (Queue.Recording,
// Campaign.Recording).
const (
	RecordNever    = "never"     // no recording, not even on request
	RecordOnDemand = "on_demand" // the agent or a supervisor starts and stops it
	RecordAlways   = "always"    // from the answer to the end; it may be paused, not stopped
)

// RecordingPolicies lists the policies.
var RecordingPolicies = []string{RecordNever, RecordOnDemand, RecordAlways}

// DefaultRecordingTemplate names recordings as Hotline always has.
const DefaultRecordingTemplate = "hotline-{call}"

// Recordings is where recordings go and how they are named.
type Recordings struct {
	// Dir is the switch's recording directory as Hotline sees it
	// (Asterisk's /var/spool/asterisk/recording, FreeSWITCH's
	// recordings_dir): the API plays files from it and `hotline recordings
	// check` compares it with the records. "" = the paths the switch
	// reports, read as they are.
	Dir string `yaml:"dir"`
	// Template makes a recording's name, a path below the switch's
	// recording directory, from {call}, {date} (2006-01-02), {time}
	// (150405), {queue}, {campaign}, {agent} and {direction}; {call} keeps
	// names apart and is required.
	Template string `yaml:"template"`
}

// RecordingPolicy is the queue's policy: Recording, else always for the
// deprecated `record: true`, else never.
func (q Queue) RecordingPolicy() string {
	switch {
	case q.Recording != "":
		return q.Recording
	case q.Record:
		return RecordAlways
	}
	return RecordNever
}

// RecordingPolicy is the campaign's policy, never when unset.
func (c Campaign) RecordingPolicy() string {
	if c.Recording == "" {
		return RecordNever
	}
	return c.Recording
}

// RecordingFields fill a recording name template.
type RecordingFields struct {
	Call, Queue, Campaign, Agent, Direction string
	At                                      time.Time
}

var (
	placeholder = regexp.MustCompile(`\{[^{}]*\}`)
	unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)
)

// RecordingName fills a template (checked by Validate) with f. A value is
// made a safe path segment: characters other than letters, digits, - _ .
// become _, and an empty value is "none".
func RecordingName(template string, f RecordingFields) string {
	if template == "" {
		template = DefaultRecordingTemplate
	}
	return placeholder.ReplaceAllStringFunc(template, func(ph string) string {
		var v string
		switch ph {
		case "{call}":
			v = f.Call
		case "{date}":
			v = f.At.Format(time.DateOnly)
		case "{time}":
			v = f.At.Format("150405")
		case "{queue}":
			v = f.Queue
		case "{campaign}":
			v = f.Campaign
		case "{agent}":
			v = f.Agent
		case "{direction}":
			v = f.Direction
		}
		v = unsafeChars.ReplaceAllString(v, "_")
		if v == "" || strings.Trim(v, ".") == "" {
			return "none"
		}
		return v
	})
}

var recordingPlaceholders = []string{"{call}", "{date}", "{time}", "{queue}", "{campaign}", "{agent}", "{direction}"}

// checkRecordingTemplate reports a template that names an unknown
// placeholder, lacks {call}, or makes a name no switch takes.
func checkRecordingTemplate(t string) error {
	for _, ph := range placeholder.FindAllString(t, -1) {
		if !slices.Contains(recordingPlaceholders, ph) {
			return fmt.Errorf("unknown placeholder %s; known: %s", ph, strings.Join(recordingPlaceholders, " "))
		}
	}
	if rest := placeholder.ReplaceAllString(t, ""); strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("%q has an unmatched { or }", t)
	}
	if !strings.Contains(t, "{call}") {
		return fmt.Errorf("%q has no {call}; without it two calls could write one file", t)
	}
	sample := RecordingName(t, RecordingFields{Call: "c", Queue: "q", Campaign: "k", Agent: "a", Direction: "inbound", At: time.Unix(0, 0)})
	if err := pbx.CheckRecordingName(sample); err != nil {
		return fmt.Errorf("%q makes names such as %q, which no switch takes: a relative path of plain segments, no spaces, no . or ..", t, sample)
	}
	if strings.Contains(t, ",") {
		return fmt.Errorf("%q has a comma, which Asterisk takes as an argument separator", t)
	}
	return nil
}

// recordings checks the recording settings of the file, the queues and
// the campaigns.
func (v *validator) recordings() {
	if d := v.cfg.Recordings.Dir; d != "" && !filepath.IsAbs(d) {
		v.add("recordings.dir", "%q is not an absolute path; name the switch's recording directory, e.g. /var/spool/asterisk/recording", d)
	}
	if t := v.cfg.Recordings.Template; t != "" {
		if err := checkRecordingTemplate(t); err != nil {
			v.add("recordings.template", "%v", err)
		}
	}
	for i, q := range v.cfg.Queues {
		p := indexPath("queues", i)
		if q.Recording != "" {
			v.oneOf(joinPath(p, "recording"), "recording policy", q.Recording, RecordingPolicies)
			if q.Record && q.Recording != RecordAlways {
				v.add(joinPath(p, "record"), "record: true (the old spelling of recording: always) contradicts recording: %s; remove record", q.Recording)
			}
		}
	}
	for i, c := range v.cfg.Campaigns {
		if c.Recording != "" {
			v.oneOf(joinPath(indexPath("campaigns", i), "recording"), "recording policy", c.Recording, RecordingPolicies)
		}
	}
}

// Deprecations lists the settings written in an old spelling that still
// works, each with its new one, for `config validate` and serve to show.
func (c Config) Deprecations() []string {
	var out []string
	for i, q := range c.Queues {
		if q.Record && q.Recording == "" {
			out = append(out, joinPath(indexPath("queues", i), "record")+": record: true is deprecated; write recording: always")
		}
	}
	return out
}
