package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// TestCampaignPreviewSkipReason: a skip's reason and note go in the body;
// a missing (required) or unknown reason, a bad note, an unknown field or a
// dial with a reason is a 400 naming the field, the lead still shown. A
// good skip is saved with the lead and shows in the lead states' skips and
// in the lead export.
func TestCampaignPreviewSkipReason(t *testing.T) {
	d := newTestDaemon(t, strings.Replace(campaignYAML, "    queues: [outbound]\n",
		"    queues: [outbound]\n    mode: preview\n    skip_reasons: [wrong person, already customer]\n    skip_reason_required: true\n", 1))
	serveSpring(t, d, []string{"+12125550101", "+12125550102"})
	if code, body := post(t, d.srv.URL+"/api/v1/campaigns/spring/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, body)
	}
	first := shownAlice(t, d, "")
	if got := first.Preview.SkipReasons; len(got) != 2 || got[0] != "wrong person" || !first.Preview.SkipReasonRequired {
		t.Fatalf("preview: %+v; want the campaign's skip reasons, required", first.Preview)
	}
	for _, c := range []struct{ decision, body, want string }{
		{"skip", "", `field \"reason\": missing; the campaign asks for one of: wrong person, already customer`},
		{"skip", `{"reason":"busy"}`, `field \"reason\": \"busy\" is not one of the campaign's`},
		{"skip", `{"reason":"wrong person","note":"` + strings.Repeat("x", campaign.MaxSkipNote+1) + `"}`, `field \"note\": 201 characters long; the limit is 200`},
		{"skip", `{"reason":"wrong person","note":"a\u0000b"}`, `field \"note\" holds the control character U+0000 at character 2`},
		{"skip", `{"reason":"wrong person","why":"x"}`, `why`},
		{"dial", `{"reason":"wrong person"}`, `a dial takes no reason`},
	} {
		code, body := post(t, d.srv.URL+"/api/v1/agents/alice/preview/"+c.decision, c.body)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s; want 400 saying %s", c.decision, c.body, code, body, c.want)
		}
	}
	if again := shownAlice(t, d, ""); again.Preview.Lead.ID != first.Preview.Lead.ID {
		t.Fatalf("after refused decisions alice is shown %s; want %s still", again.Preview.Lead.ID, first.Preview.Lead.ID)
	}
	if code, body := post(t, d.srv.URL+"/api/v1/agents/alice/preview/skip", `{"reason":"wrong person","note":"his brother"}`); code != http.StatusOK {
		t.Fatalf("skip: %d %s", code, body)
	}
	shownAlice(t, d, first.Preview.Lead.ID)
	var ls LeadStates
	deadline := time.Now().Add(30 * time.Second)
	for ls.Skips["wrong person"] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("lead states: %+v; want one skip for wrong person", ls)
		}
		time.Sleep(20 * time.Millisecond)
		resp, err := http.Get(d.srv.URL + "/api/v1/campaigns/spring/lead-states")
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&ls)
		resp.Body.Close()
	}
	resp, err := http.Get(d.srv.URL + "/api/v1/campaigns/spring/leads.csv")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), "last_skip_reason") || !strings.Contains(string(raw), ",1,wrong person,his brother,alice,") ||
		!strings.Contains(string(raw), `[{""agent"":""alice"",""at"":""`) {
		t.Errorf("export:\n%s", raw)
	}
	// The lead's skips kept, who, when and why, in the API's lead list.
	resp, err = http.Get(d.srv.URL + "/api/v1/campaigns/spring/leads")
	if err != nil {
		t.Fatal(err)
	}
	var leads []map[string]json.RawMessage
	err = json.NewDecoder(resp.Body).Decode(&leads)
	resp.Body.Close()
	var hist []campaign.SkipNote
	for _, l := range leads {
		if string(l["id"]) == `"`+first.Preview.Lead.ID+`"` {
			_ = json.Unmarshal(l["skip_history"], &hist)
		}
	}
	if err != nil || len(hist) != 1 || hist[0].Agent != "alice" || hist[0].Reason != "wrong person" || hist[0].Note != "his brother" || hist[0].At.IsZero() {
		t.Errorf("the skipped lead's skip_history in GET .../leads: %+v %v", hist, err)
	}
	// The lead alone, and a lead the campaign does not have.
	resp, body := get(t, d.srv.URL+"/api/v1/campaigns/spring/leads/"+first.Preview.Lead.ID, nil)
	var one campaign.Lead
	if err := json.Unmarshal(body, &one); resp.StatusCode != http.StatusOK || err != nil || one.ID != first.Preview.Lead.ID || len(one.SkipHistory) != 1 || one.SkipHistory[0] != hist[0] {
		t.Errorf("GET .../leads/%s: %d %s", first.Preview.Lead.ID, resp.StatusCode, body)
	}
	if resp, body := get(t, d.srv.URL+"/api/v1/campaigns/spring/leads/spring-99", nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `lead \"spring-99\" of campaign \"spring\": not found`) {
		t.Errorf("GET .../leads/spring-99: %d %s; want 404 naming it", resp.StatusCode, body)
	}
	if resp, body := get(t, d.srv.URL+"/api/v1/campaigns/autumn/leads/spring-1", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET a lead of an unknown campaign: %d %s; want 404", resp.StatusCode, body)
	}
}
