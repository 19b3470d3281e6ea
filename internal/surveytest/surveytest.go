// Package surveytest is the spoken survey that the end-to-end tests run
// on real Asterisk and real FreeSWITCH (testdata/asterisk/e2e/
// survey-spoken.yaml): a survey campaign "poll" asks three questions; its
// one lead says Stars to the first, keys 2 to the second and says
// Recommend to the third, in one call. It seeds the lead and checks what
// the lead keeps.
package surveytest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/acd/speech/speechtest"
	"github.com/hotline-cc/hotline/store"
)

// What the lead says; their voices differ enough in length for
// speechtest.Transcriber to tell them apart.
const (
	Stars     = "Four stars."
	Recommend = "Yes, definitely."
)

// Campaign is the survey's name.
const Campaign = "poll"

// Steps are what the lead's call record must tell, in its timeline.
var Steps = []string{`stars=4 by phrase "` + Stars + `"`, "again=no by key 2", `recommend=yes by phrase "` + Recommend + `"`}

// Answers renders what the lead says, with espeak-ng, into dir as 1.wav
// (Stars) and 2.wav (Recommend), for the lead's dialplan to play, and
// returns each one's level, for speechtest.Transcriber.Learn.
func Answers(t testing.TB, dir string) map[string]speech.Level {
	t.Helper()
	files, levels, err := speechtest.Say(context.Background(), dir, Stars, Recommend)
	if err != nil {
		t.Fatal(err)
	}
	for n, text := range []string{Stars, Recommend} {
		if err := os.Rename(files[text], filepath.Join(dir, strconv.Itoa(n+1)+".wav")); err != nil {
			t.Fatal(err)
		}
	}
	return levels
}

// Seed writes the store at path with the campaign's one lead, phone.
func Seed(t testing.TB, path, phone string) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ImportLeads([]campaign.Lead{{Campaign: Campaign, Phone: phone}}); err != nil {
		t.Fatal(err)
	}
}

// CheckTimeline: the steps (kind and detail of each) tell every one of
// Steps.
func CheckTimeline(t testing.TB, steps string) {
	t.Helper()
	for _, want := range Steps {
		if !strings.Contains(steps, want) {
			t.Errorf("the lead's call has no %q in its timeline: %s", want, steps)
		}
	}
}

// CheckLead: the lead is done and completed after one attempt, with the
// spoken answers' values, transcripts and confidences, and the keyed one
// alone. where names what showed the lead (the API, the store).
func CheckLead(t testing.TB, where string, l campaign.Lead) {
	t.Helper()
	if l.State != campaign.Done || l.Disposition != "completed" || l.Attempts != 1 {
		t.Errorf("%s: lead %s %s %q after %d attempts; want done, completed after 1", where, l.Phone, l.State, l.Disposition, l.Attempts)
	}
	a := l.Answers
	for v, want := range map[string]string{
		"stars": "4", "stars" + campaign.TranscriptSuffix: Stars,
		"again":     "no",
		"recommend": "yes", "recommend" + campaign.TranscriptSuffix: Recommend,
	} {
		if a[v] != want {
			t.Errorf("%s: lead %s answer %s = %q, want %q (answers %v)", where, l.Phone, v, a[v], want, a)
		}
	}
	for _, v := range []string{"stars", "recommend"} {
		c, err := strconv.ParseFloat(a[v+campaign.ConfidenceSuffix], 64)
		if err != nil || c < 0.5 || c > 1 {
			t.Errorf("%s: lead %s: %s's confidence %q; want 0.5 to 1 (the threshold to a full match)", where, l.Phone, v, a[v+campaign.ConfidenceSuffix])
		}
	}
	if _, ok := a["again"+campaign.TranscriptSuffix]; ok || len(a) != 7 {
		t.Errorf("%s: lead %s answers %v; want 7: two spoken with transcript and confidence, one keyed alone", where, l.Phone, a)
	}
}

// CheckStore: the store at path, its daemon stopped, holds the one lead
// as CheckLead wants it.
func CheckStore(t testing.TB, path string) {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	if err := db.CampaignLeads(Campaign, func(l campaign.Lead) bool {
		n++
		CheckLead(t, "the store", l)
		return true
	}); err != nil || n != 1 {
		t.Fatalf("the store's leads of %s: %d, %v; want 1", Campaign, n, err)
	}
}
