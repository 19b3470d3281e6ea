package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

// russian is what a Russian (ЙЦУКЕН) layout types on the keys A..Z.
var russian = map[rune]string{
	'a': "ф", 'b': "и", 'c': "с", 'd': "в", 'e': "у", 'f': "а", 'g': "п", 'h': "р", 'i': "ш", 'j': "о", 'k': "л", 'l': "д", 'm': "ь",
	'n': "т", 'o': "щ", 'p': "з", 'q': "й", 'r': "к", 's': "ы", 't': "е", 'u': "г", 'v': "м", 'w': "ц", 'x': "ч", 'y': "н", 'z': "я",
}

// ruKey presses the key that is letter on a US keyboard with a Russian
// layout on: the event's code names the physical key (KeyL), its key and
// text the Russian letter (д). The text comes with the key-down, as
// Chromium sends it, so a page that handles the key-down stops the typing.
func ruKey(letter rune) chromedp.Action[chromedp.Void] {
	ru, ok := russian[letter]
	if !ok {
		panic("ruKey: no Russian letter for " + string(letter))
	}
	up := strings.ToUpper(string(letter))
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: ru, Code: "Key" + up, Text: ru, UnmodifiedText: ru,
		WindowsVirtualKeyCode: int64(up[0]), NativeVirtualKeyCode: int64(up[0])}
	release := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: ru, Code: down.Code,
		WindowsVirtualKeyCode: down.WindowsVirtualKeyCode, NativeVirtualKeyCode: down.NativeVirtualKeyCode}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, p := range []input.DispatchKeyEventParams{down, release} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// aliceDesk starts a daemon on yaml with alice's simulated phone set to
// phone, and a browser signed in as al, alice's user, on her desk; the
// browser gives up after 45 s.
func aliceDesk(t *testing.T, yaml string, phone farend.Phone) (context.Context, *testDaemon) {
	t.Helper()
	d := newTestDaemon(t, yaml)
	if err := d.sw.SetPhone("sim/alice", phone); err != nil {
		t.Fatal(err)
	}
	return openDesk(t, d, New(d.rt, d.db, zerolog.Nop())), d
}

// openDesk serves h with al, alice's user, and signs al in on her desk in
// a browser that gives up after 45 s.
func openDesk(t *testing.T, d *testDaemon, h *Server) context.Context {
	t.Helper()
	ctx, cancel := browser(t)
	t.Cleanup(cancel)
	url := serveUsers(t, h, d, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
	t.Cleanup(cancelT)
	if err := signInDesk(ctx, url); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	return ctx
}

// With a Russian layout on, the desk's letter keys still work: the desk
// reads the physical key. Typed into a text field, the same keys only type.
func TestBrowserDeskKeysRussianLayout(t *testing.T) {
	ctx, d := aliceDesk(t, browserYAML, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 100 * time.Millisecond})
	if err := pickLang(ctx, "ru"); err != nil {
		t.Fatal(err)
	}
	// The event the page sees carries the Russian key and the Latin code.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.lastKey = ""; document.addEventListener("keydown", (e) => { lastKey = e.key + " " + e.code; }); true`)); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		key   rune
		state string
	}{{'l', "available"}, {'p', "paused"}, {'r', "available"}} {
		if err := chromedp.Do(ctx, ruKey(step.key), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-"+step.state))); err != nil {
			t.Fatalf("key %c (%s): %v", step.key, russian[step.key], err)
		}
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`lastKey`)); err != nil || got != "к KeyR" {
		t.Errorf("the page saw %q (%v), want key к with code KeyR", got, err)
	}
	// In the pause reason field, P (з) types a letter and pauses nobody.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("pause-reason").value = ""; true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.ID("pause-reason")), ruKey('p'), ruKey('o')); err != nil {
		t.Fatal(err)
	}
	typed, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise(r => setTimeout(() => r(document.getElementById("pause-reason").value + "|" + document.getElementById("desk-state").className), 400))`, chromedp.EvalAwaitPromise))
	if err != nil || typed != "зщ|state state-available" {
		t.Errorf("typing з щ in the reason field: value|state = %q (%v), want the letters typed and the agent still available", typed, err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\u001b")); err != nil { // Escape leaves the field
		t.Fatal(err)
	}
	// A call: H (р) holds the caller and takes it back, T (е) goes to the
	// transfer target.
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("call-controls")), callPhase("bridged")); err != nil {
		t.Fatalf("call not bridged on the desk: %v", err)
	}
	if err := chromedp.Do(ctx, ruKey('h'), callPhase("held")); err != nil {
		t.Fatalf("H (р) did not hold: %v", err)
	}
	screenshot(t, ctx, "desk-keys-ru-held")
	if err := chromedp.Do(ctx, ruKey('h'), callPhase("bridged")); err != nil {
		t.Fatalf("H (р) did not take the caller back: %v", err)
	}
	if err := chromedp.Do(ctx, ruKey('t'), poll(`document.activeElement.id === "xfer-target"`)); err != nil {
		t.Fatalf("T (е) did not go to the transfer target: %v", err)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("xfer-target"))); err != nil || strings.TrimSpace(v) != "" {
		t.Errorf("the T press typed %q into the target (%v)", v, err)
	}
}
