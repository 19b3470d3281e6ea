package store

import (
	"errors"
	"testing"
	"time"
)

func TestAccessLogBatchInTimeOrder(t *testing.T) {
	db, _ := openTemp(t)
	e := func(min int, who string) AccessEntry {
		return AccessEntry{At: ct0.Add(time.Duration(min) * time.Minute), Who: who, Method: "POST", Path: "/api/v1/agents/alice/pause", Status: 200}
	}
	if err := db.LogAccess([]AccessEntry{e(2, "carol"), e(0, "alice"), e(1, "bob"), e(1, "bob2")}); err != nil {
		t.Fatal(err)
	}
	if err := db.LogAccess([]AccessEntry{e(3, "dave"), {At: ct0, Who: "x"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("an entry without method and path: %v", err)
	}
	log, err := db.AccessLog(ct0.Add(time.Minute), ct0.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, e := range log {
		who = append(who, e.Who)
	}
	if len(who) != 3 || who[0] != "bob" || who[1] != "bob2" || who[2] != "carol" {
		t.Fatalf("access log %v (a refused batch writes nothing: no dave)", who)
	}
}
