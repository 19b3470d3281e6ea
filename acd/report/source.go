package report

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/store"
)

// Source is where a report reads records and agent changes; *store.DB is one.
type Source interface {
	Calls(f store.Filter) iter.Seq2[store.CallRecord, error]
	AgentChanges(agent string, from, to time.Time) ([]store.AgentChange, error)
	// LastAgentChanges gives each agent's last change before a time.
	LastAgentChanges(agents []string, before time.Time) (map[string]store.AgentChange, error)
}

var _ Source = (*store.DB)(nil)

// AgentLister is a Source that knows its agents, changed in the period or
// not (the store keeps each agent's last state): Build reports them all.
type AgentLister interface {
	AgentIDs() ([]string, error)
}

var _ AgentLister = (*store.DB)(nil)

// Lookback is how far before a period agent changes are read to learn
// where each agent was when it began; for an agent who has not changed
// state for longer, its last change before is looked up alone.
const Lookback = 24 * time.Hour

// changeWindow bounds the agent changes held in memory at once.
const changeWindow = 24 * time.Hour

// Build reads the period's records and agent changes from src and returns
// its report. Records that cannot be decoded are left out and counted in
// skipped; any other read error ends the report.
func Build(src Source, o Options) (r *Report, skipped int, err error) {
	b, err := NewBuilder(o)
	if err != nil {
		return nil, 0, err
	}
	for rec, err := range src.Calls(store.Filter{From: o.From, To: o.To}) {
		if err != nil {
			var de *store.DecodeError
			if errors.As(err, &de) {
				skipped++
				continue
			}
			return nil, skipped, fmt.Errorf("read call records: %w", err)
		}
		b.AddCall(&rec)
	}
	for from := o.From.Add(-Lookback); from.Before(o.To); from = from.Add(changeWindow) {
		to := minTime(from.Add(changeWindow), o.To)
		changes, err := src.AgentChanges("", from, to)
		bad, rest := store.Skipped(err)
		if rest != nil {
			return nil, skipped, fmt.Errorf("read agent changes: %w", rest)
		}
		skipped += len(bad)
		for i := range changes {
			if err := b.AddChange(&changes[i]); err != nil {
				return nil, skipped, err
			}
		}
	}
	known := o.Agents
	if l, ok := src.(AgentLister); ok {
		ids, err := l.AgentIDs()
		if err != nil {
			return nil, skipped, fmt.Errorf("read the agents: %w", err)
		}
		known = append(slices.Clip(known), ids...)
	}
	if open := append(b.Unsettled(), b.Unseen(known)...); len(open) > 0 {
		last, err := src.LastAgentChanges(open, o.From.Add(-Lookback))
		bad, rest := store.Skipped(err)
		if rest != nil {
			return nil, skipped, fmt.Errorf("read agent changes before %s: %w", o.From.Add(-Lookback).Format(time.RFC3339), rest)
		}
		skipped += len(bad)
		for _, id := range open {
			if ch, ok := last[id]; ok {
				if err := b.Settle(&ch); err != nil {
					return nil, skipped, err
				}
			}
		}
	}
	return b.Report(), skipped, nil
}
