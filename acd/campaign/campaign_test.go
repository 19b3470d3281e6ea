package campaign

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)

func TestLeadLifecycle(t *testing.T) {
	r := DefaultRetry()
	l := Lead{ID: "l1", State: New}
	l, err := StartDial(l, t0)
	if err != nil || l.State != Dialing || l.Attempts != 1 {
		t.Fatalf("start: %+v %v", l, err)
	}
	l, err = DialEnded(l, Busy, r, t0.Add(10*time.Second))
	if err != nil || l.State != Scheduled || !l.NextAttempt.Equal(t0.Add(10*time.Second+10*time.Minute)) {
		t.Fatalf("busy: %+v %v", l, err)
	}
	if _, err := StartDial(l, t0.Add(time.Minute)); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("dialed before due: %v", err)
	}
	l, _ = StartDial(l, l.NextAttempt)
	l, _ = DialEnded(l, Human, r, l.NextAttempt)
	if l.State != Answered {
		t.Fatalf("answered: %s", l.State)
	}
	// Abandoned: not called again for 72 h, even if its retry is sooner.
	ab, err := DialEnded(l, Abandoned, Retry{MaxAttempts: 5, After: map[Outcome]time.Duration{Abandoned: time.Hour}, AbandonQuiet: 72 * time.Hour}, t0.Add(time.Hour))
	if err != nil || ab.State != Scheduled || !ab.NextAttempt.Equal(t0.Add(73*time.Hour)) {
		t.Fatalf("abandoned: %+v %v", ab, err)
	}
	l, _ = Connect(l)
	done, err := Dispose(l, Disposition{Name: "sale", Final: true, Sale: true}, time.Time{}, "", r, t0)
	if err != nil || done.State != Done || done.Disposition != "sale" {
		t.Fatalf("sale: %+v %v", done, err)
	}
	if _, err := StartDial(done, t0.Add(time.Hour)); !errors.Is(err, ErrIllegalTransition) {
		t.Fatal("a done lead was dialed again")
	}
	// A sale not flagged final ends the lead all the same: it was retried
	// as a no-answer, and the customer called again.
	if sold, err := Dispose(l, Disposition{Name: "sold", Sale: true}, time.Time{}, "", r, t0); err != nil || sold.State != Done {
		t.Fatalf("a sale not flagged final: %+v %v", sold, err)
	}
	dnc, _ := Dispose(l, Disposition{Name: "do-not-call", DNC: true}, time.Time{}, "", r, t0)
	if dnc.State != DoNotCall || !dnc.State.Final() {
		t.Fatalf("dnc: %+v", dnc)
	}
	cb, err := Dispose(l, Disposition{Name: "call-back", Callback: true}, t0.Add(24*time.Hour), "alice", r, t0)
	if err != nil || cb.State != Callback || cb.CallbackAgent != "alice" || !cb.NextAttempt.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("callback: %+v %v", cb, err)
	}
	// A lead whose answer was abandoned (its agent late) rests from
	// anyone's callback; one kept for an agent is called at its time.
	late := l
	late.AbandonedAt = t0.Add(-time.Hour)
	if cb, _ := Dispose(late, Disposition{Name: "call-back", Callback: true}, t0.Add(2*time.Hour), "", r, t0); !cb.NextAttempt.Equal(t0.Add(71 * time.Hour)) {
		t.Errorf("anyone's callback within the abandon rest: next %s; want the rest's end", cb.NextAttempt)
	}
	if cb, _ := Dispose(late, Disposition{Name: "call-back", Callback: true}, t0.Add(2*time.Hour), "alice", r, t0); !cb.NextAttempt.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("alice's callback within the abandon rest: next %s; want its time", cb.NextAttempt)
	}
	if _, err := Dispose(l, Disposition{Name: "call-back", Callback: true}, t0.Add(-time.Hour), "", r, t0); err == nil {
		t.Fatal("a callback in the past was accepted")
	}
	// Attempts run out: failed.
	f := Lead{ID: "f", State: New}
	for i := range 5 {
		f, _ = StartDial(f, f.NextAttempt)
		f, _ = DialEnded(f, NoAnswer, r, f.NextAttempt)
		if i < 4 && f.State != Scheduled {
			t.Fatalf("attempt %d: %s", i+1, f.State)
		}
	}
	if f.State != Failed || f.Attempts != 5 || !f.NextAttempt.IsZero() {
		t.Fatalf("after 5 no-answers: %+v; want failed with no next attempt", f)
	}
	// A lead that ends shows no next attempt, though a callback's time was set.
	cb, _ = Dispose(l, Disposition{Name: "call-back", Callback: true}, t0.Add(2*time.Hour), "", r, t0)
	cb.State = Connected
	for _, d := range []Disposition{{Name: "sale", Sale: true}, {Name: "stop", DNC: true}, {Name: "no", Final: true}} {
		if got, err := Dispose(cb, d, time.Time{}, "", r, t0); err != nil || !got.NextAttempt.IsZero() {
			t.Errorf("%s after a callback: next attempt %s (%v); want none", d.Name, got.NextAttempt, err)
		}
	}
	if got, _ := MarkDNC(cb); !got.NextAttempt.IsZero() {
		t.Errorf("marked do-not-call: next attempt %s; want none", got.NextAttempt)
	}
}

