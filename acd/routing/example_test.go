package routing_test

import (
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/acd/routing"
)

func Example() {
	var skills routing.Catalog
	ana, _ := skills.Levels(map[string]int{"spanish": 8, "billing": 3})
	bo, _ := skills.Levels(map[string]int{"spanish": 4})
	req, _ := skills.Requirement(map[string]int{"spanish": 5}, routing.AnyPenalty)
	relaxed, _ := skills.Requirement(map[string]int{"spanish": 1}, routing.AnyPenalty)
	targets := []routing.Target{{After: time.Minute, Req: relaxed}}

	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	agents := []routing.Agent{
		{Levels: ana, Available: true, IdleSince: now.Add(-time.Minute)},
		{Levels: bo, Available: true, IdleSince: now.Add(-time.Hour)},
	}
	q := routing.QueueState{Strategy: routing.LongestIdle, Members: []routing.Member{{Agent: 0}, {Agent: 1}}}
	for _, waited := range []time.Duration{0, 2 * time.Minute} {
		r := routing.Request{Req: routing.Relax(req, targets, waited), Waited: waited}
		fmt.Printf("waited %v: ring %v\n", waited, q.Select(agents, r, now, nil))
	}

	var est routing.Estimator
	est.Observe(now, 4*time.Minute)
	est.Observe(now, 6*time.Minute)
	wait, _ := est.EstimateWait(3, 2, now) // third in line, two agents
	fmt.Println("estimated wait:", wait)
	// Output:
	// waited 0s: ring [0]
	// waited 2m0s: ring [1]
	// estimated wait: 7m30s
}
