package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/kpi"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// movedLeadConfig: a1 answers q1, a2 answers q2, and the campaign dials
// into both, q1 first; its leads wait ten seconds for an agent.
const movedLeadConfig = `
store: {path: unused.db}
pbx: {type: sim}
entries:
  - {number: "100", queue: q1}
  - {number: "101", queue: q2}
queues:
  - {name: q1, wrap_up: 2s, ring_timeout: 10s}
  - {name: q2, wrap_up: 2s, ring_timeout: 10s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: q1}]}
  - {id: a2, endpoint: sim/a2, queues: [{queue: q2}]}
campaigns:
  - name: renewals
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: progressive
    ring_timeout: 20s
    connect_within: 10s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    queues: [q1, q2]
    safe_harbour: [sound:safe-harbour]
`

// TestCampaignMovedLeadBalancesQueues: a2 is on a break when the campaign
// dials a lead for a1, and a caller of q1 takes a1 before the lead
// answers; the lead waits in q1, and when a2 is ready it moves to q2 and a2
// takes it. q1 counts it as overflowed, so that every queue's offered calls
// are its answered, abandoned, overflowed and callback ones, live and as
// tallied from the stored records after a restart.
func TestCampaignMovedLeadBalancesQueues(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	leads := importRenewals(t, db, 1)
	var trace strings.Builder
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, movedLeadConfig), Store: db, Seed: 6,
		Trace: func(now time.Time, line string) { fmt.Fprintf(&trace, "%s %s\n", now.Sub(epoch), line) }}, Start: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Switch.SetPhone("sim/"+leads[0].Phone, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	loginAnswering(t, r, []string{"a1", "a2"})
	call := func(at time.Time, to string, talk time.Duration) {
		r.Clock.Schedule(at, func() {
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "+15557770000", To: to, HangupAfter: talk}); err != nil {
				t.Error(err)
			}
		})
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.Pause(now, "a2", "break") }); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(db, time.Second)
	call(epoch.Add(time.Second), "100", 30*time.Second) // takes a1 before the lead answers
	call(epoch.Add(time.Minute), "101", 5*time.Second)  // a second offer to q2, after the lead's
	r.RunUntil(epoch.Add(7 * time.Second))              // the lead waits in q1
	if err := r.Do(func(c *Core, now time.Time) error { return c.Ready(now, "a2") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(2 * time.Minute))

	var recs []store.CallRecord
	for rec, err := range db.Calls(store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	var lead *store.CallRecord
	for i := range recs {
		if recs[i].Called == leads[0].Phone {
			lead = &recs[i]
		}
	}
	if lead == nil || lead.Agent != "a2" || lead.Queue != "q2" || !hasStep(*lead, "overflow", movedLead+" → q2") {
		t.Fatalf("the lead was not moved from q1 to a2 in q2: %+v %+v\n%s", lead, r.Core.Campaigns(r.Clock.Now()), trace.String())
	}
	tally := kpi.TallyRecords(recs, func(string) time.Duration { return 20 * time.Second })
	st := r.Core.Status(r.Clock.Now())
	for _, q := range st.Queues {
		outcomes := q.Answered + q.Abandoned + q.Overflowed + q.Callbacks
		t.Logf("%s: offered %d, answered %d, abandoned %d, overflowed %d", q.Name, q.Offered, q.Answered, q.Abandoned, q.Overflowed)
		if q.Offered != 2 || outcomes != q.Offered {
			t.Errorf("%s: offered %d, answered %d, abandoned %d, overflowed %d, callbacks %d; want two offered, each with its outcome",
				q.Name, q.Offered, q.Answered, q.Abandoned, q.Overflowed, q.Callbacks)
		}
		if k := tally.Queues[q.Name]; k == nil || k.Offered != q.Offered || k.Answered != q.Answered || k.Overflowed != q.Overflowed || k.Abandoned != q.Abandoned {
			t.Errorf("%s: the records tally %+v; live: offered %d, answered %d, abandoned %d, overflowed %d", q.Name, k, q.Offered, q.Answered, q.Abandoned, q.Overflowed)
		}
	}
}