// TestKeptCallbackRetry: a dial of a callback kept for an agent that does
// not reach the lead is retried for that agent while the retry falls
// within the grace of the callback's first time, through retries; after
// it, and after an abandoned answer, it is anyone's.
func TestKeptCallbackRetry(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	r := DefaultRetry() // busy 10 min, no answer 1 h; grace 1 h
	kept := Lead{ID: "k", State: Callback, Attempts: 1, NextAttempt: t0, CallbackAgent: "alice"}
	for _, tc := range []struct {
		name  string
		dials []Outcome // each dialed when due
		state LeadState
		agent string
		next  time.Time
	}{
		{"busy", []Outcome{Busy}, Callback, "alice", t0.Add(10 * time.Minute)},
		{"busy five times", []Outcome{Busy, Busy, Busy, Busy}, Failed, "", time.Time{}}, // ended: no next attempt
		{"no answer past the grace", []Outcome{NoAnswer}, Scheduled, "", t0.Add(time.Hour)},
		{"busy then no answer past the grace", []Outcome{Busy, NoAnswer}, Scheduled, "", t0.Add(70 * time.Minute)},
		{"abandoned", []Outcome{Human, Abandoned}, Scheduled, "", t0.Add(72 * time.Hour)},
	} {
		l := kept
		for _, o := range tc.dials {
			if o != Abandoned {
				l, _ = StartDial(l, l.NextAttempt)
			}
			var err error
			if l, err = DialEnded(l, o, r, l.NextAttempt); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		if l.State != tc.state || l.CallbackAgent != tc.agent || !l.NextAttempt.Equal(tc.next) {
			t.Errorf("%s: %s for %q at %s; want %s for %q at %s", tc.name, l.State, l.CallbackAgent, l.NextAttempt, tc.state, tc.agent, tc.next)
		}
		if want := map[bool]time.Time{true: t0}[tc.agent != ""]; !l.CallbackDue.Equal(want) {
			t.Errorf("%s: first due %s; want %s", tc.name, l.CallbackDue, want)
		}
	}
}

func TestLeadTransitionTable(t *testing.T) {
	for from := New; from <= DoNotCall; from++ {
		for to := New; to <= DoNotCall; to++ {
			err := CheckLeadTransition(from, to)
			if from.Final() && from != Failed && err == nil {
				t.Errorf("%s → %s allowed from a final state", from, to)
			}
		}
	}
	if err := CheckLeadTransition(New, Connected); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("new → connected: %v", err)
	}
	for s := New; s <= DoNotCall; s++ {
		b, _ := s.MarshalText()
		var back LeadState
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Fatalf("%s round trip: %v", s, err)
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no zone %s: %v", name, err)
	}
	return loc
}

