package report

import (
	"bytes"
	"iter"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

func steps(pairs ...string) []store.Step {
	var out []store.Step
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, store.Step{Kind: pairs[i], Detail: pairs[i+1]})
	}
	return out
}

func recordsOf(recs ...store.CallRecord) iter.Seq2[store.CallRecord, error] {
	return func(yield func(store.CallRecord, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func TestIVRFigures(t *testing.T) {
	recs := []store.CallRecord{
		{Outcome: acd.OutcomeSelfService, Timeline: steps("arrived", "", "jump", "shop/", "faq", "shop/faq",
			"faq-answer", "hours by key 1", "faq-repeat", "hours", "faq-done", "hours", "end", "self-service")},
		{Outcome: acd.OutcomeSelfService, Timeline: steps("faq", "shop/faq", "faq-recognized", `"where are you" → address (0.8)`,
			"faq-answer", "address by phrase", "faq-done", "address")},
		{Outcome: acd.OutcomeAnswered, Timeline: steps("faq", "shop/faq", "faq-answer", "prices by key 3",
			"faq-agent", "key 0", "queue", "shop/agent", "enqueue", "support")},
		{Outcome: acd.OutcomeAnswered, Timeline: steps("faq", "shop/faq", "faq-retry", "timeout", "faq-not-understood", `"hm"`,
			"faq-retry", "not understood", "faq-fallback", "invalid key 9", "queue", "shop/agent", "enqueue", "support")},
		{Outcome: acd.OutcomeAnswered, Timeline: steps("menu", "main", "menu-choice", "2", "enqueue", "sales")},
		// An hours note is the hours node's exit, and an agent's transfer
		// after the flow is no node at all.
		{Outcome: acd.OutcomeAnswered, Timeline: steps("hours", "shop/open", "hours", "closed", "queue", "shop/agent",
			"enqueue", "support", "transfer", "blind → queue billing")},
		// Served with no FAQ and no person: an order's status read out,
		// then the flow's goodbye; a menu's message exit. Contained. A
		// caller who hung up in the menu, or sent to an outside number,
		// is not.
		{Outcome: acd.OutcomeSelfService, Timeline: steps("collect", "order/ask", "collected", "4 digits", "lookup", "order/status",
			"lookup", "ok", "play", "order/tell", "hangup", "order/bye", "end", "self-service")},
		{Outcome: acd.OutcomeSelfService, Timeline: steps("menu", "main", "menu-choice", "9", "end", "self-service")},
		{Outcome: acd.OutcomeAbandoned, Timeline: steps("collect", "order/ask", "collect-retry", "timeout")},
		{Outcome: acd.OutcomeSelfService, Timeline: steps("collect", "order/ask", "collect-fallback", "timeout", "hangup", "order/bye", "end", "self-service")},
		{Outcome: acd.OutcomeTransferred, Timeline: steps("collect", "order/ask", "collected", "4 digits", "transfer", "order/shop")},
	}
	r, out := ivrCSV(t, recs)
	want := `flow,node,kind,visits,exits,timeouts,invalid,phrases,not_understood,recognition,faq_answered,contained,containment
menus,,flow,2,,,,0,0,0.0,0,1,50.0
order,,flow,4,,,,0,0,0.0,0,1,25.0
shop,,flow,5,,,,1,1,50.0,3,2,40.0
menus,main,menu,2,2:1 9:1,0,0,0,0,,,,
order,ask,collect,4,collected:2,2,0,0,0,,,,
order,bye,hangup,2,,0,0,0,0,,,,
order,shop,transfer,1,,0,0,0,0,,,,
order,status,lookup,1,,0,0,0,0,,,,
order,tell,play,1,,0,0,0,0,,,,
shop,agent,queue,3,,0,0,0,0,,,,
shop,faq,faq,4,address:1 hours:1 person:1 prices:1,1,1,1,1,,,,
shop,open,hours,1,closed:1,0,0,0,0,,,,
`
	if out.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out.String(), want)
	}
	if len(r.Flows) != 3 || r.Flows[2] != (IVRFlow{Flow: "shop", Calls: 5, Answered: 3, Contained: 2, Share: 0.4, Heard: 1, Missed: 1, Rate: 0.5}) {
		t.Errorf("flows = %+v", r.Flows)
	}
	only, _ := FigureIVR(recordsOf(recs...), "menus")
	if len(only.Flows) != 1 || only.Flows[0].Flow != "menus" || only.Flows[0].Contained != 1 || len(only.Nodes) != 1 {
		t.Errorf("--flow menus: %+v", only)
	}
	out.Reset()
	if err := WriteIVR(out, r, "table"); err != nil || !strings.Contains(out.String(), "shop   5      3             2          40.0%        1        1               50.0%") {
		t.Errorf("table (%v):\n%s", err, out.String())
	}
}

// A node whose kind a flow edit changed (hours, then a menu) is two rows,
// each with its own visits and exits, not one row under the first kind.
func TestIVRNodeKindChanged(t *testing.T) {
	r, err := FigureIVR(recordsOf(
		store.CallRecord{Timeline: steps("hours", "shop/open", "hours", "closed")},
		store.CallRecord{Timeline: steps("menu", "shop/open", "menu-choice", "2")},
		store.CallRecord{Timeline: steps("menu", "shop/open", "menu-choice", "1")},
	), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Nodes) != 2 || r.Nodes[0].Kind != "hours" || r.Nodes[0].Visits != 1 || r.Nodes[1].Kind != "menu" || r.Nodes[1].Visits != 2 ||
		ivrExits(r.Nodes[1].Exits) != "1:1 2:1" {
		t.Errorf("nodes %+v", r.Nodes)
	}
}

// The IVR CSV escapes its names and exits (a caller's answer can be an
// exit) and writes its figures as they are.
func TestWriteIVRFormulaCells(t *testing.T) {
	r := IVRReport{Flows: []IVRFlow{{Flow: "=shop", Calls: 2, Heard: 1, Missed: 1, Rate: 0.5}},
		Nodes: []IVRNode{{Flow: "=shop", Node: "@ask", Kind: "collect", Visits: 2, Exits: map[string]int{"-1": 1, "collected": 1}}}}
	var out bytes.Buffer
	if err := WriteIVR(&out, r, "csv"); err != nil {
		t.Fatal(err)
	}
	want := `flow,node,kind,visits,exits,timeouts,invalid,phrases,not_understood,recognition,faq_answered,contained,containment
'=shop,,flow,2,,,,1,1,50.0,0,0,0.0
'=shop,'@ask,collect,2,'-1:1 collected:1,0,0,0,0,,,,
`
	if out.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out.String(), want)
	}
}

