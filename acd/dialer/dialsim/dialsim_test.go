package dialsim

import (
	"testing"

	"github.com/hotline-cc/hotline/acd/dialer"
)

// The pacer on the reference model: predictive beats progressive and power
// on talk time and keeps abandonment under the 3 % cap at every hour.
func TestModesOnReferenceModel(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 3 agent-days")
	}
	res := map[dialer.Mode]Result{}
	for _, m := range []dialer.Mode{dialer.Progressive, dialer.Power, dialer.Predictive} {
		r, err := Simulate(Run{Agents: 20, Hours: 3, Seed: 7, Model: DefaultModel(), Pacer: dialer.DefaultOptions(m)})
		if err != nil {
			t.Fatal(err)
		}
		res[m] = r
		t.Logf("%-11v talk %.1f min/agent-h, abandoned %.2f%% (worst hour %.2f%%), %.1f dials/agent-h, idle %.0f%%",
			m, r.TalkMinPerAgentHour, 100*r.AbandonRate, 100*r.MaxHourlyAbandonRate, r.DialsPerAgentHour, 100*r.IdleShare)
	}
	pg, pw, pd := res[dialer.Progressive], res[dialer.Power], res[dialer.Predictive]
	if pg.Abandoned != 0 {
		t.Errorf("progressive abandoned %d calls", pg.Abandoned)
	}
	if pd.MaxHourlyAbandonRate > 0.03 {
		t.Errorf("predictive abandonment reached %.2f%%", 100*pd.MaxHourlyAbandonRate)
	}
	if pd.TalkMinPerAgentHour < pg.TalkMinPerAgentHour+5 || pd.TalkMinPerAgentHour < pw.TalkMinPerAgentHour {
		t.Errorf("predictive talk %.1f, progressive %.1f, power %.1f", pd.TalkMinPerAgentHour, pg.TalkMinPerAgentHour, pw.TalkMinPerAgentHour)
	}
	// The ceiling for the model is 60 × 120 / (120 + 15) = 53.3.
	if pd.TalkMinPerAgentHour > 53.4 {
		t.Errorf("predictive talk %.1f is above what the model allows", pd.TalkMinPerAgentHour)
	}
}

func TestDeterministic(t *testing.T) {
	run := Run{Agents: 5, Hours: 0.5, Seed: 3, Model: DefaultModel(), Pacer: dialer.DefaultOptions(dialer.Predictive)}
	a, _ := Simulate(run)
	b, _ := Simulate(run)
	if a != b {
		t.Fatalf("same seed, different days:\n%+v\n%+v", a, b)
	}
}

func TestBadRun(t *testing.T) {
	m := DefaultModel()
	m.AnswerRate = 0
	for _, r := range []Run{
		{Agents: 0, Hours: 1, Model: DefaultModel(), Pacer: dialer.DefaultOptions(dialer.Progressive)},
		{Agents: 5, Hours: -1, Model: DefaultModel(), Pacer: dialer.DefaultOptions(dialer.Progressive)},
		{Agents: 5, Hours: 1, Model: m, Pacer: dialer.DefaultOptions(dialer.Progressive)},
	} {
		if _, err := Simulate(r); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}
