package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/speech"
)

const ivrTestConfig = `
store: {path: hotline.db}
queues: [{name: support}]
entries: [{number: "100", flow: shop}]
flows:
  shop:
    start: faq
    nodes:
      faq:
        kind: faq
        say: {en: "Ask, or press 1 for hours, 2 for your order, 0 for a person."}
        after: {en: "1 to repeat, 2 for another question."}
        timeout: 5s
        retries: 0
        agent: agent
        entries:
          - {id: hours, key: "1", say: {en: "Open nine to six."}, phrases: {en: ["opening hours", "when are you open"]}}
          - {id: order, key: "2", say: {en: "Your order number, please."}, phrases: {en: ["where is my order"]}}
      agent: {kind: queue, queue: support, skills: {orders: 1}}
  order:
    start: ask
    nodes:
      ask: {kind: collect, say: {en: "Order number?"}, var: order, length: 4, timeout: 3s, next: status, fallback: agent}
      status: {kind: lookup, url: "SERVICE/orders/{order}", read: {state: status}, timeout: 2s, next: tell, on_failure: agent}
      tell: {kind: play, say: {en: "Order {order} is {state}."}, next: bye}
      bye: {kind: hangup}
      agent: {kind: queue, queue: support}
`

func ivrRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/orders/4711" {
			w.Write([]byte(`{"status": "on its way"}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	path := filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(ivrTestConfig, "SERVICE", srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), append(args, "--config", path), &out, &errb)
	return out.String() + errb.String(), code
}

func TestIVRTry(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string // in this order
	}{
		{"key, repeat, hang up after the answer", []string{"ivr", "try", "shop", "--keys", "1,1"},
			[]string{`hears (en) "Ask, or press 1`, "caller presses 1", "faq-answer hours by key 1", `hears (en) "Open nine to six."`,
				"faq-repeat hours", "caller stays silent", "faq-done hours", "⇒ hang up"}},
		{"spoken question", []string{"ivr", "try", "shop", "--say", "when do you open"},
			[]string{`caller says "when do you open"`, `faq-recognized "when do you open" → hours`, "⇒ hang up"}},
		{"a person", []string{"ivr", "try", "shop", "--keys", "0"},
			[]string{"faq-agent key 0", "⇒ queue support orders>=1"}},
		{"lookup speaks the answer", []string{"ivr", "try", "order", "--keys", "4711"},
			[]string{"collected order=4711", "lookup GET http", "/orders/4711", "lookup lookup-result state=on its way", `hears (en) "Order 4711 is on its way."`, "⇒ hang up"}},
		{"lookup fails", []string{"ivr", "try", "order", "--keys", "1234"},
			[]string{"lookup-failed HTTP 404", "⇒ queue support"}},
		{"lookup not sent", []string{"ivr", "try", "order", "--keys", "1234", "--lookups=false"},
			[]string{"lookup not sent", "lookup-timeout 2s", "⇒ queue support"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := ivrRun(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			rest := out
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestIVRShow(t *testing.T) {
	out, code := ivrRun(t, "ivr", "show", "order")
	want := `ask [collect] digits into {order}
  next: status [lookup] `
	if code != 0 || !strings.HasPrefix(out, want) || !strings.Contains(out, "      next: bye [hangup] → hang up\n") ||
		!strings.Contains(out, "    on_failure: agent [queue] → queue support\n") || !strings.Contains(out, "  fallback: → agent (see above)\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if out, code := ivrRun(t, "ivr", "show", "nope"); code != exitInvalid || !strings.Contains(out, `no flow "nope" in the configuration; flows: order, shop`) {
		t.Errorf("unknown flow: exit %d: %s", code, out)
	}
}

// A key no phone has is refused by name: "x" was pressed into the trace.
func TestIVRTryRefusesNonKeys(t *testing.T) {
	if out, code := ivrRun(t, "ivr", "try", "order", "--keys", "47x1"); code != exitInvalid || !strings.Contains(out, `--keys: "x" is not a phone key`) {
		t.Errorf("exit %d: %s", code, out)
	}
}

func TestIVRPrompts(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed")
	}
	dir := t.TempDir()
	out, code := ivrRun(t, "ivr", "prompts", "--dir", dir)
	if code != 0 || !strings.Contains(out, "5 rendered, 0 already there, 1 with variables") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	name, err := (&speech.Prompts{Speed: 150}).File("en", "Open nine to six.")
	if err != nil {
		t.Fatal(err)
	}
	wav, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	// RIFF header: channels at 22, sample rate at 24, bits at 34.
	if string(wav[:4]) != "RIFF" || binary.LittleEndian.Uint16(wav[22:]) != 1 || binary.LittleEndian.Uint32(wav[24:]) != 8000 ||
		binary.LittleEndian.Uint16(wav[34:]) != 16 || len(wav) < 8000 {
		t.Errorf("not 8 kHz mono 16-bit speech: % x (%d bytes)", wav[:36], len(wav))
	}
	if out, code = ivrRun(t, "ivr", "prompts", "--dir", dir); code != 0 || !strings.Contains(out, "0 rendered, 5 already there") {
		t.Errorf("second run: exit %d:\n%s", code, out)
	}
}

func TestIVRPromptsWithoutTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out, code := ivrRun(t, "ivr", "prompts", "--dir", t.TempDir())
	if code == 0 || !strings.Contains(out, "espeak-ng not found in PATH; install it (Debian: apt-get install espeak-ng sox)") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
