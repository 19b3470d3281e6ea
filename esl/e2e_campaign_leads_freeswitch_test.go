package esl_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/store"
)

// fsLate is a person who rings two seconds before answering (+3397... in
// hotline-test-lead).
const fsLate fsLeadKind = "late"

func fsPrefix(k fsLeadKind) string {
	switch k {
	case fsLate:
		return "+3397"
	case fsSlow:
		return "+3398"
	case fsKeyer:
		return "+3399"
	}
	return fsLeadPrefix[k]
}

// fsDials is how many dials a lead of each kind gets with two attempts.
var fsDials = map[fsLeadKind]int{fsPerson: 1, fsLate: 1, fsBusy: 2, fsNever: 2, fsSurvey: 1, fsKeyer: 1}

// runFSCampaignLeads writes body as the scenario's config, imports one
// lead of campaign camp per entry of order, each due a millisecond after
// the one before (so dialed in that order), starts the daemon and the
// campaign, waits until the dials the leads' kinds get are over, nothing
// rings or talks and every agent is out of wrap-up, stops the daemon and
// reads its store. during, if set, runs between the daemon's start and
// the campaign's.
func runFSCampaignLeads(t *testing.T, camp, body string, order []fsLeadKind, during func(s *fsScenario)) fsCampaignRun {
	t.Helper()
	s := newScenario(t, "park", body)
	// newScenario puts the store beside the config.
	path := filepath.Join(filepath.Dir(s.config), "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inside, outside := fsLeadZones(time.Now())
	run := fsCampaignRun{kindOf: map[string]fsLeadKind{}}
	var list []campaign.Lead
	due, want := time.Now().Add(-time.Hour), 0
	for i, k := range order {
		phone := fmt.Sprintf("%s%d%05d", fsPrefix(k), os.Getpid()%10, i+1)
		zone := inside
		if k == fsOutside {
			zone = outside
		}
		list = append(list, campaign.Lead{Campaign: camp, Phone: phone, Name: string(k), TimeZone: zone, NextAttempt: due.Add(time.Duration(i) * time.Millisecond)})
		run.kindOf[phone] = k
		want += fsDials[k]
		if k == fsDNC {
			if _, err := db.AddDNC([]store.DNCEntry{{List: store.GlobalDNC, Phone: phone, Added: time.Now()}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.ImportLeads(list); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s.start()
	if during != nil {
		during(s)
	}
	resp, err := http.Post("http://"+s.api+"/api/v1/campaigns/"+camp+"/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start campaign %s: %v %v", camp, resp, err)
	}
	resp.Body.Close()
	s.eventually(90*time.Second, fmt.Sprintf("%d dials over", want), func() bool {
		var list []engine.CampaignStatus
		if !s.getJSON("/api/v1/campaigns", &list) || len(list) != 1 {
			return false
		}
		run.st = list[0]
		return run.st.Stats.Dialed >= want && run.st.Ringing == 0 && run.st.Live == 0
	})
	s.eventually(10*time.Second, "agents out of their calls and wrap-up", func() bool {
		var st engine.Status
		if !s.getJSON("/api/v1/status", &st) {
			return false
		}
		for _, a := range st.Agents {
			if a.State != acd.Available.String() && a.State != acd.LoggedOut.String() {
				return false
			}
		}
		return true
	})
	t.Logf("%s: %+v, %.1f%% abandoned", camp, run.st.Stats, 100*run.st.AbandonRate)
	s.d.stop()

	db, err = store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run.leads = map[string]campaign.Lead{}
	if err := db.CampaignLeads(camp, func(l campaign.Lead) bool { run.leads[l.Phone] = l; return true }); err != nil {
		t.Fatal(err)
	}
	run.dials = map[string][]store.CallRecord{}
	for rec, err := range db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
		if err != nil {
			t.Fatal(err)
		}
		run.dials[rec.Called] = append(run.dials[rec.Called], rec)
	}
	return run
}
