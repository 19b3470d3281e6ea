package esltest

import "testing"

// What FreeSWITCH 1.11.1 made of origination_caller_id_name=<sent> in
// "bgapi originate {<sent>,origination_caller_id_number=555}loopback/99/ctx &park()":
// the far half's Caller-Caller-ID-Name (and number).
func TestParseOriginateLikeFreeSWITCH(t *testing.T) {
	for _, c := range []struct{ sent, got, num string }{
		{`'O\'Brien\, Zoë {x} [y]'`, `O'Brien, Zoë {x} [y]`, ""},
		{`Zoë\,Ann`, `Zoë,Ann`, ""},
		{`'a "b" c'`, `a "b" c`, ""},
		{`'=x;y|z&!'`, `=x;y|z&!`, ""},
		{`'back\\slash'`, `back lash`, ""},
		{`'a\\\\b'`, `a\b`, ""},
		{`a\\\\b`, `a\b`, ""},
		{`a\b`, `a\b`, ""},
		{`'trail\\\\'`, `trail\`, ""},
		{`'x\\\\\,y'`, `x\,y`, ""},
		{`'O\'Brien'`, `O'Brien`, ""},
		{`O\'Brien`, `O'Brien`, ""},
		{`'O\'Brien\'s x'`, `OBriens x`, ""},
		{`'O\\\'Brien\\\'s x'`, `OBriens x`, ""},
		{`O\'Brien\'s\sx`, `OBriens x`, ""},
		{`'O\\'Brien\\'s x'`, `O\Brien  x`, ""},
		{`a\\\\b\sc\,d`, `a\b c,d`, ""},
		{`x\{y\}z`, `x\{y\}z`, ""},
		{`x{y}z`, `x{y}z`, ""},
		{`${hostname}`, `${hostname}`, ""},
		{`é\t\n`, "é\t\n", ""},
		{`'trail\\'`, `trail,origination_caller_id_number=555`, "-"},
	} {
		if c.num == "" {
			c.num = "555"
		} else if c.num == "-" {
			c.num = "" // swallowed by the name
		}
		_, cid, endpoint, app, err := parseOriginate("{origination_caller_id_name=" + c.sent + ",origination_caller_id_number=555}loopback/99/ctx &park()")
		if err != nil || endpoint != "loopback/99/ctx" || app != "&park()" {
			t.Errorf("%s: endpoint %q app %q err %v", c.sent, endpoint, app, err)
			continue
		}
		if cid.name != c.got || cid.num != c.num {
			t.Errorf("%s: name %q number %q; FreeSWITCH made %q of it", c.sent, cid.name, cid.num, c.got)
		}
	}
}
