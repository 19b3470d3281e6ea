package staffing

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// erlangCDirect is the textbook formula with factorials, valid for small n;
// it checks the recursion the package uses.
func erlangCDirect(a float64, n int) float64 {
	var sum float64
	term := 1.0
	for k := 0; k < n; k++ {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	top := term * a / float64(n) * float64(n) / (float64(n) - a)
	return top / (sum + top)
}

func TestErlangCAgainstTextbook(t *testing.T) {
	for _, tc := range []struct {
		calls float64
		aht   time.Duration
		n     int
	}{
		{200, 3 * time.Minute, 11},
		{200, 3 * time.Minute, 12},
		{200, 3 * time.Minute, 15},
		{360, 4 * time.Minute, 26},
		{60, time.Minute, 2},
	} {
		tr := Traffic{CallsPerHour: tc.calls, AHT: tc.aht}
		r, err := Model(tr, tc.n, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		a := tc.calls / 3600 * tc.aht.Seconds()
		want := erlangCDirect(a, tc.n)
		if math.Abs(r.PWait-want) > 1e-9 {
			t.Errorf("%v calls/h, %v, %d agents: PWait %.6f, textbook %.6f", tc.calls, tc.aht, tc.n, r.PWait, want)
		}
		sl := 1 - want*math.Exp(-(float64(tc.n)-a)*20/tc.aht.Seconds())
		if math.Abs(r.ServiceLevel-sl) > 1e-9 {
			t.Errorf("SL %.6f, want %.6f", r.ServiceLevel, sl)
		}
		asa := want * tc.aht.Seconds() / (float64(tc.n) - a)
		if math.Abs(r.ASA.Seconds()-asa) > 1e-6 {
			t.Errorf("ASA %v, want %.3fs", r.ASA, asa)
		}
	}
	// A well-known figure: 10 Erlangs on 12 agents wait with probability 0.4494.
	r, _ := Model(Traffic{CallsPerHour: 200, AHT: 3 * time.Minute}, 12, 20*time.Second)
	if math.Abs(r.PWait-0.4494) > 0.0005 {
		t.Errorf("10 E on 12 agents: PWait %.4f, want 0.4494", r.PWait)
	}
}

func TestErlangCUnstable(t *testing.T) {
	r, err := Model(Traffic{CallsPerHour: 200, AHT: 3 * time.Minute}, 10, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stable {
		t.Fatal("10 Erlangs on 10 agents reported stable")
	}
}

// With very patient callers Erlang A tends to Erlang C.
func TestErlangATendsToC(t *testing.T) {
	tr := Traffic{CallsPerHour: 200, AHT: 3 * time.Minute}
	c, _ := Model(tr, 12, 20*time.Second)
	tr.Patience = 1000 * time.Hour
	a, err := Model(tr, 12, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		name      string
		got, want float64
	}{
		{"PWait", a.PWait, c.PWait},
		{"SL", a.ServiceLevel, c.ServiceLevel},
		{"ASA", a.ASA.Seconds(), c.ASA.Seconds()},
	} {
		if math.Abs(d.got-d.want) > 0.002*math.Max(1, d.want) {
			t.Errorf("%s: Erlang A %.5f, Erlang C %.5f", d.name, d.got, d.want)
		}
	}
	if a.Abandon > 1e-4 {
		t.Errorf("abandon %.6f with near-infinite patience", a.Abandon)
	}
}

// The share of callers who abandon is computed two ways: from the stationary
// queue length (θ·E[Q]/λ) and from the tagged caller's own chances; they
// must agree, as must the service level at an unbounded threshold with the
// share answered.
func TestErlangAConsistent(t *testing.T) {
	for _, tc := range []struct {
		calls    float64
		aht, pat time.Duration
		n        int
	}{
		{200, 3 * time.Minute, 2 * time.Minute, 9},
		{200, 3 * time.Minute, 2 * time.Minute, 12},
		{1200, 5 * time.Minute, time.Minute, 95},
		{30, 10 * time.Minute, 30 * time.Second, 3},
	} {
		tr := Traffic{CallsPerHour: tc.calls, AHT: tc.aht, Patience: tc.pat}
		r, err := Model(tr, tc.n, 1000*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		answered := r.ServiceLevel // every answered caller is answered within the huge threshold
		if math.Abs((1-answered)-r.Abandon) > 1e-6 {
			t.Errorf("%+v: abandon by queue length %.6f, by tagged caller %.6f", tc, r.Abandon, 1-answered)
		}
		if math.Abs(r.ServiceLevelAnswered-1) > 1e-6 {
			t.Errorf("%+v: SL over answered at an unbounded threshold %.6f, want 1", tc, r.ServiceLevelAnswered)
		}
		// Occupancy equals the carried load: λ(1−abandon)/μ over n.
		carried := tc.calls / 3600 * tc.aht.Seconds() * (1 - r.Abandon) / float64(tc.n)
		if math.Abs(carried-r.Occupancy) > 1e-6 {
			t.Errorf("%+v: occupancy %.6f, carried load says %.6f", tc, r.Occupancy, carried)
		}
	}
}

func TestAgentsMeetsTarget(t *testing.T) {
	tr := Traffic{CallsPerHour: 200, AHT: 3 * time.Minute}
	r, err := Agents(tr, Target{Share: 0.8, Within: 20 * time.Second}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.ServiceLevel < 0.8 {
		t.Fatalf("%d agents give %.3f", r.Agents, r.ServiceLevel)
	}
	less, _ := Model(tr, r.Agents-1, 20*time.Second)
	if less.Stable && less.ServiceLevel >= 0.8 {
		t.Fatalf("%d agents suffice already (%.3f)", r.Agents-1, less.ServiceLevel)
	}
	// Abandoning callers shorten the line: Erlang A never needs more agents.
	tr.Patience = 2 * time.Minute
	ra, err := Agents(tr, Target{Share: 0.8, Within: 20 * time.Second}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Agents > r.Agents {
		t.Fatalf("Erlang A wants %d agents, Erlang C %d", ra.Agents, r.Agents)
	}
}

func TestBadInput(t *testing.T) {
	for _, tr := range []Traffic{
		{CallsPerHour: 0, AHT: time.Minute},
		{CallsPerHour: math.NaN(), AHT: time.Minute},
		{CallsPerHour: math.Inf(1), AHT: time.Minute},
		{CallsPerHour: 10, AHT: 0},
		{CallsPerHour: 10, AHT: time.Minute, Patience: -time.Second},
		{CallsPerHour: 1e9, AHT: time.Hour},
		{CallsPerHour: 1e-322, AHT: time.Hour, Patience: time.Minute}, // abandonment came out NaN
	} {
		if _, err := Model(tr, 5, time.Second); !errors.Is(err, ErrBadInput) {
			t.Errorf("%+v: err %v, want ErrBadInput", tr, err)
		}
	}
	if _, err := Agents(Traffic{CallsPerHour: 10, AHT: time.Minute}, Target{Share: 1.2}, 0); !errors.Is(err, ErrBadInput) {
		t.Errorf("share 1.2 accepted: %v", err)
	}
}

// TestFiguresStayFinite: every figure is a number in its range, also at
// the edges of the inputs: a load a hair under the agents (Erlang C's ASA
// overflowed the Duration and came out negative), the least traffic, an
// instant or very long patience and handle time.
func TestFiguresStayFinite(t *testing.T) {
	for _, tc := range []struct {
		tr Traffic
		n  int
	}{
		{Traffic{CallsPerHour: 3599.9999999999, AHT: 5 * time.Second}, 5},
		{Traffic{CallsPerHour: 3599.9999999999, AHT: 5 * time.Second, Patience: time.Minute}, 5},
		{Traffic{CallsPerHour: MinCallsPerHour, AHT: time.Nanosecond}, 1},
		{Traffic{CallsPerHour: MinCallsPerHour, AHT: time.Hour, Patience: time.Nanosecond}, 1},
		{Traffic{CallsPerHour: 100, AHT: 3 * time.Minute, Patience: time.Nanosecond}, 2},
		{Traffic{CallsPerHour: 1, AHT: 1000 * time.Hour}, 1},
	} {
		for _, th := range []time.Duration{0, time.Nanosecond, 20 * time.Second, 1000 * time.Hour} {
			r, err := Model(tc.tr, tc.n, th)
			if err != nil {
				t.Errorf("%+v n=%d: %v", tc.tr, tc.n, err)
				continue
			}
			for name, f := range map[string]float64{"occupancy": r.Occupancy, "p_wait": r.PWait, "service_level": r.ServiceLevel,
				"service_level_answered": r.ServiceLevelAnswered, "abandon": r.Abandon} {
				if math.IsNaN(f) || f < -1e-9 || f > 1+1e-9 {
					t.Errorf("%+v n=%d within %v: %s = %v", tc.tr, tc.n, th, name, f)
				}
			}
			if r.ASA < 0 || math.IsNaN(r.Load) || math.IsInf(r.Load, 0) {
				t.Errorf("%+v n=%d within %v: ASA %v, load %v", tc.tr, tc.n, th, r.ASA, r.Load)
			}
		}
	}
	if r, _ := Model(Traffic{CallsPerHour: 3599.9999999999, AHT: 5 * time.Second}, 5, 0); r.ASA != MaxASA {
		t.Errorf("ASA a hair under the load: %v, want MaxASA", r.ASA)
	}
}

// TestTooPatientRefused: callers far more patient than a call lasts, at a
// large load, need more work than any model may take; the answer is an
// error naming the patience (without the bounds the command ran out of
// time or memory), and a large but computable case still answers. How fast the refusal comes
// (a second or so: the models' work is bounded by maxQueued and maxSteps)
// is BenchmarkTooPatientRefused's, not a wall-clock check here: under a
// loaded machine it took 14 s.
func TestTooPatientRefused(t *testing.T) {
	for _, tr := range tooPatientTraffic {
		_, err := Agents(tr, Target{Share: 0.8, Within: 20 * time.Second}, 0)
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "mean patience of") {
			t.Errorf("%+v: %v, want ErrBadInput naming the patience", tr, err)
		}
	}
	r, err := Agents(Traffic{CallsPerHour: 10000, AHT: time.Hour, Patience: 10000 * time.Hour}, Target{Share: 0.8, Within: 20 * time.Second}, 0)
	if err != nil || r.Agents < 10000 {
		t.Errorf("10,000 Erlangs, patience 10,000 h: %+v %v", r, err)
	}
}

var tooPatientTraffic = []Traffic{
	{CallsPerHour: 1e6, AHT: time.Second, Patience: 10000 * time.Hour},
	{CallsPerHour: 72e6, AHT: time.Second, Patience: time.Hour},
}

func BenchmarkTooPatientRefused(b *testing.B) {
	for b.Loop() {
		for _, tr := range tooPatientTraffic {
			if _, err := Agents(tr, Target{Share: 0.8, Within: 20 * time.Second}, 0); err == nil {
				b.Fatal("answered")
			}
		}
	}
}

func BenchmarkErlangALarge(b *testing.B) {
	tr := Traffic{CallsPerHour: 12000, AHT: 5 * time.Minute, Patience: 2 * time.Minute}
	for b.Loop() {
		if _, err := Model(tr, 1000, 20*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}
