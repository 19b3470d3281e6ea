package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
)

// A supervisor's status and change stream carry the campaign, its state
// and figures (signed-in agents, cap, dials) as it runs; an agent's carry
// no campaign, and the API refuses the agent the campaign's controls and
// lead lists. The lead counts and the CSV export follow the dials.
func TestCampaignLiveFigures(t *testing.T) {
	d := newTestDaemon(t, campaignYAML)
	srv := authServer(t, d)
	sue := addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor})
	al := addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	phones := []string{"+12125550101", "+12125550102"}
	serveSpring(t, d, phones)
	as := func(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

	_, body := sendAs(t, "GET", srv.URL+"/api/v1/status", "", as(sue))
	var st engine.Snapshot
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Campaigns) != 1 || st.Campaigns[0].Name != "spring" || st.Campaigns[0].State != engine.CampaignStopped ||
		st.Campaigns[0].Agents != 1 || st.Campaigns[0].Kind != "agent" || st.Campaigns[0].AbandonCap <= 0 || st.Campaigns[0].AbandonWindow <= 0 {
		t.Fatalf("supervisor's status campaigns: %+v", st.Campaigns)
	}
	var raw struct {
		Campaigns []struct {
			Window float64 `json:"abandon_window"`
		} `json:"campaigns"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil || len(raw.Campaigns) != 1 || raw.Campaigns[0].Window != (720*time.Hour).Seconds() {
		t.Errorf("abandon_window %+v (%v); want 2592000, seconds as every duration the API sends", raw.Campaigns, err)
	}
	if _, body := sendAs(t, "GET", srv.URL+"/api/v1/status", "", as(al)); strings.Contains(body, `"campaigns"`) || !strings.Contains(body, `"alice"`) {
		t.Errorf("the agent's status: %s", body)
	}
	for _, req := range [][2]string{{"POST", "/api/v1/campaigns/spring/start"}, {"POST", "/api/v1/campaigns/spring/pause"},
		{"GET", "/api/v1/campaigns"}, {"GET", "/api/v1/campaigns/spring/lead-states"}, {"GET", "/api/v1/campaigns/spring/leads.csv"},
		{"POST", "/api/v1/campaigns/spring/leads"}} {
		if code, body := sendAs(t, req[0], srv.URL+req[1], "", as(al)); code != http.StatusForbidden {
			t.Errorf("agent %s %s: %d %s, want 403", req[0], req[1], code, body)
		}
	}
	if code, body := sendAs(t, "GET", srv.URL+"/api/v1/campaigns/autumn/lead-states", "", as(sue)); code != http.StatusNotFound {
		t.Errorf("lead states of an unknown campaign: %d %s", code, body)
	}

	sup, agent := openEventsAs(t, srv.URL, "", sue), openEventsAs(t, srv.URL, "", al)
	sup.next(t, "snapshot")
	agent.next(t, "snapshot")
	// An action takes no fields: a body with some is refused, not dropped.
	for _, body := range []string{"garbage", `{"reason":"x"}`} {
		if code, got := sendAs(t, "POST", srv.URL+"/api/v1/campaigns/spring/start", body, as(sue)); code != http.StatusBadRequest {
			t.Errorf("start with body %s: %d %s; want 400", body, code, got)
		}
	}
	if code, body := sendAs(t, "POST", srv.URL+"/api/v1/campaigns/spring/start", "{}", as(sue)); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, body)
	}
	seen := map[engine.CampaignState]bool{}
	for {
		var ch engine.Change
		if err := json.Unmarshal([]byte(sup.next(t, "campaign").data), &ch); err != nil || ch.Campaign == nil {
			t.Fatalf("campaign change: %+v %v", ch, err)
		}
		seen[ch.Campaign.State] = true
		if ch.Campaign.Stats.Connected == len(phones) {
			break
		}
	}
	if !seen[engine.CampaignRunning] {
		t.Errorf("the stream never showed the campaign running: %v", seen)
	}
	// The agent's stream went on meanwhile (alice took the calls), without
	// a campaign change.
	deadline := time.After(2 * time.Second)
drain:
	for {
		select {
		case ev := <-agent.events:
			if ev.event == "campaign" || strings.Contains(ev.data, `"campaigns"`) {
				t.Fatalf("the agent's stream carries a campaign: %s %s", ev.event, ev.data)
			}
		case <-deadline:
			break drain
		}
	}

	deadline = time.After(60 * time.Second)
	var ls LeadStates
	for ls.States[campaign.Done.String()] != len(phones) {
		select {
		case <-deadline:
			t.Fatalf("lead states: %+v", ls)
		case <-time.After(20 * time.Millisecond):
		}
		code, body := sendAs(t, "GET", srv.URL+"/api/v1/campaigns/spring/lead-states", "", as(sue))
		if err := json.Unmarshal([]byte(body), &ls); code != http.StatusOK || err != nil {
			t.Fatalf("lead states: %d %s %v", code, body, err)
		}
	}
	if ls.Total != len(phones) || ls.Due != 0 || ls.Campaign != "spring" {
		t.Errorf("lead states: %+v", ls)
	}
	code, csv := sendAs(t, "GET", srv.URL+"/api/v1/campaigns/spring/leads.csv", "", as(sue))
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if code != http.StatusOK || len(lines) != 1+len(phones) || !strings.HasPrefix(lines[0], "id,phone,name,timezone,state,attempts") ||
		!strings.Contains(lines[1], ",done,1,") {
		t.Errorf("export: %d\n%s", code, csv)
	}
}

// A running campaign whose schedule is closed says so on the status.
func TestCampaignOutsideHours(t *testing.T) {
	h := (time.Now().UTC().Hour() + 12) % 24
	d := newTestDaemon(t, strings.Replace(campaignYAML, `hours: "00:00-24:00"`, fmt.Sprintf(`hours: "%02d:00-%02d:30"`, h, h), 1))
	status := func() engine.CampaignStatus {
		t.Helper()
		resp, err := http.Get(d.srv.URL + "/api/v1/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st engine.Snapshot
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || len(st.Campaigns) != 1 {
			t.Fatalf("status: %+v %v", st.Campaigns, err)
		}
		return st.Campaigns[0]
	}
	if k := status(); k.OutsideHours || k.State != engine.CampaignStopped {
		t.Errorf("stopped: %+v", k)
	}
	if code, body := post(t, d.srv.URL+"/api/v1/campaigns/spring/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for k := status(); !k.OutsideHours || k.State != engine.CampaignRunning; k = status() {
		if time.Now().After(deadline) {
			t.Fatalf("running outside its %02d:00-%02d:30 schedule: %+v", h, h, k)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A supervisor overseeing a team's queue gets the changes of that team's
// campaign on the stream, never another team's.
func TestCampaignChangesPerTeam(t *testing.T) {
	d := newTestDaemon(t, teamsYAML)
	srv := authServer(t, d)
	tess := addUser(t, d.db, auth.User{Name: "tess", Role: auth.Supervisor, Teams: []string{"support"}})
	sue := addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor})
	s := openEventsAs(t, srv.URL, "", tess)
	if snap := s.next(t, "snapshot"); !strings.Contains(snap.data, `"winback"`) || strings.Contains(snap.data, `"upsell"`) {
		t.Errorf("tess's snapshot: %s", snap.data)
	}
	for _, name := range []string{"upsell", "winback"} {
		if code, body := sendAs(t, "POST", srv.URL+"/api/v1/campaigns/"+name+"/start", "", http.Header{"Authorization": {"Bearer " + sue}}); code != http.StatusOK {
			t.Fatalf("start %s: %d %s", name, code, body)
		}
	}
	var ch engine.Change
	if err := json.Unmarshal([]byte(s.next(t, "campaign").data), &ch); err != nil || ch.Campaign == nil ||
		ch.Campaign.Name != "winback" || ch.Campaign.State != engine.CampaignRunning {
		t.Errorf("tess's first campaign change: %+v %v (upsell, started first, is not her team's)", ch.Campaign, err)
	}
}
