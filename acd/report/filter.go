package report

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Filters are the names a report's rows can be cut to, by kind: the rows of
// that queue, agent or campaign alone (the IVR report has its flow).
var Filters = map[string][]string{
	string(KindQueues):       {"queue"},
	string(KindDispositions): {"queue"},
	string(KindAgents):       {"agent"},
	string(KindCampaigns):    {"campaign"},
	"ivr":                    {"flow"},
}

// Filter keeps a report's rows of one queue, agent or campaign; an empty
// name keeps all.
type Filter struct{ Queue, Agent, Campaign string }

// FilterError is a filter given to a report of a kind with no column for it.
type FilterError struct {
	Name, Kind string
	Known      []string // the kind's filters
}

func (e *FilterError) Error() string { return e.Named("") }

// Named is the error with the filters' names written with prefix, as a
// command line's flags ("--").
func (e *FilterError) Named(prefix string) string {
	known := "none"
	if len(e.Known) > 0 {
		known = prefix + strings.Join(e.Known, ", "+prefix)
	}
	return fmt.Sprintf("%s%s: the %s report is not cut by %s; its filters: %s", prefix, e.Name, e.Kind, e.Name, known)
}

func (e *FilterError) Unwrap() error { return ErrBadOption }

// ParseFilter reads the filters of a report of kind from v (queue, agent,
// campaign; flow is checked too); one the kind has no column for is a
// *FilterError.
func ParseFilter(kind string, v url.Values) (Filter, error) {
	f := Filter{Queue: v.Get("queue"), Agent: v.Get("agent"), Campaign: v.Get("campaign")}
	// flow is the IVR report's own (FigureIVR reads it), checked here alike.
	for _, c := range []struct{ name, val string }{{"queue", f.Queue}, {"agent", f.Agent}, {"campaign", f.Campaign}, {"flow", v.Get("flow")}} {
		if c.val != "" && !slices.Contains(Filters[kind], c.name) {
			return f, &FilterError{Name: c.name, Kind: kind, Known: Filters[kind]}
		}
	}
	return f, nil
}

// Set puts f's names into v, the inverse of ParseFilter.
func (f Filter) Set(v url.Values) {
	for _, c := range []struct{ name, val string }{{"queue", f.Queue}, {"agent", f.Agent}, {"campaign", f.Campaign}} {
		if c.val != "" {
			v.Set(c.name, c.val)
		}
	}
}

// Cut keeps rep's rows that f keeps.
func (f Filter) Cut(rep *Report) {
	CutRows(rep, is(f.Queue), is(f.Agent), is(f.Campaign))
}

// is keeps the name given; nil for "" (keep all).
func is(name string) func(string) bool {
	if name == "" {
		return nil
	}
	return func(s string) bool { return s == name }
}

// CutRows keeps the rows of rep whose queue, agent or campaign the
// functions keep; a nil function keeps all.
func CutRows(rep *Report, queue, agent, campaign func(string) bool) {
	for _, rows := range []*Rows{&rep.Rows, &rep.Totals} {
		if queue != nil {
			rows.Queues = slices.DeleteFunc(rows.Queues, func(r QueueRow) bool { return !queue(r.Queue) })
			rows.Dispositions = slices.DeleteFunc(rows.Dispositions, func(r DispositionRow) bool { return !queue(r.Queue) })
		}
		if agent != nil {
			rows.Agents = slices.DeleteFunc(rows.Agents, func(r AgentRow) bool { return !agent(r.Agent) })
		}
		if campaign != nil {
			rows.Campaigns = slices.DeleteFunc(rows.Campaigns, func(r CampaignRow) bool { return !campaign(r.Campaign) })
		}
	}
}
