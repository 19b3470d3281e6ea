package esl_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// fakeChannel waits (up to 30 s) for the fake to have channel id.
func fakeChannel(t *testing.T, fs *esltest.Server, id string) (esltest.ChannelState, bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if st, ok := fs.Channel(id); ok {
			return st, true
		}
	}
	return esltest.ChannelState{}, false
}

// oddValues are caller names and variable values an originate must carry
// as they are: FreeSWITCH reads its {...} block through three passes of
// its splitter (see esltest.parseOriginate), so a backslash, a quote or a
// comma sent as written comes out changed, or swallows the variables
// after it. FreeSWITCH sets no variable whose value holds "${" (its
// var_check), though the caller id shows it.
var oddValues = []string{
	`O'Brien's "Bistro", Zoë {x} [y]`,
	`Дмитрий 😀`,
	`back\slash`,
	`trailing\`,
	`x\,y`,
	`a=b;c|d&e!`,
	`${hostname}`,
	`tab	and \n \s \t`,
	` spaced `,
	`'`,
	`it's`,
}

// TestOriginateOddValues: the fake reads originate as FreeSWITCH does, and
// the caller's name and number and every variable arrive as sent; a
// caller's name with braces that do not balance arrives with parentheses.
func TestOriginateOddValues(t *testing.T) {
	f := newFixture(t, esl.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i, v := range oddValues {
		id := pbx.ChannelID("odd-" + string(rune('a'+i)))
		req := pbx.OriginateRequest{ChannelID: id, Endpoint: f.fs.NewPhone(esltest.Phone{Mode: esltest.NoAnswer}), CallerID: "+1555" + v, CallerName: v,
			Vars: map[string]string{"hotline_note": v, "HOTLINE_QUEUE": "sales"}}
		if err := f.sw.Originate(ctx, req); err != nil {
			t.Errorf("originate with %q: %v", v, err)
			continue
		}
		st, ok := fakeChannel(t, f.fs, string(id))
		if !ok {
			t.Errorf("%q: no channel %s", v, id)
			continue
		}
		for name, want := range map[string]string{"origination_caller_id_name": v, "origination_caller_id_number": "+1555" + v,
			"hotline_note": v, "HOTLINE_QUEUE": "sales", "origination_uuid": string(id)} {
			if strings.Contains(want, "${") {
				want = ""
			}
			if got := st.Vars[name]; got != want {
				t.Errorf("%s: FreeSWITCH would read %q; sent %q", name, got, want)
			}
		}
	}
	const unbalanced = "Smith }{ Co"
	if err := f.sw.Originate(ctx, pbx.OriginateRequest{ChannelID: "odd-brace", Endpoint: f.fs.NewPhone(esltest.Phone{Mode: esltest.NoAnswer}), CallerName: unbalanced}); err != nil {
		t.Fatalf("originate with the name %q: %v", unbalanced, err)
	}
	if st, _ := fakeChannel(t, f.fs, "odd-brace"); st.Vars["origination_caller_id_name"] != "Smith )( Co" {
		t.Errorf("name %q arrived as %q; want Smith )( Co", unbalanced, st.Vars["origination_caller_id_name"])
	}
}

// TestFreeSWITCHOriginateOddValues: on the real switch, the caller's name
// and number and a variable carry odd values as sent: read back from
// Hotline's own leg, and the name as the phone's half of the loopback
// shows it.
func TestFreeSWITCHOriginateOddValues(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ep := fs.endpoint(farend.Phone{Mode: farend.PhoneNoAnswer}, tag)
	ids := map[pbx.ChannelID]string{}
	for i, v := range oddValues {
		id := pbx.ChannelID(fmt.Sprintf("%s-odd-%d", tag, i))
		ids[id] = v
		req := pbx.OriginateRequest{ChannelID: id, Endpoint: ep, CallerID: "+1555" + v, CallerName: v, Timeout: 30 * time.Second,
			Vars: map[string]string{"hotline_note": v}}
		if err := sw.Originate(ctx, req); err != nil {
			t.Errorf("originate with %q: %v", v, err)
		}
	}
	for id, v := range ids {
		for name, want := range map[string]string{"origination_caller_id_name": v, "origination_caller_id_number": "+1555" + v, "hotline_note": v} {
			if strings.Contains(want, "${") {
				continue // not set: FreeSWITCH's var_check
			}
			var got string
			var err error
			for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
				if got, err = sw.GetVar(ctx, id, name); !errors.Is(err, pbx.ErrNoChannel) {
					break
				}
			}
			if err != nil || got != want {
				t.Errorf("%s on %s: %q, %v; sent %q", name, id, got, err, want)
			}
		}
	}
	var list struct {
		Rows []map[string]string `json:"rows"`
	}
	shown := map[string]string{}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && len(shown) < len(ids); time.Sleep(100 * time.Millisecond) {
		list.Rows = nil
		_ = json.Unmarshal([]byte(fs.api(t, "show channels as json")), &list)
		for _, c := range list.Rows {
			if strings.HasSuffix(c["name"], "-b") && strings.HasPrefix(c["cid_num"], "+1555") {
				shown[strings.TrimPrefix(c["cid_num"], "+1555")] = c["cid_name"]
			}
		}
	}
	for _, v := range oddValues {
		if shown[v] != v {
			t.Errorf("the phone's half shows the name %q; sent %q", shown[v], v)
		}
	}
}