// A survey's questions have their visits, answers, timeouts, invalid keys
// and phrases not understood, as a collect's or an FAQ's: a question's
// retries and its giving up are counted by why.
func TestIVRFiguresSurveyQuestions(t *testing.T) {
	recs := []store.CallRecord{
		{Outcome: acd.OutcomeSelfService, Timeline: steps("jump", "poll/", "question", "poll/q1", "question-retry", "timeout",
			"question-answer", "satisfaction=4 by key 4", "question", "poll/q2", "question-not-understood", `recommend: "hm" (best yes 0.20)`,
			"question-retry", "not understood", "question-answer", `recommend=yes by phrase "sure" (0.90)`, "hangup", "poll/bye", "end", "self-service")},
		{Outcome: acd.OutcomeSelfService, Timeline: steps("jump", "poll/", "question", "poll/q1", "question-retry", "invalid key 9",
			"question-unanswered", "satisfaction: timeout", "hangup", "poll/bye", "end", "self-service")},
		// Hung up after its first answer: self-service, but not contained.
		{Outcome: acd.OutcomeSelfService, Timeline: steps("jump", "poll/", "question", "poll/q1",
			"question-answer", "satisfaction=2 by key 2", "question", "poll/q2", "caller-hangup", acd.StepLeftFlow, "end", "self-service")},
	}
	r, out := ivrCSV(t, recs)
	for _, want := range []string{"\npoll,q1,question,3,answered:2,2,1,0,0,,,,\n", "\npoll,q2,question,2,answered:1,0,0,1,1,,,,\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("csv:\n%s\nwant a row %q", out.String(), want)
		}
	}
	if f := r.Flows; len(f) != 1 || f[0].Calls != 3 || f[0].Contained != 1 {
		t.Errorf("flows %+v; want poll: 3 calls, 1 contained (not the one given up on, nor the one hung up halfway)", f)
	}
}

// ivrCSV is the IVR figures of recs and their CSV.
func ivrCSV(t *testing.T, recs []store.CallRecord) (IVRReport, *bytes.Buffer) {
	t.Helper()
	r, err := FigureIVR(recordsOf(recs...), "")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteIVR(&out, r, "csv"); err != nil {
		t.Fatal(err)
	}
	return r, &out
}
