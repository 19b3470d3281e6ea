package campaign

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// A long list is read in chunks normalized in parallel: leads still come in
// file order, bad rows with their own row numbers, and an error from the
// consumer stops the reading.
func TestScanCSVOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("Tel,Name\n")
	const n = 5000
	for i := range n {
		if i%997 == 0 {
			fmt.Fprintf(&b, "12,Bad %d\n", i)
			continue
		}
		fmt.Fprintf(&b, "(212) %03d-%04d,Lead %d\n", 200+i/10000, i%10000, i)
	}
	var names []string
	var badRows []int
	rows, err := ScanCSV(strings.NewReader(b.String()), ImportOptions{Campaign: "c", Region: "US", Map: map[string]string{"phone": "Tel"}},
		func(l Lead) error { names = append(names, l.Name); return nil },
		func(e RowError) { badRows = append(badRows, e.Row) }, nil)
	if err != nil || rows != n {
		t.Fatalf("rows %d, err %v", rows, err)
	}
	want := 0
	for i := range n {
		if i%997 == 0 {
			continue
		}
		if names[want] != fmt.Sprintf("Lead %d", i) {
			t.Fatalf("lead %d is %q, want Lead %d", want, names[want], i)
		}
		want++
	}
	if len(names) != want || fmt.Sprint(badRows) != "[2 999 1996 2993 3990 4987]" {
		t.Fatalf("%d leads, bad rows %v", len(names), badRows)
	}
	stop := errors.New("full")
	got := 0
	_, err = ScanCSV(strings.NewReader(b.String()), ImportOptions{Campaign: "c", Region: "US", Map: map[string]string{"phone": "Tel"}},
		func(Lead) error {
			if got++; got == 3000 {
				return stop
			}
			return nil
		}, func(RowError) {}, nil)
	if !errors.Is(err, stop) || got != 3000 {
		t.Fatalf("after the consumer's error: %v, %d leads", err, got)
	}
}

// A reader that fails midway (a body over its size limit) keeps its error
// in the chain, so the API can answer 413 rather than "bad file".
func TestScanCSVReadError(t *testing.T) {
	errLimit := errors.New("body too large")
	r := io.MultiReader(strings.NewReader("phone\n+12125550100\n+1212"), iotest.ErrReader(errLimit))
	_, err := ScanCSV(r, ImportOptions{Campaign: "c", Region: "US"}, func(Lead) error { return nil }, func(RowError) {}, nil)
	if !errors.Is(err, errLimit) || !errors.Is(err, ErrBadFile) {
		t.Fatalf("err %v: want the reader's error and ErrBadFile", err)
	}
	_, err = ScanCSV(iotest.ErrReader(errLimit), ImportOptions{Campaign: "c", Region: "US"}, func(Lead) error { return nil }, func(RowError) {}, nil)
	if !errors.Is(err, errLimit) {
		t.Fatalf("header: err %v: want the reader's error", err)
	}
}