func TestHours(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	h := DefaultLeadHours()
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		now, next string
	}{
		{"2026-03-06 07:59", "2026-03-06 08:00"},
		{"2026-03-06 08:00", "2026-03-06 08:00"},
		{"2026-03-06 20:59", "2026-03-06 20:59"},
		{"2026-03-06 21:00", "2026-03-07 08:00"},
		// DST starts on 8 March 2026 at 02:00: 08:00 is still 08:00 on the clock.
		{"2026-03-07 22:00", "2026-03-08 08:00"},
		// DST ends on 1 November 2026.
		{"2026-10-31 23:30", "2026-11-01 08:00"},
	} {
		got := h.NextOpen(at(tc.now), ny)
		if !got.Equal(at(tc.next)) {
			t.Errorf("from %s: next open %s, want %s", tc.now, got.In(ny).Format("2006-01-02 15:04 MST"), tc.next)
		}
	}
	if got := h.NextOpen(at("2026-03-07 22:00"), ny); got.Sub(at("2026-03-07 22:00")) != 9*time.Hour {
		t.Errorf("over the spring-forward night: %v, want 9h (one hour less)", got.Sub(at("2026-03-07 22:00")))
	}
	wk, err := ParseHours("09:00-17:30 mon-fri")
	if err != nil {
		t.Fatal(err)
	}
	// Friday 18:00 → Monday 09:00.
	if got := wk.NextOpen(at("2026-03-06 18:00"), ny); !got.Equal(at("2026-03-09 09:00")) {
		t.Errorf("weekend: %s", got.In(ny))
	}
	for _, bad := range []string{"", "8-21", "21:00-08:00", "08:00-21:00 funday", "25:00-26:00", "08:00-09:00 mon tue"} {
		if _, err := ParseHours(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A campaign run from London calls a lead in Los Angeles: both windows must
// be open.
func TestWindowsAcrossZones(t *testing.T) {
	lon, la := mustLoc(t, "Europe/London"), mustLoc(t, "America/Los_Angeles")
	camp, _ := ParseHours("09:00-20:00")
	w := Windows{Campaign: camp, CampaignLoc: lon, Lead: DefaultLeadHours()}
	// 10:00 in London is 02:00 in LA (6 March): LA opens at 08:00 = 16:00 London.
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, lon)
	got := w.NextCallable(now, la)
	if want := time.Date(2026, 3, 6, 8, 0, 0, 0, la); !got.Equal(want) {
		t.Fatalf("next callable %s, want %s", got.In(lon), want.In(lon))
	}
	// 20:30 London: campaign closed; tomorrow 09:00 London is 01:00 LA,
	// so 08:00 LA (16:00 London) again.
	got = w.NextCallable(time.Date(2026, 3, 6, 20, 30, 0, 0, lon), la)
	if want := time.Date(2026, 3, 7, 8, 0, 0, 0, la); !got.Equal(want) {
		t.Fatalf("next callable %s, want %s", got.In(lon), want.In(lon))
	}
	// Windows that never meet: never callable.
	early, _ := ParseHours("06:00-07:00")
	w2 := Windows{Campaign: early, CampaignLoc: lon, Lead: DefaultLeadHours()}
	if got := w2.NextCallable(now, la); !got.IsZero() {
		t.Fatalf("disjoint windows gave %s", got)
	}
}

func TestImportCSV(t *testing.T) {
	f, err := os.Open("testdata/leads-good.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ImportCSV(f, ImportOptions{Campaign: "spring", Region: "US", Map: map[string]string{"phone": "Tel", "name": "Full Name", "timezone": "TZ"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 4 || res.Duplicates != 1 || len(res.Leads) != 3 || len(res.Errors) != 0 {
		t.Fatalf("rows %d, dups %d, leads %d, errors %v", res.Rows, res.Duplicates, len(res.Leads), res.Errors)
	}
	want := []struct{ phone, name, tz, plan string }{
		{"+12125550187", "Ann Lee", "America/New_York", "gold"},
		{"+442079460958", "Bob Smith", "Europe/London", "silver"},
		{"+14155550132", "Cy Young", "America/Denver", ""},
	}
	for i, w := range want {
		l := res.Leads[i]
		if l.Phone != w.phone || l.Name != w.name || l.TimeZone != w.tz || l.Fields["Plan"] != w.plan || l.State != New || l.Campaign != "spring" {
			t.Errorf("lead %d: %+v, want %+v", i, l, w)
		}
	}

	bad, _ := os.Open("testdata/leads-bad.csv")
	defer bad.Close()
	res, err = ImportCSV(bad, ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Leads) != 1 || len(res.Errors) != 3 {
		t.Fatalf("leads %+v errors %v", res.Leads, res.Errors)
	}
	for i, w := range []string{`row 2, column "phone": "12": not a valid phone number`, `row 4, column "phone": empty phone number`, `row 5, column "timezone": unknown time zone "Mars/Olympus"`} {
		if !strings.HasPrefix(res.Errors[i].Error(), w) {
			t.Errorf("error %d: %q, want %q", i, res.Errors[i].Error(), w)
		}
	}
}

func TestImportCSVRefused(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		o          ImportOptions
		want       string
	}{
		{"empty", "", ImportOptions{Campaign: "c"}, "the file is empty"},
		{"header alone", "phone,name\n", ImportOptions{Campaign: "c"}, "the file has a header and no rows below it"},
		{"header and blank lines", "phone,name\r\n\r\n\r\n", ImportOptions{Campaign: "c"}, "the file has a header and no rows below it"},
		{"no phone column", "name,email\nAnn,a@b\n", ImportOptions{Campaign: "c"}, "no phone column"},
		{"map to a missing column", "tel\n+12125550187\n", ImportOptions{Campaign: "c", Map: map[string]string{"phone": "Phone Number"}}, `no column "Phone Number"`},
		{"one column mapped to two fields", "tel,name\n+12125550187,Ann\n", ImportOptions{Campaign: "c", Map: map[string]string{"phone": "tel", "name": "TEL"}}, `column "tel" mapped to two fields, "name" and "phone"`},
		{"broken quoting", "phone\n\"+1212\n", ImportOptions{Campaign: "c"}, "row 2"},
		{"too many rows", "phone\n+12125550187\n+12125550188\n+12125550189\n", ImportOptions{Campaign: "c", MaxRows: 2}, "more than 2 rows"},
		{"no campaign", "phone\n", ImportOptions{}, "no campaign"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ImportCSV(strings.NewReader(tc.data), tc.o, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(res.Leads) != 0 {
				t.Fatalf("err %v, leads %d; want %q and none", err, len(res.Leads), tc.want)
			}
		})
	}
}

