package store

import (
	"errors"
	"testing"
	"time"
)

func TestDNC(t *testing.T) {
	db := openLeadsDB(t)
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	n, err := db.AddDNC([]DNCEntry{
		{List: GlobalDNC, Phone: "+12125550100", Added: now},
		{List: "spring", Phone: "+12125550101", Added: now},
		{List: "spring", Phone: "+12125550101", Added: now.Add(time.Hour)},
	})
	if err != nil || n != 2 {
		t.Fatalf("added %d, %v", n, err)
	}
	for _, tc := range []struct {
		phone string
		lists []string
		want  string
	}{
		{"+12125550100", nil, GlobalDNC},
		{"+12125550100", []string{"autumn"}, GlobalDNC},
		{"+12125550101", []string{"spring"}, "spring"},
		{"+12125550101", []string{"autumn"}, ""},
		{"+12125550102", []string{"spring"}, ""},
	} {
		list, blocked, err := db.Blocked(tc.phone, tc.lists...)
		if err != nil || list != tc.want || blocked != (tc.want != "") {
			t.Errorf("%s on %v: %q %v %v, want %q", tc.phone, tc.lists, list, blocked, err, tc.want)
		}
	}
	if _, err := db.AddDNC([]DNCEntry{{List: "x", Phone: "+12125550109"}, {List: "x", Phone: "212"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a number not in E.164 accepted: %v", err)
	}
	if _, blocked, _ := db.Blocked("+12125550109", "x"); blocked {
		t.Fatal("a refused batch was half stored")
	}
	if ok, err := db.RemoveDNC("spring", "+12125550101"); !ok || err != nil {
		t.Fatalf("remove: %v %v", ok, err)
	}
	if _, blocked, _ := db.Blocked("+12125550101", "spring"); blocked {
		t.Fatal("still blocked after removal")
	}
	var got []string
	db.DNCList(GlobalDNC, func(e DNCEntry) bool { got = append(got, e.Phone); return true })
	if len(got) != 1 || got[0] != "+12125550100" {
		t.Fatalf("global list: %v", got)
	}
}
