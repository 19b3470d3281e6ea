package ivr

import (
	"testing"
	"time"
)

// A lookup's URL takes the call's values escaped for where they stand: in
// the path as a path segment (a space is %20: "+" there is a plus), in
// the query as a query value. Both were escaped as query values, so a
// looked-up "on its way" reached the service's path as "on+its+way".
func TestLookupURLEscapesByPlace(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"http://crm.local/orders/{v}", "http://crm.local/orders/on%20its%20way%2F1%3F"},
		{"http://crm.local/find?q={v}&n={n}", "http://crm.local/find?q=on+its+way%2F1%3F&n=12%2334"},
		{"http://crm.local/c/{n}/s?q={v}", "http://crm.local/c/12%2334/s?q=on+its+way%2F1%3F"},
	} {
		l := &LookupNode{URL: tc.url, Timeout: time.Second}
		_, acts := l.Enter(At{}, State{Vars: map[string]string{"v": "on its way/1?", "n": "12#34"}})
		if got := acts[0].(Lookup).URL; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.url, got, tc.want)
		}
	}
}
