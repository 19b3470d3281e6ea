package report

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

func dial(id, campaign string, at time.Time, outcome acd.Outcome, cause string, contact bool) store.CallRecord {
	rec := store.CallRecord{ID: id, Direction: acd.DirectionOutbound, Entry: "campaign:" + campaign, Entered: at,
		Ended: at.Add(time.Minute), Outcome: outcome, Cause: cause,
		Timeline: []store.Step{{At: at, Kind: "dial", Detail: "campaign=" + campaign}}}
	if contact {
		rec.Timeline = append(rec.Timeline, store.Step{At: at.Add(10 * time.Second), Kind: "lead-answered"})
	}
	return rec
}

func TestCampaignFigures(t *testing.T) {
	talked := func(id string, at time.Time, disposition string) store.CallRecord {
		rec := dial(id, "spring", at, acd.OutcomeAnswered, "", true)
		rec.Answered, rec.Agent, rec.Talk, rec.WrapUp, rec.Disposition = at.Add(11*time.Second), "ann", 2*time.Minute, 10*time.Second, disposition
		return rec
	}
	recs := []store.CallRecord{
		dial("b", "spring", at(1, 0), acd.OutcomeFailed, "busy", false),
		dial("n1", "spring", at(2, 0), acd.OutcomeFailed, "no-answer", false),
		dial("n2", "spring", at(3, 0), acd.OutcomeFailed, "cancelled", false),
		dial("f", "spring", at(4, 0), acd.OutcomeFailed, "congestion", false),
		dial("ab", "spring", at(5, 0), acd.OutcomeAbandoned, "", true),
		talked("s1", at(6, 0), "won"),
		talked("s2", at(7, 0), "won"),
		talked("x", at(8, 0), "sale"), // not a sale in this campaign's rules
		dial("other", "autumn", at(9, 0), acd.OutcomeAbandoned, "", true),
		call("in", "sales", at(9, 0), 5*time.Second, acd.OutcomeAnswered, "ann"), // inbound: no campaign
	}
	r := build(t, Options{From: t0, To: t0.Add(time.Hour), Campaigns: map[string]CampaignRule{
		"spring": {AbandonCap: 0.03, Sales: map[string]bool{"won": true}}}}, recs, nil)
	if len(r.Totals.Campaigns) != 2 {
		t.Fatalf("campaign rows %+v", r.Totals.Campaigns)
	}
	autumn, spring := r.Totals.Campaigns[0], r.Totals.Campaigns[1]
	want := CampaignRow{Start: spring.Start, End: spring.End, Campaign: "spring", Dials: 8, Busy: 1, NoAnswer: 2, Failed: 1,
		Contacts: 4, Connected: 3, Abandoned: 1, AbandonRate: 0.25, AbandonCap: 0.03, OverCap: true, Sales: 2,
		ContactRate: 0.5, Conversion: 2.0 / 3, Talk: 360, AHT: 130}
	if spring != want {
		t.Errorf("spring:\n got %+v\nwant %+v", spring, want)
	}
	if autumn.Dials != 1 || autumn.Abandoned != 1 || autumn.AbandonCap != 0 || autumn.OverCap {
		t.Errorf("autumn (no rule): %+v", autumn)
	}
	var b strings.Builder
	if err := Write(&b, r, KindCampaigns, FormatCSV); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "total,") || !strings.Contains(b.String(), ",spring,8,1,2,0,1,4,0.5000,3,1,0.2500,0.0300,true,2,") {
		t.Errorf("campaigns CSV:\n%s", b.String())
	}
}

// A lead an agent answered after connect_within counts against the cap
// (the engine steps it "not-connected") though it then talks: the report's
// abandon rate, compared with the cap, counts it abandoned and not
// connected, as the engine does; its talk is the agent's all the same.
func TestCampaignLateConnectIsAbandoned(t *testing.T) {
	late := dial("late", "spring", at(1, 0), acd.OutcomeAnswered, "", true)
	late.Timeline = append(late.Timeline, store.Step{At: at(1, 12), Kind: "not-connected"})
	late.Answered, late.Agent, late.Talk = at(1, 14), "ann", time.Minute
	ok := dial("ok", "spring", at(2, 0), acd.OutcomeAnswered, "", true)
	ok.Answered, ok.Agent, ok.Talk = at(2, 11), "ann", time.Minute
	r := build(t, Options{From: t0, To: t0.Add(time.Hour), Campaigns: map[string]CampaignRule{"spring": {AbandonCap: 0.03}}},
		[]store.CallRecord{late, ok}, nil)
	if len(r.Totals.Campaigns) != 1 {
		t.Fatalf("campaign rows %+v", r.Totals.Campaigns)
	}
	if c := r.Totals.Campaigns[0]; c.Abandoned != 1 || c.Connected != 1 || c.AbandonRate != 0.5 || !c.OverCap || c.Talk != 120 || c.AHT != 60 {
		t.Errorf("spring %+v; want 1 abandoned (late), 1 connected, rate 0.5 over the cap, both talks", c)
	}
}

// A survey's or notification's lead who hangs up during its flow is not an
// abandon (no agent was waited for), as the engine counts it: a survey
// whose leads hang up is not over its cap. An agent campaign's lead who
// hangs up before an agent takes it is. Machines have a column of their
// own; a hang-up during detection is a no-answer, as the engine counts it.
func TestCampaignSelfServiceAndMachines(t *testing.T) {
	hungUp := func(id, campaign string, min int) store.CallRecord {
		return dial(id, campaign, at(min, 0), acd.OutcomeAbandoned, "", true)
	}
	machine := func(id string, min int, verdict string) store.CallRecord {
		rec := dial(id, "spring", at(min, 0), acd.OutcomeFailed, "", false)
		rec.Timeline = append(rec.Timeline, store.Step{At: at(min, 9), Kind: "machine", Detail: verdict})
		return rec
	}
	harbour := dial("h", "poll", at(5, 0), acd.OutcomeAbandoned, "", true)
	harbour.Timeline = append(harbour.Timeline, store.Step{At: at(5, 12), Kind: "safe-harbour"})
	recs := []store.CallRecord{hungUp("p1", "poll", 1), hungUp("p2", "poll", 2), hungUp("s1", "spring", 3),
		machine("m1", 4, "MACHINE"), machine("m2", 6, "HANGUP"), harbour}
	r := build(t, Options{From: t0, To: t0.Add(time.Hour), Campaigns: map[string]CampaignRule{
		"poll": {AbandonCap: 0.03, SelfService: true}, "spring": {AbandonCap: 0.03}}}, recs, nil)
	if len(r.Totals.Campaigns) != 2 {
		t.Fatalf("campaign rows %+v", r.Totals.Campaigns)
	}
	poll, spring := r.Totals.Campaigns[0], r.Totals.Campaigns[1]
	if poll.Contacts != 3 || poll.Abandoned != 1 || poll.OverCap != true || poll.AbandonRate != 1.0/3 {
		t.Errorf("poll %+v; want 3 contacts, the one who heard the safe-harbour message abandoned, no hang-up", poll)
	}
	if spring.Dials != 3 || spring.Contacts != 1 || spring.Abandoned != 1 || spring.Machines != 1 || spring.NoAnswer != 1 || spring.Failed != 0 {
		t.Errorf("spring %+v; want the hang-up abandoned, one machine, the detection's hang-up a no-answer", spring)
	}
}