func FuzzImportCSV(f *testing.F) {
	f.Add("phone,name\n+12125550187,Ann\n", "US")
	f.Add("Tel\n(212) 555-0187\n\"x\n", "GB")
	f.Fuzz(func(t *testing.T, data, region string) {
		res, err := ImportCSV(strings.NewReader(data), ImportOptions{Campaign: "c", Region: region, MaxRows: 1000}, nil)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, l := range res.Leads {
			if !strings.HasPrefix(l.Phone, "+") || seen[l.Phone] {
				t.Fatalf("lead %+v: not E.164 or duplicated", l)
			}
			seen[l.Phone] = true
		}
		if len(res.Leads)+len(res.Errors)+res.Duplicates != res.Rows {
			t.Fatalf("rows %d = leads %d + errors %d + dups %d does not hold", res.Rows, len(res.Leads), len(res.Errors), res.Duplicates)
		}
	})
}

// TestNormalizePhoneAbroadHint: a number written with 00 under a region
// where 00 does not dial abroad is refused with a hint how to write it;
// under one where it does, it is read as international; an invalid
// number that merely starts with 00 gets no hint.
func TestNormalizePhoneAbroadHint(t *testing.T) {
	_, _, err := NormalizePhone("0033 1 42 68 53 00", "US")
	if !errors.Is(err, ErrBadNumber) || !strings.Contains(err.Error(), "starts with 00") || !strings.Contains(err.Error(), "write it with + in place of the 00, +33 1 42 68 53 00") {
		t.Errorf("00 under US: %v; want not valid, with a hint", err)
	}
	if e164, _, err := NormalizePhone("0033 1 42 68 53 00", "FR"); err != nil || e164 != "+33142685300" {
		t.Errorf("00 under FR: %q, %v; want +33142685300", e164, err)
	}
	if _, _, err := NormalizePhone("0012", "US"); !errors.Is(err, ErrBadNumber) || strings.Contains(err.Error(), "starts with 00") {
		t.Errorf("0012 under US: %v; want not valid, without the hint", err)
	}
}
