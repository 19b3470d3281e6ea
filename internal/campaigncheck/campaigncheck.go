// Package campaigncheck reads a campaign's outbound call records back for
// the end-to-end tests: how many of its calls were under way at once, and
// the abandonment the campaign had counted at each of its abandons.
package campaigncheck

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// MostAtOnce is the most calls of recs that held an agent, or were
// dialed for one, at one moment: a call from its dial to its end, and
// for wrapUp more if an agent took it (the agent is in wrap-up); one a
// machine answered only until it was found a machine, as it then needs
// no agent (its message and hang-up go on while the next lead is
// dialed). A
// campaign that dials only for agents free now never has more than its
// agents; one that dials ahead, for agents still in wrap-up or for
// answers that may not come, has more.
func MostAtOnce(recs []store.CallRecord, wrapUp time.Duration) (most int, at time.Time) {
	type edge struct {
		at time.Time
		d  int
	}
	var edges []edge
	for _, r := range recs {
		edges = append(edges, edge{r.Entered, 1}, edge{heldUntil(r, wrapUp), -1})
	}
	// At the same instant an end comes first: a dial placed as an agent
	// frees up is not ahead of them.
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.d - b.d
	})
	n := 0
	for _, e := range edges {
		if n += e.d; n > most {
			most, at = n, e.at
		}
	}
	return most, at
}

// heldUntil is when r stopped holding or waiting for an agent, as
// MostAtOnce counts it.
func heldUntil(r store.CallRecord, wrapUp time.Duration) time.Time {
	if r.Agent != "" {
		return r.Ended.Add(wrapUp)
	}
	if at := StepAt(r, "machine"); !at.IsZero() && at.Before(r.Ended) {
		return at
	}
	return r.Ended
}

// Abandon is one abandoned live answer and the campaign's counts once it
// was counted: its abandons and live answers (abandons included).
type Abandon struct {
	Phone           string
	At              time.Time
	Abandoned, Live int
}

// Abandons replays the live answers of recs in the order the campaign
// counts them and returns the counts at each abandon. An answer an agent
// took counts at its answer plus connectWithin (or at its end if sooner),
// an abandon when the safe-harbour message began (or at its end if the
// lead hung up first).
func Abandons(recs []store.CallRecord, connectWithin time.Duration) []Abandon {
	type answer struct {
		phone     string
		at        time.Time
		abandoned bool
	}
	var answers []answer
	for _, r := range recs {
		answered := StepAt(r, "lead-answered")
		switch {
		case answered.IsZero():
		case r.Outcome == acd.OutcomeAbandoned:
			at := StepAt(r, "safe-harbour")
			if at.IsZero() {
				at = r.Ended
			}
			answers = append(answers, answer{r.Called, at, true})
		case r.Agent != "":
			at := answered.Add(connectWithin)
			if r.Ended.Before(at) {
				at = r.Ended
			}
			answers = append(answers, answer{r.Called, at, false})
		}
	}
	// At the same instant an abandon comes first: the counts at it are
	// then the least favourable.
	slices.SortFunc(answers, func(a, b answer) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		switch {
		case a.abandoned == b.abandoned:
			return 0
		case a.abandoned:
			return -1
		}
		return 1
	})
	var out []Abandon
	live, abandoned := 0, 0
	for _, a := range answers {
		live++
		if a.abandoned {
			abandoned++
			out = append(out, Abandon{Phone: a.phone, At: a.at, Abandoned: abandoned, Live: live})
		}
	}
	return out
}

// StepAt is when r's timeline first has a step of kind; zero if never.
func StepAt(r store.CallRecord, kind string) time.Time {
	for _, st := range r.Timeline {
		if st.Kind == kind {
			return st.At
		}
	}
	return time.Time{}
}

// Pacing is what a run of a campaign should show in its records.
type Pacing struct {
	Agents int           // the agents working the campaign
	WrapUp time.Duration // their wrap-up
	// Ahead: more calls at once than Agents (the pacer dialed ahead), or
	// never more.
	Ahead bool
	// Cap is the campaign's abandonment cap, ConnectWithin its two-second
	// rule.
	Cap           float64
	ConnectWithin time.Duration
}

// Check reports where the records of run name miss p: calls at once, and
// the abandonment at each abandon.
func (p Pacing) Check(t testing.TB, name string, recs []store.CallRecord) {
	t.Helper()
	most, at := MostAtOnce(recs, p.WrapUp)
	t.Logf("%s: at most %d calls dialed for or held by %d agents at once", name, most, p.Agents)
	if p.Ahead != (most > p.Agents) {
		t.Errorf("%s: at most %d calls dialed for or held by %d agents at once (%s); dialing ahead: want %v", name, most, p.Agents, at.Format(time.StampMilli), p.Ahead)
		for _, r := range recs {
			if r.Entered.After(at) || !heldUntil(r, p.WrapUp).After(at) {
				continue
			}
			var steps []string
			for _, st := range r.Timeline {
				steps = append(steps, st.At.Format("05.000")+" "+st.Kind+" "+st.Detail)
			}
			t.Logf("%s: under way then: %s %s from %s to %s, agent %q, %s: %s", name, r.ID, r.Called, r.Entered.Format(time.StampMilli), r.Ended.Format(time.StampMilli), r.Agent, r.Outcome, strings.Join(steps, " | "))
		}
	}
	for _, a := range Abandons(recs, p.ConnectWithin) {
		t.Logf("%s: abandoned %s at %s: %d of %d live answers", name, a.Phone, a.At.Format(time.StampMilli), a.Abandoned, a.Live)
		if float64(a.Abandoned) > p.Cap*float64(a.Live) {
			t.Errorf("%s: abandoning %s made %d of %d live answers, over the %.0f%% cap", name, a.Phone, a.Abandoned, a.Live, 100*p.Cap)
		}
	}
}
