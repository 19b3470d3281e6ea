package dialplan_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/dialplan"
)

// recordingReloader is a fake PBX that records reloads.
type recordingReloader struct {
	calls int
	err   error
}

func (r *recordingReloader) Reload(context.Context) error {
	r.calls++
	return r.err
}

var applyNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

const userMain = "; the admin's own dialplan\n[from-trunk]\ninclude => hotline-entries\nexten => 999,1,Hangup()\n"

func asteriskDir(t *testing.T, main string) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "extensions.conf"), main)
	return dir
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestApplyAsterisk(t *testing.T) {
	cfg := testConfig()
	dir := asteriskDir(t, userMain)
	rel := &recordingReloader{}
	opts := dialplan.ApplyOptions{PBX: "asterisk", Dir: dir, Now: applyNow, Reloader: rel, DryRun: true}

	// Dry run: the diff names both files, nothing is written or reloaded.
	res, err := dialplan.Apply(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || !res.IncludeAdded || len(res.Written) != 0 || rel.calls != 0 {
		t.Fatalf("dry run: %+v, reloads %d", res, rel.calls)
	}
	for _, want := range []string{"--- /dev/null", "+++ " + filepath.Join(dir, "extensions_hotline.conf"),
		"+#include \"extensions_hotline.conf\"", "+exten => 100,1,NoOp(Hotline entry 100)"} {
		if !strings.Contains(res.Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, res.Diff)
		}
	}
	if read(t, filepath.Join(dir, "extensions.conf")) != userMain {
		t.Fatal("dry run changed extensions.conf")
	}
	if _, err := os.Stat(filepath.Join(dir, "extensions_hotline.conf")); !os.IsNotExist(err) {
		t.Fatal("dry run wrote the managed file")
	}

	// Real run: files written, include added once, one backup of the
	// main file (the managed one did not exist), one reload.
	opts.DryRun = false
	res, err = dialplan.Apply(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	main := read(t, filepath.Join(dir, "extensions.conf"))
	if !strings.HasPrefix(main, userMain) || strings.Count(main, "#include \"extensions_hotline.conf\"") != 1 {
		t.Errorf("extensions.conf:\n%s", main)
	}
	managed, _ := mustRender(t).Managed()
	if read(t, filepath.Join(dir, "extensions_hotline.conf")) != string(managed.Data) {
		t.Error("managed file is not the rendering")
	}
	wantBackup := filepath.Join(dir, "extensions.conf.bak.20250304T050607Z")
	if len(res.Backups) != 1 || res.Backups[0] != wantBackup || read(t, wantBackup) != userMain {
		t.Errorf("backups %v", res.Backups)
	}
	if rel.calls != 1 || !res.Reloaded {
		t.Errorf("reloads %d", rel.calls)
	}

	// Second run: nothing to do, no reload, no include added twice.
	res, err = dialplan.Apply(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || res.Diff != "" || res.IncludeAdded || rel.calls != 1 {
		t.Errorf("second run: %+v, reloads %d", res, rel.calls)
	}

	// A config change: only the managed file changes, and it is backed up.
	cfg.Entries = cfg.Entries[:2]
	opts.Now = applyNow.Add(time.Hour)
	res, err = dialplan.Apply(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || !strings.HasSuffix(res.Written[0], "extensions_hotline.conf") ||
		!strings.Contains(res.Diff, "-exten => +15551230000,1") || rel.calls != 2 {
		t.Errorf("after change: %+v", res)
	}
	if len(res.Backups) != 1 || !strings.HasSuffix(res.Backups[0], "extensions_hotline.conf.bak.20250304T060607Z") {
		t.Errorf("backups %v", res.Backups)
	}
}

func mustRender(t *testing.T) dialplan.Files {
	files, err := dialplan.RenderAsterisk(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestApplyKeepsExistingInclude(t *testing.T) {
	main := userMain + "#tryinclude <extensions_hotline.conf>\n"
	dir := asteriskDir(t, main)
	res, err := dialplan.Apply(context.Background(), testConfig(), dialplan.ApplyOptions{PBX: "asterisk", Dir: dir, Now: applyNow})
	if err != nil {
		t.Fatal(err)
	}
	if res.IncludeAdded || read(t, filepath.Join(dir, "extensions.conf")) != main {
		t.Errorf("include added again: %+v", res)
	}
}

func TestApplyBlockedByLint(t *testing.T) {
	broken := userMain + "exten => 1,1,Goto(nowhere,s,1)\n"
	dir := asteriskDir(t, broken)
	rel := &recordingReloader{}
	res, err := dialplan.Apply(context.Background(), testConfig(), dialplan.ApplyOptions{PBX: "asterisk", Dir: dir, Now: applyNow, Reloader: rel})
	if !errors.Is(err, dialplan.ErrLintFailed) {
		t.Fatalf("err = %v", err)
	}
	if len(res.Findings) == 0 || res.Findings[0].Code != "goto-context" {
		t.Errorf("findings %v", res.Findings)
	}
	if read(t, filepath.Join(dir, "extensions.conf")) != broken || rel.calls != 0 {
		t.Error("a failed lint must write and reload nothing")
	}
	if _, err := os.Stat(filepath.Join(dir, "extensions_hotline.conf")); !os.IsNotExist(err) {
		t.Error("managed file written despite lint errors")
	}
}

func TestApplyNeedsMainFile(t *testing.T) {
	_, err := dialplan.Apply(context.Background(), testConfig(), dialplan.ApplyOptions{PBX: "asterisk", Dir: t.TempDir(), Now: applyNow})
	if !errors.Is(err, dialplan.ErrNoMainDialplan) {
		t.Fatalf("err = %v", err)
	}
}

func TestApplyFreeSWITCH(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "dialplan", "public.xml"),
		`<include><context name="public"><extension name="in"><condition field="destination_number" expression="^(\d+)$"><action application="transfer" data="$1 XML hotline"/></condition></extension></context></include>`)
	rel := &recordingReloader{}
	opts := dialplan.ApplyOptions{PBX: "freeswitch", Dir: dir, Now: applyNow, Reloader: rel}
	res, err := dialplan.Apply(context.Background(), testConfig(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || rel.calls != 1 || len(res.Backups) != 0 {
		t.Fatalf("%+v", res)
	}
	if got := read(t, filepath.Join(dir, "dialplan", "hotline.xml")); !strings.Contains(got, `<action application="park"/>`) || strings.Contains(got, `application="socket"`) {
		t.Errorf("the default hand-over is park, got:\n%s", got)
	}
	res, err = dialplan.Apply(context.Background(), testConfig(), opts)
	if err != nil || res.Changed || rel.calls != 1 {
		t.Errorf("second run: %+v %v", res, err)
	}
}

func TestARIReloader(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+user+":"+pass)
		mu.Unlock()
		if pass != "secret" {
			http.Error(w, `{"message":"Authentication required"}`, http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	r := dialplan.NewARIReloader(dialplan.ARIReloaderOptions{URL: srv.URL + "/ari/", Username: "hotline", Password: "secret", Logger: zerolog.Nop()})
	if err := r.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	bad := dialplan.NewARIReloader(dialplan.ARIReloaderOptions{URL: srv.URL + "/ari", Username: "hotline", Password: "wrong"})
	if err := bad.Reload(context.Background()); !errors.Is(err, dialplan.ErrReload) || !strings.Contains(err.Error(), "401") {
		t.Errorf("err = %v", err)
	}
	if got[0] != "PUT /ari/asterisk/modules/pbx_config hotline:secret" {
		t.Errorf("requests %v", got)
	}
}

// fakeESL speaks enough of mod_event_socket for one api command.
func fakeESL(t *testing.T, reply string, silent bool) (addr string, commands chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	over := make(chan struct{}) // a silent server stays silent until the test is over
	t.Cleanup(func() { close(over) })
	commands = make(chan string, 10)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		if silent {
			<-over
			return
		}
		fmt.Fprint(conn, "Content-Type: auth/request\n\n")
		rd := bufio.NewReader(conn)
		for {
			var cmd []string
			for {
				line, err := rd.ReadString('\n')
				if err != nil {
					return
				}
				line = strings.TrimRight(line, "\r\n")
				if line == "" {
					break
				}
				cmd = append(cmd, line)
			}
			if len(cmd) == 0 {
				continue
			}
			commands <- cmd[0]
			switch {
			case strings.HasPrefix(cmd[0], "auth "):
				fmt.Fprint(conn, "Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
			case strings.HasPrefix(cmd[0], "api "):
				fmt.Fprintf(conn, "Content-Type: api/response\nContent-Length: %d\n\n%s", len(reply), reply)
			case cmd[0] == "exit":
				fmt.Fprint(conn, "Content-Type: command/reply\nReply-Text: +OK bye\n\n")
				return
			}
		}
	}()
	return ln.Addr().String(), commands
}

func TestESLReloader(t *testing.T) {
	addr, commands := fakeESL(t, "+OK [Success]\n", false)
	r := dialplan.NewESLReloader(dialplan.ESLReloaderOptions{Address: addr, Password: "ClueCon", Timeout: 3 * time.Second, Logger: zerolog.Nop()})
	if err := r.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := <-commands; c != "auth ClueCon" {
		t.Errorf("first command %q", c)
	}
	if c := <-commands; strings.TrimSpace(c) != "api reloadxml" {
		t.Errorf("second command %q", c)
	}

	addr, _ = fakeESL(t, "-ERR no reloadxml here\n", false)
	r = dialplan.NewESLReloader(dialplan.ESLReloaderOptions{Address: addr, Password: "ClueCon", Timeout: 3 * time.Second})
	if err := r.Reload(context.Background()); !errors.Is(err, dialplan.ErrReload) || !strings.Contains(err.Error(), "-ERR") {
		t.Errorf("err = %v", err)
	}

	// A server that never asks for auth: the timeout ends the wait.
	addr, _ = fakeESL(t, "", true)
	r = dialplan.NewESLReloader(dialplan.ESLReloaderOptions{Address: addr, Password: "ClueCon", Timeout: 200 * time.Millisecond})
	if err := r.Reload(context.Background()); !errors.Is(err, dialplan.ErrReload) || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "deadline") {
		t.Errorf("err = %v", err)
	}
}

func TestUnifiedDiff(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	new := "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\n"
	want := `--- old
+++ new
@@ -1,6 +1,6 @@
 a
 b
-c
+C
 d
 e
 f
@@ -8,3 +8,4 @@
 h
 i
 j
+k
`
	if got := dialplan.UnifiedDiff("old", "new", old, new); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if dialplan.UnifiedDiff("a", "b", old, old) != "" {
		t.Error("equal texts have a diff")
	}
	if got := dialplan.UnifiedDiff("/dev/null", "n", "", "x\n"); got != "--- /dev/null\n+++ n\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("new file diff:\n%s", got)
	}
}
