package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

// hotline leads show prints one lead as it stands, with the skips it
// keeps (who, when, why), oldest first; --json its stored form. An unknown
// lead is refused by name.
func TestLeadsShow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: "+12125550101", Name: "Ann", Fields: map[string]string{"plan": "gold"}}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var l *campaign.Lead
	err = db.View(func(tx *store.Tx) (err error) { l, err = tx.Lead("spring", "spring-1"); return err })
	for _, n := range []campaign.SkipNote{{Agent: "alice", At: at, Reason: "wrong person", Note: "his brother"}, {Agent: "bob", At: at.Add(time.Hour), Reason: campaign.SkipTimedOut}} {
		if err == nil {
			*l, err = campaign.Skip(*l, at.Add(2*time.Hour), n)
		}
	}
	if err == nil {
		err = db.Write([]store.Op{store.PutLead(l)})
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"leads", "show", "spring-1", "--campaign", "spring", "--store", path}, &out, &errb); code != 0 {
		t.Fatalf("show: exit %d %q %q", code, out.String(), errb.String())
	}
	for _, want := range []string{
		"spring-1 +12125550101 Ann: new, attempts 0, next attempt " + at.Add(2*time.Hour).Local().Format(time.DateTime) + "\n",
		"  plan: gold\n",
		"  skipped 2 times:\n",
		"    " + at.Local().Format(time.DateTime) + " by alice: wrong person, \"his brother\"\n",
		"    " + at.Add(time.Hour).Local().Format(time.DateTime) + " by bob: timeout\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"leads", "show", "spring-1", "--campaign", "spring", "--store", path, "--json"}, &out, &errb); code != 0 {
		t.Fatalf("show --json: exit %d %q", code, errb.String())
	}
	var back campaign.Lead
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || len(back.SkipHistory) != 2 || back.SkipHistory[0].Agent != "alice" {
		t.Errorf("show --json: %v\n%s", err, out.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"leads", "show", "spring-9", "--campaign", "spring", "--store", path}, &out, &errb); code == 0 || !strings.Contains(errb.String(), `lead "spring-9" of campaign "spring": not found`) {
		t.Errorf("unknown lead: exit %d %q %q", code, out.String(), errb.String())
	}
	// A mistyped campaign is named as such, not as a missing lead.
	errb.Reset()
	if code := run(context.Background(), []string{"leads", "show", "spring-1", "--campaign", "sprign", "--store", path}, &out, &errb); code != exitInvalid ||
		!strings.Contains(errb.String(), `campaign "sprign" has no leads in the store; check the campaign's name`) {
		t.Errorf("unknown campaign: exit %d %q", code, errb.String())
	}
	// While Hotline holds the store, the refusal says to ask it instead.
	held, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	errb.Reset()
	if code := run(context.Background(), []string{"leads", "show", "spring-1", "--campaign", "spring", "--store", path}, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "locked") || !strings.Contains(errb.String(), "hotline leads show spring-1 --campaign spring --api HOST:PORT") {
		t.Errorf("store held: exit %d %q", code, errb.String())
	}
}

// The lead shown to an agent in preview mode lists its earlier skips.
func TestWritePreviewSkips(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	l, err := campaign.Skip(campaign.Lead{ID: "spring-1", Campaign: "spring", Phone: "+12125550101", State: campaign.New}, at, campaign.SkipNote{Agent: "alice", At: at, Reason: "wrong person"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	writePreview(&out, []string{"a"}, api.Preview{Agent: "a", Preview: &engine.LeadPreview{Campaign: "spring", Lead: l, Expires: at.Add(time.Minute)}})
	if !strings.Contains(out.String(), "  skipped once:\n    "+at.Local().Format(time.DateTime)+" by alice: wrong person\n") {
		t.Errorf("preview:\n%s", out.String())
	}
}

// TestLeadsShowKeptCallback: a callback kept for an agent names them, and
// when a retry of it was first due.
func TestLeadsShowKeptCallback(t *testing.T) {
	var out bytes.Buffer
	writeLead(&out, campaign.Lead{ID: "spring-1", Phone: "+12125550101", State: campaign.Callback, Attempts: 1, Disposition: "later", CallbackAgent: "bob"})
	if want := "spring-1 +12125550101 -: callback, attempts 1, disposition later, callback kept for bob\n"; out.String() != want {
		t.Errorf("show: %q; want %q", out.String(), want)
	}
	due := time.Date(2026, 1, 5, 9, 10, 0, 0, time.UTC)
	out.Reset()
	writeLead(&out, campaign.Lead{ID: "spring-1", Phone: "+12125550101", State: campaign.Callback, Attempts: 2, LastOutcome: campaign.Busy,
		Disposition: "later", CallbackAgent: "bob", NextAttempt: due.Add(10 * time.Minute), CallbackDue: due})
	if want := ", last outcome busy, disposition later, callback kept for bob (first due " + due.Local().Format(time.DateTime) + ")\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("show a retry: %q; want it to end %q", out.String(), want)
	}
}
