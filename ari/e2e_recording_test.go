package ari_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/store"
)

// An on-demand recording started, paused, resumed and stopped through the
// API on real Asterisk: a file under the template's directories, the four
// steps in the call's timeline, and the file served by the API. A start
// after the stop is a second recording of the call, a file of its own
// (name -2) that runs to the hang-up and is served as ?n=2.
func TestAsteriskE2ERecordingOnDemand(t *testing.T) {
	const ring, talk = 500 * time.Millisecond, 8 * time.Second
	s := newE2E(t, "recording", map[string]e2ePhone{"alice": {Answer: ring, Hangup: talk}}, "")
	dir := filepath.Join(s.ast.root, "var/spool/asterisk/recording")
	f, err := os.OpenFile(s.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("recordings:\n  dir: " + dir + "\n  template: \"{date}/{queue}/{call}-{agent}\"\n")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	s.start()
	pc := s.call(e2eCaller{Number: "6500"})
	s.bridged(pc, "alice", 10*time.Second)
	for _, action := range []string{"start", "pause", "resume", "stop", "start"} {
		s.agentAction("alice", "recording/"+action)
		time.Sleep(time.Second)
	}
	rec := s.waitRecord(pc.Far, talk+30*time.Second, "the call ends with both recordings' paths", func(r store.CallRecord) bool {
		all := r.AllRecordings()
		return e2eEnded(r) && len(all) == 2 && all[0].Path != "" && all[1].Path != ""
	})
	// A finish lost on the way (the guard asks Asterisk for it) shows here.
	t.Logf("the recording guard asked Asterisk %d times", s.d.logLines("no finish reported"))
	var steps []string
	for _, st := range rec.Timeline {
		if strings.HasPrefix(st.Kind, "recording-") {
			steps = append(steps, st.Kind)
		}
	}
	if want := []string{"recording-start", "recording-pause", "recording-resume", "recording-stop", "recording-start"}; !slices.Equal(steps, want) {
		t.Errorf("timeline recording steps %v, want %v", steps, want)
	}
	name := time.Now().Format(time.DateOnly) + "/desk/" + rec.ID + "-alice"
	if rec.Recording.Name != name || !strings.HasSuffix(rec.Recording.Path, name+".wav") {
		t.Errorf("recording %+v, want name %s", rec.Recording, name)
	}
	file := filepath.Join(dir, name+".wav")
	t.Cleanup(func() { _ = os.Remove(file) })
	fi, err := os.Stat(file)
	// About 2 s recorded (start to stop, less the paused second) of 8 kHz
	// 16-bit audio: over 16 kB; a header alone is 44 bytes.
	if err != nil || fi.Size() < 16000 {
		t.Fatalf("recording file %s: %v, %v", file, err, fi)
	}
	resp, err := http.Get(s.d.api + "/api/v1/calls/" + rec.ID + "/recording")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "audio/wav" || int64(len(body)) != fi.Size() {
		t.Errorf("GET recording: %s %s, %d bytes of %d", resp.Status, resp.Header.Get("Content-Type"), len(body), fi.Size())
	}
	second := rec.MoreRecordings[0]
	if second.Name != name+"-2" || !strings.HasSuffix(second.Path, name+"-2.wav") || second.Agent != "alice" || !second.End.After(second.Start) {
		t.Errorf("second recording %+v, want name %s-2 running to the hang-up", second, name)
	}
	file2 := filepath.Join(dir, name+"-2.wav")
	t.Cleanup(func() { _ = os.Remove(file2) })
	if fi, err := os.Stat(file2); err != nil || fi.Size() < 16000 {
		t.Fatalf("second recording file %s: %v, %v", file2, err, fi)
	}
	resp, err = http.Get(s.d.api + "/api/v1/calls/" + rec.ID + "/recording?n=2")
	if err != nil {
		t.Fatal(err)
	}
	body2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if fi, _ := os.Stat(file2); resp.StatusCode != http.StatusOK || int64(len(body2)) != fi.Size() {
		t.Errorf("GET recording ?n=2: %s, %d bytes of %d", resp.Status, len(body2), fi.Size())
	}
}
