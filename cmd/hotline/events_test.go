package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// hotline events prints the opening snapshot, then each change (an agent's
// with why and who asked).
func TestEventsCommandFollowsChanges(t *testing.T) {
	addr, _ := startServe(t, "127.0.0.1:0", quietCenter)
	t.Setenv("HOTLINE_CONFIG", "")
	for _, o := range overrides {
		t.Setenv(o.env, "")
	}
	var out, errOut safeBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"events", "--api", addr, "--count", "2"}, &out, &errOut) }()
	for !strings.Contains(metricsOf(t, addr), "hotline_event_streams 1") {
		if ctx.Err() != nil {
			t.Fatal("the events command never opened the stream")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _, errs := hotline(t, nil, "agent", "login", "a", "--api", addr); code != 0 {
		t.Fatalf("login: %s", errs)
	}
	if code := <-done; code != 0 {
		t.Fatalf("hotline events: exit %d: %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"snapshot: 1 queue, 1 agent, 0 live calls", "agent a available [login by api]", "queue q waiting 0"} {
		if !strings.Contains(got, want) {
			t.Errorf("events output lacks %q:\n%s", want, got)
		}
	}
}

func metricsOf(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
